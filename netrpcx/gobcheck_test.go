package netrpcx

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"testing/quick"
	"time"
)

// Types of the kinds the design allows, and a few it does not that gob
// handles (interfaces, complex numbers), for the property tests.
type (
	gcBasic struct {
		B   bool
		I   int
		I8  int8
		I16 int16
		I32 int32
		I64 int64
		U   uint
		U8  uint8
		U16 uint16
		U32 uint32
		U64 uint64
		UP  uintptr
		F32 float32
		F64 float64
		S   string
		Bs  []byte
	}
	gcName   string
	gcIDs    []int64
	gcNested struct {
		Basic    gcBasic
		Ptr      *gcBasic
		PtrPtr   **int
		Slice    []gcBasic
		Ptrs     []*gcLeaf
		Array    [3]gcLeaf
		Bytes4   [4]byte
		Empty    [0]int
		Matrix   [][]float64
		ByName   map[string]gcLeaf
		ByID     map[int]*gcLeaf
		ByU8     map[uint8][]string
		Deep     map[string]map[int64][]map[string]int
		Sets     map[string]struct{}
		Named    gcName
		IDs      gcIDs
		Pairs    []gcPair[string, int]
		Generic  gcPair[gcName, map[string][]byte]
		At       time.Time
		Ats      []time.Time
		AtByKey  map[string]time.Time
		Addr     netip.Addr // a BinaryMarshaler
		Text     gcText     // a TextMarshaler, which gob treats as a struct
		Gob      gcGob      // a GobEncoder
		GobPtr   *gcGob     //
		C        complex128 //
		Nothing  struct{}   //
		Units    []struct{} //
		List     *gcList    // recursive
		private  int        // not sent
		Chan     chan int   // not sent
		Func     func()     // not sent
		Embedded            //
	}
	gcLeaf   struct{ N int }
	Embedded struct{ E string }
	gcList   struct {
		V    int
		Next *gcList
	}
	gcText struct{ S string }
	gcGob  struct{ b []byte }

	// With interfaces, whose first value of a type brings its definitions
	// as separate messages.
	gcIface struct {
		A   int
		V   any
		M   map[string]any
		L   []any
		Nil any
		Z   int
	}
)

type gcPair[K comparable, V any] struct {
	Key K
	Val V
}

func (t gcText) MarshalText() ([]byte, error) { return []byte(t.S), nil }
func (t *gcText) UnmarshalText(b []byte) error {
	t.S = string(b)
	return nil
}
func (g gcGob) GobEncode() ([]byte, error) { return g.b, nil }
func (g *gcGob) GobDecode(b []byte) error {
	g.b = append([]byte(nil), b...)
	return nil
}

func init() {
	gob.RegisterName("netrpcx.gcLeaf", gcLeaf{})
	gob.RegisterName("netrpcx.gcNested", gcNested{})
	gob.RegisterName("netrpcx.gcIDs", gcIDs{})
	gob.RegisterName("netrpcx.gcIface", &gcIface{})
	gob.RegisterName("netrpcx.mapStringLeaf", map[string]gcLeaf{})
	gob.RegisterName("netrpcx.time", time.Time{})
}

