package netrpcx_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"flag"
	"math"
	"math/rand/v2"
	"net"
	"net/rpc"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/internal/gobcases"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// The generated gob codecs are compared with encoding/gob: the bytes a
// connection writes, by hand or not, are gob's; what it reads by hand is
// what gob reads, and it fails (by handing the message to gob) wherever
// gob fails, on random values and on messages changed every way a peer
// may get them wrong.

var gobSeed = flag.Uint64("gobseed", 0, "seed of the random gob bodies (0: a new one)")

func bodySeed(t testing.TB) uint64 {
	s := *gobSeed
	if s == 0 {
		s = rand.Uint64()
	}
	t.Logf("-gobseed=%d", s)
	return s
}

// bodyShapes are values of the types a connection writes and reads by
// hand, each as a maker of a zero value.
var bodyShapes = []func() any{
	func() any { return new(gobcases.Record) },
	func() any { return new(gobcases.Inner) },
	func() any { return new(gobcases.CasesMixedRequest) },
	func() any { return new(gobcases.CasesMixedResponse) },
	func() any { return new(testsvc.Payload) },
	func() any { return new(testsvc.TestAddRequest) },
	func() any { return new(int) },
	func() any { return new(string) },
	func() any { return new(float64) },
	func() any { return new([]byte) },
	func() any { return new(bool) },
	func() any { return new(uint32) },
}

func TestGobBodyTypesChecked(t *testing.T) {
	for _, mk := range bodyShapes {
		v := mk()
		if w, r := netrpcx.GobBodyChecks(v); !w || !r {
			t.Errorf("%T: written by hand %v, read by hand %v; want both", v, w, r)
		}
	}
	// Embedded has the methods of the Inner it embeds, promoted: the
	// check against gob refuses them.
	for _, v := range []any{new(gobcases.Keyed), new(gobcases.Coded), new(gobcases.Embedded), new(map[string]int), new([]string)} {
		_, promoted := v.(*gobcases.Embedded)
		if _, has := v.(interface{ WriteGob(*netrpcx.GobWriter) }); has && !promoted {
			t.Errorf("%T has a generated WriteGob; want none (left to gob)", v)
		}
		if w, r := netrpcx.GobBodyChecks(v); w || r {
			t.Errorf("%T: written by hand %v, read by hand %v; want neither (left to gob)", v, w, r)
		}
	}
}

// filler sets random values, zero ones often, at any depth.
type filler struct{ r *rand.Rand }

var zones = []*time.Location{time.UTC, time.Local, time.FixedZone("", -7*3600), time.FixedZone("X", 5*3600+1800), time.FixedZone("odd", 30)}

func (f filler) fill(v reflect.Value, depth int) {
	r := f.r
	if v.Type() == reflect.TypeFor[time.Time]() {
		switch r.IntN(4) {
		case 0: // zero
		case 1:
			v.Set(reflect.ValueOf(time.Time{}.In(zones[r.IntN(len(zones))])))
		default:
			v.Set(reflect.ValueOf(time.Unix(r.Int64N(400e9)-63e9, r.Int64N(1e9)).In(zones[r.IntN(len(zones))])))
		}
		return
	}
	if r.IntN(4) == 0 {
		return // zero
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := v.Type().Bits()
		switch r.IntN(3) {
		case 0:
			v.SetInt(-1 << (bits - 1))
		case 1:
			v.SetInt(1<<(bits-1) - 1)
		default:
			v.SetInt(int64(r.Uint64()) >> (64 - bits) >> r.IntN(bits))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		bits := v.Type().Bits()
		v.SetUint(r.Uint64() >> (64 - bits) >> r.IntN(bits))
	case reflect.Float32, reflect.Float64:
		fs := []float64{math.Copysign(0, -1), 1, -2.5, math.Inf(1), math.NaN(), math.SmallestNonzeroFloat64, math.MaxFloat32, r.NormFloat64() * 1e6}
		v.SetFloat(fs[r.IntN(len(fs))])
	case reflect.String:
		v.SetString(string([]byte("héllo\x00\xff wörld, and more")[:r.IntN(24)]))
	case reflect.Pointer:
		if depth > 4 {
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		if depth > 4 {
			return
		}
		n := r.IntN(4)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth+1)
			}
		}
	}
}

