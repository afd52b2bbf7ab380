package multi

import (
	"context"
	"net/http"
	"net/rpc"
	"slices"
	"testing"

	"github.com/stdrpc/stdrpc/gen/testdata/looptest"
)

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	nc := looptest.NetRPC(t, func(srv *rpc.Server) error {
		if err := RegisterOneNetRPC(srv, impl{"hi "}); err != nil {
			return err
		}
		if err := RegisterTwoNetRPC(srv, impl{"hi hi "}); err != nil {
			return err
		}
		return RegisterThreeNetRPC(srv, impl{})
	})
	// The three services share one mux: their routes do not collide.
	mux := http.NewServeMux()
	RegisterOneHTTP(mux, impl{"hi "})
	RegisterTwoHTTP(mux, impl{"hi hi "})
	RegisterThreeHTTP(mux, impl{})
	url := looptest.HTTP(t, mux)

	type clients struct {
		one   One
		two   Two
		three Three
	}
	for name, c := range map[string]clients{
		"netrpc": {NewOneNetRPCClient(nc), NewTwoNetRPCClient(nc), NewThreeNetRPCClient(nc)},
		"http":   {NewOneHTTPClient(url), NewTwoHTTPClient(url), NewThreeHTTPClient(url)},
	} {
		t.Run(name, func(t *testing.T) {
			if s, err := c.one.Hello(ctx, "a"); s != "hi a" || err != nil {
				t.Errorf("One.Hello = %q, %v", s, err)
			}
			if s, err := c.two.Hello(ctx, "a"); s != "hi hi a" || err != nil {
				t.Errorf("Two.Hello = %q, %v", s, err)
			}
			if ns, err := c.three.Count(ctx, 3); !slices.Equal(ns, []int{1, 2, 3}) || err != nil {
				t.Errorf("Three.Count = %v, %v", ns, err)
			}
		})
	}
	resp, err := http.Post(url+"/acme.v1.Two/Hello", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("POST /acme.v1.Two/Hello: %s; want 200 (the service's name= is its path)", resp.Status)
	}
}
