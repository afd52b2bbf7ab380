package netrpcx_test

import (
	"context"
	"net"
	"testing"

	"github.com/stdrpc/stdrpc/internal/feedsvc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
	"github.com/stdrpc/stdrpc/observe"
)

// BenchmarkObserve measures what an Observer costs: the generated client
// and server of BenchmarkAdd, BenchmarkEcho, BenchmarkPipeAdd and
// BenchmarkStream without one (off) and with one on both sides (on:
// WithObserver and WithClientObserver), in the same run, so that their
// ratio is the cost:
//
//	go test ./netrpcx -run '^$' -bench Observe -benchmem -count 10
func BenchmarkObserve(b *testing.B) {
	ctx := context.Background()
	p := testsvc.NewPayload()
	add := func(t testsvc.Test) error { _, err := t.Add(ctx, 2, 3); return err }
	echo := func(t testsvc.Test) error { _, err := t.Echo(ctx, p); return err }
	for _, bench := range []struct {
		name     string
		parallel bool
		op       func(testsvc.Test) error
	}{
		{"Add", false, add},
		{"AddParallel64", true, add},
		{"Echo", false, echo},
	} {
		for _, on := range []bool{false, true} {
			b.Run(bench.name+"/"+onOff(on), func(b *testing.B) {
				so, co := observed(on)
				addr, _ := serve(b, &testsvc.Impl{}, so...)
				test := testsvc.NewTestNetRPCClient(dial(b, addr, co...))
				run(b, bench.parallel, func() error { return bench.op(test) })
			})
		}
	}
	for _, on := range []bool{false, true} {
		b.Run("PipeAdd/"+onOff(on), func(b *testing.B) {
			so, co := observed(on)
			server, client := net.Pipe()
			go newServer(b, &testsvc.Impl{}, so...).ServeConn(server)
			c := netrpcx.NewClient(client, co...)
			defer c.Close()
			test := testsvc.NewTestNetRPCClient(c)
			run(b, false, func() error { return add(test) })
		})
	}
	for _, on := range []bool{false, true} {
		b.Run("Stream/"+onOff(on), func(b *testing.B) {
			so, co := observed(on)
			addr, _ := serveFeed(b, &feedsvc.Impl{}, so...)
			feed := feedsvc.NewFeedNetRPCClient(dial(b, addr, co...))
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

// observed returns the options that give a server and a client one
// Observer, or none.
func observed(on bool) ([]netrpcx.ServerOption, []netrpcx.ClientOption) {
	if !on {
		return nil, nil
	}
	o := observe.New()
	return []netrpcx.ServerOption{netrpcx.WithObserver(o)}, []netrpcx.ClientOption{netrpcx.WithClientObserver(o)}
}
