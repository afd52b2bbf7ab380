package netrpcx

import (
	"context"
	"reflect"
	"sync"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/observe"
)

// Empty is the request type of a generated adapter method whose Go method
// has no parameters besides the context. On the wire it is an empty struct:
// gob decodes any empty struct (and JSON any object) into it.
//
// It is not struct{} because Handle finds a call's state by the address of
// its request, and every zero-size value may share one address (reflect.New
// of struct{} returns the same pointer each time). The unexported byte gives
// each call's Empty an address of its own and is never sent.
type Empty struct{ _ byte }

// Handle is Run under its former name, which read like stdhttp.Handle
// (which registers a route; this runs a call).
//
// Deprecated: generated code calls Run; regenerate to use it.
func Handle(args any, call func(context.Context) error) error { return Run(args, call) }

// Run runs one call of a generated net/rpc adapter method. args is the
// request the adapter received (a pointer); call runs the implementation with
// the call's context.
//
// When the connection is served by netrpcx (Serve, Server.Serve or
// Server.ServeConn), the context carries the caller's deadline, cancellation
// and metadata (stdrpc.Incoming), and the server's interceptors wrap call.
// When it is served by a stock codec (rpc.ServeConn, jsonrpc.ServeConn) the
// context is context.Background() and no interceptors run.
//
// Either way a panic in call is recovered and logged, and reported as
// stdrpc.Internal, and the returned error is the one the caller should see:
// a *stdrpc.Error keeps its code, a context error becomes DeadlineExceeded
// or Canceled, and any other error becomes Unknown without its text (which is
// logged) unless the server has WithErrorText. Its text is the response's
// error string, so stock clients read "not_found: user 7".
func Run(args any, call func(context.Context) error) error {
	st := calls.take(args)
	if st == nil {
		return finish(context.Background(), nil, stdrpc.CallInfo{}, defaultServerOptions, call)
	}
	return st.run(call)
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
	st.codec.responding.Add(1) // the response follows at once; see serverCodec.WriteResponse
	st.handled = true
	return err
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

// calls files the state of every call a netrpcx server codec has decoded but
// not yet answered, under the address of the call's request.
//
// It is package state, the one piece netrpcx has, because nothing else can
// reach Handle: rpc.Server calls the adapter method with only the request and
// the reply, by reflection, on a goroutine of its own, and the request is the
// only value the codec and the method share. Entries live only while a call
// is being served and are keyed by addresses unique at that time, so servers
// never see each other's entries. It is sharded so that parallel calls do not
// contend on one lock.
var calls registry

const registryShards = 64

type registry struct {
	shards [registryShards]struct {
		mu sync.Mutex
		m  map[uintptr]*callState
		_  [48]byte // pad the 16 bytes above to a 64-byte cache line of its own
	}
}

// key returns args' address and whether args can be filed: only a pointer to
// a value of non-zero size has an address of its own.
func key(args any) (uintptr, bool) {
	v := reflect.ValueOf(args)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Type().Elem().Size() == 0 {
		return 0, false
	}
	return v.Pointer(), true
}

func shard(k uintptr) int {
	return int((uint64(k) >> 4) * 0x9E3779B97F4A7C15 >> (64 - 6))
}

// put files st under args. st keeps args alive, so the address cannot be
// reused by another call while the entry exists.
func (r *registry) put(args any, st *callState) {
	k, ok := key(args)
	if !ok {
		return
	}
	st.args, st.key = args, k
	s := &r.shards[shard(k)]
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[uintptr]*callState)
	}
	s.m[k] = st
	s.mu.Unlock()
}

// take removes and returns the state filed under args, or nil.
func (r *registry) take(args any) *callState {
	k, ok := key(args)
	if !ok {
		return nil
	}
	s := &r.shards[shard(k)]
	s.mu.Lock()
	st := s.m[k]
	if st != nil {
		delete(s.m, k)
	}
	s.mu.Unlock()
	if st != nil {
		st.args = nil
	}
	return st
}

// drop removes st's entry if Handle did not take it (the method was not a
// generated adapter).
func (r *registry) drop(st *callState) {
	if st.args == nil {
		return
	}
	s := &r.shards[shard(st.key)]
	s.mu.Lock()
	if s.m[st.key] == st {
		delete(s.m, st.key)
	}
	s.mu.Unlock()
	st.args = nil
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

	args any // the filed request, while filed
	key  uintptr

	code    stdrpc.Code // set by Run for a failed call
	handled bool        // Run ran, so codec.responding counts this call
	nilReq  bool        // the request is nil (a Method with NilRequest)
	charged int64       // the bytes of its request charged to the memory budget

	obs observe.Call // the call as an Observer sees it; a stream's moves to the stream

	// A call of a method Register recorded: the method, its full name,
	// and its request and reply.
	method        *Method
	serviceMethod string
	req, reply    any
}

var statePool = sync.Pool{New: func() any { return new(callState) }}
