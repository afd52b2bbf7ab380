package jsonwire

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// An Encoder appends JSON to a buffer. Its methods write one value each,
// as encoding/json writes it with HTML escaping on (its default); the
// generated code writes the punctuation and member names between them.
// The first error (a float json cannot write, a failing MarshalJSON) sticks
// and is reported by Err.
type Encoder struct {
	b   []byte
	err error
}

// NewEncoder returns an Encoder appending to b.
func NewEncoder(b []byte) *Encoder { return &Encoder{b: b} }

// Reset makes e append to b, forgetting any error.
func (e *Encoder) Reset(b []byte) { e.b, e.err = b, nil }

// Bytes returns the buffer with what e has written.
func (e *Encoder) Bytes() []byte { return e.b }

// Err returns the first error of a value that could not be written.
func (e *Encoder) Err() error { return e.err }

// Raw appends s as it is: punctuation and member names, already escaped.
func (e *Encoder) Raw(s string) { e.b = append(e.b, s...) }

// Byte appends one byte of punctuation.
func (e *Encoder) Byte(c byte) { e.b = append(e.b, c) }

// Key appends an object member's name, already quoted and escaped, with its
// colon: after a comma unless it is the object's first member (the object
// was just opened).
func (e *Encoder) Key(k string) {
	if n := len(e.b); n > 0 && e.b[n-1] != '{' {
		e.b = append(e.b, ',')
	}
	e.b = append(e.b, k...)
}

// Sort sorts a map's keys as encoding/json orders them.
func (e *Encoder) Sort(keys []string) { slices.Sort(keys) }

// Null appends null.
func (e *Encoder) Null() { e.b = append(e.b, "null"...) }

// Bool appends true or false.
func (e *Encoder) Bool(v bool) { e.b = strconv.AppendBool(e.b, v) }

// Int appends a signed integer.
func (e *Encoder) Int(v int64) { e.b = strconv.AppendInt(e.b, v, 10) }

// Uint appends an unsigned integer.
func (e *Encoder) Uint(v uint64) { e.b = strconv.AppendUint(e.b, v, 10) }

// Float64 appends a float64 as encoding/json does: like ES6's number to
// string conversion. NaN and infinities are an error, as there.
func (e *Encoder) Float64(v float64) { e.float(v, 64) }

// Float32 appends a float32, with the shortest digits that read back as
// the same float32.
func (e *Encoder) Float32(v float32) { e.float(float64(v), 32) }

func (e *Encoder) float(f float64, bits int) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		e.fail(&json.UnsupportedValueError{Str: strconv.FormatFloat(f, 'g', -1, bits)})
		e.b = append(e.b, "null"...) // keeps the rest well-formed; the error is what counts
		return
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	e.b = strconv.AppendFloat(e.b, f, format, -1, bits)
	if format == 'e' {
		// e-09 is written e-9.
		n := len(e.b)
		if n >= 4 && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
			e.b[n-2] = e.b[n-1]
			e.b = e.b[:n-1]
		}
	}
}

// FloatEmpty reports whether omitempty leaves v out: when it is zero, and
// for -0 as this Go release's encoding/json decides.
func (e *Encoder) FloatEmpty(v float64) bool { return v == 0 && (negZeroEmpty || !math.Signbit(v)) }

// negZeroEmpty is whether reflect, and so encoding/json, takes -0 for an
// empty value: it does from Go 1.23 (reflect.Value.IsZero).
var negZeroEmpty = reflect.ValueOf(math.Copysign(0, -1)).IsZero()

// String appends a JSON string.
func (e *Encoder) String(s string) { e.b = AppendString(e.b, s) }

// QuotedString appends s as a field with the ",string" option carries it:
// a JSON string holding s's JSON string (escaped for HTML once, inside).
func (e *Encoder) QuotedString(s string) {
	var buf [64]byte
	e.b = appendString(e.b, AppendString(buf[:0], s), false)
}

// Base64 appends a []byte as encoding/json does: a string of its standard
// base64, or null for nil.
func (e *Encoder) Base64(v []byte) {
	if v == nil {
		e.Null()
		return
	}
	e.b = append(e.b, '"')
	e.b = base64.StdEncoding.AppendEncode(e.b, v)
	e.b = append(e.b, '"')
}

// Value appends v through encoding/json: for what a codec leaves to it.
func (e *Encoder) Value(v any) {
	data, err := json.Marshal(v)
	if err != nil {
		e.fail(err)
		e.Null()
		return
	}
	e.b = append(e.b, data...)
}

// Marshaler appends the JSON of m, a pointer to a value with its own
// MarshalJSON: for a time.Time, as its method writes it, without it;
// otherwise through encoding/json, which calls the method, checks and
// compacts what it returns.
func (e *Encoder) Marshaler(m json.Marshaler) {
	if t, ok := m.(*time.Time); ok {
		// Time.MarshalJSON's format, and its range: a year of four
		// digits, a zone offset under a day.
		n := len(e.b)
		e.b = append(e.b, '"')
		e.b = t.AppendFormat(e.b, time.RFC3339Nano)
		b := e.b[n+1:]
		ok := len(b) > 4 && b[4] == '-'
		if ok && b[len(b)-1] != 'Z' {
			c := b[len(b)-len("Z07:00")]
			ok = (c < '0' || c > '9') && 10*(b[len(b)-5]-'0')+(b[len(b)-4]-'0') < 24
		}
		if ok {
			e.b = append(e.b, '"')
			return
		}
		e.b = e.b[:n]
	}
	e.Value(m)
}

func (e *Encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// AppendString appends s as encoding/json writes a string: invalid UTF-8
// replaced by U+FFFD, <, > and & escaped, and U+2028 and U+2029 escaped.
func AppendString[S []byte | string](dst []byte, s S) []byte { return appendString(dst, s, true) }

const hex = "0123456789abcdef"

func appendString[S []byte | string](dst []byte, src S, escapeHTML bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(src); {
		if b := src[i]; b < utf8.RuneSelf {
			if safe[b] == 2 || safe[b] == 1 && !escapeHTML {
				i++
				continue
			}
			dst = append(dst, src[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		n := min(len(src)-i, utf8.UTFMax)
		c, size := utf8.DecodeRuneInString(string(src[i : i+n]))
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, src[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, src[start:]...)
	dst = append(dst, '"')
	return dst
}

// safe tells, per ASCII byte, whether a string may hold it as it is:
// 2 always, 1 only without HTML escaping, 0 never.
var safe = func() (t [utf8.RuneSelf]byte) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = 2
	}
	t['"'], t['\\'] = 0, 0
	t['<'], t['>'], t['&'] = 1, 1, 1
	return t
}()
