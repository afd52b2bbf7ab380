package jsonwire

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// A Decoder reads one JSON document. Generated code asks it for the value
// it expects next; each method consumes one value, or, for objects and
// arrays, their punctuation:
//
//	for more := d.Object(); more; more = d.NextMember() {
//		switch d.Key("a", "b") {
//		case 0: ...
//		default:
//			d.Skip()
//		}
//	}
//
// A value of the wrong kind, invalid JSON, or anything the Decoder leaves
// to encoding/json makes it fail: every later read returns nothing, and
// End reports the failure. Its caller then decodes the document with
// encoding/json, which gives the error encoding/json gives.
type Decoder struct {
	data    []byte
	i       int
	depth   int
	err     error
	scratch []byte
	texts   []byte // where this document's short strings are copied; see text
}

// ErrFallback is End's error when the document needs encoding/json: it is
// not valid, does not fit the types, or holds what the Decoder does not
// decode itself. encoding/json's answer, error or value, is the one to use.
var ErrFallback = errors.New("jsonwire: the document needs encoding/json")

// maxDepth is how deep encoding/json lets objects and arrays nest.
const maxDepth = 10000

// Reset makes d read data from its start. Reset(nil) lets go of the
// document, and of a large buffer for unescaping strings, so that a pooled
// Decoder holds little.
func (d *Decoder) Reset(data []byte) {
	d.data, d.i, d.depth, d.err = data, 0, 0, nil
	d.texts = nil // the strings of the last document lie in it
	if data == nil && cap(d.scratch) > 64<<10 {
		d.scratch = nil
	}
}

// End checks that nothing but white space follows the document, and
// returns nil if d read all of it, or ErrFallback.
func (d *Decoder) End() error {
	d.space()
	if d.i != len(d.data) {
		d.fail()
	}
	return d.err
}

// Unsupported makes d fail: the value at hand is one the generated code
// leaves to encoding/json as a whole.
func (d *Decoder) Unsupported() { d.fail() }

func (d *Decoder) fail() {
	if d.err == nil {
		d.err = ErrFallback
	}
	d.i = len(d.data)
}

