package stdhttp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/core"
)

// A frameSource hands out the caller's items of a client or bidirectional
// stream one encoded JSON value at a time: the lines of an NDJSON request
// body, or the messages of a WebSocket. next returns io.EOF when the caller
// has ended its side cleanly, errFrameTooLong for a frame over the limit,
// and a frame that stays valid until the following call.
// release gives back what the source holds; next is not called after it.
type frameSource interface {
	next() ([]byte, error)
	release()
}

// errFrameTooLong reports a line (or message) over the service's limit.
var errFrameTooLong = errors.New("request frame too long")

// An input is the in of a client or bidirectional stream's method: the
// caller's items, decoded as they are asked for, from the goroutine that
// ranges over in, so that the caller can send no faster than the method
// reads (the transport's buffers aside). The first bad frame ends in and
// fails the call: its error, recorded in failed, becomes the call's, and
// fail cancels the method's context so that it stops.
type input[T any] struct {
	ctx  context.Context // the method's: its end explains a read that fails
	fail context.CancelCauseFunc
	unit string // what a frame is called in errors: "line", "message"
	max  int64  // the service's limit on one frame

	mu     sync.Mutex // one range at a time reads src
	src    frameSource
	n      int // frames read so far, blank ones included
	item   T   // the item being decoded
	over   bool
	eof    atomic.Bool                // the caller ended its side cleanly
	failed atomic.Pointer[inputError] // why in ended early
	orphan atomic.Bool                // the handler returned while a read was under way
}

type inputError struct{ err error }

func newInput[T any](ctx context.Context, fail context.CancelCauseFunc, src frameSource, unit string, max int64) *input[T] {
	return &input[T]{ctx: ctx, fail: fail, src: src, unit: unit, max: max}
}

// seq is the method's in.
func (in *input[T]) seq(yield func(T) bool) {
	for {
		v, ok := in.next()
		if !ok || !yield(v) {
			return
		}
	}
}

// next decodes the next item. ok is false once the input is over, cleanly
// or not.
func (in *input[T]) next() (v T, ok bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	defer func() {
		if in.orphan.Load() {
			// The method returned, and a goroutine of its own still
			// ranges over in: the read under way at the time was the
			// last.
			in.end()
		}
	}()
	for !in.over {
		frame, err := in.src.next()
		if err != nil {
			in.over = true
			if err == io.EOF {
				in.eof.Store(true)
				return v, false
			}
			in.stop(in.readError(err))
			return v, false
		}
		in.n++
		if len(bytes.TrimSpace(frame)) == 0 {
			continue // a blank line, such as the one a hand-typed stream ends with
		}
		// Decoded in place, where it needs no allocation of its own.
		in.item = v
		if err := unmarshalJSON(frame, &in.item); err != nil {
			in.over = true
			in.stop(jsonError("request "+in.unit+" "+strconv.Itoa(in.n), withField(err, frame, &in.item)))
			in.item = v
			return v, false
		}
		v, in.item = in.item, v
		return v, true
	}
	return v, false
}

// close ends the input when the handler returns: in reads nothing more,
// and the source gives back what it holds. If a goroutine the method left
// behind is reading from in just now, that read finishes the job, and
// close reports false: what the source reads from must be left to it.
func (in *input[T]) close() (released bool) {
	if !in.mu.TryLock() {
		in.orphan.Store(true)
		if !in.mu.TryLock() {
			return false // the reader sees orphan once its read returns
		}
	}
	defer in.mu.Unlock()
	in.end()
	return true
}

// end stops reading and releases the source, once. The caller holds mu.
func (in *input[T]) end() {
	if in.src != nil {
		in.over = true
		in.src.release()
		in.src = nil
	}
}

// stop records why the input failed and cancels the method's context.
func (in *input[T]) stop(err error) {
	in.failed.CompareAndSwap(nil, &inputError{err})
	in.fail(err)
}

// failure returns why the input failed, nil if it has not (yet).
func (in *input[T]) failure() error {
	if f := in.failed.Load(); f != nil {
		return f.err
	}
	return nil
}

