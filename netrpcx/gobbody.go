package netrpcx

import (
	"bytes"
	"encoding/gob"
	"io"
	"math"
	"reflect"
	"sync"
	"time"
)

// Bodies (a call's request and its result) are written and read by hand
// as the headers are (see gobheader.go), when their type has generated
// gob methods (WriteGob and ReadGob, calling GobWriter and GobReader) or
// is a pointer to a basic type, such as the *int of a sum: gob's type
// caches, reflection and per-message state cost more than the bytes.
//
// Writing: the first body of a type on a connection goes through its
// Encoder, which sends the type's definitions and records them as sent;
// every later one is a value message written by WriteGob with gob's
// process-wide id for the type. Once per process and type, the hand writer
// is checked against gob on a value with every field set (see
// checkBodyType): a type whose generated methods no longer match it (a
// field added and the code not generated again, or methods promoted from
// an embedded struct) goes through gob.
//
// Reading: a body whose message holds a value of a type the peer defined
// exactly as gob defines the destination's (field names and order, and
// the types within, alike) is read by ReadGob from the frameReader's
// buffer. Anything else goes to gob, as before: another type, a
// definition, or a message ReadGob does not read whole as gob's Encoder
// writes it (then gob reads it again from the start, into the value
// ReadGob wrote the same fields of, and says what is wrong). ReadGob reads
// only whole messages the frameReader checked and bounded, and refuses a
// length or count beyond the bytes left before allocating for it.

// gobWritable and gobReadable are the generated methods.
type gobWritable interface{ WriteGob(*GobWriter) }
type gobReadable interface{ ReadGob(*GobReader) }

// bodyType is what a process knows of a body type: a pointer type whose
// value is sent.
type bodyType struct {
	id    int64     // gob's id for the type
	write bool      // its values are written by hand as gob writes them
	read  bool      // gob's bytes of its values are read by hand as gob reads them
	wire  *gobCheck // the type's definitions as gob sends them
}

var bodyTypes sync.Map // reflect.Type → *bodyType

// bodyTypeOf returns what the process knows of t, deciding it once.
func bodyTypeOf(t reflect.Type) *bodyType {
	if v, ok := bodyTypes.Load(t); ok {
		return v.(*bodyType)
	}
	v, _ := bodyTypes.LoadOrStore(t, checkBodyType(t))
	return v.(*bodyType)
}

// checkBodyType learns gob's definitions of t's values, and checks the
// hand writer and reader against gob on a value with every field set and
// on the zero value.
func checkBodyType(t reflect.Type) *bodyType {
	bt := &bodyType{}
	if t.Kind() != reflect.Pointer {
		return bt
	}
	zero := reflect.New(t.Elem())
	var buf bytes.Buffer
	if gob.NewEncoder(&buf).EncodeValue(zero) != nil {
		return bt
	}
	bt.wire = newGobCheck(math.MaxInt32, nil)
	msgs := gobMessages(buf.Bytes())
	if len(msgs) == 0 {
		return bt
	}
	for _, m := range msgs {
		if bt.wire.message(m) != nil {
			return bt
		}
	}
	_, u, _ := readGobUint(msgs[len(msgs)-1])
	bt.id = gobSigned(u)

	full := reflect.New(t.Elem())
	if !fillSample(full.Elem(), 0) {
		return bt
	}
	bt.write, bt.read = true, true
	for _, v := range []reflect.Value{zero, full} {
		var want bytes.Buffer
		enc := gob.NewEncoder(&want)
		if enc.EncodeValue(v) != nil {
			return &bodyType{}
		}
		first := want.Len() // the definitions and a value
		if enc.EncodeValue(v) != nil {
			return &bodyType{}
		}
		msg := want.Bytes()[first:]
		var w GobWriter
		got, ok := appendBody(&w, bt.id, v.Interface())
		bt.write = bt.write && ok && bytes.Equal(countFirst(got), msg)

		// What gob reads of the stream, and what the hand reader reads
		// of its value message.
		fromGob := reflect.New(t.Elem())
		if gob.NewDecoder(bytes.NewReader(want.Bytes()[:first])).Decode(fromGob.Interface()) != nil {
			return &bodyType{}
		}
		byHand := reflect.New(t.Elem())
		value := gobMessages(msg)
		var r GobReader
		bt.read = bt.read && len(value) == 1 && readBody(&r, value[0], bt.id, byHand.Interface()) &&
			reflect.DeepEqual(fromGob.Interface(), byHand.Interface())
	}
	return bt
}

