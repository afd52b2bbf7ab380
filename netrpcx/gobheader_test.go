package netrpcx

import (
	"bytes"
	"encoding/gob"
	"math/rand/v2"
	"net/rpc"
	"reflect"
	"testing"
)

// randomHeader sets every field of the struct *p to a random value, zero
// often: filled by reflection, a field added to a header is covered (and
// fails the tests until the hand encoder and reader know it).
func randomHeader(r *rand.Rand, p any) {
	v := reflect.ValueOf(p).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if r.IntN(3) == 0 {
			continue // zero: gob leaves it out
		}
		switch f.Kind() {
		case reflect.String:
			f.SetString(randomString(r))
		case reflect.Uint64:
			f.SetUint(randomUint(r))
		case reflect.Int64:
			f.SetInt(int64(randomUint(r)))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Slice:
			n := r.IntN(6)
			if r.IntN(20) == 0 {
				n = 100 + r.IntN(200) // a count of more than one byte
			}
			ss := make([]string, n) // empty but not nil too: gob sends neither
			for j := range ss {
				if r.IntN(4) != 0 {
					ss[j] = randomString(r)
				}
			}
			f.Set(reflect.ValueOf(ss))
		default:
			panic("randomHeader: a header field of kind " + f.Kind().String())
		}
	}
}

func randomString(r *rand.Rand) string {
	n := r.IntN(12)
	if r.IntN(10) == 0 {
		n = 100 + r.IntN(400) // a length of more than one byte
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32()) // not UTF-8 either: gob does not mind
	}
	return string(b)
}

// randomUint returns numbers of every byte length.
func randomUint(r *rand.Rand) uint64 {
	return r.Uint64() >> r.IntN(64)
}

// messageWriter records each Write, which must be one whole gob message
// (gzipWriter and holdWriter count on it).
type messageWriter struct {
	t    testing.TB
	buf  bytes.Buffer
	msgs int
}

func (w *messageWriter) Write(p []byte) (int, error) {
	n, size, ok := readGobUint(p)
	if !ok || size != uint64(len(p)-n) {
		w.t.Fatalf("a Write of %d bytes is not one gob message: % x", len(p), p[:min(len(p), 32)])
	}
	w.msgs++
	return w.buf.Write(p)
}

// bodyWithStrings is a body whose type holds []string, as the headers do:
// the connection's Encoder must not define []string a second time.
type bodyWithStrings struct {
	Names []string
	N     int
}

