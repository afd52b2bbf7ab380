package stdhttp_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// Calls that add no headers of their own share one header map, and every
// call's values are shared slices; net/http must only read them. Under
// -race, concurrent calls over HTTP/1.1 and HTTP/2, with and without
// metadata and deadlines, show it does, and each request carries its own
// headers and no other call's.
func TestConcurrentCallHeaders(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "http1", true: "http2"}[h2], func(t *testing.T) {
			var mu sync.Mutex
			seen := map[string]int{} // the headers of each request, as one string
			h := testsvc.NewTestHTTPHandler(&testsvc.Impl{})
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				key := fmt.Sprintf("%s|%s|%s|%s|%s|%v", r.Proto[:6], r.Header.Get("Content-Type"), r.Header.Get("Accept"),
					r.Header.Get("Accept-Encoding"), r.Header.Get("X-Caller"), r.Header.Get(stdhttp.TimeoutHeader) != "")
				mu.Lock()
				seen[key]++
				mu.Unlock()
				h.ServeHTTP(w, r)
			}))
			srv.Config.ErrorLog = log.New(io.Discard, "", 0)
			hc := &http.Client{Transport: stdhttp.NewTransport()}
			if h2 {
				srv.EnableHTTP2 = true
				srv.StartTLS()
				hc = srv.Client()
			} else {
				srv.Start()
			}
			defer srv.Close()
			c := testsvc.NewTestHTTPClient(srv.URL, stdhttp.WithHTTPClient(hc))
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 25 {
						ctx := context.Background()
						if g%2 == 1 {
							ctx = stdrpc.WithOutgoing(ctx, stdrpc.Metadata{"X-Caller": {fmt.Sprint("g", g)}})
						}
						if i%2 == 1 {
							var cancel context.CancelFunc
							ctx, cancel = context.WithTimeout(ctx, time.Minute)
							defer cancel()
						}
						if sum, err := c.Add(ctx, g, i); err != nil || sum != g+i {
							t.Errorf("Add(%d, %d) = %d, %v", g, i, sum, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			proto := map[bool]string{false: "HTTP/1", true: "HTTP/2"}[h2]
			want := map[string]int{}
			for g := range 8 {
				caller := ""
				if g%2 == 1 {
					caller = fmt.Sprint("g", g)
				}
				for _, deadline := range []bool{false, true} {
					want[fmt.Sprintf("%s|application/json||gzip|%s|%v", proto, caller, deadline)] += 12 + map[bool]int{false: 1}[deadline]
				}
			}
			if fmt.Sprint(seen) != fmt.Sprint(want) {
				t.Errorf("requests by headers:\n%v\nwant\n%v", seen, want)
			}
		})
	}
}

// A client without WithClientCompression still asks for compressed
// results, as net/http's transport would, and reads them: results, and
// error pages a proxy compressed.
func TestCompressedResponsesWithoutClientOption(t *testing.T) {
	p := compressible()
	var mu sync.Mutex
	var encodings []string
	h := testsvc.NewTestHTTPHandler(&testsvc.Impl{}, stdhttp.WithCompression(1024))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		mu.Lock()
		encodings = append(encodings, w.Header().Get("Content-Encoding"))
		mu.Unlock()
	}))
	defer srv.Close()
	c := testsvc.NewTestHTTPClient(srv.URL, stdhttp.WithHTTPClient(&http.Client{Transport: stdhttp.NewTransport()}))
	got, err := c.Echo(context.Background(), p)
	if err != nil || string(got.Data) != string(p.Data) {
		t.Fatalf("Echo = %d bytes, %v; want the payload back", len(got.Data), err)
	}
	srv.Close() // the handler has returned
	if fmt.Sprint(encodings) != "[gzip]" {
		t.Errorf("the result went with Content-Encoding %q, want gzip", encodings)
	}

	page := strings.Repeat("upstream is down. ", 100)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("Accept-Encoding = %q, want gzip", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(http.StatusBadGateway)
		w.Write(gzipped(t, []byte(page)))
	}))
	defer proxy.Close()
	_, err = testsvc.NewTestHTTPClient(proxy.URL).Add(context.Background(), 1, 2)
	e := wantError(t, err, stdrpc.Unavailable, "")
	if want := "HTTP 502 Bad Gateway from POST " + proxy.URL + "/Test/Add: upstream is down."; !strings.HasPrefix(e.Message(), want) {
		t.Errorf("message = %q, want it to start with %q", e.Message(), want)
	}
}

// A transport with DisableCompression asks for nothing compressed.
func TestDisableCompressionHonored(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ae := r.Header.Get("Accept-Encoding"); ae != "" {
			t.Errorf("Accept-Encoding = %q, want none", ae)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "3")
	}))
	defer srv.Close()
	tr := stdhttp.NewTransport()
	tr.DisableCompression = true
	c := testsvc.NewTestHTTPClient(srv.URL, stdhttp.WithHTTPClient(&http.Client{Transport: tr}))
	if sum, err := c.Add(context.Background(), 1, 2); err != nil || sum != 3 {
		t.Errorf("Add = %d, %v", sum, err)
	}
}
