package stdhttp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"iter"
	"net/http"
	"testing"

	"github.com/stdrpc/stdrpc/stdhttp"
)

// BenchmarkClientStream measures one client stream of b.N small items,
// over HTTP/1.1 and HTTP/2 without TLS, against the handler and io.Pipe
// client one would write by hand with encoding/json:
//
//	go test ./stdhttp -run '^$' -bench 'ClientStream|BidiPingPong' -benchmem
func BenchmarkClientStream(b *testing.B) {
	for _, p := range []duplexProto{duplexProtos[0], duplexProtos[2]} {
		b.Run(p.name+"/stdrpc", func(b *testing.B) {
			mux := http.NewServeMux()
			stdhttp.HandleClientStream(stdhttp.NewService(mux, "Dev"), "Sum", sum)
			url, hc := p.start(b, mux)
			c := stdhttp.NewClient(url, stdhttp.WithHTTPClient(hc))
			b.ReportAllocs()
			b.ResetTimer()
			var got summary
			if err := stdhttp.ClientStream(context.Background(), c, "/Dev/Sum", upTo(b.N), &got); err != nil || got.Count != b.N {
				b.Fatalf("%+v, %v", got, err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
		})
		b.Run(p.name+"/handwritten", func(b *testing.B) {
			mux := http.NewServeMux()
			mux.HandleFunc("POST /sum", func(w http.ResponseWriter, r *http.Request) {
				var s summary
				dec := json.NewDecoder(r.Body)
				for {
					var v reading
					if err := dec.Decode(&v); err == io.EOF {
						break
					} else if err != nil {
						http.Error(w, err.Error(), http.StatusBadRequest)
						return
					}
					s.Count++
					s.Total += v.N
				}
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(&s)
			})
			url, hc := p.start(b, mux)
			b.ReportAllocs()
			b.ResetTimer()
			pr, pw := io.Pipe()
			go func() {
				enc := json.NewEncoder(pw)
				for v := range upTo(b.N) {
					if enc.Encode(&v) != nil {
						return
					}
				}
				pw.Close()
			}()
			resp, err := hc.Post(url+"/sum", "application/x-ndjson", pr)
			if err != nil {
				b.Fatal(err)
			}
			defer resp.Body.Close()
			var got summary
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || got.Count != b.N {
				b.Fatalf("%+v, %v", got, err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
		})
	}
}

// BenchmarkBidiPingPong measures b.N round trips on one bidirectional
// stream, each item sent only after the answer to the one before arrived,
// against a full-duplex handler and client written by hand.
func BenchmarkBidiPingPong(b *testing.B) {
	for _, p := range []duplexProto{duplexProtos[0], duplexProtos[2]} {
		b.Run(p.name+"/stdrpc", func(b *testing.B) {
			mux := http.NewServeMux()
			stdhttp.HandleBidiStream(stdhttp.NewService(mux, "Dev"), "Echo", echo)
			url, hc := p.start(b, mux)
			c := stdhttp.NewClient(url, stdhttp.WithHTTPClient(hc))
			turn := make(chan int, 1)
			in := func(yield func(reading) bool) {
				for n := range turn {
					if !yield(reading{N: n}) {
						return
					}
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			turn <- 1
			n := 0
			for v, err := range stdhttp.BidiStream[reading, reading](context.Background(), c, "/Dev/Echo", iter.Seq[reading](in)) {
				if err != nil {
					b.Fatal(err)
				}
				if n++; v.N != 2*n {
					b.Fatalf("round trip %d: %d", n, v.N)
				}
				if n == b.N {
					close(turn)
				} else {
					turn <- n + 1
				}
			}
			if n != b.N {
				b.Fatalf("%d round trips, want %d", n, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
		})
		b.Run(p.name+"/handwritten", func(b *testing.B) {
			mux := http.NewServeMux()
			mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
				rc := http.NewResponseController(w)
				_ = rc.EnableFullDuplex()
				w.Header().Set("Content-Type", "application/x-ndjson")
				dec, enc := json.NewDecoder(r.Body), json.NewEncoder(w)
				for {
					var v reading
					if dec.Decode(&v) != nil {
						return
					}
					v.N *= 2
					if enc.Encode(&v) != nil || rc.Flush() != nil {
						return
					}
				}
			})
			url, hc := p.start(b, mux)
			b.ReportAllocs()
			b.ResetTimer()
			pr, pw := io.Pipe()
			enc := json.NewEncoder(pw)
			go enc.Encode(&reading{N: 1}) // the response begins with its answer
			req, _ := http.NewRequest(http.MethodPost, url+"/echo", pr)
			req.Header.Set("Content-Type", "application/x-ndjson")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			for n := 1; n <= b.N; n++ {
				if n > 1 {
					if err := enc.Encode(&reading{N: n}); err != nil {
						b.Fatal(err)
					}
				}
				var v reading
				if !sc.Scan() || json.Unmarshal(sc.Bytes(), &v) != nil || v.N != 2*n {
					b.Fatalf("round trip %d: %q %v", n, sc.Bytes(), sc.Err())
				}
			}
			pw.Close()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
		})
	}
}
