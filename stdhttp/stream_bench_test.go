package stdhttp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stdrpc/stdrpc/internal/feedsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// BenchmarkStream measures one stream of b.N small items, each flushed to
// the network as it is produced, against the NDJSON handler and
// bufio.Scanner client one would write by hand:
//
//	go test ./stdhttp -run '^$' -bench Stream -benchmem
func BenchmarkStream(b *testing.B) {
	type countRequest struct {
		N int `json:"n"`
	}
	count := func(n int) iter.Seq2[feedsvc.Tick, error] {
		return func(yield func(feedsvc.Tick, error) bool) {
			for i := range n {
				if !yield(feedsvc.Tick{N: i, Note: "tick"}, nil) {
					return
				}
			}
		}
	}

	b.Run("stdrpc", func(b *testing.B) {
		mux := http.NewServeMux()
		s := stdhttp.NewService(mux, "Bench")
		stdhttp.HandleStream(s, "Count", func(ctx context.Context, req *countRequest) iter.Seq2[feedsvc.Tick, error] {
			return count(req.N)
		})
		srv := httptest.NewServer(mux)
		defer srv.Close()
		c := stdhttp.NewClient(srv.URL)
		b.ReportAllocs()
		b.ResetTimer()
		n := 0
		for _, err := range stdhttp.Stream[feedsvc.Tick](context.Background(), c, "/Bench/Count", &countRequest{N: b.N}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != b.N {
			b.Fatalf("%d items, want %d", n, b.N)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
	})

	b.Run("handwritten", func(b *testing.B) {
		mux := http.NewServeMux()
		mux.HandleFunc("POST /count", func(w http.ResponseWriter, r *http.Request) {
			var req countRequest
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/x-ndjson")
			enc := json.NewEncoder(w)
			rc := http.NewResponseController(w)
			for t := range count(req.N) {
				if enc.Encode(t) != nil || rc.Flush() != nil {
					return
				}
			}
		})
		srv := httptest.NewServer(mux)
		defer srv.Close()
		hc := &http.Client{Transport: stdhttp.NewTransport()}
		b.ReportAllocs()
		b.ResetTimer()
		resp, err := hc.Post(srv.URL+"/count", "application/json",
			bytes.NewReader([]byte(`{"n":`+strconv.Itoa(b.N)+`}`)))
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		n := 0
		for sc.Scan() {
			var t feedsvc.Tick
			if err := json.Unmarshal(sc.Bytes(), &t); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if err := sc.Err(); err != nil || n != b.N {
			b.Fatalf("%d items, want %d (%v)", n, b.N, err)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
	})
}
