package netrpcx

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"time"
	"unsafe"
)

// GobWriter and GobReader are what the generated gob methods of a request
// or response type call: WriteGob appends the value as encoding/gob encodes
// it, ReadGob reads one as encoding/gob decodes it, without reflection. A
// connection finds the methods on a body, and uses them only where the
// bytes are gob's own (see gobbody.go): stock peers see no difference.
//
// A struct's fields are numbered as gob numbers them: its exported fields
// in order. Writing a field that holds its zero value writes nothing, as
// gob leaves such fields out; the Put methods write an element of a slice,
// which gob writes whatever its value.

// A GobWriter appends a value as encoding/gob encodes it.
type GobWriter struct {
	b     []byte
	field int // the last field written of the struct being written
	err   error
}

// Begin starts a struct's fields, and returns what End needs to end them.
func (w *GobWriter) Begin() (outer int) {
	outer, w.field = w.field, -1
	return outer
}

// End ends a struct that Begin started.
func (w *GobWriter) End(outer int) {
	w.b = append(w.b, 0)
	w.field = outer
}

// Field starts field, whatever its value: a struct, which gob sends even
// when zero, or a slice that is not empty.
func (w *GobWriter) Field(field int) {
	w.b = appendGobUint(w.b, uint64(field-w.field))
	w.field = field
}

// Bool writes field if x is true.
func (w *GobWriter) Bool(field int, x bool) {
	if x {
		w.Field(field)
		w.b = append(w.b, 1)
	}
}

// Int writes field if x is not zero.
func (w *GobWriter) Int(field int, x int64) {
	if x != 0 {
		w.Field(field)
		w.b = appendGobInt(w.b, x)
	}
}

// Uint writes field if x is not zero.
func (w *GobWriter) Uint(field int, x uint64) {
	if x != 0 {
		w.Field(field)
		w.b = appendGobUint(w.b, x)
	}
}

// Float writes field if x is not zero (a float32 converted).
func (w *GobWriter) Float(field int, x float64) {
	if x != 0 {
		w.Field(field)
		w.PutFloat(x)
	}
}

// String writes field if s is not empty.
func (w *GobWriter) String(field int, s string) {
	if s != "" {
		w.Field(field)
		w.PutString(s)
	}
}

// Bytes writes field if b is not empty.
func (w *GobWriter) Bytes(field int, b []byte) {
	if len(b) != 0 {
		w.Field(field)
		w.PutBytes(b)
	}
}

// Time writes field if t is not the zero time.Time (with no location), as
// gob sends a GobEncoder: the bytes of its GobEncode.
func (w *GobWriter) Time(field int, t time.Time) {
	if t != (time.Time{}) {
		w.Field(field)
		w.PutTime(t)
	}
}

// Len writes the count of a slice's elements, which follow.
func (w *GobWriter) Len(n int) { w.b = appendGobUint(w.b, uint64(n)) }