// nested returns a gcNested with every field set from r.
func nested(r *rand.Rand) gcNested {
	str := func() string { return strings.Repeat("x", r.Intn(200)) }
	leaf := func() gcLeaf { return gcLeaf{r.Intn(1 << 20)} }
	var basic gcBasic
	v, _ := quick.Value(reflect.TypeFor[gcBasic](), r)
	basic = v.Interface().(gcBasic)
	seven := 7
	ps := &seven
	n := gcNested{
		Basic:   basic,
		Ptr:     &basic,
		PtrPtr:  &ps,
		Slice:   []gcBasic{basic, {}, basic},
		Ptrs:    []*gcLeaf{{1}, {0}, {3}},
		Array:   [3]gcLeaf{leaf(), {}, leaf()},
		Bytes4:  [4]byte{1, 0, 255, 3},
		Matrix:  [][]float64{{1.5, math.Inf(1)}, {}, {-0.0, math.SmallestNonzeroFloat64}},
		ByName:  map[string]gcLeaf{},
		ByID:    map[int]*gcLeaf{-1: {1}, 0: {0}, math.MaxInt: {2}},
		ByU8:    map[uint8][]string{0: nil, 255: {"a", ""}},
		Deep:    map[string]map[int64][]map[string]int{"a": {-5: {{"x": 1}, {}, {"": 0}}}, "": {}},
		Sets:    map[string]struct{}{"a": {}, "b": {}},
		Named:   gcName(str()),
		IDs:     gcIDs{1, -2, math.MinInt64},
		Pairs:   []gcPair[string, int]{{"a", 1}, {"", 0}},
		Generic: gcPair[gcName, map[string][]byte]{"k", map[string][]byte{"b": {0, 1}, "e": {}}},
		At:      time.Date(2026, 11, 22, 1, 2, 3, 4, time.FixedZone("x", 3600)),
		Ats:     []time.Time{{}, time.Unix(int64(r.Uint32()), 0).UTC()},
		AtByKey: map[string]time.Time{"now": time.Unix(1, 2).UTC()},
		Addr:    netip.MustParseAddr("2001:db8::1"),
		Text:    gcText{str()},
		Gob:     gcGob{[]byte(str())},
		GobPtr:  &gcGob{},
		C:       complex(r.Float64(), -1),
		Units:   make([]struct{}, r.Intn(5)),
		Embedded: Embedded{
			E: str(),
		},
	}
	for i := range r.Intn(50) {
		n.ByName[str()+string(rune('a'+i%26))] = leaf()
	}
	var l *gcList
	for i := range r.Intn(100) {
		l = &gcList{V: i, Next: l}
	}
	n.List = l
	return n
}

// values returns values of every kind, some of them random.
func values(r *rand.Rand) []any {
	n := nested(r)
	out := []any{
		true, 0, -1, uint8(200), int64(math.MinInt64), uint64(math.MaxUint64), 1.5, float32(-2),
		complex64(1i), "", "text", []byte{}, []byte("bytes"), [2]int{1, 2}, []string{"a"},
		map[string]int{}, map[string]int{"a": 1}, map[int]string{1: "", 2: "b"}, struct{}{},
		gcName("named"), gcIDs{}, gcLeaf{}, &gcLeaf{5}, time.Time{}, time.Now(), n, &n,
		[]gcNested{n, {}}, map[string]gcNested{"n": n},
		gcIface{A: 1, V: gcLeaf{7}, M: map[string]any{"n": n, "i": 3, "t": time.Unix(5, 0).UTC(), "m": map[string]gcLeaf{"x": {1}}}, L: []any{"s", gcIDs{1}, 2.5}, Z: 9},
		gcIface{V: gcLeaf{3}, L: []any{&gcIface{V: 1, L: []any{gcLeaf{2}}}}}, // the inner types sent first
		requestHeader{ServiceMethod: "Svc.Method", Seq: 1 << 40, Timeout: 5e9, Metadata: []string{"K", "v"}},
		responseHeader{ServiceMethod: "Svc.Method", Seq: 3, Error: "boom", Code: "internal"},
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[gcBasic](), reflect.TypeFor[map[string][]int16](), reflect.TypeFor[[]map[int32]string](),
		reflect.TypeFor[[5][]uint](), reflect.TypeFor[map[int]map[string]float32](),
		reflect.TypeFor[gcPair[int, []string]](), reflect.TypeFor[[]gcPair[string, map[uint]bool]](),
	} {
		v, ok := quick.Value(typ, r)
		if !ok {
			panic("quick.Value cannot make a " + typ.String())
		}
		out = append(out, v.Interface())
	}
	return out
}

// checked returns a decoder of stream through a checked frame reader.
func checked(r io.Reader, limit int) (*gob.Decoder, *frameReader) {
	fr := newCheckedFrameReader(r, limit, "the option")
	return gob.NewDecoder(fr), fr
}

