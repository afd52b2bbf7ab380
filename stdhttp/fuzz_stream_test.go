package stdhttp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/feedsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// cannedStream is a transport that answers every request with a 200 NDJSON
// stream holding body.
type cannedStream string

func (c cannedStream) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/x-ndjson"}},
		Body:       io.NopCloser(strings.NewReader(string(c))),
		Request:    r,
	}, nil
}

// FuzzStreamLines feeds the client arbitrary NDJSON streams. Whatever the
// bytes, the stream must end with at most one error, as its last value,
// a *stdrpc.Error with a real code; and it must never end as a success
// unless the server said it was complete.
func FuzzStreamLines(f *testing.F) {
	f.Add(`{"result":{"n":1,"note":"a"}}` + "\n" + `{"end":true}` + "\n")
	f.Add(`{"result":{"n":1}}` + "\n" + `{"error":{"code":"not_found","message":"gone"}}` + "\n")
	f.Add(`{"result":{"n":1}}` + "\n")
	f.Add(`{"result":{"n":1}}` + "\r\n\r\n" + `{ "result" : null , "x":1}` + "\n" + `{"end":true}`)
	f.Add(`{"result":{"n":1},"error":{"code":"aborted"}}` + "\n")
	f.Add(`{"result":{"n":"one"}}` + "\n" + `{"end":true}` + "\n")
	f.Add(`{"result":1}` + "\n")
	f.Add(`{"error":{"code":"ok"}}` + "\n")
	f.Add(`{"error":"text"}` + "\n")
	f.Add(`{"future":1}` + "\n" + `{"end":true}` + "\n")
	f.Add(`[1,2]` + "\n")
	f.Add(`{"result":{"note":"` + strings.Repeat("x", 80) + `"}}` + "\n")
	f.Fuzz(func(t *testing.T, body string) {
		const limit = 64
		c := stdhttp.NewClient("http://stdrpc.invalid",
			stdhttp.WithHTTPClient(&http.Client{Transport: cannedStream(body)}),
			stdhttp.WithMaxLineBytes(limit))
		var (
			items int
			last  error
		)
		for _, err := range stdhttp.Stream[feedsvc.Tick](context.Background(), c, "/Feed/Ticks", nil) {
			if last != nil {
				t.Fatalf("a value after the error %v", last)
			}
			if err == nil {
				items++
				continue
			}
			last = err
			var e *stdrpc.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %#v is not a *stdrpc.Error", err)
			}
			if e.Code() == stdrpc.OK || e.Code() > stdrpc.Unauthenticated {
				t.Fatalf("code %v is not an error code", e.Code())
			}
		}
		lines := strings.Split(body, "\n")
		if items > len(lines) {
			t.Fatalf("%d items from %d lines", items, len(lines))
		}
		if last == nil && !strings.Contains(body, `"end"`) {
			t.Fatalf("a stream without an end line ended as a success")
		}
		if stdrpc.CodeOf(last) == stdrpc.ResourceExhausted {
			long := false
			for _, l := range lines {
				long = long || len(l) > limit
			}
			if !long {
				t.Fatalf("resource_exhausted with no line over %d bytes", limit)
			}
		}
	})
}
