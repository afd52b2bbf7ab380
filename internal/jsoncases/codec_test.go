package jsoncases

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/stdrpc/stdrpc/internal/jsonwire"
)

// A codec is what the generator gives each wire shape.
type codec interface {
	EncodeJSON(*jsonwire.Encoder)
	DecodeJSON(*jsonwire.Decoder)
}

// shapes are the types with generated codecs, each as a maker of a zero
// value to fill or decode into.
var shapes = []struct {
	name string
	new  func() codec
}{
	{"Record", func() codec { return new(Record) }},
	{"Inner", func() codec { return new(Inner) }},
	{"CasesMixedRequest", func() codec { return new(CasesMixedRequest) }},
	{"CasesMixedResponse", func() codec { return new(CasesMixedResponse) }},
}

// Each random value is written by its codec byte for byte as
// encoding/json writes it, and fails where encoding/json fails (an
// infinity, a time outside RFC 3339).
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	seed := runSeed()
	r := rand.New(rand.NewPCG(seed, 1))
	for _, sh := range shapes {
		for i := range 400 {
			v := sh.new()
			filler{r}.fill(reflect.ValueOf(v).Elem(), 0)
			var e jsonwire.Encoder
			v.EncodeJSON(&e)
			got, gerr := e.Bytes(), e.Err()
			want, werr := json.Marshal(v)
			if (gerr != nil) != (werr != nil) || gerr == nil && !bytes.Equal(got, want) {
				t.Fatalf("-jsonseed=%d: %s #%d:\ncodec:         %s (error: %v)\nencoding/json: %s (error: %v)", seed, sh.name, i, got, gerr, want, werr)
			}
		}
	}
}

// Documents encoding/json writes, and the same changed every way a peer
// may write them or get them wrong, decode as encoding/json decodes them:
// the codec never succeeds where encoding/json fails, nor with another
// value; where it gives up, the runtime asks encoding/json. It gives up
// on no document encoding/json wrote.
func TestDecodeMatchesEncodingJSON(t *testing.T) {
	seed := runSeed()
	r := rand.New(rand.NewPCG(seed, 2))
	m := mutator{r: r, rate: 12}
	docs, gaveUp := 0, 0
	for _, sh := range shapes {
		for range 300 {
			v := sh.new()
			filler{r}.fill(reflect.ValueOf(v).Elem(), 0)
			doc, err := json.Marshal(v)
			if err != nil {
				continue // an infinity or a time out of range
			}
			if decodeAlike(t, seed, sh.name, sh.new, doc) {
				t.Fatalf("-jsonseed=%d: %s: the codec gave up on a document encoding/json wrote:\n%s", seed, sh.name, doc)
			}
			for range 5 {
				docs++
				if decodeAlike(t, seed, sh.name, sh.new, m.document(doc)) {
					gaveUp++
				}
			}
		}
	}
	t.Logf("%d changed documents; the codec left %d that encoding/json decodes to it", docs, gaveUp)
}

// decodeAlike decodes doc with the codec and with encoding/json, fails t
// if the codec succeeds where encoding/json fails or with another value,
// and reports whether the codec gave up on a document encoding/json
// decodes.
func decodeAlike(t testing.TB, seed uint64, name string, mk func() codec, doc []byte) (gaveUp bool) {
	t.Helper()
	got := mk()
	var d jsonwire.Decoder
	d.Reset(doc)
	got.DecodeJSON(&d)
	gerr := d.End()
	want := mk()
	werr := json.Unmarshal(doc, want)
	switch {
	case gerr == nil && werr != nil:
		t.Fatalf("-jsonseed=%d: %s: the codec decoded what encoding/json refuses (%v):\n%s", seed, name, werr, doc)
	case gerr == nil && !reflect.DeepEqual(got, want):
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("-jsonseed=%d: %s: decoded\n%s\nas\n%s\nwhere encoding/json gives\n%s", seed, name, doc, g, w)
	}
	return gerr != nil && werr == nil
}

// FuzzDecode compares the codecs with encoding/json on any document.
func FuzzDecode(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	m := mutator{r: r, rate: 8}
	for _, sh := range shapes {
		v := sh.new()
		filler{r}.fill(reflect.ValueOf(v).Elem(), 0)
		if doc, err := json.Marshal(v); err == nil {
			f.Add(doc)
			f.Add(m.document(doc))
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, sh := range shapes {
			decodeAlike(t, 0, sh.name, sh.new, doc)
		}
	})
}
