package names

import (
	"context"
	"net/rpc"
	"testing"

	"github.com/stdrpc/stdrpc/gen/testdata/looptest"
)

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	nc := looptest.NetRPC(t, func(srv *rpc.Server) error { return RegisterNamesNetRPC(srv, impl{}) })
	url := looptest.HTTP(t, NewNamesHTTPHandler(impl{}))
	for name, c := range map[string]Names{"netrpc": NewNamesNetRPCClient(nc), "http": NewNamesHTTPClient(url)} {
		t.Run(name, func(t *testing.T) {
			n, s, err := c.Locals(ctx, "e", 1, true, "r", []string{"a", "b"}, 1.5, 2, 3)
			if n != 6 || s != "e true r a+b 1.5" || err != nil {
				t.Errorf("Locals = %d, %q, %v; want 6, %q", n, s, err, "e true r a+b 1.5")
			}
			if s, err := c.Packages(ctx, "h", 1, true, "c", "s", 2, 3); s != "h 1 true c s 2 3" || err != nil {
				t.Errorf("Packages = %q, %v", s, err)
			}
			if s, err := c.NoContext("x"); s != "x!" || err != nil {
				t.Errorf("NoContext = %q, %v; want x!", s, err)
			}
			if n, err := c.Types(ctx, "abc", 4); n != 7 || err != nil {
				t.Errorf("Types = %d, %v; want 7", n, err)
			}
			if p, err := c.Unnamed(ctx, Payload{1}); p.V != 2 || err != nil {
				t.Errorf("Unnamed = %v, %v; want {2}", p, err)
			}
			if y, err := c.Blank(ctx, 5); y != -5 || err != nil {
				t.Errorf("Blank = %d, %v; want -5", y, err)
			}
			for _, call := range []func(context.Context) error{c.Impl, c.Mux, c.Opts, c.S, c.Error, c.Register, c.HTTPGet} {
				if err := call(ctx); err != nil {
					t.Error(err)
				}
			}
		})
	}
}