func (d *Decoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek returns the first byte of the next value, or 0 at the end.
func (d *Decoder) peek() byte {
	d.space()
	if d.i < len(d.data) {
		return d.data[d.i]
	}
	return 0
}

func (d *Decoder) literal(lit string) bool {
	if len(d.data)-d.i >= len(lit) && string(d.data[d.i:d.i+len(lit)]) == lit {
		d.i += len(lit)
		return true
	}
	d.fail()
	return false
}

// Null consumes a null and reports whether there was one.
func (d *Decoder) Null() bool {
	if d.peek() == 'n' {
		return d.literal("null")
	}
	return false
}

func (d *Decoder) open() bool {
	d.i++
	if d.depth++; d.depth > maxDepth {
		d.fail()
		return false
	}
	return true
}

// Object starts an object, and reports whether it has a member to read. A
// null is no object, and leaves the target as it is, as encoding/json does.
func (d *Decoder) Object() bool {
	switch d.peek() {
	case '{':
		if !d.open() {
			return false
		}
		if d.peek() == '}' {
			d.i++
			d.depth--
			return false
		}
		return true
	case 'n':
		d.literal("null")
		return false
	}
	d.fail()
	return false
}

// NextMember reads what follows a member: a comma (true: another member
// follows) or the end of the object (false).
func (d *Decoder) NextMember() bool { return d.next('}') }

// Array starts an array, and reports whether it has an element to read.
// The caller has handled null.
func (d *Decoder) Array() bool {
	if d.peek() != '[' {
		d.fail()
		return false
	}
	if !d.open() {
		return false
	}
	if d.peek() == ']' {
		d.i++
		d.depth--
		return false
	}
	return true
}

// maxPresize bounds ArrayLen: a slice longer than that grows as
// encoding/json grows it, by appending.
const maxPresize = 4096

// ArrayLen returns how many elements the array ahead holds (up to
// maxPresize), without reading it, so that a slice can be made at its
// size once instead of growing through a series of copies. It returns 0
// when what is ahead is not an array it can read, and leaves the failure
// to the read that follows.
func (d *Decoder) ArrayLen() int {
	i, depth, err := d.i, d.depth, d.err
	n := 0
	if d.Array() {
		for {
			d.Skip()
			if n++; n == maxPresize || !d.NextElem() {
				break
			}
		}
	}
	if d.err != err {
		n = 0
	}
	d.i, d.depth, d.err = i, depth, err
	return n
}

// NextElem reads what follows an element: a comma (true: another element
// follows) or the end of the array (false).
func (d *Decoder) NextElem() bool { return d.next(']') }

func (d *Decoder) next(end byte) bool {
	switch d.peek() {
	case ',':
		d.i++
		return true
	case end:
		d.i++
		d.depth--
		return false
	}
	d.fail()
	return false
}

// key reads a member's name and the colon after it.
func (d *Decoder) key() []byte {
	if d.peek() != '"' {
		d.fail()
		return nil
	}
	k := d.str()
	if d.peek() != ':' {
		d.fail()
		return nil
	}
	d.i++
	return k
}

// Key reads a member's name and returns the index of the field of names it
// belongs to, or -1: the name itself, or else the first name equal to it
// under encoding/json's case folding.
func (d *Decoder) Key(names ...string) int {
	k := d.key()
	if d.err != nil {
		return -1
	}
	for i, n := range names {
		if string(k) == n {
			return i
		}
	}
	for i, n := range names {
		if foldEqual(k, n) {
			return i
		}
	}
	return -1
}

// MapKey reads a member's name as a map key.
func (d *Decoder) MapKey() string { return d.text(d.key()) }

// foldEqual reports whether encoding/json's folding of k and name agree:
// ASCII letters upper-cased, and any other rune r as
// unicode.ToUpper(unicode.ToLower(r)). k is valid UTF-8.
func foldEqual(k []byte, name string) bool {
	i, j := 0, 0
	for i < len(k) && j < len(name) {
		a, n := fold(k[i:])
		b, m := fold([]byte(name[j:min(j+utf8.UTFMax, len(name))]))
		if a != b {
			return false
		}
		i, j = i+n, j+m
	}
	return i == len(k) && j == len(name)
}

func fold(s []byte) (rune, int) {
	if c := s[0]; c < utf8.RuneSelf {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		return rune(c), 1
	}
	r, n := utf8.DecodeRune(s)
	return unicode.ToUpper(unicode.ToLower(r)), n
}

// str reads the string at d.i and returns its contents, unescaped, with
// invalid UTF-8 replaced. The result is valid until the next read.
func (d *Decoder) str() []byte {
	start := d.i + 1
	i := start
	data := d.data
	// Printable ASCII first, eight bytes a round.
	for len(data)-i >= 8 && plain8(binary.LittleEndian.Uint64(data[i:])) {
		i += 8
	}
	for i < len(data) && plain[data[i]] {
		i++
	}
	ascii := true
	for i < len(d.data) {
		c := d.data[i]
		if c == '"' {
			d.i = i + 1
			s := d.data[start:i]
			if ascii || utf8.Valid(s) {
				return s
			}
			return d.unquote(start)
		}
		if c == '\\' || c < ' ' {
			return d.unquote(start)
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
		i++
	}
	d.fail()
	return nil
}

// plain8 reports whether the eight bytes of x are all plain: none is a
// control character, a quote, a backslash or the start of a multi-byte
// character. Subtracting 0x20 from each byte sets its high bit for a
// control character, and subtracting 1 from each byte of x^0x2222...
// does for a quote, and nowhere else below 0x80; from 0x80 up x's own
// high bit flags the byte, whatever the subtractions give there. A
// borrow into the next byte only follows a byte already flagged.
func plain8(x uint64) bool {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	q, b := x^(ones*'"'), x^(ones*'\\')
	return (x|(x-ones*' ')|(q-ones)|(b-ones))&highs == 0
}

// plain tells the bytes a string holds as they are: printable ASCII
// other than the quote and the backslash.
var plain = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// unquote validates the string whose contents start at start and decodes
// it into d.scratch.
func (d *Decoder) unquote(start int) []byte {
	d.i = start - 1
	if !d.skipString() {
		return nil
	}
	s, ok := unquote(d.scratch[:0], d.data[start:d.i-1])
	if !ok {
		d.fail()
		return nil
	}
	d.scratch = s
	return s
}

// skipString validates the string at d.i and moves past it.
func (d *Decoder) skipString() bool {
	i := d.i + 1
	for len(d.data)-i >= 8 && plain8(binary.LittleEndian.Uint64(d.data[i:])) {
		i += 8
	}
	for i < len(d.data) {
		switch c := d.data[i]; {
		case c == '"':
			d.i = i + 1
			return true
		case c < ' ':
			d.fail()
			return false
		case c == '\\':
			i++
			if i >= len(d.data) {
				d.fail()
				return false
			}
			switch d.data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if len(d.data)-i < 5 || hex4(d.data[i+1:i+5]) < 0 {
					d.fail()
					return false
				}
				i += 5
			default:
				d.fail()
				return false
			}
		default:
			i++
		}
	}
	d.fail()
	return false
}

func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c = c - '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// unquote appends the contents of a JSON string (without its quotes) to
// dst as encoding/json decodes them: escapes resolved, an invalid
// surrogate and invalid UTF-8 replaced by U+FFFD.
func unquote(dst, s []byte) ([]byte, bool) {
	for r := 0; r < len(s); {
		switch c := s[r]; {
		case c == '\\':
			r++
			if r >= len(s) {
				return dst, false
			}
			switch s[r] {
			default:
				return dst, false
			case '"', '\\', '/', '\'':
				dst = append(dst, s[r])
				r++
			case 'b':
				dst = append(dst, '\b')
				r++
			case 'f':
				dst = append(dst, '\f')
				r++
			case 'n':
				dst = append(dst, '\n')
				r++
			case 'r':
				dst = append(dst, '\r')
				r++
			case 't':
				dst = append(dst, '\t')
				r++
			case 'u':
				if len(s)-r < 5 {
					return dst, false
				}
				rr := hex4(s[r+1 : r+5])
				if rr < 0 {
					return dst, false
				}
				r += 5
				if utf16.IsSurrogate(rr) {
					if len(s)-r >= 6 && s[r] == '\\' && s[r+1] == 'u' {
						if rr1 := hex4(s[r+2 : r+6]); rr1 >= 0 {
							if dec := utf16.DecodeRune(rr, rr1); dec != unicode.ReplacementChar {
								r += 6
								dst = utf8.AppendRune(dst, dec)
								break
							}
						}
					}
					rr = unicode.ReplacementChar
				}
				dst = utf8.AppendRune(dst, rr)
			}
		case c == '"', c < ' ':
			return dst, false
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			dst = utf8.AppendRune(dst, rr)
		}
	}
	return dst, true
}

// number reads and validates a number, and returns its text.
func (d *Decoder) number() []byte {
	data, start := d.data, d.i
	i := start
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i >= len(data):
		d.fail()
		return nil
	case data[i] == '0':
		i++
	case '1' <= data[i] && data[i] <= '9':
		for i++; i < len(data) && '0' <= data[i] && data[i] <= '9'; i++ {
		}
	default:
		d.fail()
		return nil
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.fail()
			return nil
		}
		for ; i < len(data) && '0' <= data[i] && data[i] <= '9'; i++ {
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.fail()
			return nil
		}
		for ; i < len(data) && '0' <= data[i] && data[i] <= '9'; i++ {
		}
	}
	d.i = i
	return data[start:i]
}

