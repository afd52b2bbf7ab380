package netrpcx_test

import (
	"context"
	"net"
	"net/rpc"
	"runtime"
	"sync"
	"testing"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// A server whose rpc.Server holds a generated service, which netrpcx calls
// itself, and a hand-written one, which rpc.Server dispatches, serves both
// on one connection, interleaved, and answers an unknown method as
// rpc.Server does.
func TestRegisteredAndPlainServicesShareConnection(t *testing.T) {
	rs := rpc.NewServer()
	if err := testsvc.RegisterTestNetRPC(rs, &testsvc.Impl{}); err != nil {
		t.Fatal(err)
	}
	if err := rs.Register(Stock{}); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := netrpcx.NewServer(rs, netrpcx.WithLogger(quietLogger()))
	go srv.Serve(lis)
	defer srv.Close()

	c := dial(t, lis.Addr().String())
	test := testsvc.NewTestNetRPCClient(c)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if sum, err := test.Add(ctx, i, 1); err != nil || sum != i+1 {
				t.Errorf("Test.Add(%d, 1) = %d, %v", i, sum, err)
			}
		}()
		go func() {
			defer wg.Done()
			var sum int
			if err := c.Call(ctx, "Stock.Add", &StockArgs{A: i, B: 2}, &sum); err != nil || sum != i+2 {
				t.Errorf("Stock.Add(%d, 2) = %d, %v", i, sum, err)
			}
		}()
	}
	wg.Wait()

	err = c.Call(ctx, "Test.Nope", struct{}{}, nil)
	if stdrpc.CodeOf(err) != stdrpc.Unimplemented {
		t.Fatalf("Test.Nope: %v, want unimplemented", err)
	}
}

// The goroutines that run calls end with their connection.
func TestWorkersEndWithConnection(t *testing.T) {
	addr, _ := serve(t, &testsvc.Impl{})
	baseline := runtime.NumGoroutine()

	c, err := netrpcx.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	test := testsvc.NewTestNetRPCClient(c)
	var wg sync.WaitGroup
	for i := range 64 { // calls at once: as many workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := test.Sleep(context.Background(), 0); err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	c.Close()
	waitFor(t, "the connection's goroutines to end", func() bool { return runtime.NumGoroutine() <= baseline })
}

// Register fails, and records nothing, where rpc.Server's RegisterName
// fails.
func TestRegisterTwice(t *testing.T) {
	rs := rpc.NewServer()
	if err := testsvc.RegisterTestNetRPC(rs, &testsvc.Impl{}); err != nil {
		t.Fatal(err)
	}
	if err := testsvc.RegisterTestNetRPC(rs, &testsvc.Impl{Err: stdrpc.Errorf(stdrpc.Internal, "second")}); err == nil {
		t.Fatal("a second registration of Test succeeded")
	}
	server, client := net.Pipe()
	go netrpcx.NewServer(rs).ServeConn(server)
	c := netrpcx.NewClient(client)
	defer c.Close()
	if sum, err := testsvc.NewTestNetRPCClient(c).Add(context.Background(), 2, 3); err != nil || sum != 5 {
		t.Fatalf("Add = %d, %v: the second registration replaced the first", sum, err)
	}
}
