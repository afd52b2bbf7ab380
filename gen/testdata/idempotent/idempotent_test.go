package idempotent

import (
	"context"
	"net/rpc"
	"testing"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/gen/testdata/looptest"
)

// Every method works through both clients, those passing the Idempotent
// call option and those not.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	for name, newClient := range map[string]func(*store) Store{
		"netrpc": func(s *store) Store {
			return NewStoreNetRPCClient(looptest.NetRPC(t, func(srv *rpc.Server) error { return RegisterStoreNetRPC(srv, s) }))
		},
		"http": func(s *store) Store { return NewStoreHTTPClient(looptest.HTTP(t, NewStoreHTTPHandler(s))) },
	} {
		t.Run(name, func(t *testing.T) {
			c := newClient(newStore())
			id, err := c.Add(ctx, Item{Name: "a"})
			if id != 1 || err != nil {
				t.Fatalf("Add = %d, %v; want 1", id, err)
			}
			if err := c.Put(ctx, 2, Item{Name: "b"}); err != nil {
				t.Fatalf("Put: %v", err)
			}
			if it, err := c.Get(ctx, 2); it != (Item{2, "b"}) || err != nil {
				t.Errorf("Get(2) = %+v, %v; want {2 b}", it, err)
			}
			if err := c.Exists(ctx, 3); stdrpc.CodeOf(err) != stdrpc.NotFound {
				t.Errorf("Exists(3) = %v; want not_found", err)
			}
			if n, err := c.Count(ctx); n != 2 || err != nil {
				t.Errorf("Count = %d, %v; want 2", n, err)
			}
			var names []string
			for it, err := range c.Watch(ctx, 1) {
				if err != nil {
					t.Fatalf("Watch: %v", err)
				}
				names = append(names, it.Name)
			}
			if len(names) != 2 || names[0] != "a" || names[1] != "b" {
				t.Errorf("Watch(1) = %q; want [a b]", names)
			}
		})
	}
}