// Skip reads a value of any kind, and drops it: the value of a member
// no field takes.
func (d *Decoder) Skip() {
	switch d.peek() {
	case '{':
		if !d.open() {
			return
		}
		if d.peek() == '}' {
			d.i++
			d.depth--
			return
		}
		for {
			d.key()
			d.Skip()
			if !d.NextMember() {
				return
			}
		}
	case '[':
		if !d.open() {
			return
		}
		if d.peek() == ']' {
			d.i++
			d.depth--
			return
		}
		for {
			d.Skip()
			if !d.NextElem() {
				return
			}
		}
	case '"':
		d.skipString()
	case 't':
		d.literal("true")
	case 'f':
		d.literal("false")
	case 'n':
		d.literal("null")
	default:
		d.number()
	}
}

// Bool reads a bool; ok is false for null (and on failure).
func (d *Decoder) Bool() (v, ok bool) {
	switch d.peek() {
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		d.literal("null")
		return false, false
	}
	d.fail()
	return false, false
}

// Int reads an integer that fits in bits (0: an int's); ok is false for
// null.
func (d *Decoder) Int(bits int) (int64, bool) {
	switch c := d.peek(); {
	case c == 'n':
		d.literal("null")
		return 0, false
	case c == '-' || '0' <= c && c <= '9':
		return d.parseInt(d.number(), bits)
	}
	d.fail()
	return 0, false
}

