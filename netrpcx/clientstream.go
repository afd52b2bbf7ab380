package netrpcx

import (
	"context"
	"iter"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/core"
	"github.com/stdrpc/stdrpc/observe"
)

// A client stream is a method whose data parameter is an iter.Seq of the
// caller's items: Upload(ctx, chunks iter.Seq[Chunk]) (Summary, error).
// Its items travel as pushes (see push.go); its result answers the one
// call without items that names the stream, which the client sends once
// the stream is open, so that a server returning early is heard at once.

// ClientStreaming gives the call a netrpcx server makes of a client
// stream: the implementation's, with the stream's context, the caller's
// items as they arrive, and the reply. The adapter's request is a Batch
// of the items; its Go method, which only stock codecs call, returns
// RunClientStream's error.
func ClientStreaming[T, Resp any](call func(ctx context.Context, in iter.Seq[T], resp *Resp) error) MethodOption {
	return MethodOption{req: reflect.TypeFor[Batch[T]](), resp: reflect.TypeFor[Resp](), apply: func(m *Method) {
		m.stream = true // observed as a stream
		m.take = func(st *callState, items bool) bool {
			switch {
			case !items && st.stream == 0:
				refuseStock(st, "client", "ClientStream")
				return true
			case !items:
				return false // the call for the result: direct answers it
			case st.stream == 0:
				return openClientStream(st, st.req.(*Batch[T]), call)
			}
			switch s := lookup(st).(type) {
			case nil: // over: the call for the result tells how it ended
				ackPush(st, st.stream, true)
			case *clientStream[T, Resp]:
				if s.info != st.info {
					refuse(st, notThisStream(st))
					break
				}
				s.in.put(st, st.req.(*Batch[T]))
			default:
				refuse(st, notThisStream(st))
			}
			return true
		}
		m.direct = func(st *callState, _, resp any) error {
			return resultOf[T](st, resp.(*Resp))
		}
	}}
}

// RunClientStream is the Go method of a generated net/rpc adapter's client
// or bidirectional stream, given its request. A netrpcx server calls the
// stream through ClientStreaming or BidiStreaming and never the Go method,
// so the method is reached only by a stock codec (rpc.ServeConn,
// jsonrpc.ServeConn), or by a netrpcx server for a service registered
// without Register: it fails with stdrpc.Unimplemented, saying what the
// stream needs. args is not used.
func RunClientStream(args any) error {
	return stdrpc.Errorf(stdrpc.Unimplemented,
		"netrpcx: the method is a client or bidirectional stream, which needs a netrpcx server (netrpcx.Serve or Server.ServeConn, the service registered by its RegisterXNetRPC) and a netrpcx client (netrpcx.ClientStream, netrpcx.BidiStream); the stock net/rpc codecs cannot carry it")
}

// clientStream is one open client stream on the server.
type clientStream[T, R any] struct {
	in     *inbound[T]
	info   stdrpc.CallInfo
	cancel context.CancelFunc

	// done is closed when the implementation returned, with resp and err
	// set; waiting is held by the call for the result.
	done    chan struct{}
	resp    R
	err     error
	waiting atomic.Bool

	mu   sync.Mutex
	stop error // set by end: the error the stream ends with instead

	// The stream as an Observer sees it, ended once both the
	// implementation has returned and the connection has forgotten the
	// stream (refs).
	observed bool
	refs     atomic.Int32
	obs      observe.Call
	md       stdrpc.Metadata
}

// openClientStream opens the client stream whose first batch b the call
// st brought, and answers st: at once, naming the stream, unless b is the
// last batch, when the call goes on to wait for the result.
func openClientStream[T, R any](st *callState, b *Batch[T], call func(context.Context, iter.Seq[T], *R) error) bool {
	c := st.codec
	ctx, cancel := streamContext(st)
	s := &clientStream[T, R]{in: newInbound[T](c), info: st.info, cancel: cancel, done: make(chan struct{})}
	if st.obs.Observing() {
		s.observed, s.md = true, st.md
		s.refs.Store(2)
	}
	id, err := c.fileStream(s)
	if err != nil {
		cancel()
		refuse(st, c.opts.core.Wire(st.ctx, st.info, err))
		return true
	}
	s.obs, st.obs = st.obs, observe.Call{} // it ends with the stream
	s.in.opened(id, st, b)
	go s.run(ctx, call)
	if b.Done {
		st.stream = id // the whole stream in one call, answered with the result
		return false
	}
	openAck(st, id)
	return true
}

