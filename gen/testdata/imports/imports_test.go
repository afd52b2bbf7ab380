package imports

import (
	"context"
	"net/rpc"
	"testing"

	"github.com/stdrpc/stdrpc/gen/testdata/imports/http"
	"github.com/stdrpc/stdrpc/gen/testdata/imports/other"
	"github.com/stdrpc/stdrpc/gen/testdata/looptest"
)

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	nc := looptest.NetRPC(t, func(srv *rpc.Server) error {
		if err := RegisterDirectoryNetRPC(srv, impl{}); err != nil {
			return err
		}
		return RegisterHeadersNetRPC(srv, impl{})
	})
	url := looptest.HTTP(t, NewDirectoryHTTPHandler(impl{}))
	hurl := looptest.HTTP(t, NewHeadersHTTPHandler(impl{}))
	clients := map[string]struct {
		d Directory
		h Headers
	}{
		"netrpc": {NewDirectoryNetRPCClient(nc), NewHeadersNetRPCClient(nc)},
		"http":   {NewDirectoryHTTPClient(url), NewHeadersHTTPClient(hurl)},
	}
	for name, c := range clients {
		t.Run(name, func(t *testing.T) {
			if u, err := c.d.User(ctx, "ann"); u.Name != "ann" || err != nil {
				t.Errorf("User = %v, %v", u, err)
			}
			if th, err := c.d.Thing(ctx, other.Thing{X: 4}); th.X != 4 || err != nil {
				t.Errorf("Thing = %v, %v", th, err)
			}
			if a, err := c.d.Account(ctx, 9); a.ID != 9 || err != nil {
				t.Errorf("Account = %v, %v", a, err)
			}
			want := http.Header{Key: "k", Value: "v"}
			if h, err := c.h.Echo(ctx, want); h != want || err != nil {
				t.Errorf("Echo = %v, %v", h, err)
			}
		})
	}
}
