package stdhttp_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// A generated client returns the service's interface; calls go over HTTP.
func Example() {
	srv := httptest.NewServer(testsvc.NewTestHTTPHandler(&testsvc.Impl{}))
	defer srv.Close()

	var t testsvc.Test = testsvc.NewTestHTTPClient(srv.URL)
	sum, err := t.Add(context.Background(), 2, 3)
	fmt.Println(sum, err)

	_, _, err = t.Divide(context.Background(), 7, 0)
	fmt.Println(stdrpc.CodeOf(err), err)
	// Output:
	// 5 <nil>
	// invalid_argument invalid_argument: divide 7 by zero
}

// Any HTTP client can call a service: POST JSON to /{Service}/{Method}, or
// use a method's own route.
func Example_plainHTTP() {
	srv := httptest.NewServer(testsvc.NewTestHTTPHandler(&testsvc.Impl{}))
	defer srv.Close()

	show := func(resp *http.Response, err error) {
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Printf("%d %s", resp.StatusCode, body)
	}
	show(http.Post(srv.URL+"/Test/Add", "application/json", strings.NewReader(`{"a":2,"b":3}`)))
	show(http.Get(srv.URL + "/divide/7/2"))
	show(http.Get(srv.URL + "/divide/7/0"))
	show(http.Get(srv.URL + "/divide/seven/2"))
	// Output:
	// 200 5
	// 200 {"quo":3,"rem":1}
	// 400 {"code":"invalid_argument","message":"divide 7 by zero"}
	// 400 {"code":"invalid_argument","message":"path parameter a: \"seven\" is not a valid int"}
}

// Without the generator: the calls generated code makes, for a method with
// a REST route that takes a path wildcard and query parameters.
func ExampleHandleRoute() {
	type searchRequest struct {
		Shelf string   `json:"shelf"`
		Tags  []string `json:"tags"`
		Limit int      `json:"limit"`
	}
	search := func(ctx context.Context, req *searchRequest) ([]string, error) {
		return []string{fmt.Sprintf("%s: %d books tagged %v", req.Shelf, req.Limit, req.Tags)}, nil
	}

	mux := http.NewServeMux()
	s := stdhttp.NewService(mux, "Library")
	stdhttp.Handle(s, "Search", search) // POST /Library/Search
	stdhttp.HandleRoute(s, "Search", "GET /shelves/{shelf}/books", func(r *http.Request, req *searchRequest) error {
		return stdhttp.Bind(r, nil, stdhttp.Path("shelf", &req.Shelf),
			stdhttp.Query("tag", &req.Tags), stdhttp.Query("limit", &req.Limit))
	}, search)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/shelves/poetry/books?tag=old&tag=short&limit=3")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("%s", body)

	var found []string
	err = stdhttp.NewClient(srv.URL).Call(context.Background(), "/Library/Search", &searchRequest{Shelf: "prose", Limit: 1}, &found)
	fmt.Println(found, err)
	// Output:
	// ["poetry: 3 books tagged [old short]"]
	// [prose: 1 books tagged []] <nil>
}

// A server interceptor sees every call, with the request headers as
// incoming metadata, before the body is decoded; a client interceptor can
// add metadata to every call.
func ExampleWithInterceptors() {
	auth := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		if stdrpc.Incoming(ctx).Get("Authorization") != "Bearer s3cret" {
			return stdrpc.Errorf(stdrpc.Unauthenticated, "%s.%s needs a bearer token", call.Service, call.Method)
		}
		return next(ctx)
	}
	srv := httptest.NewServer(testsvc.NewTestHTTPHandler(&testsvc.Impl{}, stdhttp.WithInterceptors(auth)))
	defer srv.Close()

	_, err := testsvc.NewTestHTTPClient(srv.URL).Add(context.Background(), 2, 3)
	fmt.Println(err)

	token := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		return next(stdrpc.AppendOutgoing(ctx, "Authorization", "Bearer s3cret"))
	}
	sum, err := testsvc.NewTestHTTPClient(srv.URL, stdhttp.WithClientInterceptors(token)).Add(context.Background(), 2, 3)
	fmt.Println(sum, err)
	// Output:
	// unauthenticated: Test.Add needs a bearer token
	// 5 <nil>
}