// roundTrip encodes vals on one stream and decodes them through a checked
// frame reader, both into values of their types and discarding them.
func roundTrip(t *testing.T, vals []any, read func(io.Reader) io.Reader) {
	t.Helper()
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for _, v := range vals {
		if err := enc.Encode(v); err != nil {
			t.Fatalf("encoding %T: %v", v, err)
		}
	}
	stream := buf.Bytes()

	dec, _ := checked(read(bytes.NewReader(stream)), DefaultMaxMessageBytes)
	want := gob.NewDecoder(bytes.NewReader(stream))
	for i, v := range vals {
		typ := reflect.TypeOf(v)
		got, exp := reflect.New(typ), reflect.New(typ)
		if err := want.DecodeValue(exp); err != nil {
			t.Fatalf("value %d (%T): plain gob: %v", i, v, err)
		}
		if err := dec.DecodeValue(got); err != nil {
			t.Fatalf("value %d (%T): %v", i, v, err)
		}
		if !reflect.DeepEqual(got.Interface(), exp.Interface()) {
			t.Fatalf("value %d (%T): got %+v, want %+v", i, v, got.Elem(), exp.Elem())
		}
	}
	if err := dec.Decode(new(int)); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}

	dec, _ = checked(read(bytes.NewReader(stream)), DefaultMaxMessageBytes)
	for i, v := range vals {
		if err := dec.DecodeValue(reflect.Value{}); err != nil {
			t.Fatalf("discarding value %d (%T): %v", i, v, err)
		}
	}
}

// Every stream gob's Encoder writes passes the check and decodes as it
// would without it, whole or read a byte at a time.
func TestGobCheckPassesEncoderStreams(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewSource(int64(seed)))
		vals := values(r)
		r.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
		roundTrip(t, vals, func(r io.Reader) io.Reader { return r })
		roundTrip(t, vals, iotest.OneByteReader)
	}
	// Each value on a stream of its own: every definition comes first.
	r := rand.New(rand.NewSource(99))
	for _, v := range values(r) {
		roundTrip(t, []any{v, v}, iotest.HalfReader)
	}
}

// The definitions an interface value brings are joined to its message, and
// the joined message is held to the limit.
func TestGobCheckJoinsInterfaceDefinitions(t *testing.T) {
	v := gcIface{V: map[string]gcLeaf{"a": {1}}}
	stream := gobStream(t, v)
	plain, err := io.ReadAll(newFrameReader(bytes.NewReader(stream), 1<<20, "the option"))
	if err != nil || !bytes.Equal(plain, stream) {
		t.Fatalf("unchecked: %v", err)
	}
	fr := newCheckedFrameReader(bytes.NewReader(stream), 1<<20, "the option")
	joined, err := io.ReadAll(fr)
	if err != nil {
		t.Fatal(err)
	}
	if messages(joined) >= messages(stream) {
		t.Fatalf("%d messages joined into %d", messages(stream), messages(joined))
	}
	var got gcIface
	if err := gob.NewDecoder(bytes.NewReader(joined)).Decode(&got); err != nil || !reflect.DeepEqual(got, v) {
		t.Fatalf("joined stream decodes to %+v, %v", got, err)
	}

	// The limit applies to the joined message.
	largest := func(stream []byte) int {
		n := 0
		for b := stream; len(b) > 0; b = b[1+int(b[0]):] {
			n = max(n, int(b[0]))
		}
		return n
	}
	need := largest(joined)
	if largest(stream) >= need {
		t.Fatalf("the joined message is not the largest")
	}
	for _, limit := range []int{largest(stream), need - 1, need} {
		_, err := io.ReadAll(newCheckedFrameReader(bytes.NewReader(stream), limit, "the option"))
		if want := limit >= need; (err == nil) != want || (err != nil && !errors.Is(err, errTooLarge)) {
			t.Errorf("limit %d (joined message %d bytes): %v", limit, need, err)
		}
	}
}

// messages counts the messages of a stream whose counts are one byte.
func messages(stream []byte) int {
	n := 0
	for b := stream; len(b) > 0; b = b[1+int(b[0]):] {
		n++
	}
	return n
}

// hostileStream returns the stream for v with its last message patched:
// the first occurrence of old replaced by new.
func hostileStream(t testing.TB, v any, old, new string) []byte {
	t.Helper()
	stream := gobStream(t, v)
	last := lastMessageOffset(stream)
	body := stream[last+1:]
	patched := bytes.Replace(body, []byte(old), []byte(new), 1)
	if bytes.Equal(patched, body) {
		t.Fatalf("% x not found in % x", old, body)
	}
	out := append([]byte{}, stream[:last]...)
	var cnt [maxCount]byte
	n := putCount(&cnt, uint64(len(patched)))
	return append(append(out, cnt[:n]...), patched...)
}

