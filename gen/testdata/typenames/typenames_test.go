package typenames

import (
	"context"
	"io"
	"net/http"
	"net/rpc"
	"reflect"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc/gen/testdata/looptest"
)

// collect ranges over seq, returning its items and the error that ended it.
func collect[T any](seq func(func(T, error) bool)) ([]T, error) {
	var items []T
	for v, err := range seq {
		if err != nil {
			return items, err
		}
		items = append(items, v)
	}
	return items, nil
}

// check fails the test unless got equals want and e is nil.
func check(t *testing.T, what string, got, want any, e error) {
	t.Helper()
	if e != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %v, %v; want %v", what, got, e, want)
	}
}

func TestRoundTrip(t *testing.T) {
	nc := looptest.NetRPC(t, func(srv *rpc.Server) error { return RegisterTypeNamesNetRPC(srv, server{}) })
	url := looptest.HTTP(t, NewTypeNamesHTTPHandler(server{}))
	for name, cl := range map[string]TypeNames{"netrpc": NewTypeNamesNetRPCClient(nc), "http": NewTypeNamesHTTPClient(url)} {
		t.Run(name, func(t *testing.T) {
			bg := context.Background()
			ss, e := collect(cl.EachS(bg, 3))
			check(t, "EachS", ss, []s{1, 2, 3}, e)
			reqs, e := collect(cl.EachReq(bg, "ab"))
			check(t, "EachReq", reqs, []req{"ab", "abab"}, e)
			resps, e := collect(cl.EachResp(bg, 4))
			check(t, "EachResp", resps, []resp{{4}}, e)
			ctxs, e := collect(cl.EachCtx(bg))
			check(t, "EachCtx", ctxs, []ctx{true, false}, e)
			cs, e := collect(cl.EachC(bg))
			check(t, "EachC", cs, []c{1.5}, e)
			muxes, e := collect(cl.EachMux(bg, 2))
			check(t, "EachMux", muxes, []mux{{"x", "x"}}, e)
			impls, e := collect(cl.EachImpl(bg))
			check(t, "EachImpl", impls, []impl{{7}}, e)
			optss, e := collect(cl.EachOpts(bg))
			check(t, "EachOpts", optss, []opts{{"a": 1}}, e)
			errs, e := collect(cl.EachErr(bg))
			check(t, "EachErr", errs, []err{{"oops"}}, e)

			page, e := cl.Pages(bg, 5)
			check(t, "Pages", page, Page[s]{Items: []s{5, 6}}, e)
			box, e := cl.Boxes(bg, Box[mux]{mux{"a", "b", "c"}})
			check(t, "Boxes", box, Box[impl]{impl{3}}, e)
			y, z, e := cl.Envelopes(bg, "abc", 2.5, 4)
			check(t, "Envelopes", []any{y, z}, []any{resp{7}, err{"abc!"}}, e)
			ep, e := cl.Errs(bg)
			check(t, "Errs", ep, Page[err]{[]err{{"e"}}}, e)
			rp, e := cl.Resps(bg)
			check(t, "Resps", rp, Page[resp]{[]resp{{3}}}, e)
		})
	}
}

// TestRoutes calls the routes whose binders take types named like locals.
func TestRoutes(t *testing.T) {
	url := looptest.HTTP(t, NewTypeNamesHTTPHandler(server{}))
	for _, tc := range []struct{ method, path, body, want string }{
		{"GET", "/mux/3", "", `["x","x","x"]`},
		{"POST", "/boxes", `{"V":["a","b"]}`, `{"V":{"N":2}}`},
	} {
		rq, e := http.NewRequest(tc.method, url+tc.path, strings.NewReader(tc.body))
		if e != nil {
			t.Fatal(e)
		}
		if tc.body != "" {
			rq.Header.Set("Content-Type", "application/json")
		}
		rs, e := http.DefaultClient.Do(rq)
		if e != nil {
			t.Fatal(e)
		}
		body, e := io.ReadAll(rs.Body)
		rs.Body.Close()
		if e != nil || rs.StatusCode != http.StatusOK || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s %s = %d %s, %v; want 200 with %s", tc.method, tc.path, rs.StatusCode, body, e, tc.want)
		}
	}
}
