package stdhttp_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// compressible returns a Payload of about 64 KiB that compresses well.
func compressible() testsvc.Payload {
	p := testsvc.NewPayload()
	var b strings.Builder
	for i := 0; b.Len() < 64<<10; i++ {
		fmt.Fprintf(&b, `{"id":%d,"name":"item-%d","state":"active","owner":"team-%d"}`+"\n", i, i, i%7)
	}
	p.Data = []byte(b.String()[:64<<10])
	return p
}

// wireLog records the encoding and size of what crosses the wire.
type wireLog struct {
	mu   sync.Mutex
	reqs []string // "gzip 1234" or " 1234"
	resp []string
}

func (l *wireLog) handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.reqs = append(l.reqs, fmt.Sprintf("%s %d", r.Header.Get("Content-Encoding"), r.ContentLength))
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (l *wireLog) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := stdhttp.NewTransport().RoundTrip(r)
	if err == nil {
		l.mu.Lock()
		l.resp = append(l.resp, fmt.Sprintf("%s %d", resp.Header.Get("Content-Encoding"), resp.ContentLength))
		l.mu.Unlock()
	}
	return resp, err
}

func TestHTTPCompression(t *testing.T) {
	p := compressible()
	var log wireLog
	srv := httptest.NewServer(log.handler(testsvc.NewTestHTTPHandler(&testsvc.Impl{}, stdhttp.WithCompression(1024))))
	defer srv.Close()
	c := testsvc.NewTestHTTPClient(srv.URL, stdhttp.WithHTTPClient(&http.Client{Transport: &log}), stdhttp.WithClientCompression(1024))
	for range 2 {
		got, err := c.Echo(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Data, p.Data) {
			t.Fatal("the echo differs from the payload")
		}
	}
	if sum, err := c.Add(context.Background(), 2, 3); err != nil || sum != 5 {
		t.Fatalf("Add = %d, %v", sum, err)
	}
	t.Logf("requests %q, responses %q", log.reqs, log.resp)
	// The first request goes as it is: the client does not know yet that
	// the server takes compressed ones. Small messages always do.
	for i, want := range []string{"", "gzip", ""} {
		enc, size, _ := strings.Cut(log.reqs[i], " ")
		if enc != want || want == "gzip" && len(size) > 4 {
			t.Errorf("request %d went as %q, want encoding %q and under 10 KB", i, log.reqs[i], want)
		}
		enc, size, _ = strings.Cut(log.resp[i], " ")
		if want := map[bool]string{true: "gzip", false: ""}[i < 2]; enc != want || want == "gzip" && len(size) > 4 {
			t.Errorf("response %d came as %q, want encoding %q and under 10 KB", i, log.resp[i], want)
		}
	}
}

func gzipped(t *testing.T, b []byte) []byte {
	var out bytes.Buffer
	w, _ := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func postGzip(t *testing.T, url string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHTTPCompressedRequests(t *testing.T) {
	p := compressible()
	body, _ := json.Marshal(p)
	on := httptest.NewServer(testsvc.NewTestHTTPHandler(&testsvc.Impl{}, stdhttp.WithCompression(1024), stdhttp.WithMaxBodyBytes(1<<20)))
	defer on.Close()
	off := httptest.NewServer(testsvc.NewTestHTTPHandler(&testsvc.Impl{}))
	defer off.Close()

	if status, _ := postGzip(t, on.URL+"/Test/Echo", gzipped(t, body)); status != 200 {
		t.Fatalf("a compressed request: %d", status)
	}
	status, msg := postGzip(t, off.URL+"/Test/Echo", gzipped(t, body))
	if status != http.StatusUnsupportedMediaType || !strings.Contains(msg, "Content-Encoding gzip is not accepted by this server") {
		t.Fatalf("a compressed request to a server without the option: %d %s", status, msg)
	}
	status, msg = postGzip(t, on.URL+"/Test/Echo", []byte("not gzip"))
	if status != http.StatusBadRequest || !strings.Contains(msg, "invalid_argument") {
		t.Fatalf("a corrupt compressed request: %d %s", status, msg)
	}

	// A bomb: 1 GiB of zeros in about 1 MB is refused once the limit's
	// worth is decompressed.
	var z bytes.Buffer
	w, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range 1 << 10 {
		w.Write(zeros)
	}
	w.Close()
	status, msg = postGzip(t, on.URL+"/Test/Echo", z.Bytes())
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(msg, stdrpc.ResourceExhausted.String()) {
		t.Fatalf("a bomb: %d %s", status, msg)
	}
}

// An error response whose body is marked gzip but is not (a proxy's page,
// mislabelled) keeps its status's code, and its message says so instead
// of showing what is left of the body after the failed header.
func TestHTTPErrorBodyMarkedGzipButNot(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>upstream is restarting; see the runbook</html>")
	}))
	defer srv.Close()
	c := testsvc.NewTestHTTPClient(srv.URL, stdhttp.WithClientCompression(1024))
	_, err := c.Add(context.Background(), 2, 3)
	if stdrpc.CodeOf(err) != stdrpc.Unavailable || !strings.Contains(err.Error(), "HTTP 502 Bad Gateway") ||
		!strings.Contains(err.Error(), "marked gzip but does not decompress") || strings.Contains(err.Error(), "runbook") {
		t.Errorf("Add = %v; want unavailable, naming the 502 and the body that does not decompress", err)
	}
}
