package observe_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/observe"
)

// BenchmarkCall measures what observing one call costs a transport: the
// server's Start, sizes and End, with an access log whose level is off,
// and a client's interceptor around a call that does nothing.
//
//	go test ./observe -run '^$' -bench . -benchmem
func BenchmarkCall(b *testing.B) {
	info := stdrpc.CallInfo{Service: "Test", Method: "Add"}
	quiet := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	b.Run("server", func(b *testing.B) {
		m := observe.New(observe.WithAccessLog(quiet, nil)).Server(observe.NetRPC, info, false)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			c := m.Start()
			c.RequestBytes(13)
			c.ResponseBytes(2)
			c.End(stdrpc.OK)
			c.Log(ctx, "127.0.0.1:1234", nil)
		}
	})
	b.Run("server-parallel", func(b *testing.B) {
		m := observe.New().Server(observe.NetRPC, info, false)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c := m.Start()
				c.RequestBytes(13)
				c.ResponseBytes(2)
				c.End(stdrpc.OK)
			}
		})
	})
	b.Run("client", func(b *testing.B) {
		in := observe.New().ClientInterceptor(observe.NetRPC)
		ctx := context.Background()
		next := func(context.Context) error { return nil }
		b.ReportAllocs()
		for b.Loop() {
			in(ctx, info, next)
		}
	})
}