// streamContext returns the context of a stream st opens. The stream
// outlives the call, so its context is not the call's: it has the call's
// deadline and metadata, and the connection ends it through c.streams.
func streamContext(st *callState) (context.Context, context.CancelFunc) {
	var ctx context.Context
	var cancel context.CancelFunc
	if dl, ok := st.ctx.Deadline(); ok {
		ctx, cancel = context.WithDeadline(context.Background(), dl)
	} else {
		ctx, cancel = context.WithCancel(context.Background())
	}
	if st.md != nil {
		ctx = stdrpc.WithIncoming(ctx, st.md)
	}
	return ctx, cancel
}

// fileStream files s as an open stream of the connection and returns its
// id, within the bound openStream keeps.
func (c *serverCodec) fileStream(s streamer) (uint64, error) {
	limit := max(1, c.opts.maxInFlight/2)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.canceled():
		return 0, stdrpc.Errorf(stdrpc.Canceled, "netrpcx: the connection closed")
	case c.state != stateServing:
		return 0, errStreamShutdown
	case len(c.streams) >= limit:
		return 0, stdrpc.Errorf(stdrpc.ResourceExhausted,
			"netrpcx: the connection has %d open streams, the server's limit (half of WithMaxInFlight): end some or use another connection", limit)
	}
	if c.streams == nil {
		c.streams = make(map[uint64]streamer)
	}
	c.lastStream++
	c.streams[c.lastStream] = s
	return c.lastStream, nil
}

// run runs the implementation through the interceptors.
func (s *clientStream[T, R]) run(ctx context.Context, call func(context.Context, iter.Seq[T], *R) error) {
	c := s.in.c
	// The context's end (a cancel, the deadline, the connection closing)
	// stops the items: the pushes held are answered.
	stop := context.AfterFunc(ctx, s.in.close)
	err := finish(ctx, nil, s.info, c.opts, func(ctx context.Context) error {
		err := call(ctx, s.in.seq(ctx), &s.resp)
		if err == nil {
			// A result computed from items cut short by the context's end
			// is not the stream's.
			err = ctx.Err()
		}
		return err
	})
	stop()
	s.in.close()
	s.mu.Lock()
	if s.stop != nil {
		err = s.stop
	}
	s.mu.Unlock()
	s.err = err
	close(s.done)
	s.release()
	if ctx.Err() == context.DeadlineExceeded {
		// The caller, whose deadline passed too, asks for nothing more.
		c.closeStream(s.in.streamID())
	}
}

func (s *clientStream[T, R]) end(stop error) {
	if stop != nil {
		s.mu.Lock()
		s.stop = stop
		s.mu.Unlock()
	}
	s.cancel()
}

func (s *clientStream[T, R]) forget() {
	s.end(nil)
	s.release()
}

// release ends the stream's observation once both the implementation
// and the connection are done with it.
func (s *clientStream[T, R]) release() {
	if !s.observed || s.refs.Add(-1) != 0 {
		return
	}
	s.obs.End(stdrpc.CodeOf(s.err))
	s.obs.Log(context.Background(), s.in.c.peer, s.md)
}

