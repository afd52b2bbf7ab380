package netrpcx_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/rpc"
	"net/rpc/jsonrpc"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// A stock net/rpc client knows only the wire shapes, not the generated types.
func TestStockClientCallsNetrpcxServer(t *testing.T) {
	addr, _ := serve(t, &testsvc.Impl{})
	c, err := rpc.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	var sum int
	if err := c.Call("Test.Add", struct{ A, B int }{2, 3}, &sum); err != nil {
		t.Fatal(err)
	}
	if sum != 5 {
		t.Fatalf("Test.Add(2, 3) = %d, want 5", sum)
	}
	if err := c.Call("Test.Ping", struct{}{}, &struct{}{}); err != nil {
		t.Fatalf("Test.Ping: %v", err)
	}
	// Enough calls for sequence numbers of two bytes, in headers the
	// server reads and writes without gob after the first.
	for i := range 300 {
		if err := c.Call("Test.Add", struct{ A, B int }{i, 1}, &sum); err != nil || sum != i+1 {
			t.Fatalf("Test.Add(%d, 1) = %d, %v", i, sum, err)
		}
	}
}

// A stock client reads the code in the error text.
func TestStockClientSeesCodeInErrorText(t *testing.T) {
	addr, _ := serve(t, &testsvc.Impl{Err: stdrpc.Errorf(stdrpc.NotFound, "user %d", 7)})
	c, err := rpc.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var sum int
	err = c.Call("Test.Add", struct{ A, B int }{2, 3}, &sum)
	if err == nil || err.Error() != "not_found: user 7" {
		t.Fatalf("err = %v, want not_found: user 7", err)
	}
}

// The generated adapter works under the stock JSON-RPC codec, as a Python or
// shell client would call it.
func TestJSONRPCCodecServesAdapter(t *testing.T) {
	rs := rpc.NewServer()
	if err := testsvc.RegisterTestNetRPC(rs, &testsvc.Impl{}); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			go rs.ServeCodec(jsonrpc.NewServerCodec(conn)) // jsonrpc.ServeConn, on rs

		}
	}()

	conn, err := net.Dial("tcp", lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte(`{"method":"Test.Add","params":[{"a":2,"b":3}],"id":1}` + "\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		ID     int
		Result int
		Error  any
	}
	if err := json.Unmarshal(line, &resp); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	if resp.ID != 1 || resp.Result != 5 || resp.Error != nil {
		t.Fatalf("response %s, want id 1, result 5, no error", line)
	}
}

// Args and Arith are shaped like the net/rpc documentation's example.
type Args struct{ A, B int }

type Arith int

func (*Arith) Multiply(args *Args, reply *int) error {
	*reply = args.A * args.B
	return nil
}

func (*Arith) Divide(args *Args, reply *int) error {
	if args.B == 0 {
		return errors.New("divide by zero")
	}
	*reply = args.A / args.B
	return nil
}

// serveStock serves rs with the stock net/rpc server until the test ends.
func serveStock(t testing.TB, rs *rpc.Server) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lis.Close() })
	go func() { // rs.Accept, without its log line when lis closes
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			go rs.ServeConn(conn)
		}
	}()
	return lis.Addr().String()
}

func TestClientCallsStockServer(t *testing.T) {
	started := make(chan struct{}, 1)
	impl := &sleepDone{
		Impl: &testsvc.Impl{OnSleep: func(context.Context) { started <- struct{}{} }},
		done: make(chan struct{}, 1),
	}
	rs := rpc.NewServer()
	if err := testsvc.RegisterTestNetRPC(rs, impl); err != nil {
		t.Fatal(err)
	}
	if err := rs.Register(new(Arith)); err != nil {
		t.Fatal(err)
	}
	c := dial(t, serveStock(t, rs))
	ctx := context.Background()
	test := testsvc.NewTestNetRPCClient(c)

	if sum, err := test.Add(ctx, 2, 3); err != nil || sum != 5 {
		t.Fatalf("Add(2, 3) = %d, %v; want 5", sum, err)
	}
	if err := test.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if p, err := test.Echo(ctx, testsvc.NewPayload()); err != nil || p.Name != "payload" {
		t.Fatalf("Echo: %+v, %v", p, err)
	}
	var product int
	if err := c.Call(ctx, "Arith.Multiply", &Args{7, 8}, &product); err != nil || product != 56 {
		t.Fatalf("Arith.Multiply(7, 8) = %d, %v; want 56", product, err)
	}

	// A stock server's error is unknown, with its text.
	err := c.Call(ctx, "Arith.Divide", &Args{1, 0}, &product)
	if stdrpc.CodeOf(err) != stdrpc.Unknown || err.Error() != "unknown: divide by zero" {
		t.Fatalf("Arith.Divide(1, 0): %v, want unknown: divide by zero", err)
	}
	err = c.Call(ctx, "Arith.Pow", &Args{1, 0}, &product)
	if stdrpc.CodeOf(err) != stdrpc.Unimplemented {
		t.Fatalf("Arith.Pow: %v, want unimplemented", err)
	}

	// Canceling sends a request the stock server answers with an error; the
	// client discards it and the connection keeps working.
	cctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- test.Sleep(cctx, 50*time.Millisecond) }()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled Sleep: %v, want context.Canceled", err)
	}
	for i := range 3 {
		if sum, err := test.Add(ctx, i, 1); err != nil || sum != i+1 {
			t.Fatalf("Add after cancel = %d, %v", sum, err)
		}
	}
	<-impl.done // the abandoned Sleep's response follows at once
	if sum, err := test.Add(ctx, 40, 2); err != nil || sum != 42 {
		t.Fatalf("Add after the abandoned response = %d, %v", sum, err)
	}
	if n := netrpcx.PendingCalls(c); n != 0 {
		t.Fatalf("%d calls still pending", n)
	}

	// The stock server skips the header fields it lacks.
	dctx, cancelD := context.WithTimeout(stdrpc.AppendOutgoing(ctx, "X-Request-Id", "r-1"), time.Minute)
	defer cancelD()
	for i := range 300 {
		if sum, err := test.Add(dctx, i, 1); err != nil || sum != i+1 {
			t.Fatalf("Add(%d, 1) with a deadline and metadata = %d, %v", i, sum, err)
		}
	}
}

// sleepDone reports when Sleep returns.
type sleepDone struct {
	*testsvc.Impl
	done chan struct{}
}

func (s *sleepDone) Sleep(ctx context.Context, d time.Duration) error {
	defer func() { s.done <- struct{}{} }()
	return s.Impl.Sleep(ctx, d)
}

// newStockServer returns an rpc.Server with testsvc and Arith registered.
func newStockServer(t testing.TB) *rpc.Server {
	t.Helper()
	rs := rpc.NewServer()
	if err := testsvc.RegisterTestNetRPC(rs, &testsvc.Impl{}); err != nil {
		t.Fatal(err)
	}
	if err := rs.Register(new(Arith)); err != nil {
		t.Fatal(err)
	}
	return rs
}
