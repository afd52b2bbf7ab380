package netrpcx_test

import (
	"context"
	"net"
	"net/rpc"
	"runtime"
	"testing"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// The benchmarks compare the generated client and server over netrpcx with
// the hand-written standard-library equivalent: a net/rpc service of the
// same shape served by rpc.Server.ServeConn and called by rpc.Client, over
// loopback TCP in both cases.
//
//	go test ./netrpcx -run '^$' -bench . -benchmem

// StockArgs and Stock are the hand-written net/rpc equivalent of testsvc.
type StockArgs struct{ A, B int }

type Stock struct{}

func (Stock) Add(args *StockArgs, reply *int) error {
	*reply = args.A + args.B
	return nil
}

func (Stock) Echo(args *testsvc.Payload, reply *testsvc.Payload) error {
	*reply = *args
	return nil
}

func stockClient(b *testing.B) *rpc.Client {
	rs := rpc.NewServer()
	if err := rs.Register(Stock{}); err != nil {
		b.Fatal(err)
	}
	c, err := rpc.Dial("tcp", serveStock(b, rs))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

func generatedClient(b *testing.B) testsvc.Test {
	addr, _ := serve(b, &testsvc.Impl{})
	return testsvc.NewTestNetRPCClient(dial(b, addr))
}

// run runs op once per iteration, from one goroutine or from 64.
func run(b *testing.B, parallel bool, op func() error) {
	b.ReportAllocs()
	if !parallel {
		for b.Loop() {
			if err := op(); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func benchAdd(b *testing.B, parallel bool) {
	b.Run("stock", func(b *testing.B) {
		c := stockClient(b)
		run(b, parallel, func() error {
			var sum int
			return c.Call("Stock.Add", &StockArgs{A: 2, B: 3}, &sum)
		})
	})
	b.Run("netrpcx", func(b *testing.B) {
		test := generatedClient(b)
		ctx := context.Background()
		run(b, parallel, func() error {
			_, err := test.Add(ctx, 2, 3)
			return err
		})
	})
}

func benchEcho(b *testing.B, parallel bool) {
	p := testsvc.NewPayload()
	b.Run("stock", func(b *testing.B) {
		c := stockClient(b)
		run(b, parallel, func() error {
			var reply testsvc.Payload
			return c.Call("Stock.Echo", &p, &reply)
		})
	})
	b.Run("netrpcx", func(b *testing.B) {
		test := generatedClient(b)
		ctx := context.Background()
		run(b, parallel, func() error {
			_, err := test.Echo(ctx, p)
			return err
		})
	})
}

func BenchmarkAdd(b *testing.B)            { benchAdd(b, false) }
func BenchmarkAddParallel64(b *testing.B)  { benchAdd(b, true) }
func BenchmarkEcho(b *testing.B)           { benchEcho(b, false) }
func BenchmarkEchoParallel64(b *testing.B) { benchEcho(b, true) }

// BenchmarkDeadlineAndMetadata measures what a deadline and metadata add.
func BenchmarkDeadlineAndMetadata(b *testing.B) {
	test := generatedClient(b)
	ctx, cancel := context.WithTimeout(context.Background(), 1<<40)
	defer cancel()
	ctx = stdrpc.AppendOutgoing(ctx, "X-Request-Id", "r-1")
	run(b, false, func() error {
		_, err := test.Add(ctx, 2, 3)
		return err
	})
}

// BenchmarkPipeAdd and BenchmarkPipeEcho are BenchmarkAdd and
// BenchmarkEcho over net.Pipe: without the kernel's share, they show what
// netrpcx itself costs per call.
func BenchmarkPipeAdd(b *testing.B) {
	benchPipe(b, func(c *rpc.Client) error {
		var sum int
		return c.Call("Stock.Add", &StockArgs{A: 2, B: 3}, &sum)
	}, func(ctx context.Context, test testsvc.Test) error {
		_, err := test.Add(ctx, 2, 3)
		return err
	})
}

func BenchmarkPipeEcho(b *testing.B) {
	p := testsvc.NewPayload()
	benchPipe(b, func(c *rpc.Client) error {
		var reply testsvc.Payload
		return c.Call("Stock.Echo", &p, &reply)
	}, func(ctx context.Context, test testsvc.Test) error {
		_, err := test.Echo(ctx, p)
		return err
	})
}

func benchPipe(b *testing.B, stock func(*rpc.Client) error, generated func(context.Context, testsvc.Test) error) {
	b.Run("stock", func(b *testing.B) {
		rs := rpc.NewServer()
		if err := rs.Register(Stock{}); err != nil {
			b.Fatal(err)
		}
		server, client := net.Pipe()
		go rs.ServeConn(server)
		c := rpc.NewClient(client)
		defer c.Close()
		run(b, false, func() error { return stock(c) })
	})
	b.Run("netrpcx", func(b *testing.B) {
		server, client := net.Pipe()
		go newServer(b, &testsvc.Impl{}).ServeConn(server)
		c := netrpcx.NewClient(client)
		defer c.Close()
		test := testsvc.NewTestNetRPCClient(c)
		ctx := context.Background()
		run(b, false, func() error { return generated(ctx, test) })
	})
}