func lastMessageOffset(stream []byte) int {
	off := 0
	for next := 1 + int(stream[0]); next < len(stream); next = off + 1 + int(stream[off]) {
		off = next
	}
	return off
}

const huge = "\xFB\x04\x00\x00\x00\x00" // 2^34 as a gob unsigned integer

// Hostile and malformed messages fail the read before gob sees them, and the
// error says why.
func TestGobCheckRejects(t *testing.T) {
	type mapArg struct{ M map[string]int }
	type deepMap struct{ M map[int]map[string][]string }
	type sliceOfMaps struct{ S []map[string]bool }
	// The nil maps make these types not plain, so that the check walks
	// their values; they send nothing.
	type arr struct {
		A [2]int
		M map[int]int
	}
	type two struct {
		A, B int
		M    map[int]int
	}
	type str struct {
		S string
		M map[int]int
	}
	tests := []struct {
		name   string
		stream []byte
		want   string
	}{
		{"map of 2^34 entries", hostileStream(t, mapArg{map[string]int{"K": 1}}, "\x01\x01K", huge+"\x01K"), "map of 17179869184 entries"},
		{"nested map", hostileStream(t, deepMap{map[int]map[string][]string{1: {"K": nil}}}, "\x01\x01K", huge+"\x01K"), "map of 17179869184 entries"},
		{"map in a slice", hostileStream(t, sliceOfMaps{[]map[string]bool{{}, {"K": true}}}, "\x01\x01K", huge+"\x01K"), "map of 17179869184 entries"},
		{"map as a singleton", hostileStream(t, map[string]int{"K": 1}, "\x00\x01\x01K", "\x00"+huge+"\x01K"), "map of 17179869184 entries"},
		{"map in an interface", hostileStream(t, gcIface{V: map[string]gcLeaf{"K": {1}}}, "\x01\x01K", huge+"\x01K"), "map of 17179869184 entries"},
		{"map count just too large", hostileStream(t, mapArg{map[string]int{"K": 1}}, "\x01\x01K\x02\x00", "\x02\x01K\x02\x00"), "ends inside"},
		{"slice count", hostileStream(t, sliceOfMaps{[]map[string]bool{{}}}, "\x01\x00", huge+"\x00"), "elements"},
		{"array count", hostileStream(t, arr{A: [2]int{1, 2}}, "\x02\x02\x04", "\x03\x02\x04"), "array of 2 elements"},
		{"field out of range", hostileStream(t, two{A: 1, B: 2}, "\x01\x04\x00", "\x05\x04\x00"), "field number out of range"},
		{"bytes after the value", hostileStream(t, two{A: 1, B: 2}, "\x04\x00", "\x04\x00\x09"), "after the end"},
		{"undefined type", []byte{3, 0xFF, 0x82, 0}, "undefined type id"},
		{"reserved type id", []byte{2, 0x11, 0}, "reserved type id"},
		{"builtin struct as a value", []byte{2, 0x20, 0}, "undefined type id"},
		{"empty message", []byte{0}, "ends inside"},
		{"non-zero singleton delta", hostileStream(t, map[string]int{"K": 1}, "\x00\x01\x01K", "\x01\x01\x01K"), "non-zero field delta"},
		{"missing struct terminator", hostileStream(t, two{A: 1, B: 2}, "\x04\x00", "\x04"), "ends inside"},
		{"corrupt uint", hostileStream(t, two{A: 1, B: 2}, "\x04\x00", "\x89\x00"), "corrupt unsigned integer"},
		{"string longer than the message", hostileStream(t, str{S: "ab"}, "\x02ab", "\x09ab"), "exceeds"},
		{"definition of two kinds", typeDef("\x01" + "\x02\x04\x01\x04\x00" + "\x01" + "\x02\x04\x00" + "\x00"), "more than one kind"},
		{"empty definition", typeDef("\x00"), "empty definition"},
		{"second definition", append(typeDef("\x02\x02\x04\x00\x00"), typeDef("\x02\x02\x04\x00\x00")...), "second definition"},
		{"negative array length", typeDef("\x01\x02\x04\x01\x03\x00\x00"), "negative length"},
		{"slice of undefined elements", append(typeDef("\x02\x02\xFF\x84\x00\x00"), 5, 0xFF, 0x82, 0, 1, 0), "undefined type id 66"},
		{"nil interface", gobStream(t, []any{1, nil}), "nil interface value"},
		{"interface length mismatch", hostileStream(t, gcIface{V: 5}, "int\x04\x02\x00\x0a", "int\x04\x03\x00\x0a"), "interface value"},
		// gob's Encoder writes the definitions for the inner value inline
		// and gives the outer value the length of only what precedes them:
		// gob reads it when it decodes the value and misreads it when it
		// discards it, so it cannot be let through.
		{"interface of an interface of a new type", gobStream(t, gcIface{V: &gcIface{V: gcIDs{1}}}), "interface value"},
		{"deep nesting", deepList(maxGobDepth + 1), "nested more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec, fr := checked(bytes.NewReader(tt.stream), 1<<20)
			var err error
			for err == nil {
				err = dec.DecodeValue(reflect.Value{})
			}
			if !errors.Is(fr.err, errBadGob) || !strings.Contains(fr.err.Error(), tt.want) {
				t.Fatalf("got %v (decoder: %v), want an error about %q", fr.err, err, tt.want)
			}
			if err != fr.err {
				t.Fatalf("the decoder failed with %v, not with the check's %v", err, fr.err)
			}
		})
	}
}

