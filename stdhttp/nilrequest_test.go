package stdhttp_test

import (
	"context"
	"iter"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

type node struct{ Name string }

// A method whose request is its lone pointer parameter gets nil for a nil
// argument only when registered with NilRequest; otherwise a null body is
// refused. Before, it arrived as a pointer to a zero value.
func TestNilRequest(t *testing.T) {
	mux := http.NewServeMux()
	s := stdhttp.NewService(mux, "N")
	echo := func(ctx context.Context, req *node) (*node, error) { return req, nil }
	stdhttp.Handle(s, "Nil", echo, stdhttp.NilRequest())
	stdhttp.Handle(s, "Value", echo)
	stdhttp.HandleStream(s, "Stream", func(ctx context.Context, req *node) iter.Seq2[bool, error] {
		return func(yield func(bool, error) bool) { yield(req == nil, nil) }
	}, stdhttp.NilRequest())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := stdhttp.NewClient(srv.URL)
	ctx := context.Background()

	for _, req := range []*node{nil, {}, {Name: "a"}} {
		var got *node
		if err := c.Call(ctx, "/N/Nil", req, &got); err != nil {
			t.Fatalf("Nil(%v): %v", req, err)
		}
		if (got == nil) != (req == nil) || got != nil && *got != *req {
			t.Errorf("Nil(%v) = %v, want it back", req, got)
		}
	}
	var got *node
	err := c.Call(ctx, "/N/Value", (*node)(nil), &got)
	if want := "invalid_argument: the request body is null, which this server cannot pass to the method: send a value"; err == nil || err.Error() != want {
		t.Errorf("a null body without NilRequest: %v, want %q", err, want)
	}
	for isNil, err := range stdhttp.Stream[bool](ctx, c, "/N/Stream", (*node)(nil)) {
		if err != nil || !isNil {
			t.Errorf("a stream's nil request arrived as %v, %v", isNil, err)
		}
	}
	if stdrpc.CodeOf(err) != stdrpc.InvalidArgument {
		t.Fatal(err)
	}
}
