package netrpcx_test

import (
	"context"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// BenchmarkBalanced compares a client of one address with a client that
// balances over three instances, in the same run: the per-call cost of
// picking an instance and counting its load. The three servers share the
// machine's cores with the one, so the ratio is the client's overhead, not
// a gain of capacity.
//
//	go test ./netrpcx -run '^$' -bench 'Balanced' -benchmem -count 5
func BenchmarkBalanced(b *testing.B) {
	for _, callers := range []struct {
		name     string
		parallel bool
	}{{"1", false}, {"64", true}} {
		b.Run("callers="+callers.name+"/single", func(b *testing.B) {
			addr, _ := serve(b, &testsvc.Impl{})
			test := testsvc.NewTestNetRPCClient(dial(b, addr))
			benchAddOn(b, callers.parallel, test)
		})
		b.Run("callers="+callers.name+"/balanced3", func(b *testing.B) {
			var addrs []string
			for range 3 {
				addr, _ := serve(b, &testsvc.Impl{})
				addrs = append(addrs, addr)
			}
			test := testsvc.NewTestNetRPCClient(dial(b, "tally", netrpcx.WithResolver(netrpcx.StaticResolver(addrs...))))
			benchAddOn(b, callers.parallel, test)
		})
	}
}

// BenchmarkWriteDeadlines compares calls with the default write timeouts
// on both sides with calls without them: the cost of a deadline on each
// write.
//
//	go test ./netrpcx -run '^$' -bench 'WriteDeadlines' -benchmem -count 5
func BenchmarkWriteDeadlines(b *testing.B) {
	for _, callers := range []struct {
		name     string
		parallel bool
	}{{"1", false}, {"64", true}} {
		b.Run("callers="+callers.name+"/none", func(b *testing.B) {
			addr, _ := serve(b, &testsvc.Impl{}, netrpcx.WithWriteTimeout(0))
			test := testsvc.NewTestNetRPCClient(dial(b, addr, netrpcx.WithClientWriteTimeout(0)))
			benchAddOn(b, callers.parallel, test)
		})
		b.Run("callers="+callers.name+"/default", func(b *testing.B) {
			addr, _ := serve(b, &testsvc.Impl{})
			test := testsvc.NewTestNetRPCClient(dial(b, addr))
			benchAddOn(b, callers.parallel, test)
		})
		b.Run("callers="+callers.name+"/deadline", func(b *testing.B) {
			// A call with a deadline: its writes carry it too.
			addr, _ := serve(b, &testsvc.Impl{})
			test := testsvc.NewTestNetRPCClient(dial(b, addr))
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			run(b, callers.parallel, func() error {
				_, err := test.Add(ctx, 1, 2)
				return err
			})
		})
	}
}

func benchAddOn(b *testing.B, parallel bool, test testsvc.Test) {
	ctx := context.Background()
	run(b, parallel, func() error {
		_, err := test.Add(ctx, 1, 2)
		return err
	})
}
