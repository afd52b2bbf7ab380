package stdhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// BenchmarkFloor is net/http's floor, for the record: a plain handler
// echoes pre-encoded bytes, and the client posts them and reads the
// answer, with nothing encoded or decoded on either side.
func BenchmarkFloor(b *testing.B) {
	p := testsvc.NewPayload()
	echo, _ := json.Marshal(p)
	for _, tt := range []struct {
		name string
		body []byte
	}{{"add", []byte(`{"a":2,"b":3}`)}, {"echo", echo}} {
		for _, par := range []bool{false, true} {
			name := tt.name + map[bool]string{false: "/1", true: "/64"}[par]
			b.Run(name, func(b *testing.B) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header()["Content-Type"] = []string{"application/json"}
					io.Copy(w, r.Body)
				}))
				defer srv.Close()
				hc := &http.Client{Transport: stdhttp.NewTransport()}
				post := func() error {
					resp, err := hc.Post(srv.URL+"/echo", "application/json", bytes.NewReader(tt.body))
					if err != nil {
						return err
					}
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					return err
				}
				b.ReportAllocs()
				if par {
					parallel(b, post)
				} else {
					serial(b, post)
				}
			})
		}
	}
}

// BenchmarkCompression echoes a compressible 64 KiB payload with and
// without compression, reporting the bytes each call puts on the wire.
func BenchmarkCompression(b *testing.B) {
	p := compressible()
	for _, on := range []bool{false, true} {
		b.Run(map[bool]string{false: "off", true: "gzip"}[on], func(b *testing.B) {
			var sopts []stdhttp.ServerOption
			var copts []stdhttp.ClientOption
			if on {
				sopts = append(sopts, stdhttp.WithCompression(1024))
				copts = append(copts, stdhttp.WithClientCompression(1024))
			}
			var wire atomic.Int64
			h := testsvc.NewTestHTTPHandler(&testsvc.Impl{}, sopts...)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				wire.Add(r.ContentLength)
				cw := &countingResponse{ResponseWriter: w, n: &wire}
				h.ServeHTTP(cw, r)
			}))
			defer srv.Close()
			copts = append(copts, stdhttp.WithHTTPClient(&http.Client{Transport: stdhttp.NewTransport()}))
			c := testsvc.NewTestHTTPClient(srv.URL, copts...)
			ctx := context.Background()
			if _, err := c.Echo(ctx, p); err != nil {
				b.Fatal(err)
			}
			wire.Store(0)
			b.ReportAllocs()
			serial(b, func() error { _, err := c.Echo(ctx, p); return err })
			b.ReportMetric(float64(wire.Load())/float64(b.N), "bodybytes/op")
		})
	}
}

// countingResponse counts the body bytes a handler writes.
type countingResponse struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w *countingResponse) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return w.ResponseWriter.Write(p)
}

func (w *countingResponse) Unwrap() http.ResponseWriter { return w.ResponseWriter }
