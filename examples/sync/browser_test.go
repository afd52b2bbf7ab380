package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/internal/testenv"
)

// TestBrowsersAndNode syncs three devices on one hub, each on a
// bidirectional stream of its own over a WebSocket: two pages in headless
// Chromium (two browsers), using the example's page through its form, and
// a client written on the ws npm package. Once all three have the list,
// each adds an item, and each must then see the other two's items arrive.
func TestBrowsersAndNode(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Chromium and node")
	}
	node := testenv.LookPath(t, "apt-get install nodejs", "node")
	modules := nodeModules(t)
	driver, err := os.ReadFile(filepath.Join("testdata", "driver.html"))
	if err != nil {
		t.Fatal(err)
	}
	devices := []string{"page1", "page2", "node"}
	var want []string
	for _, d := range devices {
		want = append(want, "from "+d)
	}

	// /live?name=D holds each device until every device has the list, so
	// that the items are seen as edits, not in the list a late device gets.
	var mu sync.Mutex
	live, allLive := map[string]bool{}, make(chan struct{})
	reports := make(chan [2]string, len(devices))
	mux := http.NewServeMux()
	mux.Handle("/", newHandler(newHub()))
	mux.HandleFunc("GET /test", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(driver)
	})
	mux.HandleFunc("GET /live", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if !live[r.FormValue("name")] {
			live[r.FormValue("name")] = true
			if len(live) == len(devices) {
				close(allLive)
			}
		}
		mu.Unlock()
		select {
		case <-allLive:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("POST /report", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		reports <- [2]string{r.FormValue("name"), string(b)}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	wantList := strings.Join(want, ",")
	for _, page := range devices[:2] {
		testenv.Chromium(t, srv.URL+"/test?name="+page+"&want="+wantList)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "wsclient.js"),
		"ws"+strings.TrimPrefix(srv.URL, "http")+"/List/Sync", srv.URL, wantList)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	go func() {
		out, err := cmd.Output()
		if err != nil {
			out = append(out, " ("+err.Error()+")"...)
		}
		reports <- [2]string{"node", string(out)}
	}()

	sorted := slices.Sorted(slices.Values(want))
	seen := map[string]bool{}
	for len(seen) < len(devices) {
		select {
		case r := <-reports:
			name, text := r[0], r[1]
			seen[name] = true
			var got struct {
				Error string
				Items []string
			}
			if err := json.Unmarshal([]byte(strings.TrimSpace(text)), &got); err != nil {
				t.Errorf("%s reported %q: %v", name, text, err)
				continue
			}
			slices.Sort(got.Items)
			if got.Error != "" || !slices.Equal(got.Items, sorted) {
				t.Errorf("%s saw %q (%s), want %q", name, got.Items, got.Error, sorted)
			}
		case <-ctx.Done():
			t.Fatalf("only %v reported; the others did not see every item", seen)
		}
	}
}

// installWS is how a developer or CI gets the ws npm package.
const installWS = "npm install --prefix .ci/node ws"

// nodeModules returns the node_modules holding the ws package: the
// repository's .ci/node, where .ci/run installs it.
func nodeModules(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", ".ci", "node", "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ws", "package.json")); err != nil {
		testenv.Missing(t, "the ws npm package", installWS, err)
	}
	return dir
}
