package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoTool runs the command as a user does: in a separate module that
// declares it a tool (the go.mod go get -tool writes, with a replace to this
// repository), through go generate and go tool; the output then vets.
func TestGoTool(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command in a separate module")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	repoMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	// The tool's own requirements come along, as go get -tool adds them.
	var goLine, requires string
	inRequire := false
	for line := range strings.Lines(string(repoMod)) {
		switch {
		case strings.HasPrefix(line, "go "):
			goLine = line
		case strings.HasPrefix(line, "require ("):
			inRequire = true
		case inRequire && strings.HasPrefix(line, ")"):
			inRequire = false
		case inRequire:
			requires += line
		case strings.HasPrefix(line, "require "):
			requires += "\t" + strings.TrimPrefix(line, "require ")
		}
	}
	dir := t.TempDir()
	gomod := "module example.com/tooluser\n\n" + goLine + "\ntool github.com/stdrpc/stdrpc/cmd/stdrpc\n\n" +
		"require (\n\tgithub.com/stdrpc/stdrpc v0.0.0\n" + requires + ")\n\n" +
		"replace github.com/stdrpc/stdrpc => " + filepath.ToSlash(root) + "\n"
	src := "package calc\n\n//go:generate go tool stdrpc\n" + strings.TrimPrefix(calculator, "package calc\n")
	for name, content := range map[string]string{"go.mod": gomod, "go.sum": string(sum), "calc.go": src} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"generate", "./..."}, {"vet", "./..."}, {"tool", "stdrpc", "-check"}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "calc_stdrpc.go")); err != nil {
		t.Errorf("go generate did not write calc_stdrpc.go: %v", err)
	}
}