// gobMessages returns the messages of a gob stream, without their
// counts, or nil if b is not whole messages.
func gobMessages(b []byte) [][]byte {
	var msgs [][]byte
	for len(b) > 0 {
		n, size, ok := readGobUint(b)
		if !ok || size > uint64(len(b)-n) {
			return nil
		}
		msgs = append(msgs, b[n:n+int(size)])
		b = b[n+int(size):]
	}
	return msgs
}

var timeType = reflect.TypeFor[time.Time]()

// fillSample sets every field gob sends of v, at any depth, to a value
// that is not zero, and reports whether it could: a type it cannot fill
// (a map, an interface, an array, a type too deep) is not one the
// generated methods cover, and goes through gob.
func fillSample(v reflect.Value, depth int) bool {
	if depth > 32 {
		return false
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(-1<<(v.Type().Bits()-2) - 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(1<<(v.Type().Bits()-1) + 1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(-1.25e3)
	case reflect.String:
		v.SetString("gob")
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte{0, 1, 0x80, 0xff})
			return true
		}
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		return fillSample(v.Index(0), depth+1) && fillSample(v.Index(1), depth+1)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		return fillSample(v.Elem(), depth+1)
	case reflect.Struct:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(time.Date(2001, 2, 3, 4, 5, 6, 7, time.UTC)))
			return true
		}
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() && !fillSample(v.Field(i), depth+1) {
				return false
			}
		}
	default:
		return false
	}
	return true
}

// appendBody appends to w's buffer, after room for its count, the value
// message of v, of type id, and returns it; ok is false if v has no hand
// writer, or it failed.
func appendBody(w *GobWriter, id int64, v any) (b []byte, ok bool) {
	w.b = appendGobInt(append(w.b[:0], make([]byte, maxCount)...), id)
	w.field, w.err = -1, nil
	if x, isGen := v.(gobWritable); isGen {
		x.WriteGob(w)
	} else {
		// Any other value than a struct is sent as the lone field of
		// one: after a zero delta, and even when zero.
		w.b = append(w.b, 0)
		switch x := v.(type) {
		case *bool:
			w.PutBool(*x)
		case *int:
			w.PutInt(int64(*x))
		case *int64:
			w.PutInt(*x)
		case *int32:
			w.PutInt(int64(*x))
		case *uint:
			w.PutUint(uint64(*x))
		case *uint64:
			w.PutUint(*x)
		case *uint32:
			w.PutUint(uint64(*x))
		case *float64:
			w.PutFloat(*x)
		case *string:
			w.PutString(*x)
		case *[]byte:
			w.PutBytes(*x)
		default:
			return w.b, false
		}
	}
	return w.b, w.err == nil
}

// readBody reads msg, a value message of type id (which the caller
// matched with v's), into v by hand with r, and reports whether it read it
// whole as gob would; if not, gob is to read it.
func readBody(r *GobReader, msg []byte, id int64, v any) bool {
	n, u, ok := readGobUint(msg)
	if !ok || gobSigned(u) != id {
		return false
	}
	*r = GobReader{b: msg[n:]}
	if x, isGen := v.(gobReadable); isGen {
		if p := reflect.ValueOf(v); p.Kind() != reflect.Pointer || p.IsNil() {
			return false // gob's to refuse
		}
		x.ReadGob(r)
		return r.err == nil && len(r.b) == 0
	}
	if r.uint() != 0 {
		return false // gob: "non-zero delta for singleton"
	}
	switch x := v.(type) {
	case *bool:
		*x = r.Bool()
	case *int:
		*x = int(r.Int(0))
	case *int64:
		*x = r.Int(64)
	case *int32:
		*x = int32(r.Int(32))
	case *uint:
		*x = uint(r.Uint(0))
	case *uint64:
		*x = r.Uint(64)
	case *uint32:
		*x = uint32(r.Uint(32))
	case *float64:
		*x = r.Float(64)
	case *string:
		*x = r.String()
	case *[]byte:
		*x = r.Bytes(*x)
	default:
		return false
	}
	return r.err == nil && len(r.b) == 0
}

// handBody reports whether v's type may have a hand writer and reader, as
// cheaply as a type switch.
func handBody(v any) bool {
	switch v.(type) {
	case gobWritable, gobReadable, *bool, *int, *int64, *int32, *uint, *uint64, *uint32, *float64, *string, *[]byte:
		return true
	}
	return false
}

// A bodyWriter writes a connection's bodies (see above). Its owner
// serializes the calls, as it does the Encoder's.
type bodyWriter struct {
	last   reflect.Type
	lastID int64                  // 0: not written by hand
	ids    map[reflect.Type]int64 // types the Encoder sent: the id to write them by hand with, or 0
	w      GobWriter
}

