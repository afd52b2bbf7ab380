package netrpcx

import (
	"errors"
	"io"
	"strconv"
)

// A frameReader sits between a connection and a gob.Decoder and enforces a
// limit on the size of each gob message.
//
// encoding/gob frames every message with its byte count and, on reading the
// count, allocates a buffer of that size before reading the message (it
// accepts counts up to 8 GiB). A peer can therefore make a server allocate
// gigabytes with a few bytes. frameReader parses the same framing and fails
// on a count over the limit before handing a single byte of it to gob, so
// nothing is allocated for an oversized message.
//
// The framing: a count is an unsigned integer, one byte if it is below 128,
// otherwise a byte holding the negated length of the count (1 to 8) followed
// by that many big-endian bytes. The count is followed by that many bytes of
// message.
type frameReader struct {
	r     io.Reader
	limit uint64
	hint  string // how to raise the limit, for the error

	hdr    [9]byte // the count being handed out
	hdrOff int     // how much of hdr has been handed out
	hdrLen int
	body   uint64 // message bytes left to hand out after hdr
	err    error  // sticky: set once, the stream is unusable after it
}

// errTooLarge is what a frameReader fails with for an oversized message; it
// is wrapped with the sizes.
var errTooLarge = errors.New("message too large")

func newFrameReader(r io.Reader, limit int, hint string) *frameReader {
	return &frameReader{r: r, limit: uint64(limit), hint: hint}
}

func (f *frameReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if f.hdrOff < f.hdrLen {
		n := copy(p, f.hdr[f.hdrOff:f.hdrLen])
		f.hdrOff += n
		return n, nil
	}
	if f.body == 0 {
		if f.err != nil {
			return 0, f.err
		}
		if err := f.readCount(); err != nil {
			f.err = err
			return 0, err
		}
		n := copy(p, f.hdr[:f.hdrLen])
		f.hdrOff = n
		return n, nil
	}
	if uint64(len(p)) > f.body {
		p = p[:f.body]
	}
	n, err := f.r.Read(p)
	f.body -= uint64(n)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // the message was cut short
		}
		f.err = err
		if n > 0 {
			return n, nil
		}
	}
	return n, err
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

// readCount reads the next message's count into f.hdr and checks it.
func (f *frameReader) readCount() error {
	if _, err := io.ReadFull(f.r, f.hdr[:1]); err != nil {
		return err // io.EOF here is a clean end between messages
	}
	b := f.hdr[0]
	n, count := 0, uint64(b)
	if b >= 0x80 {
		n = -int(int8(b))
		if n < 1 || n > 8 {
			return errors.New("netrpcx: corrupt message length prefix: the peer does not speak gob")
		}
		if _, err := io.ReadFull(f.r, f.hdr[1:1+n]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		count = 0
		for _, c := range f.hdr[1 : 1+n] {
			count = count<<8 | uint64(c)
		}
	}
	if count > f.limit {
		return &tooLargeError{size: count, limit: f.limit, hint: f.hint}
	}
	f.hdrLen, f.body = 1+n, count
	return nil
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