// resultOf answers the call st for the result of a client stream: it waits
// for the implementation to return, or for the call's context to end.
func resultOf[T, R any](st *callState, resp *R) error {
	c := st.codec
	var err error
	e := lookup(st)
	s, ok := e.(*clientStream[T, R])
	switch {
	case e == nil:
		err = stdrpc.Errorf(stdrpc.FailedPrecondition,
			"netrpcx: the connection has no stream %d: it ended, was canceled, or never began; call %s.%s again to start a new one", st.stream, st.info.Service, st.info.Method)
	case !ok || s.info != st.info:
		err = notThisStream(st)
	case !s.waiting.CompareAndSwap(false, true):
		err = stdrpc.Errorf(stdrpc.FailedPrecondition,
			"netrpcx: the result of stream %d is already asked for: ask once", st.stream)
	default:
		select {
		case <-s.done:
			*resp, err = s.resp, s.err
			c.closeStream(st.stream)
		case <-st.ctx.Done():
			err = st.ctx.Err()
			if err == context.Canceled {
				// The caller gave the stream up: nobody will ask for
				// the result. (A deadline ends the stream by itself.)
				c.closeStream(st.stream)
			}
		}
	}
	err = st.streamError(err)
	st.answered()
	return err
}

// ClientStream calls the client stream serviceMethod ("Service.Method"),
// sending the items of in, and sets *resp to its result. It pulls in only
// as the stream may send (at most a batch of items ahead): on a goroutine
// of its own, which stops at in's next item once the stream no longer
// wants any (the server returned early, or ctx ended); ClientStream does
// not wait for that. A panic in in is raised again by ClientStream.
//
// Items go in batches of what in has ready, each a call that the server
// answers once the implementation has taken the items, with at most four
// such calls unanswered: a slow implementation makes in wait rather than
// memory fill. Items that fit in one batch, and the result, take one
// call in all.
//
// The error is a *stdrpc.Error, as Call's: the server's with its code,
// ctx's (canceling tells the server to cancel the stream's context; the
// deadline reaches the server as for calls), unavailable when the
// connection fails, unimplemented when the server does not have the
// method or is not netrpcx. The server may return before taking every
// item, with its result or error; ClientStream then stops pulling in.
// ctx's outgoing metadata travels as for Call, and the client's
// interceptors wrap the whole stream.
func ClientStream[T, Resp any](ctx context.Context, c *Client, serviceMethod string, in iter.Seq[T], resp *Resp) error {
	var err error
	if icpt := c.opts.interceptor; icpt == nil {
		err = sendStream(ctx, c, serviceMethod, in, resp)
	} else {
		err = icpt(ctx, core.ServiceMethod(serviceMethod), func(ctx context.Context) error {
			return sendStream(ctx, c, serviceMethod, in, resp)
		})
	}
	if err != nil {
		return stdrpc.FromError(err)
	}
	return nil
}

// sendStream runs one client stream.
func sendStream[T, R any](ctx context.Context, c *Client, method string, in iter.Seq[T], resp *R) (err error) {
	p := newSender(method, in)
	defer func() {
		p.drop()
		p.reraise(err)
	}()
	if err := p.first(ctx, true); err != nil {
		return err
	}
	if p.b.Done { // every item in one batch: the answer is the result
		_, err := c.callOn(ctx, method, &p.b, resp, false)
		return opening(err)
	}
	var ack pushAck
	cc, err := p.open(ctx, c, &ack)
	if err != nil {
		return err
	}
	p.opened(cc, &ack)

	// Ask for the result now: its answer also tells that the server
	// returned early. Unless it arrives, the server is told to end the
	// stream (ctx's deadline needs no message: the server has it too).
	timeout, err := timeLeft(ctx)
	if err == nil {
		var seq uint64
		var pc *call
		if seq, pc, err = cc.send(ctx, method, timeout, nil, p.id, presence{}, struct{}{}, resp); err == nil {
			switch err = p.run(ctx, pc.done); err {
			case nil: // every item sent, or the server takes no more
				err = cc.await(ctx, seq, pc)
			case errStopped: // the result arrived
				err = cc.collect(pc)
			default:
				if !cc.abandon(seq, pc, false) {
					<-pc.done
					cc.collect(pc)
				}
			}
		}
	}
	if err == nil {
		return nil
	}
	if !deadlinePassed(ctx) {
		cc.cancelStream(p.id) // a stream that is over already ignores it
	}
	if ctx.Err() == nil {
		if perr := p.settle(ctx); perr != nil {
			err = perr
		}
	}
	return p.lost(err)
}
