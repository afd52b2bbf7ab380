package stdhttp

import (
	"context"
	"errors"
	"io"
	"iter"
	"net/http"
	"sync"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/core"
)

// ClientStream calls the client stream at POST baseURL+path
// ("/Service/Method"): it sends the items of in as NDJSON, one line each,
// and decodes the result into resp (resp nil discards it).
//
// in is pulled only as the transport can send: it runs at most a few items
// ahead of what the connection has taken, so a slow server slows in down
// rather than filling memory, while a fast iterator's items go out many to
// a write. The caller ends its side by ending in. If the
// call ends first (the server answered, ctx ended, the connection failed),
// in is stopped: the yield it is in, or its next one, returns false.
// ClientStream does not wait for an iterator blocked elsewhere, on a
// channel say, so an iterator that may block should also watch ctx. A
// panic in in is raised again in the caller's goroutine.
//
// Errors, ctx's deadline and outgoing metadata are as for Call; the
// client's interceptors wrap the whole call, and one that calls next again
// ranges over in again. A call is never sent again on its own: its items
// may have been consumed.
func ClientStream[T, Resp any](ctx context.Context, c *Client, path string, in iter.Seq[T], resp *Resp) error {
	run := func(ctx context.Context) error { return clientStream(ctx, c, path, in, resp) }
	var err error
	if c.intercept == nil {
		err = run(ctx)
	} else {
		err = c.intercept(ctx, core.Path(path), run)
	}
	if err != nil {
		return stdrpc.FromError(err)
	}
	return nil
}

func clientStream[T, Resp any](ctx context.Context, c *Client, path string, in iter.Seq[T], resp *Resp) error {
	url := c.base + path
	// Canceling on the way out stops the request body wherever it is.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	body := newItemBody(ctx, in)
	defer body.finish()
	hresp, err := postItems(ctx, c, url, body, jsonContentType)
	if err != nil {
		return body.cause(err)
	}
	defer func() {
		// Before the close: closing the body of an HTTP/2 request still
		// being sent waits for its Read, in the caller's iterator, unless
		// the request is canceled. A result read to its end has let the
		// connection go already.
		cancel()
		_ = hresp.Body.Close()
	}()
	if hresp.StatusCode != http.StatusOK {
		return responseError(ctx, hresp, url)
	}
	if resp == nil {
		return nil
	}
	err, _ = c.readResult(ctx, hresp, url, resp, c.gzip > 0)
	return err
}

// BidiStream calls the bidirectional stream at POST baseURL+path: it sends
// the items of in as NDJSON, as ClientStream does, and yields the server's
// items as they arrive, as Stream does. The two directions are
// independent: in is pulled on the transport's goroutine while the loop
// runs on the caller's, so a loop body may feed in (through a channel, for
// a ping-pong). Nothing is sent until iteration starts, and each range over
// the result is a new call.
//
// The call ends when the server's stream does, when the loop stops early
// (the connection's stream is closed and the server's context canceled),
// or when ctx ends; in is then stopped as ClientStream stops it. Ending in
// ends only the caller's side: the server's items go on arriving until it
// ends the stream. An error is yielded once, as the last value, with the
// zero U; it is always a *stdrpc.Error, as Stream's.
func BidiStream[T, U any](ctx context.Context, c *Client, path string, in iter.Seq[T]) iter.Seq2[U, error] {
	return core.Items(ctx, c.intercept, core.Path(path), func(ctx context.Context, each func(U) bool) error {
		return bidiStream(ctx, c, path, in, each)
	})
}

func bidiStream[T, U any](ctx context.Context, c *Client, path string, in iter.Seq[T], each func(U) bool) error {
	url := c.base + path
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	body := newItemBody(ctx, in)
	defer body.finish()
	hresp, err := postItems(ctx, c, url, body, ndjsonContentType)
	if err != nil {
		return body.cause(err)
	}
	return readNDJSON(ctx, c, hresp, url, cancel, each)
}

// postItems sends body, a stream of NDJSON items, to url, with ctx's
// metadata and deadline, asking for accept.
func postItems[T any](ctx context.Context, c *Client, url string, body *itemBody[T], accept []string) (*http.Response, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return nil, stdrpc.Errorf(stdrpc.InvalidArgument, "stdhttp: %v", err)
	}
	hreq.ContentLength = -1 // chunked over HTTP/1.1: the items are not known yet
	// The transport sends a request again, on another connection, when
	// the one it picked from its pool turns out to have been closed
	// before a byte of it went out. That is safe only while no item has
	// been taken from in.
	hreq.GetBody = body.again
	h := hreq.Header
	for k, v := range stdrpc.Outgoing(ctx) {
		h[k] = v
	}
	h["Content-Type"] = ndjsonContentType
	h["Accept"] = accept
	return c.do(ctx, hreq)
}

// An itemBody is a request body that encodes the items of an iterator as
// NDJSON. The iterator runs on a goroutine of its own, started by the
// first Read, which encodes up to itemsAhead items ahead of the transport:
// those and the transport's buffers are all that is held, and a slow
// connection slows the iterator down. The
// transport reads the body on its goroutine and may close it while a Read
// is waiting; Close ends that Read at once, whatever the iterator is
// doing, since an HTTP/2 transport resets the stream only once the Read
// returns.
type itemBody[T any] struct {
	ctx   context.Context // the call's
	in    iter.Seq[T]
	item  T             // the producing goroutine's
	items chan []byte   // the next encoded item; closed when the iterator ends
	done  chan struct{} // closed by Close: the call is over
	gone  chan struct{} // closed when the producing goroutine has returned

	// Read's own, from the transport's goroutine.
	pending []byte
	running bool

	mu       sync.Mutex
	closed   bool
	inIter   bool  // the producer is running the iterator's code, not waiting to hand an item over
	err      error // the body's own failure: an item that did not encode, a panic
	panicked any
	started  bool // an item has been asked for
}

