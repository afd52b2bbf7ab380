package netrpcx

import (
	"bytes"
	"encoding/gob"
	"errors"
	"io"
	"math"
	"reflect"
	"sync"
)

// Every call sends a request header and a response header, and gob encodes
// and decodes each through reflection, with lookups in its type caches: a
// good part of what a small call costs. The headers are small structs of
// fixed shape, so netrpcx writes and reads them by hand, producing and
// accepting exactly gob's bytes: peers, stock or not, see no difference.
//
// Writing: gob numbers types once per process, so the id gob gives
// requestHeader (responseHeader) is the same in every Encoder. A
// connection's first header goes through its Encoder, which sends the
// type's definitions (and those of the types in it, such as []string) and
// records them as sent; every later one is a value message written by hand
// with that id, which gob would have written the same way. The Encoder
// never sends the definitions twice, and its ids for body types are the
// process's as well, so they never collide with the header's. The hand
// writer checks itself against gob once per process, and a header type it
// does not write as gob does (a field added to it and not to the writer)
// goes through gob, slower but whole.
//
// Reading: the gobCheck of the connection's frameReader has every type
// definition the peer sent. A header that arrives as a value of a struct
// type whose fields all have a header field's name and gob type is read by
// hand from the frameReader's buffer; gob never sees it, which changes
// nothing for gob, as its Decoder keeps nothing from one message to the
// next but the definitions (and the last message's bytes: see
// headerReader.at). Anything else (the definitions before the first
// header, a peer's header type with other fields, a message the hand
// reader would read other than as the canonical encoding) goes to gob,
// which reads it, or fails on it, as it always did. Since only whole
// messages the frameReader checked and bounded are read, its limits hold.

// headerTypeIDs returns the gob type ids of requestHeader and responseHeader,
// or 0 for a header the hand writer does not write as gob does: one with a
// field it does not know (see writesAsGob).
var headerTypeIDs = sync.OnceValues(func() (req, resp int64) {
	req, resp = gobTypeID(&requestHeader{}), gobTypeID(&responseHeader{})
	if !writesAsGob(appendRequest, req) {
		req = 0
	}
	if !writesAsGob(appendResponse, resp) {
		resp = 0
	}
	return req, resp
})

// writesAsGob reports whether appendHeader writes a header of type H, every
// field set, as gob's Encoder does: a field added to H and not to the hand
// writer makes netrpcx write H with gob, never drop the field.
func writesAsGob[H any](appendHeader func([]byte, int64, *H) []byte, id int64) bool {
	var h H
	v := reflect.ValueOf(&h).Elem()
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.String:
			f.SetString("x")
		case reflect.Uint64:
			f.SetUint(1 << 40)
		case reflect.Int64:
			f.SetInt(-1 << 40)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Slice:
			if f.Type().Elem().Kind() != reflect.String {
				return false
			}
			f.Set(reflect.ValueOf([]string{"x", ""}))
		default:
			return false
		}
	}
	var want bytes.Buffer
	enc := gob.NewEncoder(&want)
	if enc.Encode(&h) != nil {
		return false
	}
	defs := want.Len()
	if enc.Encode(&h) != nil {
		return false
	}
	got := countFirst(appendHeader(make([]byte, maxCount), id, &h))
	return bytes.Equal(got, want.Bytes()[defs:])
}

// gobTypeID returns the id gob sends values of v's type with: that of the
// last message a new Encoder writes for v.
func gobTypeID(v any) int64 {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		panic("netrpcx: cannot gob-encode a header: " + err.Error())
	}
	msgs := gobMessages(buf.Bytes())
	if len(msgs) == 0 {
		panic("netrpcx: cannot read gob's encoding of a header")
	}
	_, x, ok := readGobUint(msgs[len(msgs)-1])
	if id := gobSigned(x); ok && id > 0 {
		return id
	}
	panic("netrpcx: gob's encoding of a header ends with no value")
}

// A headerWriter writes a connection's headers (see above). Its owner
// serializes the calls, as it does the Encoder's.
type headerWriter struct {
	sent bool   // the connection's Encoder sent the header's type
	buf  []byte // the message being made
}

// gobTooBig is the size of message gob's Encoder refuses to write.
const gobTooBig = (1 << 30) << (^uint(0) >> 62)

var errGobTooBig = errors.New("gob: encoder: message too big")

// writeRequest writes h through enc, whose writer is w.
func (hw *headerWriter) writeRequest(enc *gob.Encoder, w io.Writer, h *requestHeader) error {
	id, _ := headerTypeIDs()
	if !hw.sent || id == 0 {
		return hw.withGob(enc, h)
	}
	return hw.write(w, appendRequest(hw.start(), id, h))
}