// A value of a plain type (no map, interface or recursion) is left to gob
// unwalked: malformed, it fails gob's decode of that value alone, and the
// stream goes on.
func TestGobCheckLeavesPlainValuesToGob(t *testing.T) {
	type two struct{ A, B int }
	tests := []struct {
		name   string
		stream []byte
	}{
		{"array count", hostileStream(t, struct{ A [2]int }{[2]int{1, 2}}, "\x02\x02\x04", "\x03\x02\x04")},
		{"field out of range", hostileStream(t, two{1, 2}, "\x01\x04\x00", "\x05\x04\x00")},
		{"non-zero singleton delta", []byte{3, 0x04, 1, 2}},
		{"corrupt uint", []byte{3, 0x04, 0, 0x80}},
		{"string longer than the message", []byte{3, 0x0c, 0, 9}},
		{"slice longer than the message", hostileStream(t, struct{ S []int }{[]int{1}}, "\x01\x01\x02", huge+"\x02")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var next bytes.Buffer
			if err := gob.NewEncoder(&next).Encode("next"); err != nil {
				t.Fatal(err)
			}
			dec, fr := checked(io.MultiReader(bytes.NewReader(tt.stream), &next), 1<<20)
			var err error
			for err == nil {
				err = dec.DecodeValue(reflect.Value{})
			}
			if fr.err != nil {
				t.Fatalf("the check refused it: %v", fr.err)
			}
			var s string
			if err := dec.Decode(&s); err != nil || s != "next" {
				t.Fatalf("after gob's %v, the next value = %q, %v", err, s, err)
			}
		})
	}
}

// typeDef returns a message defining type 65 as the encoding of a
// wireType.
func typeDef(wire string) []byte {
	msg := append([]byte{0xFF, 0x81}, wire...)
	return append([]byte{byte(len(msg))}, msg...)
}