// write writes v through enc, whose writer is out, or by hand.
func (bw *bodyWriter) write(enc *gob.Encoder, out io.Writer, v any) error {
	if !handBody(v) {
		return encodeValue(enc, v)
	}
	t := reflect.TypeOf(v)
	id, sent := bw.lastID, t == bw.last
	if !sent {
		id, sent = bw.ids[t]
	}
	if id != 0 {
		if b, ok := appendBody(&bw.w, id, v); ok {
			bw.last, bw.lastID = t, id
			return writeMessage(out, b, &bw.w.b)
		}
	}
	if err := encodeValue(enc, v); err != nil || sent {
		return err
	}
	// The Encoder has sent t's definitions: the next value may be written
	// by hand.
	if bw.ids == nil {
		bw.ids = make(map[reflect.Type]int64)
	}
	if bt := bodyTypeOf(t); bt.write {
		id = bt.id
	}
	bw.ids[t] = id
	bw.last, bw.lastID = t, id
	return nil
}

// A bodyReader reads a connection's bodies (see above). It remembers which
// of the peer's type ids matched which destination types.
type bodyReader struct {
	lastID int32
	lastT  reflect.Type
	lastOK bool
	known  map[bodyKey]bool
	r      GobReader // reused: an interface call would make a local escape
}

type bodyKey struct {
	id int32
	t  reflect.Type
}

// read reads the next message, a body, into v.
func (br *bodyReader) read(fr *frameReader, dec *gob.Decoder, v any) error {
	if br.byHand(fr, v) {
		return nil
	}
	return dec.Decode(v)
}

// byHand reads the next message into v by hand and takes it from fr, if
// it can read it as gob would; otherwise it leaves it to gob and returns
// false.
func (br *bodyReader) byHand(fr *frameReader, v any) bool {
	if fr.check == nil || !handBody(v) {
		return false
	}
	msg := fr.peekMessage()
	ok := msg != nil && br.matches(fr.check, msg, v) && readBody(&br.r, msg, int64(br.lastID), v)
	br.r.b = nil
	if ok {
		fr.skipMessage()
	}
	return ok
}

// matches reports whether msg holds a value of a type the peer defined as
// gob defines v's, so that the hand reader reads it.
func (br *bodyReader) matches(check *gobCheck, msg []byte, v any) bool {
	_, u, ok := readGobUint(msg)
	if !ok || u&1 != 0 || u>>1 == 0 || u>>1 > math.MaxInt32 {
		return false // a definition, or a value of no type gob keeps
	}
	id, t := int32(u>>1), reflect.TypeOf(v)
	if id == br.lastID && t == br.lastT {
		return br.lastOK
	}
	k := bodyKey{id, t}
	ok, seen := br.known[k]
	if !seen {
		bt := bodyTypeOf(t)
		ok = bt.read && sameWire(check, id, bt.wire, int32(bt.id), 0)
		if br.known == nil {
			br.known = make(map[bodyKey]bool)
		}
		br.known[k] = ok
	}
	br.lastID, br.lastT, br.lastOK = id, t, ok
	return ok
}

// sameWire reports whether type pid of the peer's definitions (in pc) is
// defined as type oid of ours (in oc): predefined types by id, others
// alike in kind, field names and order, and the types within.
func sameWire(pc *gobCheck, pid int32, oc *gobCheck, oid int32, depth int) bool {
	if pid < gobFirstUserID || oid < gobFirstUserID {
		return pid == oid && pid > 0
	}
	pt, ot := pc.types[pid], oc.types[oid]
	if pt == nil || ot == nil || pt.kind != ot.kind || pt.marshal != ot.marshal || depth > maxGobDepth {
		return false
	}
	switch ot.kind {
	case kindStruct:
		if len(pt.fields) != len(ot.fields) {
			return false
		}
		for i := range ot.fields {
			if pt.names[i] != ot.names[i] || !sameWire(pc, pt.fields[i], oc, ot.fields[i], depth+1) {
				return false
			}
		}
		return true
	case kindArray:
		return pt.len == ot.len && sameWire(pc, pt.elem, oc, ot.elem, depth+1)
	case kindSlice:
		return sameWire(pc, pt.elem, oc, ot.elem, depth+1)
	case kindMap:
		return sameWire(pc, pt.key, oc, ot.key, depth+1) && sameWire(pc, pt.elem, oc, ot.elem, depth+1)
	}
	return true // a marshaled value: gob hands its bytes to the method
}
