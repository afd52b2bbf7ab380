package netrpcx

import (
	"bytes"
	"encoding/gob"
	"testing"
)

// zipStream returns values as a gob stream whose messages of at least min
// bytes are compressed as netrpcx compresses them.
func zipStream(t testing.TB, min int, values ...any) []byte {
	var buf bytes.Buffer
	zw := &gzipWriter{w: &buf, min: min}
	enc := gob.NewEncoder(zw)
	for _, v := range values {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestGzipStreamReadsAsGob(t *testing.T) {
	type item struct {
		Name string
		Tags []string
		M    map[string]int
	}
	v := item{Name: string(bytes.Repeat([]byte("name "), 400)), Tags: []string{"a", "b"}, M: map[string]int{"x": 1}}
	in := zipStream(t, 64, requestHeader{ServiceMethod: "T.M", Seq: 1}, v, v)
	if plain := zipStream(t, 0, requestHeader{ServiceMethod: "T.M", Seq: 1}, v, v); len(in) >= len(plain) {
		t.Fatalf("compressed stream of %d bytes, plain %d", len(in), len(plain))
	}
	fr := newCheckedFrameReader(bytes.NewReader(in), 1<<20, "the option")
	fr.gzip = true
	dec := gob.NewDecoder(fr)
	var h requestHeader
	if err := dec.Decode(&h); err != nil || h.ServiceMethod != "T.M" {
		t.Fatalf("header %+v, %v", h, err)
	}
	for range 2 {
		var got item
		if err := dec.Decode(&got); err != nil || got.Name != v.Name || got.M["x"] != 1 {
			t.Fatalf("value %.20q, %v", got.Name, err)
		}
	}

	// Without the option the mark is no count.
	fr = newCheckedFrameReader(bytes.NewReader(zipStream(t, 1, v)), 1<<20, "the option")
	if err := gob.NewDecoder(fr).Decode(new(item)); err == nil {
		t.Fatal("a compressed message was read by a reader that did not say it reads them")
	}
}

// FuzzGzipFrame feeds a compressing peer's stream, or anything, to a
// reader that accepts compressed messages: it hands gob only what passed,
// never holds more than the limit, and never panics.
func FuzzGzipFrame(f *testing.F) {
	long := string(bytes.Repeat([]byte("abcdefgh"), 100))
	f.Add(zipStream(f, 16, requestHeader{ServiceMethod: long, Seq: 1, Metadata: []string{"K", long}}), uint16(4096))
	f.Add(zipStream(f, 16, map[string]string{"a": long, "b": long}), uint16(2000))
	f.Add(zipStream(f, 16, struct{ V any }{V: long}), uint16(4096))
	f.Add([]byte{0x80, 0x05, 0x03, 0x1f, 0x8b, 0x08}, uint16(100))
	f.Add([]byte{0x80, 0xFC, 0x40, 0, 0, 0, 0x10}, uint16(1000))
	f.Fuzz(func(t *testing.T, input []byte, limit uint16) {
		fr := newCheckedFrameReader(bytes.NewReader(input), int(limit), "the option")
		fr.gzip = true
		dec := gob.NewDecoder(fr)
		for range 100 {
			if cap(fr.buf) > 2*int(limit)+4*maxCount+minGrowth || cap(fr.zbuf) > int(limit)+minGrowth {
				t.Fatalf("holds %d and %d bytes for a limit of %d", cap(fr.buf), cap(fr.zbuf), limit)
			}
			var v any
			if err := dec.Decode(&v); err != nil && fr.err != nil {
				return
			}
		}
	})
}
