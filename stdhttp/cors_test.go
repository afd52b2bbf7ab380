package stdhttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/internal/testenv"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// corsServer serves testsvc's routes and a JSON-RPC endpoint at /rpc, with
// opts.
func corsServer(t *testing.T, opts ...stdhttp.ServerOption) string {
	mux := http.NewServeMux()
	testsvc.RegisterTestHTTP(mux, &testsvc.Impl{}, opts...)
	j := stdhttp.NewJSONRPC(opts...)
	testsvc.RegisterTestJSONRPC(j, &testsvc.Impl{})
	mux.Handle("/rpc", j)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestCORSPreflight asks as a browser does before it sends JSON to another
// origin, with and without WithCORS.
func TestCORSPreflight(t *testing.T) {
	on := corsServer(t, stdhttp.WithCORS(stdhttp.CORS{Origins: []string{"http://app.test"}, Headers: []string{"Authorization"}}))
	off := corsServer(t)
	for _, c := range []struct {
		name, url, path, origin, method string
		allowOrigin, allowMethods       string
	}{
		{"allowed", on, "/Test/Add", "http://app.test", "POST", "http://app.test", "POST"},
		{"route", on, "/divide/7/2", "http://app.test", "GET", "http://app.test", "GET"},
		{"jsonrpc", on, "/rpc", "http://app.test", "POST", "http://app.test", "POST"},
		{"other origin", on, "/Test/Add", "http://evil.test", "POST", "", ""},
		{"wrong method", on, "/Test/Add", "http://app.test", "DELETE", "http://app.test", ""},
		{"off", off, "/Test/Add", "http://app.test", "POST", "", ""},
	} {
		req, _ := http.NewRequest(http.MethodOptions, c.url+c.path, nil)
		req.Header.Set("Origin", c.origin)
		req.Header.Set("Access-Control-Request-Method", c.method)
		req.Header.Set("Access-Control-Request-Headers", "content-type,authorization")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if got := h.Get("Access-Control-Allow-Origin"); got != c.allowOrigin {
			t.Errorf("%s: Allow-Origin %q, want %q", c.name, got, c.allowOrigin)
		}
		if got := h.Get("Access-Control-Allow-Methods"); got != c.allowMethods {
			t.Errorf("%s: Allow-Methods %q, want %q", c.name, got, c.allowMethods)
		}
		if c.allowMethods != "" && h.Get("Access-Control-Allow-Headers") != "Content-Type, Accept, Stdrpc-Timeout-Ms, Authorization" {
			t.Errorf("%s: Allow-Headers %q", c.name, h.Get("Access-Control-Allow-Headers"))
		}
		if c.name == "off" && resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("off: status %d, want 405", resp.StatusCode)
		}
	}
}

// TestCORSBrowser has a page on one origin call a service on another from
// headless Chromium: answered with WithCORS, refused without it.
func TestCORSBrowser(t *testing.T) {
	chromium := testenv.LookPath(t, "apt-get install chromium", "chromium", "chromium-browser", "google-chrome")
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api := r.URL.Query().Get("api")
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><title>cors</title><body><script>
const show = s => { const p = document.createElement("p"); p.id = "out"; p.textContent = s; document.body.append(p) };
Promise.all([
  fetch(%q + "/Test/Add", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({a: 2, b: 3})}).then(r => r.json()),
  fetch(%q + "/rpc", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({jsonrpc: "2.0", method: "Test.Add", params: [4, 5], id: 1})}).then(r => r.json()).then(v => v.result),
]).then(v => show("answered " + v.join(" ")), e => show("refused " + e.name));
</script>`, api, api)
	}))
	defer page.Close()
	for _, c := range []struct {
		name string
		opts []stdhttp.ServerOption
		want string
	}{
		{"with CORS", []stdhttp.ServerOption{stdhttp.WithCORS(stdhttp.CORS{Origins: []string{page.URL}})}, "answered 5 9"},
		{"without", nil, "refused TypeError"},
	} {
		api := corsServer(t, c.opts...)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		out, err := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
			"--user-data-dir="+t.TempDir(), "--virtual-time-budget=10000", "--dump-dom",
			page.URL+"/?api="+api).Output()
		cancel()
		if err != nil {
			t.Fatalf("%s: chromium: %v", c.name, err)
		}
		if !strings.Contains(string(out), `<p id="out">`+c.want+`</p>`) {
			t.Errorf("%s: the page shows\n%s\nwant %q", c.name, out, c.want)
		}
	}
}

// TestUnrouted answers an unknown method and a wrong verb under a
// service's prefix with the JSON error body.
func TestUnrouted(t *testing.T) {
	url := corsServer(t)
	for _, c := range []struct{ method, path, want, allow string }{
		{"POST", "/Test/Nope", `{"code":"unimplemented","message":"service Test has no method \"Nope\""}`, ""},
		{"GET", "/Test/Add", `{"code":"unimplemented","message":"GET /Test/Add is not served; use POST"}`, "POST"},
	} {
		status, body, resp := rpcPost(t, c.method, url+c.path, "")
		want := 404
		if c.allow != "" {
			want = 405
		}
		if status != want || body != c.want || resp.Header.Get("Allow") != c.allow || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: %d %s (Allow %q)", c.method, c.path, status, body, resp.Header.Get("Allow"))
		}
	}
}
