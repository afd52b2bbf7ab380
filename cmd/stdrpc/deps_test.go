package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeanDependencies keeps the command on the standard library, and
// net/http and crypto/tls out of it:
// before every `go tool stdrpc` the go command hashes each package the tool
// links to check that it is up to date, so a directive in each package pays
// for each of them on every run. Check routes without net/http (see
// gen/check_pattern.go).
func TestLeanDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	// stdrpc requires no module: adding the tool to a go.mod adds nothing else.
	nonstd, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, p := range strings.Fields(string(nonstd)) {
		if !strings.HasPrefix(p, "github.com/stdrpc/stdrpc/") {
			t.Errorf("the command depends on %s: it links the standard library alone, so that stdrpc requires no module", p)
		}
	}
	for _, heavy := range []string{"net/http", "crypto/tls", "net"} {
		for _, d := range deps {
			if d == heavy {
				t.Errorf("the command depends on %s: that slows the start of every go tool stdrpc; keep it out of gen and cmd/stdrpc", heavy)
			}
		}
	}
}
