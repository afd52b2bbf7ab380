package netrpcx

import (
	"context"
	"sync"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/observe"
)

// Empty is the request type of a generated adapter method whose Go method
// has no parameters besides the context. On the wire it is an empty struct:
// gob decodes any empty struct (and JSON any object) into it.
// Its unexported byte is never sent.
type Empty struct{ _ byte }

// Handle is Run under its former name, which read like stdhttp.Handle
// (which registers a route; this runs a call).
//
// Deprecated: generated code calls Run; regenerate to use it.
func Handle(args any, call func(context.Context) error) error { return Run(args, call) }

// Run runs one call of a generated net/rpc adapter's exported method, the
// one stock codecs (rpc.ServeConn, jsonrpc.ServeConn) call. args is the
// request the adapter received; call runs the implementation with
// context.Background(), since a stock codec has no deadline or metadata to
// give, and without interceptors.
//
// netrpcx servers do not come here: they call the method's Unary call
// (see NewMethod) with the call's context, which carries the caller's
// deadline, cancellation and metadata (stdrpc.Incoming), within the
// server's interceptors. Either way a panic in call is recovered and logged, and reported as
// stdrpc.Internal, and the returned error is the one the caller should see:
// a *stdrpc.Error keeps its code, a context error becomes DeadlineExceeded
// or Canceled, and any other error becomes Unknown without its text (which is
// logged) unless the server has WithErrorText. Its text is the response's
// error string, so stock clients read "not_found: user 7".
func Run(args any, call func(context.Context) error) error {
	return finish(context.Background(), nil, stdrpc.CallInfo{}, defaultServerOptions, call)
}

// run runs call as the call st: with its context, its metadata and the
// server's interceptors.
func (st *callState) run(call func(context.Context) error) error {
	var err error
	if st.stream != 0 {
		err = notAStream(st)
	} else {
		ctx := st.ctx
		if st.md != nil {
			ctx = stdrpc.WithIncoming(ctx, st.md)
		}
		err = finish(ctx, st, st.info, st.codec.opts, call)
	}
	st.answered()
	return err
}

// answered records that st's response follows at once: the codec counts
// it in responding until written (see serverCodec.WriteResponse).
func (st *callState) answered() {
	st.codec.responding.Add(1)
	st.handled = true
}

// streamError maps the error that ends a stream's call as Run maps a
// call's, and keeps its code for the response.
func (st *callState) streamError(err error) error {
	if err == nil {
		return nil
	}
	e := st.codec.opts.core.Wire(st.ctx, st.info, err)
	st.code = e.Code()
	return e
}

// defaultServerOptions serve calls that arrive through a stock codec. It is
// never modified.
var defaultServerOptions = newServerOptions(nil)

// finish runs call with the interceptors, recovers a panic, and maps the
// error (see core.Server). st, if not nil, receives the code to send.
func finish(ctx context.Context, st *callState, info stdrpc.CallInfo, o *serverOptions, call func(context.Context) error) error {
	err := o.core.Run(ctx, info, call)
	if err == nil {
		return nil
	}
	e := o.core.Wire(ctx, info, err)
	if st != nil {
		st.code = e.Code()
	}
	return e
}

// callState is what a server codec knows about one call.
type callState struct {
	codec  *serverCodec
	seq    uint64
	stream uint64 // the open stream whose next batch the call asks for, or 0
	info   stdrpc.CallInfo
	ctx    context.Context
	cancel context.CancelFunc
	md     stdrpc.Metadata

	code    stdrpc.Code // set by Run for a failed call
	handled bool        // Run ran, so codec.responding counts this call
	nilReq  bool        // the request is nil (a Method with NilRequest)
	charged int64       // the bytes of its request charged to the memory budget
	guessed int64       // the part of charged that is for its reply (see memBudget.replies)

	obs observe.Call // the call as an Observer sees it; a stream's moves to the stream

	// A call of a method Register recorded: the method, its full name,
	// and its request and reply.
	method        *Method
	serviceMethod string
	req, reply    any
}

var statePool = sync.Pool{New: func() any { return new(callState) }}
