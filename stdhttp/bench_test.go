package stdhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// The benchmarks compare the generated client and server with what one
// would write by hand with net/http and encoding/json, over loopback, with
// the same transport settings on both sides.
//
//	go test ./stdhttp -run '^$' -bench . -benchmem

// handWritten is the standard-library baseline: a handler per method that
// decodes the JSON request and encodes the result, and a client that
// marshals, posts and decodes.
type handWritten struct {
	url string
	hc  *http.Client
}

func newHandWritten(b *testing.B) *handWritten {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ A, B int }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(req.A + req.B)
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		var p testsvc.Payload
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(p)
	})
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	return &handWritten{url: srv.URL, hc: &http.Client{Transport: stdhttp.NewTransport()}}
}

func (h *handWritten) call(path string, req, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	r, err := h.hc.Post(h.url+path, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer r.Body.Close()
	err = json.NewDecoder(r.Body).Decode(resp)
	io.Copy(io.Discard, r.Body)
	return err
}

func newGenerated(b *testing.B) testsvc.Test {
	srv := httptest.NewServer(testsvc.NewTestHTTPHandler(&testsvc.Impl{}))
	b.Cleanup(srv.Close)
	return testsvc.NewTestHTTPClient(srv.URL, stdhttp.WithHTTPClient(&http.Client{Transport: stdhttp.NewTransport()}))
}

// callers is the number of goroutines in the parallel benchmarks.
const callers = 64

func parallel(b *testing.B, f func() error) {
	b.SetParallelism((callers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := f(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func serial(b *testing.B, f func() error) {
	for b.Loop() {
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAdd(b *testing.B) {
	ctx := context.Background()
	b.Run("stdhttp", func(b *testing.B) {
		c := newGenerated(b)
		b.ReportAllocs()
		serial(b, func() error { _, err := c.Add(ctx, 2, 3); return err })
	})
	b.Run("handwritten", func(b *testing.B) {
		h := newHandWritten(b)
		b.ReportAllocs()
		serial(b, func() error {
			var sum int
			return h.call("/add", struct{ A, B int }{2, 3}, &sum)
		})
	})
}

func BenchmarkAddParallel64(b *testing.B) {
	ctx := context.Background()
	b.Run("stdhttp", func(b *testing.B) {
		c := newGenerated(b)
		b.ReportAllocs()
		parallel(b, func() error { _, err := c.Add(ctx, 2, 3); return err })
	})
	b.Run("handwritten", func(b *testing.B) {
		h := newHandWritten(b)
		b.ReportAllocs()
		parallel(b, func() error {
			var sum int
			return h.call("/add", struct{ A, B int }{2, 3}, &sum)
		})
	})
}

func BenchmarkEcho(b *testing.B) {
	ctx := context.Background()
	p := testsvc.NewPayload()
	b.Run("stdhttp", func(b *testing.B) {
		c := newGenerated(b)
		b.ReportAllocs()
		serial(b, func() error { _, err := c.Echo(ctx, p); return err })
	})
	b.Run("handwritten", func(b *testing.B) {
		h := newHandWritten(b)
		b.ReportAllocs()
		serial(b, func() error {
			var out testsvc.Payload
			return h.call("/echo", &p, &out)
		})
	})
}

func BenchmarkEchoParallel64(b *testing.B) {
	ctx := context.Background()
	p := testsvc.NewPayload()
	b.Run("stdhttp", func(b *testing.B) {
		c := newGenerated(b)
		b.ReportAllocs()
		parallel(b, func() error { _, err := c.Echo(ctx, p); return err })
	})
	b.Run("handwritten", func(b *testing.B) {
		h := newHandWritten(b)
		b.ReportAllocs()
		parallel(b, func() error {
			var out testsvc.Payload
			return h.call("/echo", &p, &out)
		})
	})
}
