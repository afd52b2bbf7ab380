// Command otel follows one call across two stdrpc services with
// OpenTelemetry, on both transports: a client calls Orders, whose Place
// calls Stock. It runs the trip twice, net/rpc then HTTP and HTTP then
// net/rpc, and prints the spans of each: four spans, one trace id.
//
//	go run .
package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/rpc"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/examples/otel/otelstdrpc"
	"github.com/stdrpc/stdrpc/netrpcx"
	"github.com/stdrpc/stdrpc/stdhttp"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// The transports, as the spans' stdrpc.transport attribute names them.
const (
	netRPC = "netrpc"
	httpTr = "http"
)

func main() {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	for _, hops := range [][2]string{{netRPC, httpTr}, {httpTr, netRPC}} {
		id, spans, err := trip(hops[0], hops[1])
		if err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(w, "client -> Orders over %s -> Stock over %s: %s\n", hops[0], hops[1], id)
		fmt.Fprintln(w, "  trace id\tspan id\tparent id\tkind\tname\ttransport")
		for _, s := range spans {
			parent := s.Parent.SpanID().String()
			if !s.Parent.IsValid() {
				parent = "-"
			}
			fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\t%s\n", s.SpanContext.TraceID(), s.SpanContext.SpanID(), parent,
				s.SpanKind, s.Name, transportOf(s))
		}
		fmt.Fprintln(w)
	}
	w.Flush()
}

// trip serves Stock over second and Orders over first, each with the
// OpenTelemetry interceptors, places one order, and returns its id and the
// spans the call made, in the order they began.
func trip(first, second string) (string, tracetest.SpanStubs, error) {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	defer tp.Shutdown(context.Background())

	var stop []func()
	defer func() {
		for _, f := range slices.Backward(stop) {
			f()
		}
	}()
	st, closeStock, err := serveStock(tp, second)
	if err != nil {
		return "", nil, err
	}
	stop = append(stop, closeStock)
	ord, closeOrders, err := serveOrders(tp, first, &orders{stock: st})
	if err != nil {
		return "", nil, err
	}
	stop = append(stop, closeOrders)

	id, err := ord.Place(context.Background(), "book")
	if err != nil {
		return "", nil, err
	}
	out := spans.GetSpans()
	slices.SortFunc(out, func(a, b tracetest.SpanStub) int { return a.StartTime.Compare(b.StartTime) })
	return id, out, nil
}

// serveStock serves a Stock over transport on a loopback port and returns
// a client of it.
func serveStock(tp trace.TracerProvider, transport string) (Stock, func(), error) {
	impl := &stock{items: map[string]int{"book": 10}}
	server, client := interceptors(tp, transport)
	if transport == httpTr {
		url, stop, err := serveHTTP(NewStockHTTPHandler(impl, stdhttp.WithInterceptors(server)))
		if err != nil {
			return nil, nil, err
		}
		return NewStockHTTPClient(url, stdhttp.WithClientInterceptors(client)), stop, nil
	}
	c, stop, err := serveNetRPC(func(s *rpc.Server) error { return RegisterStockNetRPC(s, impl) }, server, client)
	if err != nil {
		return nil, nil, err
	}
	return NewStockNetRPCClient(c), stop, nil
}

// serveOrders is serveStock for Orders.
func serveOrders(tp trace.TracerProvider, transport string, impl Orders) (Orders, func(), error) {
	server, client := interceptors(tp, transport)
	if transport == httpTr {
		url, stop, err := serveHTTP(NewOrdersHTTPHandler(impl, stdhttp.WithInterceptors(server)))
		if err != nil {
			return nil, nil, err
		}
		return NewOrdersHTTPClient(url, stdhttp.WithClientInterceptors(client)), stop, nil
	}
	c, stop, err := serveNetRPC(func(s *rpc.Server) error { return RegisterOrdersNetRPC(s, impl) }, server, client)
	if err != nil {
		return nil, nil, err
	}
	return NewOrdersNetRPCClient(c), stop, nil
}

// interceptors returns the OpenTelemetry interceptors for a server and a
// client of transport, which they note on their spans.
func interceptors(tp trace.TracerProvider, transport string) (stdrpc.ServerInterceptor, stdrpc.ClientInterceptor) {
	tr := attribute.String("stdrpc.transport", transport)
	return otelstdrpc.Server(tp, tr), otelstdrpc.Client(tp, tr)
}

func serveHTTP(h http.Handler) (string, func(), error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := stdhttp.NewServer("", h)
	go srv.Serve(lis)
	return "http://" + lis.Addr().String(), func() { srv.Close() }, nil
}

func serveNetRPC(register func(*rpc.Server) error, server stdrpc.ServerInterceptor, client stdrpc.ClientInterceptor) (*netrpcx.Client, func(), error) {
	rs := rpc.NewServer()
	if err := register(rs); err != nil {
		return nil, nil, err
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srv := netrpcx.NewServer(rs, netrpcx.WithInterceptors(server))
	go srv.Serve(lis)
	c, err := netrpcx.Dial("tcp", lis.Addr().String(), netrpcx.WithClientInterceptors(client))
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	return c, func() { c.Close(); srv.Close() }, nil
}

// transportOf reads a span's stdrpc.transport attribute.
func transportOf(s tracetest.SpanStub) string {
	for _, a := range s.Attributes {
		if a.Key == "stdrpc.transport" {
			return a.Value.AsString()
		}
	}
	return ""
}
