package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/rpc"
	"testing"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/gen/testdata/looptest"
)

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	nc := looptest.NetRPC(t, func(srv *rpc.Server) error { return RegisterCalculatorNetRPC(srv, calculator{}) })
	url := looptest.HTTP(t, NewCalculatorHTTPHandler(calculator{}))
	clients := map[string]Calculator{
		"netrpc": NewCalculatorNetRPCClient(nc),
		"http":   NewCalculatorHTTPClient(url),
	}
	for name, c := range clients {
		t.Run(name, func(t *testing.T) {
			if sum, err := c.Add(ctx, 2, 3); sum != 5 || err != nil {
				t.Errorf("Add(2, 3) = %d, %v; want 5, nil", sum, err)
			}
			if q, r, err := c.Divide(ctx, 7, 2); q != 3 || r != 1 || err != nil {
				t.Errorf("Divide(7, 2) = %d, %d, %v; want 3, 1, nil", q, r, err)
			}
			if _, _, err := c.Divide(ctx, 7, 0); stdrpc.CodeOf(err) != stdrpc.InvalidArgument {
				t.Errorf("Divide(7, 0) error = %v; want code invalid_argument", err)
			}
		})
	}
}

func TestRoute(t *testing.T) {
	url := looptest.HTTP(t, NewCalculatorHTTPHandler(calculator{}))
	resp, err := http.Get(url + "/divide/7/2")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got CalculatorDivideResponse
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || got.Quo != 3 || got.Rem != 1 {
		t.Errorf("GET /divide/7/2 = %d %+v; want 200 {Quo:3 Rem:1}", resp.StatusCode, got)
	}
}