// randomBodies returns n random values of the body shapes.
func randomBodies(r *rand.Rand, n int) []any {
	f := filler{r}
	vs := make([]any, n)
	for i := range vs {
		vs[i] = bodyShapes[r.IntN(len(bodyShapes))]()
		f.fill(reflect.ValueOf(vs[i]).Elem(), 0)
	}
	return vs
}

// Random values written in turn as a connection writes them, the first of
// each type through gob and later ones by hand, make the bytes gob's
// Encoder makes of them; a value gob cannot encode fails either way.
func TestGobBodyWriteMatchesGob(t *testing.T) {
	r := rand.New(rand.NewPCG(bodySeed(t), 1))
	for range 50 {
		var got, want bytes.Buffer
		be, ge := netrpcx.NewBodyEncoder(&got), gob.NewEncoder(&want)
		for i, v := range randomBodies(r, 60) {
			gerr, werr := be.Encode(v), ge.Encode(v)
			if (gerr != nil) != (werr != nil) {
				t.Fatalf("value %d, %T %+v: error %v, gob's %v", i, v, v, gerr, werr)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("value %d, %T %+v:\nwritten % x\ngob's   % x", i, v, v, got.Bytes(), want.Bytes())
			}
		}
	}
}

// decodeAlike decodes the gob stream b as a connection does, by hand where
// it can, and through gob alone, each value into a copy of dsts[i] (so that
// what gob keeps of a destination is compared too), and fails the test if
// the two differ. It returns how many values were read by hand.
func decodeAlike(t *testing.T, b []byte, dsts []any) int {
	t.Helper()
	hand, plain := netrpcx.NewBodyDecoder(bytes.NewReader(b), 1<<20, true), netrpcx.NewBodyDecoder(bytes.NewReader(b), 1<<20, false)
	for i, dst := range dsts {
		got, want := clone(dst), clone(dst)
		herr, perr := hand.Decode(got), plain.Decode(want)
		if (herr != nil) != (perr != nil) {
			t.Fatalf("value %d into %T: error %v, gob's %v\nstream % x", i, dst, herr, perr, b)
		}
		if herr != nil {
			break // the connection fails
		}
		if !sameValue(reflect.ValueOf(got), reflect.ValueOf(want)) {
			t.Fatalf("value %d into %T:\nread  %+v\ngob's %+v\nstream % x", i, dst, got, want, b)
		}
	}
	return hand.ByHand
}

// sameValue is reflect.DeepEqual, but for floats, which it compares bit
// for bit: a NaN is the same as itself.
func sameValue(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Float32, reflect.Float64:
		return math.Float64bits(a.Float()) == math.Float64bits(b.Float())
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !sameValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		if a.Type() == reflect.TypeFor[time.Time]() {
			return reflect.DeepEqual(a.Interface(), b.Interface())
		}
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() && !sameValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// clone copies v, a pointer, deeply: by gob, which keeps nil and empty
// slices apart in nothing that matters here, and by hand for pointers to
// basic values.
func clone(v any) any {
	c := reflect.New(reflect.TypeOf(v).Elem())
	deepCopy(c.Elem(), reflect.ValueOf(v).Elem())
	return c.Interface()
}

func deepCopy(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if !src.IsNil() {
			dst.Set(reflect.New(src.Type().Elem()))
			deepCopy(dst.Elem(), src.Elem())
		}
	case reflect.Slice:
		if !src.IsNil() {
			dst.Set(reflect.MakeSlice(src.Type(), src.Len(), src.Cap()))
			for i := range src.Len() {
				deepCopy(dst.Index(i), src.Index(i))
			}
		}
	case reflect.Struct:
		if src.Type() == reflect.TypeFor[time.Time]() {
			dst.Set(src)
			return
		}
		for i := range src.NumField() {
			if src.Type().Field(i).IsExported() {
				deepCopy(dst.Field(i), src.Field(i))
			}
		}
	default:
		dst.Set(src)
	}
}

// bodyStream returns gob's encoding of vs, those it cannot encode left
// out, and destinations for them: zero ones, or random ones, which gob
// decodes into as it does into a reply already used.
func bodyStream(r *rand.Rand, vs []any) ([]byte, []any) {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	var dsts []any
	for _, v := range vs {
		if enc.Encode(v) != nil {
			continue
		}
		dst := reflect.New(reflect.TypeOf(v).Elem())
		if r.IntN(3) == 0 {
			filler{r}.fill(dst.Elem(), 0)
		}
		dsts = append(dsts, dst.Interface())
	}
	return buf.Bytes(), dsts
}

