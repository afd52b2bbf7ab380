package variadic

import (
	"context"
	"io"
	"net/http"
	"net/rpc"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc/stdhttp"

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

// TestJSONRPC calls the generated JSON-RPC registration: a variadic
// parameter takes the rest of a positional params array.
func TestJSONRPC(t *testing.T) {
	j := stdhttp.NewJSONRPC()
	RegisterStringsJSONRPC(j, impl{})
	url := looptest.HTTP(t, j)
	for req, want := range map[string]string{
		`{"jsonrpc":"2.0","method":"sum","params":[1,2,3],"id":1}`:                                `{"jsonrpc":"2.0","result":6,"id":1}`,
		`{"jsonrpc":"2.0","method":"Strings.Join","params":["-","a","b"],"id":"x"}`:               `{"jsonrpc":"2.0","result":"a-b","id":"x"}`,
		`{"jsonrpc":"2.0","method":"Strings.Join","params":{"sep":"+","parts":["a","b"]},"id":2}`: `{"jsonrpc":"2.0","result":"a+b","id":2}`,
	} {
		resp, err := http.Post(url, "application/json", strings.NewReader(req))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := strings.TrimSpace(string(body)); got != want {
			t.Errorf("%s\n got %s\nwant %s", req, got, want)
		}
	}
}
