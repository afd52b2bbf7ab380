package netrpcx_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/rpc"
	"os"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// startExampleServer serves testsvc on a loopback port, as a program would
// serve its own service, and returns the address and a function that shuts
// the server down.
func startExampleServer(opts ...netrpcx.ServerOption) (string, func()) {
	srv := rpc.NewServer()
	if err := testsvc.RegisterTestNetRPC(srv, &testsvc.Impl{}); err != nil {
		log.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	s := netrpcx.NewServer(srv, opts...)
	go s.Serve(lis)
	return lis.Addr().String(), func() { s.Shutdown(context.Background()) }
}

// A generated client over netrpcx behaves like the local implementation,
// with deadlines and error codes that cross the network.
func Example() {
	// Server: register the implementation on a stock rpc.Server with the
	// generated function, and serve it with netrpcx.
	srv := rpc.NewServer()
	if err := testsvc.RegisterTestNetRPC(srv, &testsvc.Impl{}); err != nil {
		log.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go netrpcx.Serve(lis, srv)

	// Client: dial, and wrap the connection in the generated client, which
	// is the service's interface.
	c, err := netrpcx.Dial("tcp", lis.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	var test testsvc.Test = testsvc.NewTestNetRPCClient(c)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sum, err := test.Add(ctx, 2, 3)
	fmt.Println(sum, err)

	_, _, err = test.Divide(ctx, 1, 0)
	fmt.Println(stdrpc.CodeOf(err), err)

	ctx, cancel = context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	err = test.Sleep(ctx, time.Hour)
	fmt.Println(errors.Is(err, context.DeadlineExceeded), err)
	// Output:
	// 5 <nil>
	// invalid_argument invalid_argument: divide 1 by zero
	// true deadline_exceeded: context deadline exceeded
}

// A server interceptor that logs every call with log/slog.
func Example_loggingInterceptor() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // keep the output stable for this example
			}
			return a
		},
	}))
	logCalls := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		err := next(ctx)
		logger.LogAttrs(ctx, slog.LevelInfo, "rpc",
			slog.String("service", call.Service), slog.String("method", call.Method),
			slog.String("code", stdrpc.CodeOf(err).String()))
		return err
	}
	addr, stop := startExampleServer(netrpcx.WithInterceptors(logCalls))
	defer stop()

	c, err := netrpcx.Dial("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	test := testsvc.NewTestNetRPCClient(c)
	test.Add(context.Background(), 1, 2)
	test.Divide(context.Background(), 1, 0)
	// Output:
	// level=INFO msg=rpc service=Test method=Add code=ok
	// level=INFO msg=rpc service=Test method=Divide code=invalid_argument
}

// Metadata travels beside the request; a client interceptor can add it to
// every call and a server interceptor can check it.
func Example_metadata() {
	requireToken := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		if stdrpc.Incoming(ctx).Get("Authorization") != "Bearer s3cret" {
			return stdrpc.Errorf(stdrpc.Unauthenticated, "no valid token")
		}
		return next(ctx)
	}
	addr, stop := startExampleServer(netrpcx.WithInterceptors(requireToken))
	defer stop()

	addToken := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		return next(stdrpc.AppendOutgoing(ctx, "Authorization", "Bearer s3cret"))
	}
	c, err := netrpcx.Dial("tcp", addr, netrpcx.WithClientInterceptors(addToken))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	test := testsvc.NewTestNetRPCClient(c)

	ctx := stdrpc.AppendOutgoing(context.Background(), "X-Request-Id", "r-42")
	id, err := test.Meta(ctx, "X-Request-Id")
	fmt.Println(id, err)

	anon, err := netrpcx.Dial("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	defer anon.Close()
	_, err = testsvc.NewTestNetRPCClient(anon).Meta(ctx, "X-Request-Id")
	fmt.Println(err)
	// Output:
	// r-42 <nil>
	// unauthenticated: no valid token
}

// A stock net/rpc client calls a netrpcx server knowing only the wire
// shapes: the request is any struct with the parameters' fields.
func Example_stockClient() {
	addr, stop := startExampleServer()
	defer stop()

	c, err := rpc.Dial("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	var sum int
	err = c.Call("Test.Add", struct{ A, B int }{2, 3}, &sum)
	fmt.Println(sum, err)
	// Output: 5 <nil>
}

// Shutdown lets calls in flight finish, like http.Server.Shutdown.
func ExampleServer_Shutdown() {
	srv := rpc.NewServer()
	if err := testsvc.RegisterTestNetRPC(srv, &testsvc.Impl{}); err != nil {
		log.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	s := netrpcx.NewServer(srv)
	served := make(chan error, 1)
	go func() { served <- s.Serve(lis) }()

	// In a program: wait for a signal (signal.NotifyContext), then
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		log.Print(err)
	}
	fmt.Println(<-served)
	// Output: netrpcx: server closed
}