func newItemBody[T any](ctx context.Context, in iter.Seq[T]) *itemBody[T] {
	return &itemBody[T]{
		ctx:   ctx,
		in:    in,
		items: make(chan []byte, itemsAhead),
		done:  make(chan struct{}),
		gone:  make(chan struct{}),
	}
}

// errBodyClosed ends a Read after the call ended.
var errBodyClosed = errors.New("stdhttp: the call has ended")

func (b *itemBody[T]) Read(p []byte) (int, error) {
	if len(b.pending) == 0 {
		if !b.running {
			if !b.start() {
				return 0, errBodyClosed
			}
		}
		select {
		case data, ok := <-b.items:
			if !ok {
				b.mu.Lock()
				defer b.mu.Unlock()
				if b.err != nil {
					return 0, b.err
				}
				if err := b.ctx.Err(); err != nil {
					// An iterator that watches ctx returns when it ends:
					// that is not the caller ending its side, and the
					// server must not take it for that.
					return 0, err
				}
				return 0, io.EOF
			}
			b.pending = data
		case <-b.done:
			return 0, errBodyClosed
		}
	}
	n := copy(p, b.pending)
	b.pending = b.pending[n:]
	// Items already encoded go in the same Read, so that a fast iterator
	// is sent in chunks of many items rather than a write and a flush
	// each; the wait for the next one is left to the next Read.
	for len(b.pending) == 0 && n < len(p) {
		select {
		case data, ok := <-b.items:
			if !ok {
				return n, nil // the end, which the next Read reports
			}
			m := copy(p[n:], data)
			n += m
			b.pending = data[m:]
		default:
			return n, nil
		}
	}
	return n, nil
}

// itemsAhead is how many items the iterator may have encoded beyond the
// one being sent: enough to fill a chunk when the iterator is faster than
// the connection, few enough that a slow one holds it back.
const itemsAhead = 8

// start starts the producing goroutine, unless the call is over.
func (b *itemBody[T]) start() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.running, b.started, b.inIter = true, true, true
	go b.produce()
	return true
}

// produce ranges over the iterator, handing each item over encoded.
func (b *itemBody[T]) produce() {
	defer close(b.gone)
	defer close(b.items)
	defer func() {
		if p := recover(); p != nil {
			b.fail(stdrpc.Errorf(stdrpc.Internal, "the stream's iterator panicked: %v", p), p)
		}
	}()
	// Buffers used in turn. The reader takes an item only when it is done
	// with the one before, and at most itemsAhead wait in the channel, so
	// once the item before the last was handed over, the reader is done
	// with every buffer but the last itemsAhead+1.
	var bufs [itemsAhead + 2]*buffer // taken as first needed: most streams are short
	turn := 0
	for v := range b.in {
		b.mu.Lock()
		b.inIter = false
		b.mu.Unlock()
		if bufs[turn] == nil {
			bufs[turn] = getBuffer()
		}
		buf := bufs[turn]
		turn = (turn + 1) % len(bufs)
		buf.Reset()
		b.item = v // encoded from b, where it needs no allocation of its own
		if err := buf.encode(&b.item); err != nil {
			b.fail(stdrpc.Errorf(stdrpc.Internal, "encoding a stream item: %v", err), nil)
			return
		}
		select {
		case b.items <- buf.Bytes():
		case <-b.done:
			return
		}
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return
		}
		b.inIter = true
		b.mu.Unlock()
	}
}

// fail records the body's own failure.
func (b *itemBody[T]) fail(err error, panicked any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err, b.panicked = err, panicked
	}
}

// Close ends the body: the transport, or the call, is done with it. A Read
// waiting for the iterator returns, and the iterator's yield returns false
// now if it is waiting, or else the next time it is called.
func (b *itemBody[T]) Close() error {
	b.close()
	return nil
}

// close closes the body and reports whether its goroutine is waiting to
// hand an item over, rather than running the iterator's code.
func (b *itemBody[T]) close() (waiting bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		close(b.done)
	}
	return b.running && !b.inIter
}

// again is the request's GetBody: the same body, if nothing was asked of
// the iterator yet.
func (b *itemBody[T]) again() (io.ReadCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started || b.closed {
		return nil, errors.New("stdhttp: the stream's items cannot be sent again: some were already taken from the iterator")
	}
	return b, nil
}

// finish ends the body when the call returns. The iterator is stopped:
// if it is waiting to hand an item over, finish waits for it to return, so
// that an iterator over, say, a slice is done with it when the call is;
// an iterator busy elsewhere (blocked on a channel) is left to find out at
// its next yield. A panic of the iterator is raised again.
func (b *itemBody[T]) finish() {
	if b.close() {
		<-b.gone
	}
	b.mu.Lock()
	p := b.panicked
	b.mu.Unlock()
	if p != nil {
		panic(p)
	}
}

// cause returns the error a failed request reports: the body's own (an
// item that did not encode, a panic) rather than the transport's account
// of it.
func (b *itemBody[T]) cause(err error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	return err
}