// writeResponse writes h through enc, whose writer is w.
func (hw *headerWriter) writeResponse(enc *gob.Encoder, w io.Writer, h *responseHeader) error {
	_, id := headerTypeIDs()
	if !hw.sent || id == 0 {
		return hw.withGob(enc, h)
	}
	return hw.write(w, appendResponse(hw.start(), id, h))
}

// appendRequest appends to b the value message of h, of type id, without
// its count.
func appendRequest(b []byte, id int64, h *requestHeader) []byte {
	w := GobWriter{b: appendGobInt(b, id), field: -1}
	w.String(0, h.ServiceMethod)
	w.Uint(1, h.Seq)
	w.Int(2, h.Timeout)
	w.strings(3, h.Metadata)
	w.Uint(4, h.Stream)
	w.Bool(5, h.Items)
	w.Bool(6, h.Nil)
	w.strings(7, h.Present)
	return append(w.b, 0) // the struct's terminator
}

// appendResponse is appendRequest for a response header.
func appendResponse(b []byte, id int64, h *responseHeader) []byte {
	w := GobWriter{b: appendGobInt(b, id), field: -1}
	w.String(0, h.ServiceMethod)
	w.Uint(1, h.Seq)
	w.String(2, h.Error)
	w.String(3, h.Code)
	w.Bool(4, h.Nil)
	w.strings(5, h.Present)
	return append(w.b, 0)
}

// withGob has enc write h: the connection's first header, with the
// definitions, or every header if the hand writer cannot write h's type.
func (hw *headerWriter) withGob(enc *gob.Encoder, h any) error {
	err := enc.Encode(h)
	hw.sent = err == nil
	return err
}

// start returns the buffer for a message, with room for its count.
func (hw *headerWriter) start() []byte {
	return append(hw.buf[:0], make([]byte, maxCount)...)
}

// countFirst puts the count before the message b (as start returned it,
// then appended to), and returns the two.
func countFirst(b []byte) []byte {
	var cnt [maxCount]byte
	n := putCount(&cnt, uint64(len(b)-maxCount))
	return b[maxCount-copy(b[maxCount-n:maxCount], cnt[:n]):]
}

// write writes the message b, count first, with one Write, as gob does
// (gzipWriter and holdWriter count on that).
func (hw *headerWriter) write(w io.Writer, b []byte) error {
	return writeMessage(w, b, &hw.buf)
}

// writeMessage writes the message b, built after maxCount bytes of room,
// count first in one Write, and keeps b in *keep for the next message
// unless it grew large: a message refused as too big lets its buffer go
// as well.
func writeMessage(w io.Writer, b []byte, keep *[]byte) error {
	if cap(b) > keepBuffer {
		*keep = nil
	} else {
		*keep = b
	}
	if len(b)-maxCount >= gobTooBig {
		return errGobTooBig
	}
	_, err := w.Write(countFirst(b))
	return err
}

// strings writes field if ss is not empty, as gob sends a []string: its
// count, then every element, empty ones too.
func (w *GobWriter) strings(field int, ss []string) {
	if len(ss) != 0 {
		w.Field(field)
		w.Len(len(ss))
		for _, s := range ss {
			w.PutString(s)
		}
	}
}

// appendGobUint appends x as gob encodes an unsigned integer.
func appendGobUint(b []byte, x uint64) []byte {
	if x < 0x80 {
		return append(b, byte(x))
	}
	var cnt [maxCount]byte
	n := putCount(&cnt, x)
	return append(b, cnt[:n]...)
}

// appendGobInt appends x as gob encodes a signed integer: the sign in the
// low bit of an unsigned one.
func appendGobInt(b []byte, x int64) []byte {
	if x < 0 {
		return appendGobUint(b, uint64(^x<<1)|1)
	}
	return appendGobUint(b, uint64(x<<1))
}

// readGobUint reads an unsigned integer from b as gob's decoder does, and
// returns its length; ok is false if b does not hold one.
func readGobUint(b []byte) (n int, x uint64, ok bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	if b[0] < 0x80 {
		return 1, uint64(b[0]), true
	}
	n = -int(int8(b[0]))
	if n > 8 || n >= len(b) {
		return 0, 0, false
	}
	for _, c := range b[1 : 1+n] {
		x = x<<8 | uint64(c)
	}
	return 1 + n, x, true
}

// gobSigned is the signed integer gob encodes as x.
func gobSigned(x uint64) int64 {
	if x&1 != 0 {
		return ^int64(x >> 1)
	}
	return int64(x >> 1)
}

// The header fields a peer's header type may have, by name, and the gob
// type each must have for the hand reader: any other type is gob's to
// accept or refuse.
const (
	hdrNone uint8 = iota
	hdrServiceMethod
	hdrSeq
	hdrTimeout
	hdrMetadata
	hdrStream
	hdrItems
	hdrNil
	hdrPresent
	hdrError
	hdrCode
	hdrFields // how many there are, plus one
)

