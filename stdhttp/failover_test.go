package stdhttp_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// flaky answers the first failures requests with status, as a proxy whose
// upstream restarts would, and serves the rest.
func flaky(t *testing.T, failures int64, status int) (url string, requests *atomic.Int64) {
	t.Helper()
	h := testsvc.NewTestHTTPHandler(&testsvc.Impl{})
	requests = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) <= failures {
			w.WriteHeader(status)
			io.WriteString(w, "<html>upstream restarting</html>")
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, requests
}

func TestIdempotentCallRetried(t *testing.T) {
	for _, status := range []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		url, requests := flaky(t, 2, status)
		c := stdhttp.NewClient(url)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var sum int
		err := c.Call(ctx, "/Test/Add", &testsvc.TestAddRequest{A: 2, B: 3}, &sum, stdhttp.Idempotent())
		cancel()
		if err != nil || sum != 5 {
			t.Fatalf("idempotent call behind two %ds: %d, %v", status, sum, err)
		}
		if n := requests.Load(); n != 3 {
			t.Fatalf("idempotent call behind two %ds: %d requests, want 3", status, n)
		}
	}
}

func TestPlainCallNotRetried(t *testing.T) {
	url, requests := flaky(t, 1, http.StatusBadGateway)
	err := stdhttp.NewClient(url).Call(context.Background(), "/Test/Add", &testsvc.TestAddRequest{A: 2, B: 3}, nil)
	if stdrpc.CodeOf(err) != stdrpc.Unavailable || requests.Load() != 1 {
		t.Fatalf("a plain call behind a 502: %v after %d requests, want unavailable after 1", err, requests.Load())
	}
}

func TestRetryBudget(t *testing.T) {
	url, requests := flaky(t, 1000, http.StatusServiceUnavailable)
	// Four tokens: retries stop once the bucket is down to half.
	c := stdhttp.NewClient(url, stdhttp.WithRetryBudget(4))
	for range 5 {
		err := c.Call(context.Background(), "/Test/Ping", struct{}{}, nil, stdhttp.Idempotent())
		if stdrpc.CodeOf(err) != stdrpc.Unavailable {
			t.Fatalf("a call to a failing server: %v, want unavailable", err)
		}
	}
	if n := requests.Load(); n != 5+2 {
		t.Fatalf("5 calls to a failing server made %d requests, want 5 and the budget's 2 retries", n)
	}
}

func TestRetryWithinDeadline(t *testing.T) {
	url, _ := flaky(t, 1000, http.StatusServiceUnavailable)
	c := stdhttp.NewClient(url)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Call(ctx, "/Test/Ping", struct{}{}, nil, stdhttp.Idempotent())
	if err == nil || time.Since(start) > 150*time.Millisecond {
		t.Fatalf("retries against a failing server: %v after %v, want a failure by the 100ms deadline", err, time.Since(start))
	}
}

func TestBaseURLWithoutScheme(t *testing.T) {
	for base, want := range map[string]string{
		"localhost:8080":  `stdhttp: base URL "localhost:8080" has no scheme: write it in full, such as "http://localhost:8080"`,
		"//example.com":   `stdhttp: base URL "//example.com" has no scheme: write it in full, such as "http://example.com"`,
		"ftp://host/x":    `stdhttp: base URL "ftp://host/x": the scheme must be http or https`,
		"http:///nothost": `stdhttp: base URL "http:///nothost" has no host`,
	} {
		func() {
			defer func() {
				if got := recover(); got != want {
					t.Errorf("NewClient(%q) panicked with %v, want %s", base, got, want)
				}
			}()
			testsvc.NewTestHTTPClient(base)
		}()
	}
}

func TestHealthShutdown(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	health := stdhttp.Health()
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", health)
	testsvc.RegisterTestHTTP(mux, &testsvc.Impl{})
	srv := stdhttp.NewServer("", health.Wrap(mux))
	go srv.Serve(lis)
	base := "http://" + lis.Addr().String()

	if code, _, body := do(t, "GET", base+"/healthz", nil); code != 200 || body != "serving\n" {
		t.Fatalf("health while serving: %d %q", code, body)
	}
	done := make(chan error, 1)
	go func() { done <- health.Shutdown(context.Background(), srv, 300*time.Millisecond) }()
	time.Sleep(50 * time.Millisecond)

	// During the delay: not ready, still serving, and every response
	// closes its connection so that no proxy keeps one to reuse.
	code, _, body := do(t, "GET", base+"/healthz", nil)
	if code != 503 || body != "shutting down\n" {
		t.Fatalf("health during the drain delay: %d %q, want 503", code, body)
	}
	resp, err := http.Post(base+"/Test/Add", "application/json", strings.NewReader(`{"a":2,"b":3}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != "5" || !resp.Close {
		t.Fatalf("a call during the drain delay: %d %q, closing %v; want 5 with Connection: close", resp.StatusCode, b, resp.Close)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := net.Dial("tcp", lis.Addr().String()); err == nil {
		t.Fatal("the listener still accepts after Shutdown")
	}
}
