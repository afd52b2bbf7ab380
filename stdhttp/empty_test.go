package stdhttp_test

import (
	"context"
	"encoding/json"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc/stdhttp"
)

type shelf struct {
	Books  []string
	Index  map[string]int
	Inner  *shelf
	Rows   [][]int
	ByKey  map[string][]string
	Skip   []string        `json:",omitempty"`
	Zero   []string        `json:",omitzero"`
	Hidden []string        `json:"-"`
	Raw    json.RawMessage // its own MarshalJSON writes nil as null
	Label
}

type Label struct{ Tags []string }

// The shelf every call returns, shared as a store's value would be.
func stored() *shelf {
	return &shelf{Inner: &shelf{Books: []string{"a"}}, Rows: [][]int{nil, {1}}, ByKey: map[string][]string{"k": nil}}
}

const shelfJSON = `{"Books":[],"Index":{},"Inner":{"Books":["a"],"Index":{},"Inner":null,"Rows":[],"ByKey":{},"Raw":null,"Tags":[]},` +
	`"Rows":[[],[1]],"ByKey":{"k":[]},"Raw":null,"Tags":[]}`

// A result's nil slices and maps reach a JSON client as [] and {}, at any
// depth, on a unary route, a stream (NDJSON and SSE) and JSON-RPC; fields
// that omitempty or omitzero leave out stay out, a nil pointer and a
// marshaler's own null stay null. The implementation's value is not
// changed: what the server fills is a copy.
func TestEmptyNotNull(t *testing.T) {
	shared := stored()
	get := func(ctx context.Context, req *struct{}) (*shelf, error) { return shared, nil }
	mux := http.NewServeMux()
	s := stdhttp.NewService(mux, "Shelf")
	stdhttp.Handle(s, "Get", get)
	stdhttp.HandleStream(s, "List", func(ctx context.Context, req *struct{}) iter.Seq2[shelf, error] {
		return func(yield func(shelf, error) bool) { yield(*shared, nil) }
	})
	j := stdhttp.NewJSONRPC()
	stdhttp.HandleJSONRPC(stdhttp.NewJSONRPCService(j, "Shelf"), stdhttp.JSONRPCMethod{Name: "Get"}, get)
	mux.Handle("/rpc", j)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, tc := range []struct{ url, accept, body, want string }{
		{"/Shelf/Get", "", `{}`, shelfJSON + "\n"},
		{"/Shelf/List", "application/x-ndjson", `{}`, `{"result":` + shelfJSON + "}\n" + `{"end":true}` + "\n"},
		{"/Shelf/List", "text/event-stream", `{}`, "data: " + shelfJSON + "\n\nevent: end\ndata: {}\n\n"},
		{"/rpc", "", `{"jsonrpc":"2.0","method":"Shelf.Get","id":1}`, `{"jsonrpc":"2.0","result":` + shelfJSON + `,"id":1}` + "\n"},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+tc.url, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("%s %s:\n got %s\nwant %s", tc.url, tc.accept, b, tc.want)
		}
	}
	if !reflect.DeepEqual(shared, stored()) {
		t.Errorf("the implementation's value was changed: %+v", shared)
	}
}

type ring struct {
	Tags []string
	Next *ring
}

// A result that points back at itself, with nils to fill all the way
// round, is refused as encoding/json refuses it, and the server goes on.
func TestEmptyCycle(t *testing.T) {
	r := &ring{}
	r.Next = r
	mux := http.NewServeMux()
	stdhttp.Handle(stdhttp.NewService(mux, "Ring"), "Get", func(ctx context.Context, req *struct{}) (*ring, error) { return r, nil })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := stdhttp.NewClient(srv.URL)
	for range 2 {
		var got *ring
		err := c.Call(context.Background(), "/Ring/Get", &struct{}{}, &got)
		if err == nil || !strings.Contains(err.Error(), "internal: ") || !strings.Contains(err.Error(), "cycle") {
			t.Fatalf("a cyclic result: %v, want internal naming the cycle", err)
		}
	}
	if r.Tags != nil || r.Next != r {
		t.Errorf("the implementation's value was changed")
	}
}
