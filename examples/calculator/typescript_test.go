package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/internal/testenv"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// installTS is how a developer or CI gets the TypeScript tools.
const installTS = "npm install --prefix .ci/node openapi-typescript typescript"

// nodeTool returns the path of an npm package's command: from the repository's
// .ci/node, where .ci/run installs it, or else from PATH.
func nodeTool(t *testing.T, name string) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, ".ci", "node", "node_modules", ".bin", name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return testenv.LookPath(t, installTS, name)
}

// A TypeScript client written against types that openapi-typescript
// generates from the document the running server serves type-checks with
// tsc, and, run by Node, calls the server: the generic route, a REST route
// with a path and a query parameter, and one whose error body carries its
// code.
func TestTypeScriptClient(t *testing.T) {
	if testing.Short() {
		t.Skip("runs openapi-typescript, tsc and node")
	}
	node := testenv.LookPath(t, "apt-get install nodejs (Node 20 or newer, for its fetch)", "node")
	openapiTS := nodeTool(t, "openapi-typescript")
	tsc := nodeTool(t, "tsc")

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := stdhttp.NewServer(lis.Addr().String(), NewCalculatorHTTPHandler(calculator{}, stdhttp.WithOpenAPI()))
	go srv.Serve(lis)
	defer srv.Close()
	base := "http://" + lis.Addr().String()

	// The document, as a client's developer would fetch it.
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(base + "/Calculator/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /Calculator/openapi.json: status %d, %v", resp.StatusCode, err)
	}

	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("openapi.json", doc)
	for _, name := range []string{"client.mjs", "node.d.ts"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		write(name, b)
	}
	// Each tool gets a minute: a client that hangs fails the test.
	run := func(name string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "NO_COLOR=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run(openapiTS, "openapi.json", "-o", "api.d.ts")
	run(tsc, "--noEmit", "--strict", "--allowJs", "--checkJs",
		"--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler", "--lib", "es2022,dom",
		"client.mjs", "node.d.ts", "api.d.ts")
	got := run(node, "client.mjs", base)
	want := `POST /Calculator/Add {"a":2,"b":3}: 200 5
GET /add/40?b=2: 200 42
GET /divide/7/2: 200 quo 3 rem 1
GET /divide/1/0: 400 code invalid_argument message "divide 1 by zero"
`
	if got != want {
		t.Errorf("node client.mjs printed:\n%s\nwant:\n%s", got, want)
	}
}
