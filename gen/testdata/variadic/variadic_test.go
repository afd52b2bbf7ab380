package variadic

import (
	"context"
	"net/rpc"
	"testing"

	"github.com/stdrpc/stdrpc/gen/testdata/looptest"
)

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	nc := looptest.NetRPC(t, func(srv *rpc.Server) error { return RegisterStringsNetRPC(srv, impl{}) })
	url := looptest.HTTP(t, NewStringsHTTPHandler(impl{}))
	for name, c := range map[string]Strings{"netrpc": NewStringsNetRPCClient(nc), "http": NewStringsHTTPClient(url)} {
		t.Run(name, func(t *testing.T) {
			if n, err := c.Sum(ctx, 1, 2, 3); n != 6 || err != nil {
				t.Errorf("Sum(1, 2, 3) = %d, %v; want 6", n, err)
			}
			if n, err := c.Sum(ctx); n != 0 || err != nil {
				t.Errorf("Sum() = %d, %v; want 0", n, err)
			}
			if s, err := c.Join(ctx, "-", "a", "b"); s != "a-b" || err != nil {
				t.Errorf(`Join("-", "a", "b") = %q, %v; want "a-b"`, s, err)
			}
		})
	}
}
