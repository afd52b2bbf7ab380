package stdhttp_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// onlyReader hides a reader's other methods, so net/http cannot know its
// length and sends it chunked.
type onlyReader struct{ io.Reader }

// TestBadInput sends each kind of bad request, checks the answer, and checks
// the same server still serves a good call afterwards.
func TestBadInput(t *testing.T) {
	const limit = 1024
	url := serve(t, &testsvc.Impl{}, stdhttp.WithMaxBodyBytes(limit))
	good := testsvc.NewTestHTTPClient(url)
	big := `{"a":1,"b":2,"pad":"` + strings.Repeat("x", limit) + `"}`

	for _, tc := range []struct {
		name   string
		method string
		path   string
		body   io.Reader
		hdr    []string // nil, with a body: Content-Type: application/json
		status int
		want   string // the whole body, or for 404/405 a substring
	}{
		{
			name: "truncated JSON", method: "POST", path: "/Test/Add", body: strings.NewReader(`{"a":1,`),
			status: 400, want: `{"code":"invalid_argument","message":"request body is not valid JSON (at byte 7): unexpected end of JSON input"}`,
		},
		{
			name: "field of the wrong type", method: "POST", path: "/Test/Add", body: strings.NewReader(`{"a":"seven","b":2}`),
			status: 400, want: `{"code":"invalid_argument","message":"request body field \"a\": cannot use a JSON string as int"}`,
		},
		{
			name: "nested field of the wrong type", method: "POST", path: "/Test/Echo", body: strings.NewReader(`{"Tags":["a",2]}`),
			status: 400, want: `{"code":"invalid_argument","message":"request body field \"Tags\": cannot use a JSON number as string"}`,
		},
		{
			name: "not an object", method: "POST", path: "/Test/Add", body: strings.NewReader(`[1,2]`),
			status: 400, want: `{"code":"invalid_argument","message":"request body: cannot use a JSON array as testsvc.TestAddRequest"}`,
		},
		{
			name: "trailing garbage", method: "POST", path: "/Test/Add", body: strings.NewReader(`{"a":1,"b":2} {"a":3}`),
			status: 400, want: `{"code":"invalid_argument","message":"request body is not valid JSON (at byte 15): invalid character '{' after top-level value"}`,
		},
		{
			name: "path value that does not parse", method: "GET", path: "/divide/seven/2",
			status: 400, want: `{"code":"invalid_argument","message":"path parameter a: \"seven\" is not a valid int"}`,
		},
		{
			name: "path value out of range", method: "GET", path: "/divide/1/99999999999999999999",
			status: 400, want: `{"code":"invalid_argument","message":"path parameter b: \"99999999999999999999\" is out of range for int"}`,
		},
		{
			name: "unknown route", method: "POST", path: "/Test/Nope", body: strings.NewReader(`{}`),
			status: 404, want: `{"code":"unimplemented","message":"service Test has no method \"Nope\""}`,
		},
		{
			name: "wrong verb", method: "GET", path: "/Test/Add",
			status: 405, want: `{"code":"unimplemented","message":"GET /Test/Add is not served; use POST"}`,
		},
		{
			name: "body over the limit", method: "POST", path: "/Test/Add", body: strings.NewReader(big),
			status: 413, want: `{"code":"resource_exhausted","message":"request body is larger than this server's limit of 1024 bytes"}`,
		},
		{
			name: "chunked body over the limit", method: "POST", path: "/Test/Add", body: onlyReader{strings.NewReader(big)},
			status: 413, want: `{"code":"resource_exhausted","message":"request body is larger than this server's limit of 1024 bytes"}`,
		},
		{
			name: "form body", method: "POST", path: "/Test/Add", body: strings.NewReader(`a=1&b=2`),
			hdr:    []string{"Content-Type", "application/x-www-form-urlencoded"},
			status: 415, want: `{"code":"invalid_argument","message":"Content-Type \"application/x-www-form-urlencoded\" is not supported; send application/json"}`,
		},
		{
			name: "text body", method: "POST", path: "/Test/Add", body: strings.NewReader(`{"a":1,"b":2}`),
			hdr:    []string{"Content-Type", "text/plain"},
			status: 415, want: `{"code":"invalid_argument","message":"Content-Type \"text/plain\" is not supported; send application/json"}`,
		},
		{
			// What fetch sends for a Blob without a type, and sendBeacon
			// for one: no preflight, so another site's page could send it.
			name: "untyped body", method: "POST", path: "/Test/Add", body: strings.NewReader(`{"a":1,"b":2}`),
			hdr:    []string{},
			status: 415, want: `{"code":"invalid_argument","message":"a POST with a body needs Content-Type: application/json; an untyped body is what a page on another site can make a browser send"}`,
		},
		{
			name: "untyped chunked body", method: "POST", path: "/Test/Add", body: onlyReader{strings.NewReader(`{"a":1,"b":2}`)},
			hdr:    []string{"Content-Type", ""},
			status: 415, want: `{"code":"invalid_argument","message":"a POST with a body needs Content-Type: application/json; an untyped body is what a page on another site can make a browser send"}`,
		},
		{
			// navigator.sendBeacon(url) from another site's page.
			name: "untyped empty POST from a browser", method: "POST", path: "/Test/Ping",
			hdr:    []string{"Origin", "https://elsewhere.example", "Sec-Fetch-Site", "cross-site"},
			status: 415, want: `{"code":"invalid_argument","message":"a POST from a browser needs Content-Type: application/json, even without a body; an untyped POST is what a page on another site can make a browser send"}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, sent := tc.body, tc.hdr
			if body == nil {
				body = http.NoBody
			} else if sent == nil {
				sent = []string{"Content-Type", "application/json"}
			}
			status, hdr, got := do(t, tc.method, url+tc.path, body, sent...)
			if status != tc.status {
				t.Errorf("status = %d, want %d (body %s)", status, tc.status, got)
			}
			switch tc.status {
			case 404, 405:
				if !strings.Contains(got, tc.want) {
					t.Errorf("body = %q, want it to contain %q", got, tc.want)
				}
				if tc.status == 405 && hdr.Get("Allow") != "POST" {
					t.Errorf("Allow = %q, want POST", hdr.Get("Allow"))
				}
			default:
				if got != tc.want+"\n" {
					t.Errorf("body = %s, want %s", got, tc.want)
				}
				if ct := hdr.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q, want application/json", ct)
				}
			}
			if sum, err := good.Add(context.Background(), 2, 3); err != nil || sum != 5 {
				t.Errorf("the next call failed: Add(2, 3) = %v, %v", sum, err)
			}
		})
	}
}
