package netrpcx

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// Compression (WithCompression, WithClientCompression) is negotiated in the
// hello: each netrpcx peer that has it on says so (hello.Gzip), and a peer
// compresses what it sends only when its own option is on and the other
// said it reads compressed messages. A stock peer never says so, and
// never sees one.
//
// A compressed message replaces one gob message, count and all, with
//
//	0x80, count(N), count(M), M bytes of gzip
//
// where the counts are gob's, N is the size of the gob message (without its
// count) and the gzip stream holds exactly its N bytes. gob never begins a
// count with 0x80 (it would be a count of no bytes), so a reader knows a
// compressed message by its first byte. N is held to the receiver's message
// limit before anything is read, and decompression stops at N bytes: a
// small message that inflates to more fails once it has produced N+1
// bytes, never holding more than the limit allows.

// gzipMark begins a compressed message.
const gzipMark = 0x80

// gzipFrame is the longest header of a compressed message: the mark and
// two counts.
const gzipFrame = 1 + 2*maxCount

var errGzip = errors.New("netrpcx: refused a malformed compressed message; closing the connection")

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

var gzipReaders sync.Pool // of *gzip.Reader

// A gzipWriter sits between a gob.Encoder and the connection's buffer and
// compresses each message of at least min bytes, if that makes it smaller.
// gob writes each message, count first, with one Write.
type gzipWriter struct {
	w   io.Writer
	min int    // 0: compress nothing (the default, and towards a peer that did not say it reads them)
	buf []byte // a compressed message being made
	// last is the size of the last message written, before compression:
	// what the receiver holds to its limit.
	last int
}

func (z *gzipWriter) Write(p []byte) (int, error) {
	z.last = len(p)
	if z.min == 0 || len(p) < z.min {
		return z.w.Write(p)
	}
	body := p[countLen(p):]
	z.buf = append(z.buf[:0], make([]byte, gzipFrame)...)
	gw := gzipWriters.Get().(*gzip.Writer)
	gw.Reset((*appender)(&z.buf))
	_, err := gw.Write(body)
	if err == nil {
		err = gw.Close()
	}
	gw.Reset(nil)
	gzipWriters.Put(gw)
	var n int
	if size := len(z.buf) - gzipFrame; err == nil && size < len(body) {
		var cn, cm [maxCount]byte
		a := putCount(&cn, uint64(len(body)))
		b := putCount(&cm, uint64(size))
		start := gzipFrame - 1 - a - b
		z.buf[start] = gzipMark
		copy(z.buf[start+1:], cn[:a])
		copy(z.buf[start+1+a:], cm[:b])
		_, err = z.w.Write(z.buf[start:])
	} else { // incompressible: as it is
		n, err = z.w.Write(p)
	}
	if cap(z.buf) > keepBuffer {
		z.buf = nil
	}
	if err != nil {
		return n, err
	}
	return len(p), nil
}

// countLen returns the length of the gob count at the start of p.
func countLen(p []byte) int {
	if len(p) == 0 || p[0] < 0x80 {
		return 1
	}
	return 1 + -int(int8(p[0]))
}

// appender is a byte slice as an io.Writer that appends.
type appender []byte

func (a *appender) Write(p []byte) (int, error) {
	*a = append(*a, p...)
	return len(p), nil
}

// peekGzip parses the header of the compressed message at in[r:w] (after
// its mark): its length, N and M, or ok false if more bytes are needed.
func peekGzip(b []byte) (n int, size, zsize uint64, ok bool, err error) {
	n = 1
	for i := range 2 {
		if len(b) <= n {
			return 0, 0, 0, false, nil
		}
		c := b[n]
		var v uint64
		if c < 0x80 {
			v = uint64(c)
			n++
		} else {
			k := -int(int8(c))
			if k < 1 || k > 8 {
				return 0, 0, 0, false, fmt.Errorf("%w: corrupt length", errGzip)
			}
			if len(b) < n+1+k {
				return 0, 0, 0, false, nil
			}
			for _, d := range b[n+1 : n+1+k] {
				v = v<<8 | uint64(d)
			}
			n += 1 + k
		}
		if i == 0 {
			size = v
		} else {
			zsize = v
		}
	}
	return n, size, zsize, true, nil
}

// inflate reads the compressed part of the message whose header peekCount
// read, and appends its size bytes to f.buf. The buffer grows as bytes come
// out, so that a message claiming more than it holds costs what it holds.
func (f *frameReader) inflate(size uint64) error {
	zsize := f.zsize
	if zsize >= size || zsize > f.limit {
		return fmt.Errorf("%w: %d compressed bytes for %d", errGzip, zsize, size)
	}
	var err error
	if f.zbuf, err = f.appendRead(f.zbuf[:0], zsize); err != nil {
		return err
	}
	f.zsrc.Reset(f.zbuf)
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	if zr == nil {
		zr, err = gzip.NewReader(&f.zsrc)
	} else {
		err = zr.Reset(&f.zsrc)
	}
	if err == nil {
		zr.Multistream(false)
		want := len(f.buf) + int(size)
		for len(f.buf) < want && err == nil {
			if len(f.buf) == cap(f.buf) {
				f.buf = slices.Grow(f.buf, min(want-len(f.buf), max(len(f.buf), minGrowth)))
			}
			var m int
			m, err = zr.Read(f.buf[len(f.buf):min(cap(f.buf), want)])
			f.buf = f.buf[:len(f.buf)+m]
		}
		switch {
		case len(f.buf) < want:
			if err == io.EOF {
				err = fmt.Errorf("%w: it holds fewer bytes than the %d it claims", errGzip, size)
			}
		default: // all there: the stream must end here, its checksum right
			var one [1]byte
			var m int
			m, err = zr.Read(one[:])
			if m > 0 {
				err = fmt.Errorf("%w: it holds more than the %d bytes it claims", errGzip, size)
			} else if err == io.EOF {
				err = nil
			}
		}
		gzipReaders.Put(zr)
	}
	if cap(f.zbuf) > keepBuffer {
		f.zbuf = nil
	}
	if err != nil && !errors.Is(err, errGzip) {
		err = fmt.Errorf("%w: %v", errGzip, err)
	}
	return err
}

// zsrc is a bytes.Reader; the alias keeps frame.go's fields together.
type zsrc = bytes.Reader
