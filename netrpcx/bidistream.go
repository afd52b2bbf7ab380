package netrpcx

import (
	"context"
	"iter"
	"reflect"

	"github.com/stdrpc/stdrpc/internal/core"
)

// A bidirectional stream is a method that takes an iter.Seq of the
// caller's items and returns an iter.Seq2 of its own:
// Sync(ctx, in iter.Seq[Edit]) iter.Seq2[Edit, error]. The caller's items
// travel as pushes (see push.go); the server's, as a server stream's do
// (see stream.go): the client asks for each batch once its loop took the
// last, and the server's iterator runs at most a batch ahead.

// BidiStreaming gives the call a netrpcx server makes of a bidirectional
// stream: the implementation's, with the stream's context and the
// caller's items as they arrive, returning the items to send. The
// adapter's request is a Batch of the caller's items and its reply a
// Batch of the server's; its Go method, which only stock codecs call,
// returns RunClientStream's error.
func BidiStreaming[T, U any](call func(ctx context.Context, in iter.Seq[T]) iter.Seq2[U, error]) MethodOption {
	return MethodOption{req: reflect.TypeFor[Batch[T]](), resp: reflect.TypeFor[Batch[U]](), apply: func(m *Method) {
		m.take = func(st *callState, items bool) bool {
			switch {
			case !items && st.stream == 0:
				refuseStock(st, "bidirectional", "BidiStream")
				return true
			case !items:
				return false // a call for the server's next batch: direct answers it
			case st.stream == 0:
				openBidiStream(st, st.req.(*Batch[T]), call)
				return true
			}
			e := lookup(st)
			s, ok := e.(*serverStream[U])
			var in *inbound[T]
			if ok {
				in, ok = s.in.(*inbound[T])
			}
			switch {
			case e == nil: // over: the calls for batches tell how it ended
				ackPush(st, st.stream, true)
			case !ok || s.info != st.info:
				refuse(st, notThisStream(st))
			default:
				in.put(st, st.req.(*Batch[T]))
			}
			return true
		}
		m.direct = func(st *callState, _, resp any) error {
			return runStream[U](st, resp.(*Batch[U]), nil) // never opens: take did
		}
	}}
}

// openBidiStream opens the bidirectional stream whose first batch b the
// call st brought, and answers st, naming the stream.
func openBidiStream[T, U any](st *callState, b *Batch[T], call func(context.Context, iter.Seq[T]) iter.Seq2[U, error]) {
	c := st.codec
	in := newInbound[T](c)
	s, err := openStream(st, func(ctx context.Context) iter.Seq2[U, error] {
		return func(yield func(U, error) bool) {
			// The context's end stops the caller's items, as does the
			// implementation's return: the pushes held are answered.
			stop := context.AfterFunc(ctx, in.close)
			defer func() {
				stop()
				in.close()
			}()
			for v, err := range call(ctx, in.seq(ctx)) {
				if !yield(v, err) {
					return
				}
			}
		}
	})
	if err != nil {
		refuse(st, c.opts.core.Wire(st.ctx, st.info, err))
		return
	}
	// Only the reader, which runs this, reads s.in: the pushes naming the
	// stream come after this call's answer.
	s.in = in
	in.opened(s.id, st, b)
	openAck(st, s.id)
}

// BidiStream calls the bidirectional stream serviceMethod
// ("Service.Method"), sending the items of in, and yields the server's
// items as they arrive. Nothing is sent until iteration starts, and each
// range over the result is a new stream.
//
// The caller's items go as ClientStream sends them: in is pulled on a
// goroutine of its own, at most a batch ahead of what the stream may send,
// and stops at its next item once the stream no longer wants any; a panic
// in in is raised again in the loop. The server's items come as Stream's
// do, a batch once the loop took the last. in may wait for the server's
// items (a ping-pong): the stream opens without waiting for in.
//
// The caller ends its side by ending in; the server, by returning, after
// which in is pulled no more while the loop gets the server's last items
// and error. Breaking out of the loop, or ctx ending, tells the server to
// cancel the stream's context. The error is yielded once, last, as
// Stream's is; deadline, metadata and interceptors work as for Stream.
func BidiStream[T, U any](ctx context.Context, c *Client, serviceMethod string, in iter.Seq[T]) iter.Seq2[U, error] {
	return core.Items(ctx, c.opts.interceptor, core.ServiceMethod(serviceMethod), func(ctx context.Context, each func(U) bool) error {
		return exchange(ctx, c, serviceMethod, in, each)
	})
}

// exchange runs one bidirectional stream: a goroutine sends the caller's
// items while this one passes the server's to each.
func exchange[T, U any](ctx context.Context, c *Client, method string, in iter.Seq[T], each func(U) bool) (err error) {
	p := newSender(method, in)
	defer func() {
		p.src.stop()
		p.reraise(err)
	}()
	if err := p.first(ctx, false); err != nil {
		return err
	}
	var ack pushAck
	cc, err := p.open(ctx, c, &ack)
	if err != nil {
		return err
	}
	p.opened(cc, &ack)

	// A push that fails ends the stream with its error: it cancels sctx,
	// which ends the loop's call for the next batch and tells the server.
	// A stream that fails otherwise has the sender settle its pushes, one
	// of which may explain the failure better (see settle).
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	settle := make(chan struct{})
	sent := make(chan error, 1)
	go func() {
		err := p.run(sctx, settle)
		if err == nil { // all sent, or the server takes no more
			select {
			case <-settle:
				err = errStopped
			case <-sctx.Done():
			}
		}
		switch {
		case err == errStopped:
			err = p.settle(sctx)
		case err != nil:
			cancel(err)
		}
		p.drop()
		sent <- err
	}()
	err = followStream(sctx, cc, method, p.id, new(Batch[U]), each)
	if err != nil && ctx.Err() == nil {
		close(settle)
	} else {
		cancel(nil) // the loop is over: so is sending
	}
	if serr := <-sent; err != nil && serr != nil && ctx.Err() == nil {
		err = serr // a push's failure, which ended the stream or explains why it did
	}
	return p.lost(err)
}
