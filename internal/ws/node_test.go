package ws

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/internal/testenv"
)

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

// echoServer serves what the outside clients drive: /echo sends every
// message back (up to 2 MiB each), /close says hi and closes with 4002.
// ends gets how each /echo connection's reading ended. routes, if not nil,
// adds others.
func echoServer(t *testing.T, o Options, routes func(*http.ServeMux)) (srv *httptest.Server, ends <-chan error) {
	t.Helper()
	ch := make(chan error, 32)
	mux := http.NewServeMux()
	o.MaxMessageBytes = 2 << 20
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, o)
		if err != nil {
			return
		}
		ch <- echo(r.Context(), c)
	})
	mux.HandleFunc("/close", func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, o)
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), testTimeout)
		defer cancel()
		c.WriteMessage(ctx, Text, []byte("hi"))
		c.Close(4002, "server says bye")
	})
	if routes != nil {
		routes(mux)
	}
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, ch
}

type nodeSeen struct {
	Messages []struct {
		Binary bool
		Length int
		SHA256 string
		Text   string
	}
	Pongs []string
	Close struct {
		Code   int
		Reason string
	}
}

// The ws npm package, a client nobody here wrote, exchanges messages
// with the server, plain, large and fragmented, pings it, and sees the
// codes it closes with: 1009 for a message over the limit (in one frame or
// across fragments), 1007 for text not UTF-8, the server's own code, and
// 403 for a page of another origin.
func TestNodeWSClient(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node")
	}
	node := testenv.LookPath(t, "apt-get install nodejs", "node")
	modules := nodeModules(t)
	srv, ends := echoServer(t, Options{}, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "wsclient.js"), wsURL(srv))
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.Bytes())
	}
	var got struct {
		Echo, TooBig, TooBigInFragments, BadUTF8, ServerCloses nodeSeen
		OtherOrigin                                            int
		SameOrigin                                             any
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node printed %q: %v", out, err)
	}

	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	want := []struct {
		binary bool
		data   []byte
	}{
		{false, []byte("héllo ✓")},
		{true, []byte{0, 1, 2, 255}},
		{false, bytes.Repeat([]byte("x"), 70000)},
		{true, bytes.Repeat([]byte{7}, 1<<20)},
		{false, []byte("frag-mented ✓")},
		{true, bytes.Repeat([]byte{9}, 600000)},
		{false, []byte{}},
	}
	if len(got.Echo.Messages) != len(want) {
		t.Fatalf("node got %d messages back, want %d: %+v", len(got.Echo.Messages), len(want), got.Echo.Messages)
	}
	for i, w := range want {
		m := got.Echo.Messages[i]
		if m.Binary != w.binary || m.Length != len(w.data) || m.SHA256 != sum(w.data) {
			t.Errorf("message %d came back as binary %v, %d bytes; want binary %v, %d bytes, the same bytes", i, m.Binary, m.Length, w.binary, len(w.data))
		}
	}
	if strings.Join(got.Echo.Pongs, ",") != "between fragments,p1" {
		t.Errorf("pongs %q, want each ping's payload back", got.Echo.Pongs)
	}
	if c := got.Echo.Close; c.Code != 1000 {
		t.Errorf("node's close answered with %+v, want 1000", c)
	}
	for name, c := range map[string]struct {
		seen nodeSeen
		code int
	}{
		"too big": {got.TooBig, 1009}, "too big in fragments": {got.TooBigInFragments, 1009},
		"text not UTF-8": {got.BadUTF8, 1007}, "server closes": {got.ServerCloses, 4002},
	} {
		if c.seen.Close.Code != c.code {
			t.Errorf("%s: node saw close %+v, want %d", name, c.seen.Close, c.code)
		}
	}
	if r := got.TooBig.Close.Reason; !strings.Contains(r, "limit") {
		t.Errorf("a message over the limit closed with reason %q", r)
	}
	if m := got.ServerCloses.Messages; len(m) != 1 || m[0].Text != "hi" || got.ServerCloses.Close.Reason != "server says bye" {
		t.Errorf("from the closing server node saw %+v, closed %+v", m, got.ServerCloses.Close)
	}
	if got.OtherOrigin != http.StatusForbidden {
		t.Errorf("a page of another origin got %d, want 403", got.OtherOrigin)
	}
	if got.SameOrigin != "open" {
		t.Errorf("a page of the server's own origin got %v, want the socket open", got.SameOrigin)
	}

	// How the server's reads ended: node's closes, and the server's own.
	var codes []StatusCode
	for range 5 { // the connections to /echo
		select {
		case err := <-ends:
			codes = append(codes, CloseStatus(err))
			var ce *CloseError
			if errors.As(err, &ce) && ce.Code == StatusNormalClosure && ce.Reason != "bye" {
				t.Errorf("node's close reached the server as %v, want its reason bye", err)
			}
		case <-time.After(testTimeout):
			t.Fatalf("the server's reads ended %v, and no more", codes)
		}
	}
	for _, code := range []StatusCode{1000, 1009, 1009, 1007, 4000} {
		found := false
		for i, c := range codes {
			if c == code {
				codes = append(codes[:i], codes[i+1:]...)
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no server read ended with %v", code)
		}
	}
}
