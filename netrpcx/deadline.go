package netrpcx

import (
	"io"
	"time"
)

// DefaultWriteTimeout bounds each write to a connection unless
// WithWriteTimeout or WithClientWriteTimeout says otherwise: a peer that
// stops reading for that long loses its connection instead of holding the
// writer, and what waits behind it, forever.
const DefaultWriteTimeout = 30 * time.Second

// A timedWriter gives each write to its connection a deadline: the one set
// for the writes under way (next), or else the timeout from now. The
// deadline is set only when a write reaches the connection, which a
// bufio.Writer makes once per flush, not once per message.
type timedWriter struct {
	conn    interface{ SetWriteDeadline(time.Time) error }
	w       io.Writer
	timeout time.Duration
	next    time.Time // the deadline of the writes under way; zero: timeout from now
	err     error     // the first write error
}

// deadlineWriter returns w with write deadlines if it is a connection that
// has them and timeout is positive; otherwise the writer only records its
// first error.
func deadlineWriter(w io.Writer, timeout time.Duration) *timedWriter {
	t := &timedWriter{w: w, timeout: timeout}
	if conn, ok := w.(interface{ SetWriteDeadline(time.Time) error }); ok {
		t.conn = conn
	}
	return t
}

func (t *timedWriter) Write(p []byte) (int, error) {
	if t.conn != nil && (t.timeout > 0 || !t.next.IsZero()) {
		var dl time.Time
		if t.timeout > 0 {
			dl = time.Now().Add(t.timeout)
		}
		if !t.next.IsZero() && (dl.IsZero() || t.next.Before(dl)) {
			dl = t.next
		}
		t.conn.SetWriteDeadline(dl)
	}
	n, err := t.w.Write(p)
	if err != nil && t.err == nil {
		t.err = err
	}
	return n, err
}
