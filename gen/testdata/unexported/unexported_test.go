package unexported

import (
	"context"
	"net/rpc"
	"testing"

	"github.com/stdrpc/stdrpc/gen/testdata/looptest"
)

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	nc := looptest.NetRPC(t, func(srv *rpc.Server) error { return RegisterGeometryNetRPC(srv, impl{}) })
	url := looptest.HTTP(t, NewGeometryHTTPHandler(impl{}))
	for name, c := range map[string]Geometry{"netrpc": NewGeometryNetRPCClient(nc), "http": NewGeometryHTTPClient(url)} {
		t.Run(name, func(t *testing.T) {
			if m, err := c.Mirror(ctx, point{1, 2}); m != (point{2, 1}) || err != nil {
				t.Errorf("Mirror({1 2}) = %v, %v; want {2 1}", m, err)
			}
			if o, err := c.Origin(ctx); o != (point{}) || err != nil {
				t.Errorf("Origin() = %v, %v; want {0 0}", o, err)
			}
		})
	}
}
