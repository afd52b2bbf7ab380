package embed

import (
	"context"
	"io"
	"net/http"
	"net/rpc"
	"testing"

	"github.com/stdrpc/stdrpc/gen/testdata/looptest"
)

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	srv := &impl{}
	nc := looptest.NetRPC(t, func(s *rpc.Server) error { return RegisterStoreNetRPC(s, srv) })
	url := looptest.HTTP(t, NewStoreHTTPHandler(srv))
	for name, c := range map[string]Store{"netrpc": NewStoreNetRPCClient(nc), "http": NewStoreHTTPClient(url)} {
		t.Run(name, func(t *testing.T) {
			if err := c.Put(ctx, "k", name); err != nil {
				t.Fatal(err)
			}
			if v, err := c.Get(ctx, "k"); v != name || err != nil {
				t.Errorf("Get = %q, %v; want %q", v, err, name)
			}
			if v, err := c.Version(ctx); v != 3 || err != nil {
				t.Errorf("Version = %d, %v; want 3", v, err)
			}
			if v, err := c.Ping(ctx); v != "pong" || err != nil {
				t.Errorf("Ping = %q, %v; want pong", v, err)
			}
			if v, err := c.Echo(ctx, "e"); v != "e" || err != nil {
				t.Errorf("Echo = %q, %v; want e", v, err)
			}
			var closer io.Closer = c
			if err := closer.Close(); err != nil || !srv.closed {
				t.Errorf("Close = %v, closed %v; want nil, true", err, srv.closed)
			}
		})
	}
	resp, err := http.Get(url + "/name")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /name: %s; want 200 (a route from an embedded interface)", resp.Status)
	}
}