// hdrWire is the gob type id of each field, gobStringSlice for []string.
var hdrWire = [hdrFields]int32{
	hdrServiceMethod: gobString,
	hdrSeq:           gobUint,
	hdrTimeout:       gobInt,
	hdrMetadata:      gobStringSlice,
	hdrStream:        gobUint,
	hdrItems:         gobBool,
	hdrNil:           gobBool,
	hdrPresent:       gobStringSlice,
	hdrError:         gobString,
	hdrCode:          gobString,
}

// gobStringSlice stands for any slice type of strings in hdrWire.
const gobStringSlice = -1

// requestFields and responseFields name the fields of requestHeader and
// responseHeader.
var (
	requestFields = map[string]uint8{
		"ServiceMethod": hdrServiceMethod, "Seq": hdrSeq, "Timeout": hdrTimeout,
		"Metadata": hdrMetadata, "Stream": hdrStream, "Items": hdrItems, "Nil": hdrNil, "Present": hdrPresent,
	}
	responseFields = map[string]uint8{
		"ServiceMethod": hdrServiceMethod, "Seq": hdrSeq, "Error": hdrError,
		"Code": hdrCode, "Nil": hdrNil, "Present": hdrPresent,
	}
)

// A headerReader reads a connection's headers (see above). It remembers
// what it found out about the last type id the peer sent a header as.
type headerReader struct {
	id   int64                // the type id plan is for; 0: none yet
	plan [hdrFields - 1]uint8 // the header field of each of the type's fields
	n    int                  // how many fields the type has; -1: not to be read by hand

	method string // the last ServiceMethod read: the next is likely the same

	// at is where the last header ended in the stream (frameReader.n).
	// gob's Decoder keeps the last message it read until it reads the
	// next: after large messages (bodies) it reads a header, so that it
	// lets the large one go, as it did before the hand reader.
	at uint64
}

// wireHeader holds the fields of either header.
type wireHeader struct {
	ServiceMethod, Error, Code string
	Seq, Stream                uint64
	Timeout                    int64
	Items, Nil                 bool
	Metadata, Present          []string
}

// readRequest reads the next request header into h.
func (hr *headerReader) readRequest(fr *frameReader, dec *gob.Decoder, h *requestHeader) error {
	var x wireHeader
	if hr.read(fr, requestFields, &x) {
		*h = x.request()
		return nil
	}
	*h = requestHeader{} // gob merges into the destination: start from zero
	err := dec.Decode(h)
	hr.at = fr.n
	return err
}

// readResponse reads the next response header into h.
func (hr *headerReader) readResponse(fr *frameReader, dec *gob.Decoder, h *responseHeader) error {
	var x wireHeader
	if hr.read(fr, responseFields, &x) {
		*h = x.response()
		return nil
	}
	*h = responseHeader{}
	err := dec.Decode(h)
	hr.at = fr.n
	return err
}

func (x *wireHeader) request() requestHeader {
	return requestHeader{ServiceMethod: x.ServiceMethod, Seq: x.Seq, Timeout: x.Timeout, Metadata: x.Metadata,
		Stream: x.Stream, Items: x.Items, Nil: x.Nil, Present: x.Present}
}

func (x *wireHeader) response() responseHeader {
	return responseHeader{ServiceMethod: x.ServiceMethod, Seq: x.Seq, Error: x.Error, Code: x.Code,
		Nil: x.Nil, Present: x.Present}
}

// read reads the next message into x by hand and takes it from fr, if it
// is a header it can read as gob would; otherwise it leaves the message
// to gob and returns false.
func (hr *headerReader) read(fr *frameReader, names map[string]uint8, x *wireHeader) bool {
	if fr.check == nil || fr.n-hr.at > keepBuffer {
		return false
	}
	msg := fr.peekMessage()
	if msg == nil {
		return false
	}
	n, u, ok := readGobUint(msg)
	if !ok || u&1 != 0 || u>>1 == 0 || u>>1 > math.MaxInt32 {
		return false // a definition, or a value of no type gob keeps
	}
	if id := int64(u >> 1); id != hr.id {
		if !hr.learn(fr.check, id, names) {
			return false
		}
	} else if hr.n < 0 {
		return false
	}
	if !hr.decode(msg[n:], x) {
		return false
	}
	fr.skipMessage()
	hr.at = fr.n
	return true
}