// gob's bytes of random values are read by hand, all but the first of
// each type, as gob reads them, into zero and used destinations alike.
func TestGobBodyReadMatchesGob(t *testing.T) {
	r := rand.New(rand.NewPCG(bodySeed(t), 2))
	values, byHand := 0, 0
	for range 50 {
		b, dsts := bodyStream(r, randomBodies(r, 60))
		values += len(dsts)
		byHand += decodeAlike(t, b, dsts)
	}
	t.Logf("%d of %d values read by hand", byHand, values)
	if byHand < values*3/4 {
		t.Errorf("%d of %d values read by hand; want most", byHand, values)
	}
}

// gob's bytes changed (bytes replaced, dropped, inserted, a message cut
// short) read as gob reads them, or fail where gob fails.
func TestGobBodyMutatedMatchesGob(t *testing.T) {
	r := rand.New(rand.NewPCG(bodySeed(t), 3))
	for range 2000 {
		b, dsts := bodyStream(r, randomBodies(r, 4))
		decodeAlike(t, mutateMessages(r, b), dsts)
	}
}

// mutateMessages changes one message of a gob stream, keeping its count
// right so that the change reaches the decoder, not the framing.
func mutateMessages(r *rand.Rand, b []byte) []byte {
	var msgs [][]byte
	for len(b) > 0 {
		n, size := readCount(b)
		if n == 0 || size > len(b)-n {
			return b
		}
		msgs = append(msgs, bytes.Clone(b[n:n+size]))
		b = b[n+size:]
	}
	if len(msgs) == 0 {
		return b
	}
	i := r.IntN(len(msgs))
	m := msgs[i]
	for range 1 + r.IntN(3) {
		if len(m) == 0 {
			break
		}
		p := r.IntN(len(m))
		switch r.IntN(5) {
		case 0:
			m[p] = byte(r.IntN(256))
		case 1:
			m[p] ^= 1 << r.IntN(8)
		case 2:
			m = append(m[:p:p], m[p+1:]...)
		case 3:
			m = append(m[:p:p], append([]byte{byte(r.IntN(256))}, m[p:]...)...)
		default:
			m = m[:p]
		}
	}
	msgs[i] = m
	var out []byte
	for _, m := range msgs {
		out = append(out, gobCount(uint64(len(m)))...)
		out = append(out, m...)
	}
	return out
}

// readCount reads a message's count.
func readCount(b []byte) (n, size int) {
	if b[0] < 0x80 {
		return 1, int(b[0])
	}
	k := -int(int8(b[0]))
	if k > 8 || k >= len(b) {
		return 0, 0
	}
	var x uint64
	for _, c := range b[1 : 1+k] {
		x = x<<8 | uint64(c)
	}
	if x > 1<<30 {
		return 0, 0
	}
	return 1 + k, int(x)
}

// Counts larger than the bytes left make no large allocation: the hand
// reader refuses them before allocating, and gob fails on them.
func TestGobBodyHostileCount(t *testing.T) {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	rec := &gobcases.Record{Ins: []gobcases.Inner{{A: 1}}}
	enc.Encode(rec)
	first := buf.Len()
	enc.Encode(rec)
	value := buf.Bytes()[first:]
	// The value: its count, the type id, In (always sent), then Ins (field
	// 32: delta 10),
	// its count of 1, the Inner and two terminators.
	at := bytes.Index(value, []byte{10, 1, 1, 2, 0, 0})
	if at < 0 {
		t.Fatalf("cannot find Ins in % x", value)
	}
	for _, count := range [][]byte{{0xfb, 1, 0, 0, 0, 0}, {0xf8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0x7f}} {
		msg := slices.Concat(value[1:at+1], count, value[at+2:])
		stream := slices.Concat(buf.Bytes()[:first], gobCount(uint64(len(msg))), msg)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		d := netrpcx.NewBodyDecoder(bytes.NewReader(stream), 1<<20, true)
		var a, b gobcases.Record
		if err := d.Decode(&a); err != nil {
			t.Fatal(err)
		}
		if err := d.Decode(&b); err == nil {
			t.Errorf("count % x decoded: %+v", count, b)
		}
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("count % x: %d bytes allocated", count, n)
		}
		if d.ByHand != 0 {
			t.Errorf("count % x: read by hand", count)
		}
	}
}

