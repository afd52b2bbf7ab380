package netrpcx_test

import (
	"context"
	"net"
	"testing"
	"time"

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

// BenchmarkObserveRatio makes the calls of BenchmarkObserve without and
// with an Observer in alternating batches of 50, so that both see the same
// load on a shared machine, and reports the ratio of their times: on/off
// is 1.03 for a cost of 3 %.
//
//	go test ./netrpcx -run '^$' -bench ObserveRatio -count 10
func BenchmarkObserveRatio(b *testing.B) {
	ctx := context.Background()
	p := testsvc.NewPayload()
	clients := func(b *testing.B, pipe bool) (off, on testsvc.Test) {
		var t [2]testsvc.Test
		for i := range t {
			so, co := observed(i == 1)
			if pipe {
				server, client := net.Pipe()
				go newServer(b, &testsvc.Impl{}, so...).ServeConn(server)
				c := netrpcx.NewClient(client, co...)
				b.Cleanup(func() { c.Close() })
				t[i] = testsvc.NewTestNetRPCClient(c)
			} else {
				addr, _ := serve(b, &testsvc.Impl{}, so...)
				t[i] = testsvc.NewTestNetRPCClient(dial(b, addr, co...))
			}
		}
		return t[0], t[1]
	}
	b.Run("Add", func(b *testing.B) {
		off, on := clients(b, false)
		onOffRatio(b, func() error { _, err := off.Add(ctx, 2, 3); return err }, func() error { _, err := on.Add(ctx, 2, 3); return err })
	})
	// Which side costs what: an Observer on the server alone, then on the
	// client alone.
	for _, side := range []string{"server", "client"} {
		b.Run("Add-"+side+"-only", func(b *testing.B) {
			off, _ := clients(b, false)
			o := observe.New()
			var on testsvc.Test
			if side == "server" {
				addr, _ := serve(b, &testsvc.Impl{}, netrpcx.WithObserver(o))
				on = testsvc.NewTestNetRPCClient(dial(b, addr))
			} else {
				addr, _ := serve(b, &testsvc.Impl{})
				on = testsvc.NewTestNetRPCClient(dial(b, addr, netrpcx.WithClientObserver(o)))
			}
			onOffRatio(b, func() error { _, err := off.Add(ctx, 2, 3); return err }, func() error { _, err := on.Add(ctx, 2, 3); return err })
		})
	}
	b.Run("Echo", func(b *testing.B) {
		off, on := clients(b, false)
		onOffRatio(b, func() error { _, err := off.Echo(ctx, p); return err }, func() error { _, err := on.Echo(ctx, p); return err })
	})
	b.Run("PipeAdd", func(b *testing.B) {
		off, on := clients(b, true)
		onOffRatio(b, func() error { _, err := off.Add(ctx, 2, 3); return err }, func() error { _, err := on.Add(ctx, 2, 3); return err })
	})
}

// onOffRatio runs off and on in alternating batches, b.N calls in all, and
// reports the time on took over the time off took.
func onOffRatio(b *testing.B, off, on func() error) {
	const batch = 50
	var took [2]time.Duration
	ops := [2]func() error{off, on}
	for range 2 * batch { // warm both up: connections, pools, first-call caches
		if err := off(); err != nil {
			b.Fatal(err)
		}
		if err := on(); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += 2 * batch {
		for k := range 2 {
			j := (i/(2*batch) + k) % 2 // alternate which goes first
			start := time.Now()
			for range batch {
				if err := ops[j](); err != nil {
					b.Fatal(err)
				}
			}
			took[j] += time.Since(start)
		}
	}
	b.ReportMetric(float64(took[1])/float64(took[0]), "on/off")
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