// learn makes the plan for the peer's type id, if the hand reader can read
// its values, and reports whether it can. A type whose field types are not
// all defined yet is not remembered: they may be later.
func (hr *headerReader) learn(check *gobCheck, id int64, names map[string]uint8) bool {
	t := check.types[int32(id)]
	if t == nil || t.kind != kindStruct || len(t.fields) > len(hr.plan) {
		hr.id, hr.n = id, -1
		return false
	}
	var plan [hdrFields - 1]uint8
	var seen [hdrFields]bool
	for i, name := range t.names {
		f := names[name]
		if f == hdrNone || seen[f] {
			hr.id, hr.n = id, -1
			return false
		}
		seen[f] = true
		plan[i] = f
		switch want, got := hdrWire[f], t.fields[i]; {
		case want != gobStringSlice:
			if got != want {
				hr.id, hr.n = id, -1
				return false
			}
		default:
			st := check.types[got]
			if st == nil {
				hr.id, hr.n = 0, 0 // not defined yet: ask again next time
				return false
			}
			if st.kind != kindSlice || st.elem != gobString {
				hr.id, hr.n = id, -1
				return false
			}
		}
	}
	hr.id, hr.plan, hr.n = id, plan, len(t.fields)
	return true
}

// decode reads the struct value in b into x as gob's decoder would, if b
// is the struct and nothing else; it reports false, having read nothing
// that counts, if not.
func (hr *headerReader) decode(b []byte, x *wireHeader) bool {
	field := -1
	for {
		n, d, ok := readGobUint(b)
		if !ok {
			return false
		}
		b = b[n:]
		if d == 0 {
			return len(b) == 0
		}
		if d > uint64(hr.n-1-field) {
			return false
		}
		field += int(d)
		switch f := hr.plan[field]; f {
		case hdrSeq, hdrStream, hdrTimeout, hdrItems, hdrNil:
			n, v, ok := readGobUint(b)
			if !ok {
				return false
			}
			b = b[n:]
			switch f {
			case hdrSeq:
				x.Seq = v
			case hdrStream:
				x.Stream = v
			case hdrTimeout:
				x.Timeout = gobSigned(v)
			case hdrItems:
				x.Items = v != 0
			default:
				x.Nil = v != 0
			}
		case hdrMetadata, hdrPresent:
			var ss []string
			if b, ss, ok = readGobStrings(b); !ok {
				return false
			}
			if f == hdrMetadata {
				x.Metadata = ss
			} else {
				x.Present = ss
			}
		default:
			s, rest, ok := readGobString(b)
			if !ok {
				return false
			}
			b = rest
			switch f {
			case hdrServiceMethod:
				if string(s) != hr.method { // no allocation to compare
					hr.method = string(s)
				}
				x.ServiceMethod = hr.method
			case hdrError:
				x.Error = string(s)
			default:
				x.Code = string(s)
			}
		}
	}
}

// readGobString reads a string's bytes: a length, then that many bytes.
func readGobString(b []byte) (s, rest []byte, ok bool) {
	n, size, ok := readGobUint(b)
	if !ok || size > uint64(len(b)-n) {
		return nil, nil, false
	}
	return b[n : n+int(size)], b[n+int(size):], true
}

// readGobStrings reads a []string: a count, then the strings. gob leaves the
// slice nil for a count of zero.
func readGobStrings(b []byte) (rest []byte, ss []string, ok bool) {
	n, count, ok := readGobUint(b)
	if !ok || count > uint64(len(b)-n) { // every string takes a byte at least
		return nil, nil, false
	}
	b = b[n:]
	if count > 0 {
		ss = make([]string, count)
	}
	for i := range ss {
		s, rest, ok := readGobString(b)
		if !ok {
			return nil, nil, false
		}
		ss[i], b = string(s), rest
	}
	return b, ss, true
}

// peekMessage returns the next message, without its count, checked and
// ready to hand out, or nil if there is none (the stream failed: the next
// Read says why) or if part of it was handed out already.
func (f *frameReader) peekMessage() []byte {
	if f.pass == 0 && f.off == len(f.buf) {
		if f.err != nil {
			return nil
		}
		if f.err = f.next(); f.err != nil {
			return nil
		}
	}
	var m []byte
	if f.pass > 0 {
		m = f.in[f.r : f.r+f.pass]
	} else {
		m = f.buf[f.off:]
	}
	n, size, ok := readGobUint(m)
	if !ok || size != uint64(len(m)-n) {
		return nil
	}
	return m[n:]
}

// skipMessage takes the message peekMessage returned, as a Read of all of
// it would.
func (f *frameReader) skipMessage() {
	if f.pass > 0 {
		f.r += f.pass
		f.n += uint64(f.pass)
		f.pass = 0
		return
	}
	f.n += uint64(len(f.buf) - f.off)
	f.off = len(f.buf)
	if cap(f.buf) > keepBuffer {
		f.buf, f.off = nil, 0
	}
}
