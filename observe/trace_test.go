package observe_test

import (
	"context"
	"net"
	"net/http/httptest"
	"net/rpc"
	"sync"
	"testing"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
	"github.com/stdrpc/stdrpc/observe"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// relay is a Test whose Meta asks the next service for the value instead
// of answering itself: a call that crosses two services.
type relay struct {
	testsvc.Impl
	next testsvc.Test
}

func (r *relay) Meta(ctx context.Context, key string) (string, error) {
	return r.next.Meta(ctx, key)
}

// serveTest serves impl over transport with the server interceptors and
// returns a client of it.
func serveTest(t *testing.T, transport string, impl testsvc.Test, in ...stdrpc.ServerInterceptor) testsvc.Test {
	t.Helper()
	if transport == observe.HTTP {
		hs := httptest.NewServer(testsvc.NewTestHTTPHandler(impl, stdhttp.WithInterceptors(in...)))
		t.Cleanup(hs.Close)
		return testsvc.NewTestHTTPClient(hs.URL)
	}
	rs := rpc.NewServer()
	if err := testsvc.RegisterTestNetRPC(rs, impl); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := netrpcx.NewServer(rs, netrpcx.WithInterceptors(in...))
	go srv.Serve(lis)
	t.Cleanup(func() { srv.Close() })
	c, err := netrpcx.Dial("tcp", lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return testsvc.NewTestNetRPCClient(c)
}

// TestTraceCrossesServices sends a call with a W3C trace context through a
// service that calls another, every pair of transports: the relay's
// interceptor reads the trace, and the last service receives it, with no
// code in the relay.
func TestTraceCrossesServices(t *testing.T) {
	const (
		parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
		state  = "congo=t61rcWkgMzE"
	)
	for _, first := range []string{observe.NetRPC, observe.HTTP} {
		for _, second := range []string{observe.NetRPC, observe.HTTP} {
			t.Run(first+"-"+second, func(t *testing.T) {
				var mu sync.Mutex
				var seen stdrpc.Trace
				read := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
					mu.Lock()
					seen = stdrpc.TraceOf(ctx)
					mu.Unlock()
					return next(ctx)
				}
				last := serveTest(t, second, &testsvc.Impl{})
				front := serveTest(t, first, &relay{next: last}, read)

				ctx := stdrpc.WithTrace(context.Background(), stdrpc.Trace{Parent: parent, State: state})
				for key, want := range map[string]string{"Traceparent": parent, "Tracestate": state} {
					got, err := front.Meta(ctx, key)
					if err != nil {
						t.Fatal(err)
					}
					if got != want {
						t.Errorf("the second service received %s %q, want %q", key, got, want)
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if seen != (stdrpc.Trace{Parent: parent, State: state}) {
					t.Errorf("the relay's interceptor read %+v", seen)
				}
			})
		}
	}
}

// TestTraceNotInvented: a call without a trace context arrives without
// one, and a malformed one is not passed on.
func TestTraceNotInvented(t *testing.T) {
	for _, tr := range []string{observe.NetRPC, observe.HTTP} {
		front := serveTest(t, tr, &relay{next: serveTest(t, tr, &testsvc.Impl{})})
		if got, err := front.Meta(context.Background(), "Traceparent"); err != nil || got != "" {
			t.Errorf("%s: traceparent %q, %v; want none", tr, got, err)
		}
		ctx := stdrpc.AppendOutgoing(context.Background(), "traceparent", "00-bad-trace")
		if got, err := front.Meta(ctx, "Traceparent"); err != nil || got != "" {
			t.Errorf("%s: a malformed traceparent was passed on as %q (%v)", tr, got, err)
		}
	}
}