// deepList returns the stream of a gcList of depth n.
func deepList(n int) []byte {
	var l *gcList
	for i := range n {
		l = &gcList{V: i, Next: l}
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(l); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// A list as deep as the limit passes.
func TestGobCheckDepth(t *testing.T) {
	dec, _ := checked(bytes.NewReader(deepList(maxGobDepth-1)), DefaultMaxMessageBytes)
	var l gcList
	if err := dec.Decode(&l); err != nil {
		t.Fatal(err)
	}
}

// Once a connection's types are known, reading a message allocates
// nothing: the buffer is reused from message to message.
func TestCheckedFrameReaderAllocs(t *testing.T) {
	for _, v := range []any{
		requestHeader{ServiceMethod: "Test.Add", Seq: 1, Timeout: 1e9, Metadata: []string{"K", "v"}},
		nested(rand.New(rand.NewSource(1))),
		gcIface{V: gcLeaf{1}, M: map[string]any{"a": gcIDs{1}}},
	} {
		var buf bytes.Buffer
		enc := gob.NewEncoder(&buf)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		head := bytes.Clone(buf.Bytes())
		buf.Reset()
		enc.Encode(v)
		msg := bytes.Clone(buf.Bytes()) // one message: the types are known
		fr := newCheckedFrameReader(&loopReader{head: head, body: msg}, DefaultMaxMessageBytes, "the option")
		got := make([]byte, len(msg))
		read := func() {
			if _, err := io.ReadFull(fr, got); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := io.ReadFull(fr, make([]byte, len(head))); err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		if n := testing.AllocsPerRun(100, read); n != 0 || !bytes.Equal(got, msg) {
			t.Errorf("%T: %v allocations per message", v, n)
		}
	}
}

// fuzzTypes are the types whose random values FuzzGobCheck encodes.
var fuzzTypes = []reflect.Type{
	reflect.TypeFor[gcBasic](), reflect.TypeFor[map[string]int](), reflect.TypeFor[map[int8][]string](),
	reflect.TypeFor[[]map[uint16]gcLeaf](), reflect.TypeFor[[3]map[string][]byte](),
	reflect.TypeFor[map[string]map[int64]float32](), reflect.TypeFor[gcPair[string, map[int][]int]](),
	reflect.TypeFor[[]gcPair[int, gcBasic]](), reflect.TypeFor[struct{ P *gcLeaf }](), reflect.TypeFor[[][]string](),
	reflect.TypeFor[struct {
		A map[string]gcLeaf
		B *[]map[int]bool
		C [2]gcIDs
	}](),
}

// FuzzGobCheck checks that the check never panics or hangs whatever the
// bytes, that gob, given only what passed it, fails no other way than gob
// does, and that it passes every stream gob's Encoder writes for random
// values (chosen by seed).
func FuzzGobCheck(f *testing.F) {
	r := rand.New(rand.NewSource(1))
	f.Add(gobStream(f, values(r)...), int64(0))
	f.Add(gobStream(f, gcIface{V: gcLeaf{1}, M: map[string]any{"a": []int{1}}}), int64(1))
	f.Add(gobStream(f, requestHeader{ServiceMethod: "Svc.M", Seq: 1}, map[string]int{"K": 1}), int64(2))
	f.Add(hostileStream(f, map[string]int{"K": 1}, "\x00\x01\x01K", "\x00"+huge+"\x01K"), int64(3))
	f.Add(deepList(50), int64(4))
	f.Fuzz(func(t *testing.T, data []byte, seed int64) {
		// Arbitrary bytes, decoded into a value with maps and discarded.
		dec, fr := checked(bytes.NewReader(data), 1<<16)
		for i := 0; ; i++ {
			var err error
			if i%2 == 0 {
				var v gcNested
				err = dec.Decode(&v)
			} else {
				err = dec.DecodeValue(reflect.Value{})
			}
			switch {
			case fr.err == io.EOF: // a clean end, which gob calls unexpected after a definition
				if err != io.EOF && err != io.ErrUnexpectedEOF {
					t.Fatalf("at the end of the input gob failed with %v", err)
				}
			case fr.err != nil && err != fr.err:
				t.Fatalf("the check failed with %v, gob with %v", fr.err, err)
			}
			if err != nil && fr.err != nil || i > len(data) {
				break
			}
		}

		// Random values of random types, on one stream.
		r := rand.New(rand.NewSource(seed))
		var vals []any
		for range 1 + r.Intn(4) {
			v, ok := quick.Value(fuzzTypes[r.Intn(len(fuzzTypes))], r)
			if !ok {
				t.Fatal("quick.Value failed")
			}
			vals = append(vals, v.Interface())
		}
		var buf bytes.Buffer
		enc := gob.NewEncoder(&buf)
		for _, v := range vals {
			if err := enc.Encode(v); err != nil {
				t.Skip(err) // a nil pointer where gob needs a value
			}
		}
		dec, _ = checked(bytes.NewReader(buf.Bytes()), DefaultMaxMessageBytes)
		for i := range vals {
			if err := dec.DecodeValue(reflect.Value{}); err != nil {
				t.Fatalf("value %d of an encoded stream (%T): %v", i, vals[i], err)
			}
		}
	})
}

// loopReader reads head once, then body over and over.
type loopReader struct {
	head, body []byte
	off        int
}

func (l *loopReader) Read(p []byte) (int, error) {
	if len(l.head) > 0 {
		n := copy(p, l.head)
		l.head = l.head[n:]
		return n, nil
	}
	n := copy(p, l.body[l.off:])
	l.off = (l.off + n) % len(l.body)
	return n, nil
}

// benchPayload has the shape and size of testsvc.Payload.
type benchPayload struct {
	ID    int64
	Name  string
	Tags  []string
	Data  []byte
	Score float64
	At    time.Time
}

// BenchmarkFrameReader measures what checking adds to reading a request,
// header and body, as the server codec does, for Add's arguments and Echo's
// 1 KiB payload.
func BenchmarkFrameReader(b *testing.B) {
	payload := benchPayload{
		ID: 42, Name: "payload", Tags: []string{"alpha", "beta", "gamma", "delta"},
		Data: []byte(strings.Repeat("0123456789abcdef", 56)), Score: 3.5,
		At: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC),
	}
	for _, bc := range []struct {
		name        string
		args, reply any
	}{
		{"Add", &FuzzArgs{2, 3}, new(FuzzArgs)},
		{"Echo", &payload, new(benchPayload)},
	} {
		hdr := requestHeader{ServiceMethod: "Test." + bc.name, Seq: 1 << 20, Timeout: 1e9}
		var buf bytes.Buffer
		enc := gob.NewEncoder(&buf)
		enc.Encode(hdr)
		enc.Encode(bc.args)
		head := bytes.Clone(buf.Bytes())
		buf.Reset()
		enc.Encode(hdr)
		enc.Encode(bc.args)
		body := bytes.Clone(buf.Bytes()) // without the type definitions
		for _, mode := range []string{"unchecked", "checked"} {
			b.Run(bc.name+"/"+mode, func(b *testing.B) {
				r := &loopReader{head: head, body: body}
				fr := newFrameReader(r, DefaultMaxMessageBytes, "the option")
				if mode == "checked" {
					fr = newCheckedFrameReader(r, DefaultMaxMessageBytes, "the option")
				}
				dec := gob.NewDecoder(fr)
				var h requestHeader
				b.ReportAllocs()
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					h = requestHeader{}
					if err := dec.Decode(&h); err != nil {
						b.Fatal(err)
					}
					if err := dec.Decode(bc.reply); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// gob keeps every type definition for the life of the connection, so a
// peer cannot send more than maxGobTypeBytes of them, however few.
func TestGobCheckTypeDefinitionBytes(t *testing.T) {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for i := range 80 { // 80 types of 4 KiB names: 320 KiB of definitions
		name := fmt.Sprintf("F%s%d", strings.Repeat("x", 4<<10), i)
		typ := reflect.StructOf([]reflect.StructField{{Name: name, Type: reflect.TypeFor[int]()}})
		v := reflect.New(typ).Elem()
		v.Field(0).SetInt(1)
		if err := enc.EncodeValue(v); err != nil {
			t.Fatal(err)
		}
	}
	dec, fr := checked(bytes.NewReader(buf.Bytes()), 1<<20)
	var err error
	for n := 0; err == nil; n++ {
		err = dec.DecodeValue(reflect.Value{})
	}
	if !errors.Is(fr.err, errBadGob) || !strings.Contains(fr.err.Error(), "type definitions of more than 262144 bytes") {
		t.Fatalf("320 KiB of type definitions: %v (decoder: %v), want refused", fr.err, err)
	}
}

// gcTree is a tree whose node holds a slice of nodes.
type gcTree struct {
	V        int
	Children []gcTree
}

// Nesting counts as the user writes it: a tree maxGobDepth-1 nodes deep,
// each holding its children in a slice, passes; one deeper than the limit
// does not.
func TestGobCheckTreeDepth(t *testing.T) {
	tree := func(n int) []byte {
		var node gcTree
		for i := range n - 1 {
			node = gcTree{V: i, Children: []gcTree{node}}
		}
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(node); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	dec, _ := checked(bytes.NewReader(tree(maxGobDepth-1)), DefaultMaxMessageBytes)
	var got gcTree
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("a tree %d deep: %v", maxGobDepth-1, err)
	}
	dec, fr := checked(bytes.NewReader(tree(maxGobDepth+1)), DefaultMaxMessageBytes)
	if err := dec.Decode(&got); err == nil || !strings.Contains(fr.err.Error(), "nested more than") {
		t.Fatalf("a tree %d deep: %v, want refused", maxGobDepth+1, err)
	}
}
