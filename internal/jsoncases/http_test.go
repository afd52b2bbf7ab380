package jsoncases

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc/stdhttp"
)

type echo struct{}

func (echo) Record(ctx context.Context, r Record) (Record, error) { return r, nil }

func (echo) Mixed(ctx context.Context, a int, b []string, c map[string]float64, d *Inner, e []byte) (Level, []Inner, *Inner, error) {
	return Level(a), []Inner{{A: a, B: strings.Join(b, ","), D: []int8{int8(len(c))}}}, d, nil
}

// Random records go through the generated client and server over
// loopback, encoded and decoded by their codecs four times, and arrive as
// encoding/json would have carried them, with the nil slices and maps of
// the result written empty.
func TestRoundTripOverHTTP(t *testing.T) {
	srv := httptest.NewServer(NewCasesHTTPHandler(echo{}))
	defer srv.Close()
	c := NewCasesHTTPClient(srv.URL)
	seed := runSeed()
	r := rand.New(rand.NewPCG(seed, 3))
	for i := range 150 {
		var in Record
		filler{r}.fill(reflect.ValueOf(&in).Elem(), 0)
		doc, jerr := json.Marshal(&in)
		got, err := c.Record(context.Background(), in)
		if jerr != nil {
			if err == nil {
				t.Fatalf("-jsonseed=%d #%d: the client sent what encoding/json cannot write (%v)", seed, i, jerr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("-jsonseed=%d #%d: %v", seed, i, err)
		}
		var want Record
		if err := json.Unmarshal(doc, &want); err != nil {
			t.Fatal(err)
		}
		emptied(reflect.ValueOf(&want).Elem())
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(&got)
			t.Fatalf("-jsonseed=%d #%d: sent\n%s\ngot back\n%s", seed, i, doc, g)
		}
	}
}

// A server answers any request body as if encoding/json decoded it: the
// value it would decode, written back as it would write it (nil slices and
// maps empty), or a 400 that names the field a value of the wrong type is
// for.
func TestServerAnswersAsEncodingJSON(t *testing.T) {
	srv := httptest.NewServer(NewCasesHTTPHandler(echo{}))
	defer srv.Close()
	seed := runSeed()
	r := rand.New(rand.NewPCG(seed, 4))
	m := mutator{r: r, rate: 15}
	for i := range 300 {
		var in Record
		filler{r}.fill(reflect.ValueOf(&in).Elem(), 0)
		doc, err := json.Marshal(&in)
		if err != nil {
			continue
		}
		if i%4 != 0 {
			doc = m.document(doc)
		}
		if t := bytes.TrimSpace(doc); len(t) == 0 || string(t) == "null" {
			continue // no body is the zero value; null is refused, a nil request
		}
		resp, err := http.Post(srv.URL+"/Cases/Record", "application/json", bytes.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		var want Record
		jerr := json.Unmarshal(doc, &want)
		switch {
		case jerr != nil && resp.StatusCode != http.StatusBadRequest:
			t.Fatalf("-jsonseed=%d #%d: encoding/json refuses (%v)\n%s\nthe server answered %d: %s", seed, i, jerr, doc, resp.StatusCode, body)
		case jerr != nil:
			var typ *json.UnmarshalTypeError
			var answer struct{ Message string }
			_ = json.Unmarshal(body, &answer)
			if errors.As(jerr, &typ) && typ.Field != "" && !strings.Contains(answer.Message, strconv.Quote(typ.Field)) {
				t.Fatalf("-jsonseed=%d #%d: the error does not name field %q: %s", seed, i, typ.Field, body)
			}
		default:
			emptied(reflect.ValueOf(&want).Elem())
			out, merr := json.Marshal(&want)
			if merr != nil {
				// A value encoding/json reads but cannot write (a time
				// whose zone is +24:00): the server cannot answer it either.
				if resp.StatusCode != http.StatusInternalServerError {
					t.Fatalf("-jsonseed=%d #%d: encoding/json cannot write back what it read (%v)\n%s\nthe server answered %d: %s", seed, i, merr, doc, resp.StatusCode, body)
				}
				continue
			}
			if resp.StatusCode != http.StatusOK || string(body) != string(out)+"\n" {
				t.Fatalf("-jsonseed=%d #%d: sent\n%s\nthe server answered %d:\n%s\nencoding/json gives\n%s", seed, i, doc, resp.StatusCode, body, out)
			}
		}
	}
}

// The envelopes of a method's parameters and results take the same way.
func TestEnvelopesOverHTTP(t *testing.T) {
	srv := httptest.NewServer(NewCasesHTTPHandler(echo{}))
	defer srv.Close()
	c := NewCasesHTTPClient(srv.URL, stdhttp.WithHTTPClient(srv.Client()))
	f := float32(0.5)
	x, y, z, err := c.Mixed(context.Background(), 7, []string{"a", "<b>"}, map[string]float64{"k": 1}, &Inner{C: &f}, []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if x != 7 || len(y) != 1 || y[0].B != "a,<b>" || y[0].D[0] != 1 || z == nil || *z.C != 0.5 {
		t.Fatalf("Mixed returned %v %+v %+v", x, y, z)
	}
}

// emptied makes v's nil slices and maps empty, at any depth, as the
// server writes a result (stdhttp's doc): not in omitempty fields, nor
// inside what writes itself (a marshaler, an interface's value).
func emptied(v reflect.Value) {
	if v.Kind() == reflect.Interface || v.CanAddr() && implementsAny(v.Addr().Type()) || implementsAny(v.Type()) {
		return
	}
	switch v.Kind() {
	case reflect.Slice:
		if v.IsNil() {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		}
		for i := range v.Len() {
			emptied(v.Index(i))
		}
	case reflect.Array:
		for i := range v.Len() {
			emptied(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		for it := v.MapRange(); it.Next(); {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(it.Value())
			emptied(e)
			v.SetMapIndex(it.Key(), e)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			emptied(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			tag := f.Tag.Get("json")
			_, opts, _ := strings.Cut(tag, ",")
			fv := v.Field(i)
			k := fv.Kind()
			if !f.IsExported() || tag == "-" || (strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")) && (k == reflect.Slice || k == reflect.Map) && fv.IsNil() {
				continue
			}
			emptied(fv)
		}
	}
}

func implementsAny(t reflect.Type) bool {
	return t.Implements(reflect.TypeFor[json.Marshaler]()) || t.Implements(reflect.TypeFor[encoding.TextMarshaler]())
}
