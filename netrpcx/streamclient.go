package netrpcx

import (
	"context"
	"iter"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/core"
)

// Stream calls the server stream serviceMethod ("Service.Method") with req
// and yields its items as they arrive. Nothing is sent until iteration
// starts, and each range over the result is a new stream.
//
// The items come in batches, one call each: the first call sends req, and
// the client asks for the next batch when the loop has taken the last one,
// so a slow loop slows the server's producer down instead of filling
// memory. Breaking out of the loop, or ctx ending, tells the server to
// cancel the stream's context; it does so at once, even while the loop
// body runs.
//
// An error is yielded once, as the last value, with the zero T; like Call's,
// it is always a *stdrpc.Error: the server's with its code (before or after
// items), ctx's (deadline_exceeded or canceled, matching the context errors
// under errors.Is), unavailable when the connection fails, unimplemented
// when the server does not have the method or is not netrpcx.
//
// ctx's deadline and outgoing metadata travel as for Call, and the client's
// interceptors wrap the whole stream: an interceptor's next returns when the
// stream ends (nil when the loop stopped early), and calling next again
// starts the stream over.
func Stream[T any](ctx context.Context, c *Client, serviceMethod string, req any) iter.Seq2[T, error] {
	return core.Items(ctx, c.opts.interceptor, core.ServiceMethod(serviceMethod), func(ctx context.Context, each func(T) bool) error {
		return readStream(ctx, c, serviceMethod, req, each)
	})
}

// readStream opens one stream and passes each item to each until the
// stream ends or each returns false.
func readStream[T any](ctx context.Context, c *Client, method string, req any, each func(T) bool) error {
	var b Batch[T]
	cc, err := c.callOn(ctx, method, req, &b, false)
	if err != nil {
		return err
	}
	if b.Done { // the whole stream in one batch: nothing stays open
		for _, v := range b.Items {
			if !each(v) {
				break
			}
		}
		return nil
	}
	id := b.Stream
	if id == 0 {
		return stdrpc.Errorf(stdrpc.Internal,
			"netrpcx: %s answered with a batch that names no stream: is the server netrpcx, and the method a stream there?", method)
	}
	return followStream(ctx, cc, method, id, &b, each)
}

// followStream passes the items of b, a batch of the open stream id, and
// of the batches after it, to each, asking for each batch once each took
// the last, until the stream ends or each returns false.
func followStream[T any](ctx context.Context, cc *clientConn, method string, id uint64, b *Batch[T], each func(T) bool) error {
	// Unless the stream is seen to its end, the server must be told to end
	// it: at once when ctx is canceled (the loop body may be busy for
	// long), and when the loop breaks. A deadline needs no message: the
	// server's stream has the same one. A stream that failed is already
	// over on the server, which ignores the extra request.
	done := false
	stop := context.AfterFunc(ctx, func() {
		if ctx.Err() == context.Canceled {
			cc.cancelStream(id)
		}
	})
	defer func() {
		if stop() && !done && !deadlinePassed(ctx) {
			cc.cancelStream(id)
		}
	}()
	for {
		for _, v := range b.Items {
			if !each(v) {
				return nil
			}
		}
		if b.Done {
			done = true
			return nil
		}
		clear(b.Items) // gob decodes into the elements it finds: start from zero
		b.Items = b.Items[:0]
		timeout, err := timeLeft(ctx)
		if err != nil {
			return err
		}
		err = cc.call(ctx, method, timeout, nil, id, presence{}, struct{}{}, b)
		switch {
		case err == errNotSent:
			return unavailable(cc.failure())
		case err != nil && ctx.Err() != nil:
			// The cancel that ctx's end sent can overtake this request,
			// and the server then answers that it has no such stream.
			return ctxError(ctx)
		case err != nil:
			return err
		case b.Stream != id:
			return stdrpc.Errorf(stdrpc.Internal, "netrpcx: asked %s for a batch of stream %d, got one of stream %d", method, id, b.Stream)
		}
	}
}

// deadlinePassed reports whether ctx's deadline has passed, even if its
// timer has not fired yet: the server's answer that its own copy of the
// deadline passed can arrive first.
func deadlinePassed(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}