// The hand encoder writes, message for message, the bytes gob's Encoder
// writes for the same headers, with bodies between them.
func TestHeaderWriterMatchesGob(t *testing.T) {
	if req, resp := headerTypeIDs(); req == 0 || resp == 0 {
		t.Fatalf("the hand writer writes no headers (request type id %d, response %d): it lacks a field gob sends", req, resp)
	}
	const seed = 14
	r := rand.New(rand.NewPCG(seed, 0))
	for _, side := range []string{"request", "response"} {
		var want bytes.Buffer
		genc := gob.NewEncoder(&want)
		got := &messageWriter{t: t}
		enc := gob.NewEncoder(got)
		var hw headerWriter
		for i := range 2000 {
			var h any
			var err error
			if side == "request" {
				var rh requestHeader
				randomHeader(r, &rh)
				h, err = &rh, hw.writeRequest(enc, got, &rh)
			} else {
				var rh responseHeader
				randomHeader(r, &rh)
				h, err = &rh, hw.writeResponse(enc, got, &rh)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := genc.Encode(h); err != nil {
				t.Fatal(err)
			}
			if i%7 == 3 {
				body := bodyWithStrings{Names: []string{"a", ""}, N: i}
				if err := enc.Encode(&body); err != nil {
					t.Fatal(err)
				}
				if err := genc.Encode(&body); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got.buf.Bytes(), want.Bytes()) {
				g, w := got.buf.Bytes(), want.Bytes()
				at := 0
				for at < min(len(g), len(w)) && g[at] == w[at] {
					at++
				}
				t.Fatalf("seed %d, %s header %d (%+v): the bytes differ from gob's at offset %d:\n got % x\nwant % x",
					seed, side, i, h, at, g[at:min(len(g), at+32)], w[at:min(len(w), at+32)])
			}
		}
		if !hw.sent {
			t.Errorf("%s: the hand encoder never took over from gob", side)
		}
	}
}

// The field tables of the hand reader are the headers' fields, with the
// gob types of their Go types.
func TestHeaderReaderKnowsEveryField(t *testing.T) {
	wire := map[reflect.Kind]int32{reflect.String: gobString, reflect.Uint64: gobUint, reflect.Int64: gobInt,
		reflect.Bool: gobBool, reflect.Slice: gobStringSlice}
	for _, c := range []struct {
		v     any
		names map[string]uint8
	}{{requestHeader{}, requestFields}, {responseHeader{}, responseFields}} {
		typ := reflect.TypeOf(c.v)
		if typ.NumField() != len(c.names) {
			t.Errorf("%s has %d fields, the hand reader knows %d", typ, typ.NumField(), len(c.names))
		}
		for i := range typ.NumField() {
			f := typ.Field(i)
			code, ok := c.names[f.Name]
			if !ok {
				t.Errorf("the hand reader does not know %s.%s", typ, f.Name)
				continue
			}
			if w, ok := wire[f.Type.Kind()]; !ok || hdrWire[code] != w || f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() != reflect.String {
				t.Errorf("%s.%s is a %s: the hand reader expects gob type %d", typ, f.Name, f.Type, hdrWire[code])
			}
		}
	}
}

// headerStream is a peer's stream of headers of type T, as gob's Encoder
// writes it: the first with the type's definitions.
func headerStream[T any](t testing.TB, hs []T) []byte {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for i := range hs {
		if err := enc.Encode(&hs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// readBoth reads the stream's headers with a headerReader past a checked
// frameReader, and with gob alone, and fails unless they read the same.
// It returns how many the headerReader read by hand.
func readBoth[H requestHeader | responseHeader](t *testing.T, stream []byte, n int) int {
	t.Helper()
	fr := newCheckedFrameReader(bytes.NewReader(stream), 1<<20, "")
	dec := gob.NewDecoder(fr)
	plain := gob.NewDecoder(bytes.NewReader(stream))
	var hr headerReader
	byHand := 0
	for i := range n {
		var got, want H
		var x wireHeader
		var err error
		switch g := any(&got).(type) {
		case *requestHeader:
			if hr.read(fr, requestFields, &x) {
				*g, byHand = x.request(), byHand+1
			} else {
				err = dec.Decode(g)
			}
		case *responseHeader:
			if hr.read(fr, responseFields, &x) {
				*g, byHand = x.response(), byHand+1
			} else {
				err = dec.Decode(g)
			}
		}
		werr := plain.Decode(&want)
		if (err == nil) != (werr == nil) {
			t.Fatalf("header %d: error %v, gob's %v", i, err, werr)
		}
		if err != nil {
			return byHand
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("header %d: read %+v, gob read %+v", i, got, want)
		}
	}
	return byHand
}

// Headers of netrpcx's own types and of stock net/rpc's read as gob reads
// them, every one after the first by hand.
func TestHeaderReaderMatchesGob(t *testing.T) {
	const seed = 41
	r := rand.New(rand.NewPCG(seed, 0))
	const n = 500
	reqs := make([]requestHeader, n)
	resps := make([]responseHeader, n)
	stockReqs := make([]rpc.Request, n)
	stockResps := make([]rpc.Response, n)
	for i := range n {
		randomHeader(r, &reqs[i])
		randomHeader(r, &resps[i])
		stockReqs[i] = rpc.Request{ServiceMethod: reqs[i].ServiceMethod, Seq: reqs[i].Seq}
		stockResps[i] = rpc.Response{ServiceMethod: resps[i].ServiceMethod, Seq: resps[i].Seq, Error: resps[i].Error}
	}
	for name, got := range map[string]int{
		"requestHeader":  readBoth[requestHeader](t, headerStream(t, reqs), n),
		"responseHeader": readBoth[responseHeader](t, headerStream(t, resps), n),
		"rpc.Request":    readBoth[requestHeader](t, headerStream(t, stockReqs), n),
		"rpc.Response":   readBoth[responseHeader](t, headerStream(t, stockResps), n),
	} {
		if got != n-1 {
			t.Errorf("seed %d: %d of %d headers of type %s read by hand, want all but the first", seed, got, n, name)
		}
	}
}

// Header types the hand reader leaves to gob: the headers read as gob
// reads them, or fail as gob fails.
type (
	headerSeqInt struct {
		ServiceMethod string
		Seq           int64
	}
	headerExtra struct {
		ServiceMethod string
		Seq           uint64
		Extra         string
	}
	headerBytes struct {
		Seq      uint64
		Metadata []byte
	}
	headerInts struct {
		Seq     uint64
		Present []int
	}
	headerReordered struct {
		Nil           bool
		Seq           uint32
		ServiceMethod string
	}
)

func TestHeaderReaderLeavesOthersToGob(t *testing.T) {
	const n = 3
	if got := readBoth[requestHeader](t, headerStream(t, []headerSeqInt{{"A.B", 1}, {"A.B", 2}, {"A.B", 3}}), n); got != 0 {
		t.Errorf("Seq as int: %d read by hand", got)
	}
	if got := readBoth[requestHeader](t, headerStream(t, []headerExtra{{"A.B", 1, "x"}, {"A.B", 2, "y"}, {"A.B", 3, ""}}), n); got != 0 {
		t.Errorf("an unknown field: %d read by hand", got)
	}
	if got := readBoth[requestHeader](t, headerStream(t, []headerBytes{{1, []byte("ab")}, {2, nil}, {3, []byte("c")}}), n); got != 0 {
		t.Errorf("Metadata as []byte: %d read by hand", got)
	}
	if got := readBoth[responseHeader](t, headerStream(t, []headerInts{{1, []int{1}}, {2, []int{2}}, {3, nil}}), n); got != 0 {
		t.Errorf("Present as []int: %d read by hand", got)
	}
	if got := readBoth[responseHeader](t, headerStream(t, []requestHeader{{Seq: 1}, {Seq: 2, Timeout: 5}, {Seq: 3}}), n); got != 0 {
		t.Errorf("a request header as a response's: %d read by hand", got)
	}
	// Other field numbers, and a field of another size gob reads the same.
	if got := readBoth[requestHeader](t, headerStream(t, []headerReordered{{true, 1, "A.B"}, {false, 2, "A.B"}, {true, 1 << 31, "C.D"}}), n); got != n-1 {
		t.Errorf("reordered fields: %d read by hand, want %d", got, n-1)
	}
}

// fuzzHeaderTypes are the peer header types FuzzHeaderReader sends values
// of: ones the hand reader reads and ones it leaves to gob.
var fuzzHeaderTypes = []any{
	requestHeader{}, responseHeader{}, rpc.Request{}, rpc.Response{},
	headerSeqInt{}, headerExtra{}, headerBytes{}, headerInts{}, headerReordered{},
}

// splitMessages splits a gob stream into its messages, without counts.
func splitMessages(t testing.TB, b []byte) [][]byte {
	var msgs [][]byte
	for len(b) > 0 {
		n, size, ok := readGobUint(b)
		if !ok || size > uint64(len(b)-n) {
			t.Fatalf("not a gob stream: % x", b)
		}
		msgs = append(msgs, b[n:n+int(size)])
		b = b[n+int(size):]
	}
	return msgs
}

// valueBody returns what follows the type id in the message gob's Encoder
// writes for v after v's type was sent: the seed of a header value.
func valueBody(t testing.TB, v any) []byte {
	msgs := splitMessages(t, gobStream(t, reflect.New(reflect.TypeOf(v)).Interface(), v))
	last := msgs[len(msgs)-1]
	n, _, _ := readGobUint(last)
	return last[n:]
}

// FuzzHeaderReader sends a header type's definitions and a first header,
// then a message of that type holding the fuzzer's bytes, to be read as a
// request header, or with which's high bit as a response header: whenever
// the hand reader reads the message, gob must read it too, to the same
// header.
func FuzzHeaderReader(f *testing.F) {
	f.Add(uint8(0), valueBody(f, requestHeader{ServiceMethod: "Arith.Add", Seq: 7, Timeout: 1e9, Metadata: []string{"K", "v", "", "w"}, Stream: 3, Nil: true, Present: []string{"A.B"}}))
	f.Add(uint8(0x80|1), valueBody(f, responseHeader{ServiceMethod: "Arith.Add", Seq: 1 << 40, Error: "not_found: x", Code: "not_found", Present: []string{""}}))
	f.Add(uint8(2), valueBody(f, rpc.Request{ServiceMethod: "Arith.Add", Seq: 200}))
	f.Add(uint8(0x80|3), valueBody(f, rpc.Response{ServiceMethod: "Arith.Add", Seq: 1, Error: "boom"}))
	f.Add(uint8(4), valueBody(f, headerSeqInt{"A.B", -3}))
	f.Add(uint8(5), valueBody(f, headerExtra{"A.B", 3, "x"}))
	f.Add(uint8(8), valueBody(f, headerReordered{true, 9, "A.B"}))
	f.Add(uint8(0), []byte{0x04, 0x00, 0x00, 0x00})    // Metadata of no strings, the terminator, a byte too many
	f.Add(uint8(0), []byte{0x01, 0x03, 'A', '.', 'B'}) // no terminator
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		typ := reflect.TypeOf(fuzzHeaderTypes[int(which&0x7f)%len(fuzzHeaderTypes)]) // the high bit: a response
		prefix := gobStream(t, reflect.New(typ).Interface())
		msgs := splitMessages(t, prefix)
		last := msgs[len(msgs)-1]
		n, _, _ := readGobUint(last)
		msg := append(last[:n:n], body...) // the type's id, then the fuzzer's bytes
		var cnt [maxCount]byte
		stream := append(append(prefix, cnt[:putCount(&cnt, uint64(len(msg)))]...), msg...)

		fr := newCheckedFrameReader(bytes.NewReader(stream), 1<<20, "")
		dec := gob.NewDecoder(fr)
		plain := gob.NewDecoder(bytes.NewReader(stream))
		var hr headerReader
		var x wireHeader
		if which&0x80 == 0 {
			var first, want requestHeader
			if err := hr.readRequest(fr, dec, &first); err != nil {
				return // gob reads no header of this type
			}
			plain.Decode(&first)
			if !hr.read(fr, requestFields, &x) {
				return
			}
			if err := plain.Decode(&want); err != nil {
				t.Fatalf("read % x by hand as %+v; gob fails: %v", msg, x.request(), err)
			}
			if got := x.request(); !reflect.DeepEqual(got, want) {
				t.Fatalf("read % x by hand as %+v; gob reads %+v", msg, got, want)
			}
		} else {
			var first, want responseHeader
			if err := hr.readResponse(fr, dec, &first); err != nil {
				return
			}
			plain.Decode(&first)
			if !hr.read(fr, responseFields, &x) {
				return
			}
			if err := plain.Decode(&want); err != nil {
				t.Fatalf("read % x by hand as %+v; gob fails: %v", msg, x.response(), err)
			}
			if got := x.response(); !reflect.DeepEqual(got, want) {
				t.Fatalf("read % x by hand as %+v; gob reads %+v", msg, got, want)
			}
		}
		if fr.more() {
			t.Fatalf("read % x by hand, leaving bytes behind", msg)
		}
	})
}

// After a large body, gob reads the next header, so that it lets the body's
// bytes go: its Decoder keeps the last message it read, and a server reader
// waiting for memory (WithMemoryBudget) before the next body must not hold
// the last one.
func TestHeaderReaderLetsGobDropLargeBodies(t *testing.T) {
	stream := gobStream(t,
		&requestHeader{ServiceMethod: "A.B", Seq: 1}, &bodyWithStrings{N: 1},
		&requestHeader{ServiceMethod: "A.B", Seq: 2}, &bodyWithStrings{Names: []string{string(make([]byte, 2*keepBuffer))}},
		&requestHeader{ServiceMethod: "A.B", Seq: 3}, &bodyWithStrings{N: 3},
		&requestHeader{ServiceMethod: "A.B", Seq: 4}, &bodyWithStrings{N: 4},
	)
	fr := newCheckedFrameReader(bytes.NewReader(stream), 1<<20, "")
	dec := gob.NewDecoder(fr)
	var hr headerReader
	var got []bool
	for seq := range uint64(4) {
		var x wireHeader
		byHand := hr.read(fr, requestFields, &x)
		got = append(got, byHand)
		h := x.request()
		if !byHand {
			if err := dec.Decode(&h); err != nil {
				t.Fatal(err)
			}
			hr.at = fr.n
		}
		if h.Seq != seq+1 {
			t.Fatalf("read header %+v, want seq %d", h, seq+1)
		}
		var body bodyWithStrings
		if err := dec.Decode(&body); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(got, []bool{false, true, false, true}) {
		t.Errorf("headers read by hand: %v, want all but the first and the one after the large body", got)
	}
}

// The hand writer checks itself against gob: one that drops a field is not
// used.
func TestHeaderWriterChecksItself(t *testing.T) {
	id, _ := headerTypeIDs()
	if !writesAsGob(appendRequest, id) {
		t.Fatal("appendRequest does not write as gob does")
	}
	dropsNil := func(b []byte, id int64, h *requestHeader) []byte {
		h2 := *h
		h2.Nil = false
		return appendRequest(b, id, &h2)
	}
	if writesAsGob(dropsNil, id) {
		t.Fatal("a writer that drops a field passes the check")
	}
}
