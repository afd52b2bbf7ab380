package gen_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/gen"
)

// BenchmarkGenerate generates a 50-method service (testdata/bench) with a
// warm build cache, as go generate does when one file changed. It reports
// the split between loading (the go command and type-checking), checking
// and emitting.
func BenchmarkGenerate(b *testing.B) {
	cfg := gen.Config{Dir: filepath.Join("testdata", "bench"), Check: true}
	if _, err := gen.Run(cfg); err != nil { // warm the cache
		b.Fatal(err)
	}
	var t gen.Timing
	for b.Loop() {
		res, err := gen.Run(cfg)
		if err != nil {
			b.Fatal(err)
		}
		t.Load += res.Timing.Load
		t.Check += res.Timing.Check
		t.Emit += res.Timing.Emit
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(b.N) }
	b.ReportMetric(ms(t.Load), "load-ms/op")
	b.ReportMetric(ms(t.Check), "check-ms/op")
	b.ReportMetric(ms(t.Emit), "emit-ms/op")
}