func (d *Decoder) parseInt(s []byte, bits int) (int64, bool) {
	var n int64
	if len(s) > 0 && len(s) < 19 {
		// Fewer than 19 digits cannot overflow an int64.
		neg := s[0] == '-'
		digits := s
		if neg {
			digits = s[1:]
		}
		for _, c := range digits {
			if c < '0' || c > '9' {
				goto slow
			}
			n = n*10 + int64(c-'0')
		}
		if len(digits) == 0 {
			goto slow
		}
		if neg {
			n = -n
		}
		goto check
	}
slow:
	{
		v, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			d.fail()
			return 0, false
		}
		n = v
	}
check:
	if bits == 0 {
		bits = strconv.IntSize
	}
	if bits < 64 && (n < -1<<(bits-1) || n >= 1<<(bits-1)) {
		d.fail()
		return 0, false
	}
	return n, true
}

// Uint reads an unsigned integer that fits in bits (0: a uint's); ok is
// false for null.
func (d *Decoder) Uint(bits int) (uint64, bool) {
	switch c := d.peek(); {
	case c == 'n':
		d.literal("null")
		return 0, false
	case c == '-' || '0' <= c && c <= '9':
		return d.parseUint(d.number(), bits)
	}
	d.fail()
	return 0, false
}

func (d *Decoder) parseUint(s []byte, bits int) (uint64, bool) {
	if bits == 0 {
		bits = strconv.IntSize
	}
	n, err := strconv.ParseUint(string(s), 10, 64)
	if err != nil || bits < 64 && n >= 1<<bits {
		d.fail()
		return 0, false
	}
	return n, true
}

// Float reads a number as a float of bits; ok is false for null.
func (d *Decoder) Float(bits int) (float64, bool) {
	switch c := d.peek(); {
	case c == 'n':
		d.literal("null")
		return 0, false
	case c == '-' || '0' <= c && c <= '9':
		return d.parseFloat(d.number(), bits)
	}
	d.fail()
	return 0, false
}

func (d *Decoder) parseFloat(s []byte, bits int) (float64, bool) {
	f, err := strconv.ParseFloat(string(s), bits)
	if err != nil || bits == 32 && math.Abs(f) > math.MaxFloat32 && math.Abs(f) <= math.MaxFloat64 {
		d.fail()
		return 0, false
	}
	return f, true
}

// A document's short strings share blocks, each string copied after the
// last: a record of a name and a few tags makes one allocation rather than
// one a string. Bytes once copied are never written again, and a block is
// the document's alone (Reset drops it), so the strings are as immutable
// as any; a string kept pins at most its block, of up to maxBlock bytes.
// The first block is small and each next one twice the last, and none is
// larger than what is left of the document could fill. A longer string
// has an allocation of its own.
const (
	firstBlock = 32
	maxBlock   = 256
	maxShared  = 64
)

// text returns s as a string, in d's current block when it is short.
func (d *Decoder) text(s []byte) string {
	if len(s) == 0 || len(s) > maxShared {
		return string(s)
	}
	if cap(d.texts)-len(d.texts) < len(s) {
		n := min(max(2*cap(d.texts), firstBlock), maxBlock)
		n = max(min(n, len(s)+len(d.data)-d.i), len(s))
		d.texts = make([]byte, 0, n)
	}
	at := len(d.texts)
	d.texts = append(d.texts, s...)
	return unsafe.String(&d.texts[at], len(s))
}

