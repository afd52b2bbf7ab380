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
// in is pulled only as the transport can send: each item is encoded when
// the connection has taken the one before, so a slow server slows in down
// rather than filling memory. The caller ends its side by ending in. If the
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
	body := newItemBody(in)
	defer body.finish()
	hresp, err := postItems(ctx, c, url, body, jsonContentType)
	if err != nil {
		return body.cause(err)
	}
	if hresp.StatusCode != http.StatusOK || resp == nil {
		defer closeBody(hresp.Body)
	} else {
		defer hresp.Body.Close() // read to its end below
	}
	if hresp.StatusCode != http.StatusOK {
		return responseError(ctx, hresp, url)
	}
	if resp == nil {
		return nil
	}
	err, _ = c.readResult(ctx, hresp, url, resp)
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
	return func(yield func(U, error) bool) {
		stopped := false // the loop broke: yield must not be called again
		run := func(ctx context.Context) error {
			if stopped {
				return nil
			}
			return bidiStream(ctx, c, path, in, func(v U) bool {
				stopped = !yield(v, nil)
				return !stopped
			})
		}
		var err error
		if c.intercept == nil {
			err = run(ctx)
		} else {
			err = c.intercept(ctx, core.Path(path), run)
		}
		if err != nil && !stopped {
			var zero U
			yield(zero, stdrpc.FromError(err))
		}
	}
}

func bidiStream[T, U any](ctx context.Context, c *Client, path string, in iter.Seq[T], each func(U) bool) error {
	url := c.base + path
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	body := newItemBody(in)
	defer body.finish()
	hresp, err := postItems(ctx, c, url, body, ndjsonContentType)
	if err != nil {
		return body.cause(err)
	}
	return readNDJSON(ctx, c, hresp, url, each)
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
// NDJSON, pulling the next item only when the transport has taken all of
// the one before: the transport's buffers, and one item, are all that is
// held. The transport reads it on its own goroutine, and may close it
// while a Read is waiting for the iterator.
type itemBody[T any] struct {
	mu       sync.Mutex
	next     func() (T, bool)
	stop     func() // nil once called
	buf      *buffer
	pending  []byte // encoded and not yet read; in buf
	busy     bool   // a Read is pulling the iterator, without mu
	closed   bool   // the call is over: stop the iterator
	started  bool   // an item has been pulled
	err      error  // the body's own failure: an item that did not encode, a panic
	panicked any
}

func newItemBody[T any](in iter.Seq[T]) *itemBody[T] {
	next, stop := iter.Pull(in)
	return &itemBody[T]{next: next, stop: stop, buf: getBuffer()}
}

// errBodyClosed ends a Read after the call ended.
var errBodyClosed = errors.New("stdhttp: the call has ended")

func (b *itemBody[T]) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pending) == 0 {
		if err := b.pullLocked(); err != nil {
			return 0, err
		}
	}
	n := copy(p, b.pending)
	b.pending = b.pending[n:]
	return n, nil
}

// pullLocked encodes the next item into pending. The caller holds mu,
// which is let go while the iterator runs.
func (b *itemBody[T]) pullLocked() error {
	switch {
	case b.err != nil:
		return b.err
	case b.closed:
		b.endLocked()
		return errBodyClosed
	case b.stop == nil:
		return io.EOF
	}
	b.busy, b.started = true, true
	b.mu.Unlock()
	v, ok, p := b.pull()
	b.mu.Lock()
	b.busy = false
	switch {
	case p != nil:
		b.panicked = p
		b.err = stdrpc.Errorf(stdrpc.Internal, "the stream's iterator panicked: %v", p)
		b.endLocked()
		return b.err
	case b.closed:
		b.endLocked()
		return errBodyClosed
	case !ok:
		b.endLocked()
		return io.EOF
	}
	b.buf.Reset()
	if err := b.buf.enc.Encode(&v); err != nil {
		b.err = stdrpc.Errorf(stdrpc.Internal, "encoding a stream item: %v", err)
		b.endLocked()
		return b.err
	}
	b.pending = b.buf.Bytes()
	return nil
}

// pull asks the iterator for its next item, catching a panic in it, to be
// raised again on the caller's goroutine (finish).
func (b *itemBody[T]) pull() (v T, ok bool, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	v, ok = b.next()
	return v, ok, nil
}

// endLocked stops the iterator, once, and once the call is over gives the
// buffer back. The caller holds mu, and no Read is pulling.
func (b *itemBody[T]) endLocked() {
	if stop := b.stop; stop != nil {
		b.stop = nil
		stop() // after the iterator ended or panicked, stop does nothing
	}
	if b.closed && b.buf != nil {
		putBuffer(b.buf)
		b.buf, b.pending = nil, nil
	}
}

// Close ends the body: the transport is done with it. The iterator is
// stopped now if no Read is pulling it, or else when that Read returns.
func (b *itemBody[T]) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	if !b.busy {
		b.endLocked()
	}
	return nil
}

// again is the request's GetBody: the same body, if nothing was pulled.
func (b *itemBody[T]) again() (io.ReadCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started || b.closed {
		return nil, errors.New("stdhttp: the stream's items cannot be sent again: some were already taken from the iterator")
	}
	return b, nil
}

// finish ends the body when the call returns, as Close does, and raises a
// panic of the iterator again.
func (b *itemBody[T]) finish() {
	_ = b.Close()
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
