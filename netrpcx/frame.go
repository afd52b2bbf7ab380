package netrpcx

import (
	"errors"
	"io"
	"strconv"
)

// A frameReader sits between a connection and a gob.Decoder and enforces a
// limit on the size of each gob message and, when it has a gobCheck, checks
// each message before gob sees a byte of it.
//
// encoding/gob frames every message with its byte count and, on reading the
// count, allocates a buffer of that size before reading the message (it
// accepts counts up to 8 GiB). A peer can therefore make a server allocate
// gigabytes with a few bytes. frameReader parses the same framing and fails
// on a count over the limit before reading the message, so nothing is
// allocated for an oversized message.
//
// The framing: a count is an unsigned integer, one byte if it is below 128,
// otherwise a byte holding the negated length of the count (1 to 8) followed
// by that many big-endian bytes. The count is followed by that many bytes of
// message.
//
// frameReader reads each message whole into a buffer it reuses (the limit
// bounds it), checks it, and only then hands it out. A value whose interface
// field brings a type gob has not seen yet arrives as several messages; gob
// reads them as one when they are joined as it joins nested type definitions,
// each prefixed with its length, so frameReader hands such a value out as one
// message, checked whole and held to the limit.
type frameReader struct {
	r     io.Reader
	br    io.ByteReader // r, if it is one: a cheaper first byte of a count
	limit uint64
	hint  string    // how to raise the limit, for the error
	check *gobCheck // nil: messages are only framed

	// buf holds the message being handed out from off: its count, right
	// aligned in buf[:maxCount], then its bytes.
	buf []byte
	off int
	err error // sticky: set once, the stream is unusable after it

	cnt [maxCount]byte // a count being read or written; a field, not to escape
}

// maxCount is the size of the longest count.
const maxCount = 9

// keepBuffer is the largest buffer a frameReader keeps between messages: a
// connection that received one large message does not hold its memory.
const keepBuffer = 64 << 10

// errTooLarge is what a frameReader fails with for an oversized message; it
// is wrapped with the sizes.
var errTooLarge = errors.New("message too large")

func newFrameReader(r io.Reader, limit int, hint string) *frameReader {
	br, _ := r.(io.ByteReader)
	return &frameReader{r: r, br: br, limit: uint64(limit), hint: hint}
}

// newCheckedFrameReader is newFrameReader for a stream from a peer not to be
// trusted: it also checks every message with a gobCheck of its own.
func newCheckedFrameReader(r io.Reader, limit int, hint string) *frameReader {
	f := newFrameReader(r, limit, hint)
	f.check = newGobCheck(f.limit, f.join)
	return f
}

func (f *frameReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if f.off == len(f.buf) {
		if f.err != nil {
			return 0, f.err
		}
		if f.err = f.next(); f.off == len(f.buf) {
			return 0, f.err
		}
	}
	n := copy(p, f.buf[f.off:])
	f.off += n
	return n, nil
}

// ReadByte makes frameReader an io.ByteReader, which stops gob from wrapping
// it in a bufio.Reader of its own (the connection is already buffered).
func (f *frameReader) ReadByte() (byte, error) {
	var b [1]byte
	for {
		n, err := f.Read(b[:])
		if n == 1 {
			return b[0], nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// next reads the next message into f.buf and checks it. On failure f.buf
// holds what is still to be handed out: nothing, or, when the stream ends
// inside an unchecked message, the part that arrived (gob reports it cut
// short).
func (f *frameReader) next() error {
	if cap(f.buf) > keepBuffer {
		f.buf = nil
	}
	if f.buf == nil {
		f.buf = make([]byte, maxCount, 512)
	}
	f.buf, f.off = f.buf[:maxCount], maxCount
	cnt := &f.cnt
	n, count, err := f.readCount(cnt)
	if err != nil {
		return err // io.EOF here is a clean end between messages
	}
	if count > f.limit {
		return f.tooLarge(count)
	}
	if err := f.readBody(count); err != nil {
		if f.check == nil {
			f.off -= copy(f.buf[maxCount-n:maxCount], cnt[:n])
		} else {
			f.buf = f.buf[:maxCount]
		}
		return err
	}
	if f.check != nil {
		if err := f.check.message(f.buf[maxCount:]); err != nil {
			f.buf = f.buf[:maxCount]
			return err
		}
		if body := len(f.buf) - maxCount; uint64(body) != count { // joined
			n = putCount(cnt, uint64(body))
		}
	}
	f.off -= copy(f.buf[maxCount-n:maxCount], cnt[:n])
	return nil
}

// readCount reads a message's count into cnt and returns its length and
// value.
func (f *frameReader) readCount(cnt *[maxCount]byte) (int, uint64, error) {
	var err error
	if f.br != nil {
		cnt[0], err = f.br.ReadByte()
	} else {
		_, err = io.ReadFull(f.r, cnt[:1])
	}
	if err != nil {
		return 0, 0, err
	}
	b := cnt[0]
	if b < 0x80 {
		return 1, uint64(b), nil
	}
	n := -int(int8(b))
	if n < 1 || n > 8 {
		return 0, 0, errors.New("netrpcx: corrupt message length prefix: the peer does not speak gob")
	}
	if _, err := io.ReadFull(f.r, cnt[1:1+n]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, 0, err
	}
	var count uint64
	for _, c := range cnt[1 : 1+n] {
		count = count<<8 | uint64(c)
	}
	return 1 + n, count, nil
}

// readBody appends count bytes of message to f.buf.
func (f *frameReader) readBody(count uint64) error {
	start := len(f.buf)
	f.buf = grow(f.buf, int(count))
	n, err := io.ReadFull(f.r, f.buf[start:])
	f.buf = f.buf[:start+n]
	if err == io.EOF {
		err = io.ErrUnexpectedEOF // the message was cut short
	}
	return err
}

// join reads the next message and appends it, after its count, to the
// message being checked, which it returns: the gobCheck's way to follow an
// interface value into the messages that define its type.
func (f *frameReader) join() ([]byte, error) {
	cnt := &f.cnt
	_, count, err := f.readCount(cnt)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // the value was cut short
		}
		return nil, err
	}
	if count > f.limit {
		return nil, f.tooLarge(count)
	}
	n := putCount(cnt, count) // the part's count, as gob reads it when joined
	if size := uint64(len(f.buf)-maxCount+n) + count; size > f.limit {
		return nil, f.tooLarge(size)
	}
	f.buf = append(f.buf, cnt[:n]...)
	if err := f.readBody(count); err != nil {
		return nil, err
	}
	return f.buf[maxCount:], nil
}

func (f *frameReader) tooLarge(size uint64) error {
	return &tooLargeError{size: size, limit: f.limit, hint: f.hint}
}

// putCount writes x as a gob count into cnt and returns its length.
func putCount(cnt *[maxCount]byte, x uint64) int {
	if x < 0x80 {
		cnt[0] = byte(x)
		return 1
	}
	n := 0
	for y := x; y > 0; y >>= 8 {
		n++
	}
	cnt[0] = byte(-n)
	for i := n; i > 0; i-- {
		cnt[i] = byte(x)
		x >>= 8
	}
	return 1 + n
}

// grow returns b extended by n bytes.
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), len(b)+n)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}

type tooLargeError struct {
	size, limit uint64
	hint        string
}

func (e *tooLargeError) Error() string {
	return "netrpcx: message of " + strconv.FormatUint(e.size, 10) + " bytes exceeds the limit of " +
		strconv.FormatUint(e.limit, 10) + " bytes (raise it with " + e.hint + ")"
}

func (e *tooLargeError) Unwrap() error { return errTooLarge }
