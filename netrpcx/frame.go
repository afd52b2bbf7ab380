package netrpcx

import (
	"errors"
	"io"
	"slices"
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
// frameReader buffers the connection itself and hands out only whole
// messages, and only once they passed the check. A message that fits in its
// buffer is checked where it lies and handed out from there, so that it is
// copied once, as by the bufio.Reader gob would otherwise use; a larger one
// is read into a buffer of its own (the limit bounds it). A value whose
// interface field brings a type gob has not seen yet arrives as several
// messages; gob reads them as one when they are joined as it joins nested
// type definitions, each prefixed with its length, so frameReader hands such
// a value out as one message, checked whole and held to the limit.
type frameReader struct {
	rd    io.Reader
	n     uint64 // bytes handed out: what a message took on the wire
	limit uint64
	hint  string    // how to raise the limit, for the error
	check *gobCheck // nil: messages are only framed

	in   []byte // what was read from rd: in[r:w] is still unread
	r, w int
	rerr error // why rd failed, once it did

	// pass counts the bytes at in[r:] of a checked message still to hand
	// out. peeked is the size of the message being checked at in[r:], and
	// peekedCount its count's; join moves that message to buf.
	pass, peeked, peekedCount int

	// buf holds a message too large for in, or joined, being handed out
	// from off: its count, right aligned in buf[:maxCount], then its bytes.
	buf []byte
	off int
	err error // sticky: set once, the stream is unusable after it

	cnt [maxCount]byte // a count being read or written; a field, not to escape

	// gzip allows compressed messages (see gzip.go); zipped reports that
	// the message peekCount read is one, and zsize its compressed size.
	gzip   bool
	zipped bool
	zsize  uint64
	zbuf   []byte // a compressed message's bytes
	zsrc   zsrc

	// idle, if set, is called before each read from rd: the reader is
	// about to wait for the peer, and holds no whole message it has not
	// handed out. Its owner flushes there what it held back.
	idle func()
}

// maxCount is the size of the longest count.
const maxCount = 9

// readBuffer is the size of a frameReader's buffer, bufio's default.
const readBuffer = 4096

// keepBuffer is the largest buffer a frameReader keeps between messages: a
// connection that received one large message does not hold its memory.
const keepBuffer = 64 << 10

// errTooLarge is what a frameReader fails with for an oversized message; it
// is wrapped with the sizes.
var errTooLarge = errors.New("message too large")

var errCorruptCount = errors.New("netrpcx: corrupt message length prefix: the peer does not speak gob")

func newFrameReader(rd io.Reader, limit int, hint string) *frameReader {
	return &frameReader{rd: rd, limit: uint64(limit), hint: hint, in: make([]byte, readBuffer)}
}

// newCheckedFrameReader is newFrameReader for a stream from a peer not to be
// trusted: it also checks every message with a gobCheck of its own.
func newCheckedFrameReader(rd io.Reader, limit int, hint string) *frameReader {
	f := newFrameReader(rd, limit, hint)
	f.check = newGobCheck(f.limit, f.join)
	return f
}

func (f *frameReader) Read(p []byte) (int, error) {
	for f.pass == 0 && f.off == len(f.buf) {
		if len(p) == 0 {
			return 0, nil
		}
		if f.err != nil {
			return 0, f.err
		}
		f.err = f.next()
	}
	if f.pass > 0 {
		n := copy(p, f.in[f.r:f.r+f.pass])
		f.r += n
		f.pass -= n
		f.n += uint64(n)
		return n, nil
	}
	n := copy(p, f.buf[f.off:])
	f.off += n
	f.n += uint64(n)
	if f.off == len(f.buf) && cap(f.buf) > keepBuffer {
		f.buf, f.off = nil, 0 // handed out whole: a large message's buffer is not kept
	}
	return n, nil
}

// ReadByte makes frameReader an io.ByteReader, which stops gob from wrapping
// it in a bufio.Reader of its own.
func (f *frameReader) ReadByte() (byte, error) {
	var b [1]byte
	_, err := f.Read(b[:])
	return b[0], err
}

// fill reads until in holds n unread bytes (n <= len(in)) or rd fails.
func (f *frameReader) fill(n int) error {
	if f.w-f.r >= n {
		return nil
	}
	if f.r == f.w {
		// Nothing unread: read from the front, as bufio does, so that a
		// message fits in one read instead of splitting at the end.
		f.r, f.w = 0, 0
	} else if f.r+n > len(f.in) { // make room: move what is unread to the front
		f.w = copy(f.in, f.in[f.r:f.w])
		f.r = 0
	}
	for empty := 0; f.w-f.r < n; {
		if f.rerr != nil {
			return f.rerr
		}
		if f.idle != nil {
			f.idle()
		}
		var m int
		m, f.rerr = f.rd.Read(f.in[f.w:])
		f.w += m
		if m > 0 {
			empty = 0
		} else if empty++; empty == 100 && f.rerr == nil {
			f.rerr = io.ErrNoProgress // as bufio does for a broken reader
		}
	}
	return nil
}

// next makes the next message ready to hand out: checked in in, or read
// and checked in buf. It hands out nothing of a message that fails.
func (f *frameReader) next() error {
	if cap(f.buf) > keepBuffer {
		f.buf = nil
	}
	f.buf, f.off = f.buf[:0], 0
	n, count, err := f.peekCount()
	if err != nil {
		return err // io.EOF here is a clean end between messages
	}
	if count > f.limit {
		return f.tooLarge(count)
	}
	if f.zipped {
		if f.buf == nil {
			f.buf = make([]byte, 0, 512)
		}
		f.buf = grow(f.buf, maxCount)
		f.r += n
		err := f.inflate(count)
		if err == nil && f.check != nil {
			err = f.check.message(f.buf[maxCount:])
		}
		if err != nil {
			f.buf = f.buf[:0]
			return err
		}
		return f.ready()
	}
	if size := n + int(count); size <= len(f.in) {
		if err := f.fill(size); err != nil {
			return cut(err)
		}
		if f.check == nil {
			f.pass = size
			return nil
		}
		f.peeked, f.peekedCount = size, n
		err = f.check.message(f.in[f.r+n : f.r+size])
		if f.peeked != 0 { // checked in place
			f.peeked = 0
			if err == nil {
				f.pass = size
			}
			return err
		}
		if err != nil { // joined into buf, then failed
			f.buf = f.buf[:0]
			return err
		}
		return f.ready()
	}

	// Larger than in: read into buf, count first.
	if f.buf == nil {
		f.buf = make([]byte, 0, 512)
	}
	f.buf = grow(f.buf, maxCount)
	f.r += copy(f.buf[maxCount-n:maxCount], f.in[f.r:f.r+n])
	if err := f.readBody(count); err != nil {
		f.buf = f.buf[:0]
		return err
	}
	if f.check != nil {
		if err := f.check.message(f.buf[maxCount:]); err != nil {
			f.buf = f.buf[:0]
			return err
		}
		if uint64(len(f.buf)-maxCount) != count { // joined
			return f.ready()
		}
	}
	f.off = maxCount - n
	return nil
}

// ready writes the count of the joined message in buf before it and makes
// it ready to hand out.
func (f *frameReader) ready() error {
	n := putCount(&f.cnt, uint64(len(f.buf)-maxCount))
	f.off = maxCount - copy(f.buf[maxCount-n:maxCount], f.cnt[:n])
	return nil
}

// peekCount returns the length and value of the next message's count,
// leaving it unread in in. For a compressed message, the count is the
// size of the message it holds, and the length that of its whole header.
func (f *frameReader) peekCount() (int, uint64, error) {
	f.zipped = false
	if err := f.fill(1); err != nil {
		return 0, 0, err
	}
	b := f.in[f.r]
	if b < 0x80 {
		return 1, uint64(b), nil
	}
	if b == gzipMark && f.gzip {
		for need := 2; ; need++ {
			if err := f.fill(need); err != nil {
				return 0, 0, cut(err)
			}
			n, size, zsize, ok, err := peekGzip(f.in[f.r:f.w])
			if err != nil {
				return 0, 0, err
			}
			if ok {
				f.zipped, f.zsize = true, zsize
				return n, size, nil
			}
		}
	}
	n := -int(int8(b))
	if n < 1 || n > 8 {
		return 0, 0, errCorruptCount
	}
	if err := f.fill(1 + n); err != nil {
		return 0, 0, cut(err)
	}
	var count uint64
	for _, c := range f.in[f.r+1 : f.r+1+n] {
		count = count<<8 | uint64(c)
	}
	return 1 + n, count, nil
}

// cut reports a stream that ended inside a message as cut short.
func cut(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readBody appends count bytes of message to f.buf: those in in, then the
// rest straight from rd. The buffer grows as the bytes arrive, at most
// doubling each time, so that a peer announcing a large message and sending
// little of it makes the server hold little more than it sent.
func (f *frameReader) readBody(count uint64) error {
	var err error
	f.buf, err = f.appendRead(f.buf, count)
	return err
}

// appendRead appends the next count bytes of the stream to b, as readBody
// does.
func (f *frameReader) appendRead(b []byte, count uint64) ([]byte, error) {
	want := len(b) + int(count)
	take := min(f.w-f.r, int(count))
	b = append(b, f.in[f.r:f.r+take]...)
	f.r += take
	for len(b) < want {
		if f.rerr != nil {
			return b, cut(f.rerr)
		}
		if len(b) == cap(b) {
			b = slices.Grow(b, min(want-len(b), max(len(b), minGrowth)))
		}
		n := min(cap(b), want)
		if f.idle != nil {
			f.idle()
		}
		m, err := io.ReadFull(f.rd, b[len(b):n])
		b = b[:len(b)+m]
		if err != nil {
			f.rerr = err
		}
	}
	return b, nil
}

// minGrowth is the least readBody grows its buffer by.
const minGrowth = 64 << 10

// join reads the next message and appends it, after its count, to the
// message being checked, which it returns: the gobCheck's way to follow an
// interface value into the messages that define its type. A message being
// checked in in moves to buf first, as reading on may overwrite it.
func (f *frameReader) join() ([]byte, error) {
	if f.peeked != 0 {
		f.buf = append(grow(f.buf[:0], maxCount), f.in[f.r+f.peekedCount:f.r+f.peeked]...)
		f.r += f.peeked
		f.peeked = 0
	}
	n, count, err := f.peekCount()
	if err != nil {
		return nil, cut(err) // the value was cut short
	}
	if count > f.limit {
		return nil, f.tooLarge(count)
	}
	f.r += n
	n = putCount(&f.cnt, count) // the part's count, as gob reads it when joined
	if size := uint64(len(f.buf)-maxCount+n) + count; size > f.limit {
		return nil, f.tooLarge(size)
	}
	f.buf = append(f.buf, f.cnt[:n]...)
	if f.zipped {
		err = f.inflate(count)
	} else {
		err = f.readBody(count)
	}
	if err != nil {
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

// more reports whether bytes of the next message are buffered: the peer
// sent more than one message at once, and more reads need no wait.
func (f *frameReader) more() bool { return f.w > f.r }

// received returns the bytes read from the stream so far and not yet
// handed out, for an error that quotes what a peer sent.
func (f *frameReader) received() []byte { return f.in[f.r:f.w] }
