package jsonwire

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// FuzzString: a string is written byte for byte as encoding/json writes
// it, HTML escaping, U+2028, U+2029 and invalid UTF-8 included, and reads
// back as encoding/json reads it.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "plain", "<a href=\"x\">&amp;</a>", "\u2028\u2029", "\xff\xfe", "\x00\x1f\x7f", "\\/\b\f\n\r\t", "é世界😀", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: wrote %s, encoding/json %s", s, got, want)
		}
		var e Encoder
		e.QuotedString(s)
		wantQ, _ := json.Marshal(struct {
			S string `json:",string"`
		}{s})
		if got := append(append([]byte(`{"S":`), e.Bytes()...), '}'); !bytes.Equal(got, wantQ) {
			t.Fatalf("%q with ,string: wrote %s, encoding/json %s", s, got, wantQ)
		}
		var d Decoder
		d.Reset(want)
		got, ok := d.String()
		var back string
		_ = json.Unmarshal(want, &back)
		if d.End() != nil || !ok || got != back {
			t.Fatalf("%s: read %q (ok %v, %v), encoding/json %q", want, got, ok, d.End(), back)
		}
	})
}

// FuzzFloat: floats are written as encoding/json writes them, at both
// sizes, NaN and infinities refused as there.
func FuzzFloat(f *testing.F) {
	for _, x := range []float64{0, math.Copysign(0, -1), 1e21, 1e20, 1e-6, 1e-7, 123456789, 0.1, math.MaxFloat64, math.SmallestNonzeroFloat64, math.MaxFloat32, math.Inf(1), math.NaN()} {
		f.Add(math.Float64bits(x))
	}
	f.Fuzz(func(t *testing.T, bits uint64) {
		x := math.Float64frombits(bits)
		var e Encoder
		e.Float64(x)
		want, err := json.Marshal(x)
		if (e.Err() != nil) != (err != nil) || err == nil && !bytes.Equal(e.Bytes(), want) {
			t.Fatalf("%v: wrote %s (%v), encoding/json %s (%v)", x, e.Bytes(), e.Err(), want, err)
		}
		x32 := float32(x)
		e.Reset(nil)
		e.Float32(x32)
		want, err = json.Marshal(x32)
		if (e.Err() != nil) != (err != nil) || err == nil && !bytes.Equal(e.Bytes(), want) {
			t.Fatalf("float32 %v: wrote %s (%v), encoding/json %s (%v)", x32, e.Bytes(), e.Err(), want, err)
		}
		if err != nil {
			return
		}
		var d Decoder
		d.Reset(want)
		got, ok := d.Float(32)
		if d.End() != nil || !ok || float32(got) != x32 {
			t.Fatalf("%s: read %v (ok %v), want %v", want, got, ok, x32)
		}
	})
}
