package netrpcx

import (
	"errors"
	"io"
	"time"
)

// DefaultWriteTimeout bounds each write to a connection unless
// WithWriteTimeout or WithClientWriteTimeout says otherwise: a peer that
// stops reading for that long loses its connection instead of holding the
// writer, and what waits behind it, forever.
const DefaultWriteTimeout = 10 * time.Second

// A timedWriter gives each write to its connection a deadline: the one set
// for the writes under way (next), or else the timeout. The deadline is set
// only when a write reaches the connection, which a bufio.Writer makes once
// per flush, not once per message; and the timeout's deadline is renewed
// only once half of it has passed, since setting a deadline costs a timer
// update in the runtime, which per call would cost more than the write.
// So a write may get between half the timeout and all of it.
type timedWriter struct {
	conn    interface{ SetWriteDeadline(time.Time) error }
	w       io.Writer
	timeout time.Duration
	next    time.Time // the deadline of the writes under way; zero: the timeout's
	set     time.Time // the deadline on the connection; zero: none
	setSoft bool      // set is a caller's deadline, not the timeout's
	err     error     // the first write error
	soft    bool      // the last write stopped at next, not at the timeout
}

// deadlineWriter returns w with write deadlines if it is a connection that
// has them; otherwise the writer only records its first error.
func deadlineWriter(w io.Writer, timeout time.Duration) *timedWriter {
	t := &timedWriter{w: w, timeout: timeout}
	if conn, ok := w.(interface{ SetWriteDeadline(time.Time) error }); ok {
		t.conn = conn
	}
	return t
}

func (t *timedWriter) Write(p []byte) (int, error) {
	t.soft = false
	if t.conn != nil {
		t.arm()
	}
	n, err := t.w.Write(p)
	if err != nil {
		if t.soft && isTimeout(err) {
			return n, err // a caller's patience ran out; the connection is fine
		}
		t.soft = false
		if t.err == nil {
			t.err = err
		}
	}
	return n, err
}

// arm sets the connection's write deadline for the write about to be made,
// if the one it has will not do.
func (t *timedWriter) arm() {
	var hard time.Time // the timeout's deadline, if it is the one to set
	now := time.Now()
	if t.timeout > 0 {
		hard = now.Add(t.timeout)
	}
	switch {
	case !t.next.IsZero() && (hard.IsZero() || t.next.Before(hard)):
		// A caller's deadline sooner than the timeout's: it must hold.
		t.soft = true
		if t.set.Equal(t.next) {
			return
		}
		t.set, t.setSoft = t.next, true
	case hard.IsZero():
		if t.set.IsZero() {
			return
		}
		t.set, t.setSoft = time.Time{}, false
	case !t.setSoft && !t.set.IsZero() && t.set.Sub(now) > t.timeout/2:
		return // the timeout's deadline, still far enough
	default:
		t.set, t.setSoft = hard, false
	}
	t.conn.SetWriteDeadline(t.set)
}

// A sendBuffer is a bufio.Writer for a client connection, with one
// difference: a write cut short by a caller's deadline (a soft timeout)
// keeps what it did not write and reports success, so that the caller stops
// waiting while its bytes stay queued in order. The connection's flusher
// writes them later under the write timeout; a write that times out then,
// or fails otherwise, breaks the connection. bufio.Writer cannot do this:
// its errors are sticky, and gob's encoder takes a failed write for lost.
//
// What waits behind a stalled write is bounded (maxQueued, see room):
// past it, a writer waits for the queue to drain instead of adding to it.
type sendBuffer struct {
	w       *timedWriter
	buf     []byte
	stalled bool // bytes wait that a soft timeout left behind
}

func newSendBuffer(w *timedWriter) *sendBuffer {
	return &sendBuffer{w: w, buf: make([]byte, 0, 4096)}
}

func (b *sendBuffer) Write(p []byte) (int, error) {
	if len(b.buf)+len(p) <= cap(b.buf) {
		b.buf = append(b.buf, p...)
		return len(p), nil
	}
	if err := b.Flush(); err != nil {
		return 0, err
	}
	if b.stalled || len(p) <= cap(b.buf) {
		b.buf = append(b.buf, p...) // behind what waits, or small enough to buffer
		return len(p), nil
	}
	n, err := b.w.Write(p) // large: straight to the connection, as bufio does
	if err != nil {
		if !b.w.soft {
			return n, err
		}
		b.buf = append(b.buf, p[n:]...)
		b.stalled = true
	}
	return len(p), nil
}

// maxQueued is how many bytes may wait behind a stalled write before the
// next request waits for them to be written: what a peer that stops
// reading makes a client hold, beyond one request.
const maxQueued = 4 << 20

// errQueueFull reports a request not sent because the bytes queued before
// it did not drain by its caller's deadline; the connection is fine.
var errQueueFull = errors.New("netrpcx: the request was not sent: the connection's earlier requests are still waiting for the server to read them")

// room waits, before a request is written, until what is queued behind a
// stalled write is under maxQueued: by the caller's deadline
// (errQueueFull, with nothing written), or by the write timeout, past
// which the write fails and with it the connection.
func (b *sendBuffer) room() error {
	if !b.stalled || len(b.buf) < maxQueued {
		return nil
	}
	if err := b.Flush(); err != nil {
		return err
	}
	if b.stalled && len(b.buf) >= maxQueued {
		return errQueueFull
	}
	return nil
}

// Flush writes what is buffered. After a soft timeout it returns nil with
// the rest still buffered and stalled set.
func (b *sendBuffer) Flush() error {
	for len(b.buf) > 0 {
		n, err := b.w.Write(b.buf)
		b.buf = b.buf[:copy(b.buf, b.buf[n:])]
		if err != nil {
			if b.w.soft {
				b.stalled = true
				return nil
			}
			return err
		}
	}
	b.stalled = false
	if cap(b.buf) > keepBuffer {
		b.buf = make([]byte, 0, 4096) // a large message's tail: do not hold it
	}
	return nil
}
