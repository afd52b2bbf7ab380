package stdhttp_test

import (
	"encoding/json"
	"testing"

	"github.com/stdrpc/stdrpc/internal/jsonwire"
	"github.com/stdrpc/stdrpc/internal/testsvc"
)

// BenchmarkJSONCodec compares the generated codec of the 1 KiB Payload
// with encoding/json, without the network: what each call saves on each
// side.
func BenchmarkJSONCodec(b *testing.B) {
	p := testsvc.NewPayload()
	doc, _ := json.Marshal(&p)
	b.Run("encode/generated", func(b *testing.B) {
		var e jsonwire.Encoder
		buf := make([]byte, 0, 2048)
		b.ReportAllocs()
		for b.Loop() {
			e.Reset(buf[:0])
			p.EncodeJSON(&e)
		}
	})
	b.Run("encode/encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(&p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/generated", func(b *testing.B) {
		var d jsonwire.Decoder
		b.ReportAllocs()
		for b.Loop() {
			var out testsvc.Payload
			d.Reset(doc)
			out.DecodeJSON(&d)
			if err := d.End(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out testsvc.Payload
			if err := json.Unmarshal(doc, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
