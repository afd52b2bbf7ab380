package stdhttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc/stdhttp"
)

// A small service of its own, for what the shared test services lack: a
// query parameter, and a POST route that reads nothing from its body.
type helloReq struct {
	Name string `json:"name"`
	ID   int    `json:"id"`
}

func serveHello(t *testing.T) string {
	mux := http.NewServeMux()
	s := stdhttp.NewService(mux, "Hello")
	stdhttp.HandleRoute(s, "Hello", "GET /hello",
		func(r *http.Request, req *helloReq) error {
			return stdhttp.Bind(r, nil, stdhttp.Query("name", &req.Name))
		},
		func(ctx context.Context, req *helloReq) (string, error) { return "hello " + req.Name, nil })
	stdhttp.HandleRoute(s, "Touch", "POST /touch/{id}",
		func(r *http.Request, req *helloReq) error { return stdhttp.Bind(r, nil, stdhttp.Path("id", &req.ID)) },
		func(ctx context.Context, req *helloReq) (int, error) { return req.ID, nil })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestQueryThatDoesNotParse checks that a query string net/url cannot parse
// is refused, naming the parameter, rather than leaving it silently zero.
func TestQueryThatDoesNotParse(t *testing.T) {
	url := serveHello(t)
	for _, tc := range []struct {
		query  string
		status int
		want   string
	}{
		{"name=ann", 200, `"hello ann"`},
		{"name=a%20b&other=1", 200, `"hello a b"`},
		{"name=%zz", 400, `{"code":"invalid_argument","message":"query parameter name: \"%zz\" is not validly escaped (%XX with two hex digits); encode the value with URL encoding"}`},
		{"other=%zz&name=ann", 400, `{"code":"invalid_argument","message":"query parameter other: \"%zz\" is not validly escaped (%XX with two hex digits); encode the value with URL encoding"}`},
		{"na%zzme=ann", 400, `{"code":"invalid_argument","message":"query parameter \"na%zzme\": the name is not validly escaped (%XX with two hex digits); encode it with URL encoding"}`},
		{"a;name=c", 400, `{"code":"invalid_argument","message":"query \"a;name=c\": a semicolon does not separate parameters; use \u0026 (or %3B for a semicolon in a value)"}`},
		{strings.Repeat("x=1&", 10000) + "name=ann", 400, `{"code":"invalid_argument","message":"the query string has 10001 parameters, more than the 10000 allowed"}`},
	} {
		status, _, body := do(t, "GET", url+"/hello?"+tc.query, http.NoBody)
		if status != tc.status || body != tc.want+"\n" {
			t.Errorf("?%.40s: %d %s, want %d %s", tc.query, status, body, tc.status, tc.want)
		}
	}
	// The server goes on serving.
	if status, _, body := do(t, "GET", url+"/hello?name=bo", http.NoBody); status != 200 || body != `"hello bo"`+"\n" {
		t.Errorf("after the bad queries: %d %s", status, body)
	}
}

// TestUntypedPostToRouteWithoutBody checks the Content-Type rule on a POST
// route that takes nothing from its body: a browser's untyped POST, which
// another site's page can send, is refused; curl's bare POST and a typed
// one are served.
func TestUntypedPostToRouteWithoutBody(t *testing.T) {
	url := serveHello(t) + "/touch/7"
	for _, tc := range []struct {
		name   string
		hdr    []string
		status int
	}{
		{"bare, as from curl -X POST", nil, 200},
		{"typed, from a browser", []string{"Content-Type", "application/json", "Origin", "https://app.example"}, 200},
		{"untyped, from a browser (a form or sendBeacon)", []string{"Origin", "https://elsewhere.example"}, 415},
		{"untyped, with Sec-Fetch-Site only", []string{"Sec-Fetch-Site", "cross-site"}, 415},
	} {
		status, _, body := do(t, "POST", url, http.NoBody, tc.hdr...)
		if status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, status, body, tc.status)
		}
	}
	// A form post (which has a type, and a body) is refused as before.
	status, _, body := do(t, "POST", url, strings.NewReader("a=1"), "Content-Type", "application/x-www-form-urlencoded")
	if status != 415 || !strings.Contains(body, "is not supported; send application/json") {
		t.Errorf("form POST: %d %s", status, body)
	}
}
