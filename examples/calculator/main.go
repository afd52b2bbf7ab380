// Command calculator serves the Calculator service over net/rpc and net/http
// on loopback ports, calls it through the generated clients, prints what
// happened and exits.
//
//	go run ./examples/calculator
//
// With -serve it keeps serving, so that curl can call it:
//
//	go run ./examples/calculator -serve -http 127.0.0.1:8080
//	curl --json '{"a":2,"b":3}' http://127.0.0.1:8080/Calculator/Add
//	curl http://127.0.0.1:8080/divide/7/2
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/rpc"
	"os"
	"os/signal"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/netrpcx"
	"github.com/stdrpc/stdrpc/stdhttp"
)

func main() {
	rpcAddr := flag.String("rpc", "127.0.0.1:0", "net/rpc listen `address`")
	httpAddr := flag.String("http", "127.0.0.1:0", "HTTP listen `address`")
	serve := flag.Bool("serve", false, "keep serving until interrupted instead of running the demo calls")
	flag.Parse()
	if err := run(os.Stdout, *rpcAddr, *httpAddr, *serve); err != nil {
		log.Fatal(err)
	}
}

func run(w io.Writer, rpcAddr, httpAddr string, serve bool) error {
	// The net/rpc side: a stock *rpc.Server, served by netrpcx so that
	// deadlines, cancellation, metadata and error codes travel too.
	srv := rpc.NewServer()
	if err := RegisterCalculatorNetRPC(srv, calculator{}); err != nil {
		return err
	}
	rpcLis, err := net.Listen("tcp", rpcAddr)
	if err != nil {
		return err
	}
	rpcServer := netrpcx.NewServer(srv)
	go rpcServer.Serve(rpcLis)
	defer rpcServer.Close()

	// The HTTP side: the same implementation behind JSON routes, on a
	// server whose timeouts keep slow or stuck clients from holding it.
	// WithOpenAPI serves main.openapi.json at GET /Calculator/openapi.json.
	httpLis, err := net.Listen("tcp", httpAddr)
	if err != nil {
		return err
	}
	httpServer := stdhttp.NewServer(httpAddr, NewCalculatorHTTPHandler(calculator{}, stdhttp.WithOpenAPI()))
	go httpServer.Serve(httpLis)
	defer httpServer.Close()

	if serve {
		fmt.Fprintf(w, "net/rpc on %s, HTTP on http://%s (interrupt to stop)\n", rpcLis.Addr(), httpLis.Addr())
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		<-ctx.Done()
		return nil
	}

	conn, err := netrpcx.Dial("tcp", rpcLis.Addr().String())
	if err != nil {
		return err
	}
	defer conn.Close()

	// Both clients are a Calculator: the calling code cannot tell them apart.
	clients := []struct {
		name string
		calc Calculator
	}{
		{"net/rpc", NewCalculatorNetRPCClient(conn)},
		{"HTTP", NewCalculatorHTTPClient("http://" + httpLis.Addr().String())},
	}
	ctx := context.Background()
	for _, c := range clients {
		if err := demo(ctx, w, c.name, c.calc); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	return nil
}

func demo(ctx context.Context, w io.Writer, transport string, calc Calculator) error {
	sum, err := calc.Add(ctx, 2, 3)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%-7s Add(2, 3) = %d\n", transport, sum)

	quo, rem, err := calc.Divide(ctx, 7, 2)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%-7s Divide(7, 2) = %d remainder %d\n", transport, quo, rem)

	// A service error keeps its code across the network.
	_, _, err = calc.Divide(ctx, 1, 0)
	var rpcErr *stdrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code() != stdrpc.InvalidArgument {
		return fmt.Errorf("Divide(1, 0): got %v, want an invalid_argument error", err)
	}
	fmt.Fprintf(w, "%-7s Divide(1, 0) failed: code %s, message %q\n", transport, rpcErr.Code(), rpcErr.Message())
	return nil
}