// String reads a string; ok is false for null.
func (d *Decoder) String() (string, bool) {
	switch d.peek() {
	case '"':
		s := d.str()
		return d.text(s), d.err == nil
	case 'n':
		d.literal("null")
		return "", false
	}
	d.fail()
	return "", false
}

// Bytes reads a []byte: a base64 string, or null (nil, and ok).
func (d *Decoder) Bytes() ([]byte, bool) {
	switch d.peek() {
	case '"':
		s := d.str()
		if d.err != nil {
			return nil, false
		}
		b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		n, err := base64.StdEncoding.Decode(b, s)
		if err != nil {
			d.fail()
			return nil, false
		}
		return b[:n], true
	case 'n':
		d.literal("null")
		return nil, true
	}
	// An array of numbers is a []byte to encoding/json too.
	d.fail()
	return nil, false
}

// Value decodes the next value into p with encoding/json: for what the
// generated code leaves to it.
func (d *Decoder) Value(p any) {
	d.space()
	start := d.i
	d.Skip()
	if d.err != nil {
		return
	}
	if json.Unmarshal(d.data[start:d.i], p) != nil {
		d.fail()
	}
}

// Unmarshaler reads the next value with u's UnmarshalJSON, as
// encoding/json does for a value whose pointer has the method.
func (d *Decoder) Unmarshaler(u json.Unmarshaler) {
	d.space()
	start := d.i
	d.Skip()
	if d.err != nil {
		return
	}
	if u.UnmarshalJSON(d.data[start:d.i]) != nil {
		d.fail()
	}
}

// quoted reads the value of a field with the ",string" option: a string
// holding the value's JSON, or null. It returns that JSON; ok is false for
// null, inside the string or not, which leaves the field as it is.
func (d *Decoder) quoted() ([]byte, bool) {
	switch d.peek() {
	case '"':
		s := d.str()
		switch {
		case d.err != nil:
			return nil, false
		case len(s) == 0:
			d.fail()
			return nil, false
		case s[0] == 'n':
			if string(s) != "null" {
				d.fail()
			}
			return nil, false
		}
		return s, true
	case 'n':
		d.literal("null")
		return nil, false
	}
	d.fail()
	return nil, false
}

// QuotedBool reads a bool of a ",string" field.
func (d *Decoder) QuotedBool() (v, ok bool) {
	s, ok := d.quoted()
	switch {
	case !ok:
		return false, false
	case string(s) == "true":
		return true, true
	case string(s) == "false":
		return false, true
	}
	d.fail()
	return false, false
}

func numberLike(s []byte) bool { return s[0] == '-' || '0' <= s[0] && s[0] <= '9' }

// QuotedInt reads an integer of a ",string" field.
func (d *Decoder) QuotedInt(bits int) (int64, bool) {
	s, ok := d.quoted()
	if !ok {
		return 0, false
	}
	if !numberLike(s) {
		d.fail()
		return 0, false
	}
	n, err := strconv.ParseInt(string(s), 10, 64)
	if bits == 0 {
		bits = strconv.IntSize
	}
	if err != nil || bits < 64 && (n < -1<<(bits-1) || n >= 1<<(bits-1)) {
		d.fail()
		return 0, false
	}
	return n, true
}

// QuotedUint reads an unsigned integer of a ",string" field.
func (d *Decoder) QuotedUint(bits int) (uint64, bool) {
	s, ok := d.quoted()
	if !ok {
		return 0, false
	}
	if !numberLike(s) {
		d.fail()
		return 0, false
	}
	return d.parseUint(s, bits)
}

// QuotedFloat reads a float of a ",string" field.
func (d *Decoder) QuotedFloat(bits int) (float64, bool) {
	s, ok := d.quoted()
	if !ok {
		return 0, false
	}
	if !numberLike(s) {
		d.fail()
		return 0, false
	}
	return d.parseFloat(s, bits)
}

// QuotedString reads a string of a ",string" field: a string holding a
// JSON string.
func (d *Decoder) QuotedString() (string, bool) {
	s, ok := d.quoted()
	if !ok {
		return "", false
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		d.fail()
		return "", false
	}
	v, ok := unquote(nil, s[1:len(s)-1])
	if !ok {
		d.fail()
		return "", false
	}
	return string(v), true
}
