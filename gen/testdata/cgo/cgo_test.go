package cgo

import (
	"context"
	"net/rpc"
	"testing"

	"github.com/stdrpc/stdrpc/gen/testdata/looptest"
)

func TestRoundTrip(t *testing.T) {
	nc := looptest.NetRPC(t, func(srv *rpc.Server) error { return RegisterCalculatorNetRPC(srv, calculator{}) })
	url := looptest.HTTP(t, NewCalculatorHTTPHandler(calculator{}))
	for name, c := range map[string]Calculator{"netrpc": NewCalculatorNetRPCClient(nc), "http": NewCalculatorHTTPClient(url)} {
		if sum, err := c.Add(context.Background(), 2, 3); sum != 5 || err != nil {
			t.Errorf("%s: Add(2, 3) = %d, %v; want 5", name, sum, err)
		}
	}
}
