package stdhttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stdrpc/stdrpc/internal/feedsvc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/observe"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// BenchmarkObserve measures what an Observer costs: the generated client
// and server of BenchmarkAdd, BenchmarkEcho and BenchmarkStream without one
// (off) and with one on both sides (on: WithObserver and
// WithClientObserver), in the same run, so that their ratio is the cost:
//
//	go test ./stdhttp -run '^$' -bench Observe -benchmem -count 10
func BenchmarkObserve(b *testing.B) {
	ctx := context.Background()
	p := testsvc.NewPayload()
	add := func(t testsvc.Test) error { _, err := t.Add(ctx, 2, 3); return err }
	echo := func(t testsvc.Test) error { _, err := t.Echo(ctx, p); return err }
	for _, bench := range []struct {
		name string
		loop func(*testing.B, func() error)
		op   func(testsvc.Test) error
	}{
		{"Add", serial, add},
		{"AddParallel64", parallel, add},
		{"Echo", serial, echo},
	} {
		for _, on := range []bool{false, true} {
			b.Run(bench.name+"/"+onOff(on), func(b *testing.B) {
				so, co := observed(on)
				srv := httptest.NewServer(testsvc.NewTestHTTPHandler(&testsvc.Impl{}, so...))
				b.Cleanup(srv.Close)
				co = append(co, stdhttp.WithHTTPClient(&http.Client{Transport: stdhttp.NewTransport()}))
				test := testsvc.NewTestHTTPClient(srv.URL, co...)
				b.ReportAllocs()
				bench.loop(b, func() error { return bench.op(test) })
			})
		}
	}
	for _, on := range []bool{false, true} {
		b.Run("Stream/"+onOff(on), func(b *testing.B) {
			so, co := observed(on)
			srv := httptest.NewServer(feedsvc.NewFeedHTTPHandler(&feedsvc.Impl{}, so...))
			b.Cleanup(srv.Close)
			feed := feedsvc.NewFeedHTTPClient(srv.URL, co...)
			b.ReportAllocs()
			b.ResetTimer()
			n := 0
			for v, err := range feed.Count(ctx, b.N, "") {
				if err != nil {
					b.Fatal(err)
				}
				n = v
			}
			if n != b.N {
				b.Fatalf("got %d items, want %d", n, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
		})
	}
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// observed returns the options that give a service and a client one
// Observer, or none.
func observed(on bool) ([]stdhttp.ServerOption, []stdhttp.ClientOption) {
	if !on {
		return nil, nil
	}
	o := observe.New()
	return []stdhttp.ServerOption{stdhttp.WithObserver(o)}, []stdhttp.ClientOption{stdhttp.WithClientObserver(o)}
}
