package main

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"net/rpc"
	"slices"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/netrpcx"
)

// BenchmarkEditSeen measures how long an edit takes from one device to
// another, each on its own Sync stream through the generated HTTP client:
// on the hub itself, and with both devices on an instance relaying to the
// hub over netrpcx. b.N is the number of edits; it reports the 50th and
// 99th percentile.
//
//	go test ./examples/sync -run '^$' -bench EditSeen -benchtime 2000x
func BenchmarkEditSeen(b *testing.B) {
	for _, relayed := range []bool{false, true} {
		b.Run(map[bool]string{false: "hub", true: "relay"}[relayed], func(b *testing.B) {
			var list List = newHub()
			if relayed {
				rs := rpc.NewServer()
				if err := RegisterListNetRPC(rs, list); err != nil {
					b.Fatal(err)
				}
				lis, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					b.Fatal(err)
				}
				go netrpcx.Serve(lis, rs)
				defer lis.Close()
				c, err := netrpcx.Dial("tcp", lis.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				list = NewListNetRPCClient(c)
			}
			srv := httptest.NewServer(newHandler(list))
			defer srv.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sender := syncPeer(ctx, NewListHTTPClient(srv.URL))
			receiver := syncPeer(ctx, NewListHTTPClient(srv.URL))
			sender.waitFor(b, "the sender")
			receiver.waitFor(b, "the receiver")

			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				item := fmt.Sprint(i % 2) // the list stays short: add 0, add 1, remove 0, remove 1, ...
				op := "add"
				if i%4 >= 2 {
					op = "remove"
				}
				start := time.Now()
				sender.send <- Edit{Op: op, Item: item}
				receiver.nextEdit(b)
				lat = append(lat, time.Since(start))
				sender.nextEdit(b)
			}
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}

// nextEdit waits for d's next event.
func (d peer) nextEdit(tb testing.TB) {
	select {
	case <-d.lists:
	case err := <-d.done:
		tb.Fatalf("the stream ended: %v", err)
	case <-time.After(testTimeout):
		tb.Fatal("no edit came back")
	}
}