// PutBool writes an element.
func (w *GobWriter) PutBool(x bool) {
	if x {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

// PutInt writes an element.
func (w *GobWriter) PutInt(x int64) { w.b = appendGobInt(w.b, x) }

// PutUint writes an element.
func (w *GobWriter) PutUint(x uint64) { w.b = appendGobUint(w.b, x) }

// PutFloat writes an element: gob sends a float's bits byte-reversed, so
// that round numbers take few bytes.
func (w *GobWriter) PutFloat(x float64) {
	w.b = appendGobUint(w.b, bits.ReverseBytes64(math.Float64bits(x)))
}

// PutString writes an element.
func (w *GobWriter) PutString(s string) { w.b = append(appendGobUint(w.b, uint64(len(s))), s...) }

// PutBytes writes an element.
func (w *GobWriter) PutBytes(b []byte) { w.b = append(appendGobUint(w.b, uint64(len(b))), b...) }

// PutTime writes an element: the bytes of t's GobEncode, after their
// length, appended in place.
func (w *GobWriter) PutTime(t time.Time) {
	at := len(w.b)
	w.b = append(w.b, 0) // the length: under 128 for every time
	b, err := t.AppendBinary(w.b)
	if err != nil {
		w.err = fmt.Errorf("gob: cannot encode a time.Time: %w", err)
		return
	}
	if n := len(b) - at - 1; n < 0x80 {
		b[at] = byte(n)
		w.b = b
		return
	}
	w.b = append(appendGobUint(b[:at], uint64(len(b)-at-1)), b[at+1:]...)
}

// A GobReader reads a value as encoding/gob decodes it, from a message
// whose type the connection matched with the value's. Values are read
// into the destination as gob reads them: a field not sent keeps its
// value, a slice keeps its array if it has room. On the first error the
// reader stops, and reads only zeros; the connection then has gob decode
// the message, which says what is wrong as it always did.
type GobReader struct {
	b   []byte
	err error
}

var errGobEnd = errors.New("gob: the message ends inside a value")

func (r *GobReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

// uint reads an unsigned integer.
func (r *GobReader) uint() uint64 {
	n, x, ok := readGobUint(r.b)
	if !ok {
		if len(r.b) == 0 {
			r.fail(errGobEnd)
		} else {
			r.fail(errors.New("gob: corrupt unsigned integer"))
		}
		return 0
	}
	r.b = r.b[n:]
	return x
}

// Field reads the number of the next field of a struct of n fields, the
// last read being last (-1 before the first); it returns -1 at the
// struct's end, or if the message is not what gob's Encoder writes.
func (r *GobReader) Field(last, n int) int {
	d := r.uint()
	switch {
	case r.err != nil || d == 0:
		return -1
	case d > uint64(n-1-last):
		r.fail(fmt.Errorf("gob: field number %d out of range for a struct of %d fields", uint64(last)+d, n))
		return -1
	}
	return last + int(d)
}

// Bool reads a bool.
func (r *GobReader) Bool() bool { return r.uint() != 0 }

// Int reads an integer of the given size in bits (0: int's).
func (r *GobReader) Int(size int) int64 {
	x := gobSigned(r.uint())
	if size == 0 {
		size = bits.UintSize
	}
	if size < 64 && (x < -1<<(size-1) || x >= 1<<(size-1)) {
		r.fail(fmt.Errorf("gob: %d out of range for a %d-bit integer", x, size))
		return 0
	}
	return x
}

// Uint reads an unsigned integer of the given size in bits (0: uint's).
func (r *GobReader) Uint(size int) uint64 {
	x := r.uint()
	if size == 0 {
		size = bits.UintSize
	}
	if size < 64 && x >= 1<<size {
		r.fail(fmt.Errorf("gob: %d out of range for a %d-bit unsigned integer", x, size))
		return 0
	}
	return x
}

// Float reads a float of the given size in bits.
func (r *GobReader) Float(size int) float64 {
	x := math.Float64frombits(bits.ReverseBytes64(r.uint()))
	if size == 32 && math.MaxFloat32 < math.Abs(x) && !math.IsInf(x, 0) {
		r.fail(fmt.Errorf("gob: %g out of range for a float32", x))
		return 0
	}
	return x
}

// take reads a length and returns that many bytes.
func (r *GobReader) take(what string) []byte {
	n := r.uint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail(fmt.Errorf("gob: %s of %d bytes in a message with %d bytes left", what, n, len(r.b)))
		return nil
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}

// String reads a string.
func (r *GobReader) String() string { return string(r.take("string")) }

// Bytes reads a []byte into dst, as gob does: in dst's array if it has
// room.
func (r *GobReader) Bytes(dst []byte) []byte {
	b := r.take("[]byte")
	if r.err != nil {
		return dst
	}
	if cap(dst) < len(b) {
		dst = make([]byte, len(b))
	}
	dst = dst[:len(b)]
	copy(dst, b)
	return dst
}

// Time reads a time.Time into t, through its GobDecode, as gob does.
func (r *GobReader) Time(t *time.Time) {
	b := r.take("time.Time")
	if r.err != nil {
		return
	}
	if err := t.GobDecode(b); err != nil {
		r.fail(err)
	}
}

// gobSliceChunk bounds what ReadGobSlice allocates before the elements
// arrive, as gob's decoder does: a hostile count costs no more than this.
const gobSliceChunk = 1 << 20

// ReadGobSlice reads a slice into dst, as gob does: a count, then the
// elements, each read by elem into its place. It keeps dst's array if it
// has room for them, and otherwise makes one as they arrive.
func ReadGobSlice[T any](r *GobReader, dst []T, elem func(*T, *GobReader)) []T {
	n := r.uint()
	if r.err != nil {
		return dst
	}
	if n > uint64(len(r.b)) { // every element takes a byte at least
		r.fail(fmt.Errorf("gob: slice of %d elements in a message with %d bytes left", n, len(r.b)))
		return dst
	}
	if uint64(cap(dst)) >= n {
		dst = dst[:n]
	} else {
		var zero T
		size := max(1, uint64(unsafe.Sizeof(zero)))
		dst = make([]T, min(n, gobSliceChunk/size))
	}
	for i := 0; uint64(i) < n; i++ {
		if len(r.b) == 0 {
			r.fail(fmt.Errorf("gob: slice of %d elements ends after %d", n, i))
			return dst
		}
		if i == len(dst) {
			dst = append(dst, *new(T))
			dst = dst[:min(uint64(cap(dst)), n)]
		}
		elem(&dst[i], r)
		if r.err != nil {
			return dst
		}
	}
	return dst
}