// canon is gob's encoding of v by a new Encoder, or nil if gob cannot
// encode it: what two values gob carries alike have in common.
func canon(v any) []byte {
	var buf bytes.Buffer
	if gob.NewEncoder(&buf).Encode(v) != nil {
		return nil
	}
	return buf.Bytes()
}

// Random bodies, interleaved with bodies gob carries whole, go between
// netrpcx peers and stock ones each way, and arrive as gob carries them.
func TestGobBodiesOverConnections(t *testing.T) {
	r := rand.New(rand.NewPCG(bodySeed(t), 4))
	netrpcxServer := func(t *testing.T) string {
		rs := rpc.NewServer()
		if err := gobcases.RegisterCasesNetRPC(rs, gobcases.Echo{}); err != nil {
			t.Fatal(err)
		}
		s := netrpcx.NewServer(rs, netrpcx.WithLogger(quietLogger()))
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go s.Serve(lis)
		t.Cleanup(func() { s.Close() })
		return lis.Addr().String()
	}
	stockServer := func(t *testing.T) string {
		rs := rpc.NewServer()
		if err := gobcases.RegisterCasesNetRPC(rs, gobcases.Echo{}); err != nil {
			t.Fatal(err)
		}
		return serveStock(t, rs)
	}
	type caller func(method string, args, reply any) error
	netrpcxClient := func(t *testing.T, addr string) caller {
		c := dial(t, addr)
		return func(method string, args, reply any) error { return c.Call(context.Background(), method, args, reply) }
	}
	stockClient := func(t *testing.T, addr string) caller {
		c, err := rpc.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c.Call
	}
	for _, pair := range []struct {
		name   string
		server func(*testing.T) string
		client func(*testing.T, string) caller
	}{
		{"netrpcx", netrpcxServer, netrpcxClient},
		{"stock client", netrpcxServer, stockClient},
		{"stock server", stockServer, netrpcxClient},
	} {
		t.Run(pair.name, func(t *testing.T) {
			call := pair.client(t, pair.server(t))
			f := filler{r}
			for i := range 200 {
				var args, reply any
				var method string
				switch i % 5 {
				case 0, 1:
					method, args, reply = "Cases.Record", new(gobcases.Record), new(gobcases.Record)
				case 2:
					method, args, reply = "Cases.Mixed", new(gobcases.CasesMixedRequest), new(gobcases.CasesMixedResponse)
				case 3:
					method, args, reply = "Cases.Embedded", new(gobcases.Embedded), new(gobcases.Embedded)
				default:
					method, args, reply = "Cases.Keyed", new(gobcases.Keyed), new(gobcases.Keyed)
				}
				f.fill(reflect.ValueOf(args).Elem(), 0)
				if method == "Cases.Keyed" {
					args.(*gobcases.Keyed).M = map[string]int{"a": i}
				}
				err := call(method, args, reply)
				want := canon(args)
				if method == "Cases.Mixed" {
					a := args.(*gobcases.CasesMixedRequest)
					sum, list, same, _ := gobcases.Echo{}.Mixed(context.Background(), a.A, a.B, a.C, a.D, a.E)
					want = canon(&gobcases.CasesMixedResponse{Sum: sum, List: list, Same: same})
				}
				switch {
				case want == nil && err == nil:
					t.Fatalf("call %d: %s(%+v) succeeded; gob cannot encode it", i, method, args)
				case want == nil:
					continue
				case err != nil:
					t.Fatalf("call %d: %s(%+v): %v", i, method, args, err)
				}
				if got := canon(reply); !bytes.Equal(got, want) {
					t.Fatalf("call %d: %s(%+v) = %+v; gob carries %x as %x", i, method, args, reply, want, got)
				}
			}
		})
	}
}

// FuzzGobBody reads a stream as a connection reads bodies, by hand where
// it can, and through gob alone: the two read the same values and fail
// alike. The first byte picks the destinations' type.
func FuzzGobBody(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range bodyShapes {
		for range 3 {
			vs := make([]any, 3)
			for j := range vs {
				vs[j] = bodyShapes[i]()
				filler{r}.fill(reflect.ValueOf(vs[j]).Elem(), 0)
			}
			b, _ := bodyStream(r, vs)
			f.Add(append([]byte{byte(i)}, b...))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		mk := bodyShapes[int(data[0])%len(bodyShapes)]
		decodeAlike(t, data[1:], []any{mk(), mk(), mk(), mk()})
	})
}
