package stdhttp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// canned is a transport that answers every request with one response.
type canned struct {
	status int
	body   string
}

func (c canned) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return &http.Response{
		StatusCode:    c.status,
		Header:        http.Header{"Location": {"/elsewhere"}},
		Body:          io.NopCloser(strings.NewReader(c.body)),
		ContentLength: int64(len(c.body)),
		Request:       r,
	}, nil
}

// FuzzErrorBody feeds the client arbitrary error responses: every one must
// become a *stdrpc.Error with a real code, a stdrpc error body must keep its
// code and message, and anything else must be quoted within bounds.
func FuzzErrorBody(f *testing.F) {
	f.Add(404, `{"code":"not_found","message":"user 7"}`)
	f.Add(500, `{"code":"internal"}`)
	f.Add(400, `{"code":"ok","message":"not an error"}`)
	f.Add(400, `{"code":7,"message":"someone else's"}`)
	f.Add(409, `{"code":"aborted","message":"\u00e9\ud800"}`)
	f.Add(502, "<html><body>Bad Gateway</body></html>")
	f.Add(503, "\xff\xfe\x00 binary \x1b[31m")
	f.Add(307, "")
	f.Add(599, `null`)
	f.Add(100, `{"code":"unavailable","message":"x"} trailing`)
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 100 || status > 999 || status == http.StatusOK {
			return
		}
		c := stdhttp.NewClient("http://stdrpc.invalid", stdhttp.WithHTTPClient(&http.Client{Transport: canned{status, body}}))
		err := c.Call(context.Background(), "/Test/Add", struct{}{}, nil)
		var e *stdrpc.Error
		if !errors.As(err, &e) {
			t.Fatalf("error %#v is not a *stdrpc.Error", err)
		}
		if e.Code() == stdrpc.OK || e.Code() > stdrpc.Unauthenticated {
			t.Fatalf("code %v is not an error code", e.Code())
		}
		if strings.HasPrefix(e.Message(), "HTTP ") {
			// A foreign body: the status, the request, at most 512 bytes of
			// the body, as one line of valid UTF-8.
			if len(e.Message()) > 200+512 {
				t.Fatalf("message is %d bytes long", len(e.Message()))
			}
			if !utf8.ValidString(e.Message()) || strings.ContainsAny(e.Message(), "\n\r\x00") {
				t.Fatalf("message %q is not one clean line", e.Message())
			}
			if e.Code() != stdhttp.CodeFromHTTPStatus(status) && e.Code() != stdrpc.Unknown {
				t.Fatalf("code %v, want %v from status %d", e.Code(), stdhttp.CodeFromHTTPStatus(status), status)
			}
		}
	})
}
