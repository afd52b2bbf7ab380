package stdhttp

import (
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// payload has the shape of the loopback benchmarks' testsvc.Payload, which
// this package cannot import.
type payload struct {
	ID    int64
	Name  string
	Tags  []string
	Data  []byte
	Score float64
	At    time.Time
}

// BenchmarkEmpty compares the walk that finds a result's nil slices and
// maps with encoding the same result, in the same run: the walk is the
// whole cost the JSON transports pay for writing [] and {} when there is
// no nil to replace.
func BenchmarkEmpty(b *testing.B) {
	p := payload{ID: 42, Name: "payload", Tags: []string{"alpha", "beta", "gamma", "delta"},
		Data: []byte(strings.Repeat("0123456789abcdef", 56)), Score: 3.5, At: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
	plan := newEmptyPlan(reflect.TypeFor[payload]())
	b.Run("walk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			plan.apply(reflect.ValueOf(&p).Elem())
		}
	})
	b.Run("encode", func(b *testing.B) {
		enc := json.NewEncoder(io.Discard)
		b.ReportAllocs()
		for b.Loop() {
			if err := enc.Encode(&p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