// readError explains why the next frame could not be read.
func (in *input[T]) readError(err error) error {
	line := in.n + 1
	switch {
	case err == errFrameTooLong:
		return stdrpc.NewError(stdrpc.ResourceExhausted, &statusError{
			status: http.StatusRequestEntityTooLarge,
			msg: "request " + in.unit + " " + strconv.Itoa(line) + " is longer than this server's limit of " +
				strconv.FormatInt(in.max, 10) + " bytes (see WithMaxBodyBytes)",
		})
	case in.ctx.Err() != nil:
		// The call's deadline passed, or it was canceled, while the read
		// waited: the read was cut for that reason.
		return core.ContextError(in.ctx.Err())
	case errors.As(err, new(*busyError)):
		return stdrpc.NewError(stdrpc.Unavailable, err)
	case errors.As(err, new(*stdrpc.Error)):
		return err // the transport's own account (a WebSocket's)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return stdrpc.NewError(stdrpc.DeadlineExceeded, &statusError{
			status: http.StatusRequestTimeout,
			msg:    "request " + in.unit + " " + strconv.Itoa(line) + " did not arrive within the server's read timeout",
		})
	}
	return stdrpc.Errorf(stdrpc.Canceled, "the request stream broke off before %s %d: %v", in.unit, line, err)
}

// lineSource reads the lines of an NDJSON request body. A line longer than
// its reader's buffer is assembled in long, which is charged to the
// service's body budget as it grows and released when the stream ends.
type lineSource struct {
	br     *bufio.Reader
	max    int64 // the longest line, without its newline
	budget *budget
	long   []byte
	held   int64 // charged to budget for long
}

func newLineSource(r io.Reader, max int64, b *budget) *lineSource {
	return &lineSource{br: bufio.NewReaderSize(r, lineBuffer), max: max, budget: b}
}

// lineBuffer is the read buffer of a request stream: lines up to this long
// are decoded where they lie.
const lineBuffer = 4 << 10

// next returns the next line without its newline (and a carriage return
// before it, which JSON reads as white space anyway). A last line without
// a newline counts if the body then ends cleanly.
func (l *lineSource) next() ([]byte, error) {
	if l.held > 0 && l.br.Buffered() == 0 {
		// The last line was long, and the next may be long in coming:
		// a caller that falls silent must not keep its share of the
		// budget others need.
		l.release()
	}
	l.long = l.long[:0]
	for {
		frag, err := l.br.ReadSlice('\n')
		n := int64(len(l.long)) + int64(len(frag))
		// The limit is on what the line holds: its end, \n or \r\n, is
		// not counted, so a part still without its \n may be one byte
		// over, for a \r.
		switch {
		case err == nil && n-l.ending(frag) > l.max,
			err == bufio.ErrBufferFull && n > l.max+1,
			err == io.EOF && n > l.max:
			return nil, errFrameTooLong
		}
		switch {
		case err == nil && len(l.long) == 0:
			return frag[:len(frag)-1], nil
		case err == nil:
			if err := l.add(frag); err != nil {
				return nil, err
			}
			return l.long[:len(l.long)-1], nil
		case err == bufio.ErrBufferFull:
			if err := l.add(frag); err != nil {
				return nil, err
			}
		case err == io.EOF && n > 0:
			if err := l.add(frag); err != nil {
				return nil, err
			}
			return l.long, nil
		default:
			return nil, err
		}
	}
}

// ending returns the length of the end of the line that frag, the last
// part of it, completes: 2 for \r\n, 1 for \n.
func (l *lineSource) ending(frag []byte) int64 {
	var before byte
	switch {
	case len(frag) >= 2:
		before = frag[len(frag)-2]
	case len(l.long) > 0:
		before = l.long[len(l.long)-1]
	}
	if before == '\r' {
		return 2
	}
	return 1
}

// add appends frag to long, growing it within the budget.
func (l *lineSource) add(frag []byte) error {
	need := len(l.long) + len(frag)
	if need > cap(l.long) {
		size := int64(max(2*cap(l.long), need))
		size = min(size, l.max+2) // the longest line, and its \r\n
		if !l.budget.take(size - l.held) {
			return l.budget.refusal()
		}
		l.held = size
		nl := make([]byte, len(l.long), size)
		copy(nl, l.long)
		l.long = nl
	}
	l.long = append(l.long, frag...)
	return nil
}

// release ends the charge for long.
func (l *lineSource) release() {
	l.budget.give(l.held)
	l.held = 0
	l.long = nil
}
