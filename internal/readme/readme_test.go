package readme

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestUseItInYourModule builds the README's module from nothing: the
// section's shell block (with the repository standing in for the clone it
// makes), its Go block as main.go, then the console block's commands,
// whose output must be what the README shows.
func TestUseItInYourModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module and the command with the go command")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := sectionOf(t, string(readme), "## Use it in your module")
	blocks := codeBlocks(section)
	setup := only(t, blocks, "sh", "")
	program := only(t, blocks, "go", "")
	run := only(t, blocks, "console", "$ go generate")

	// The clone: the repository itself, where the README's next lines
	// expect it.
	const clone = "git clone https://github.com/stdrpc/stdrpc\n"
	if !strings.HasPrefix(setup, clone) {
		t.Fatalf("the setup block does not start with %q:\n%s", clone, setup)
	}
	dir := t.TempDir()
	if err := os.Symlink(root, filepath.Join(dir, "stdrpc")); err != nil {
		t.Fatal(err)
	}
	script := strings.TrimPrefix(setup, clone)
	sh(t, dir, script)
	cd := regexp.MustCompile(`(?m)\bcd (\S+)$`).FindStringSubmatch(script)
	if cd == nil {
		t.Fatalf("the setup block changes into no directory:\n%s", setup)
	}
	mod := filepath.Join(dir, cd[1])

	// The tool line that go generate needs is there.
	gomod, err := os.ReadFile(filepath.Join(mod, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(gomod), "\ntool github.com/stdrpc/stdrpc/cmd/stdrpc\n") {
		t.Errorf("after the setup, go.mod has no tool line:\n%s", gomod)
	}

	if !strings.Contains(section, "Save this as `main.go`") {
		t.Fatal("the section no longer says to save its program as main.go")
	}
	if err := os.WriteFile(filepath.Join(mod, "main.go"), []byte(program), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	var want []string
	for line := range strings.Lines(run) {
		if cmd, ok := strings.CutPrefix(line, "$ "); ok {
			out.WriteString(sh(t, mod, cmd))
		} else {
			want = append(want, line)
		}
	}
	if got := out.String(); got != strings.Join(want, "") {
		t.Errorf("the README's program printed\n%s\nbut the README shows\n%s", got, strings.Join(want, ""))
	}
	if _, err := os.Stat(filepath.Join(mod, "main_stdrpc.go")); err != nil || !strings.Contains(section, "`go generate` writes `main_stdrpc.go`") {
		t.Errorf("go generate wrote main_stdrpc.go (%v), and the README says so", err)
	}

	// What the README says happens without the tool line.
	const noTool = `go: no such tool "stdrpc"`
	if !strings.Contains(section, noTool) {
		t.Fatalf("the section no longer quotes %q", noTool)
	}
	sh(t, mod, "go mod edit -droptool github.com/stdrpc/stdrpc/cmd/stdrpc")
	cmd := exec.Command("sh", "-c", "go generate")
	cmd.Dir = mod
	cmd.Env = env()
	if msg, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(msg), noTool) {
		t.Errorf("go generate without the tool line: %v\n%s\nwant it to fail with %s", err, msg, noTool)
	}
}

// sh runs script with sh -e in dir and returns its standard output.
func sh(t *testing.T, dir, script string) string {
	t.Helper()
	cmd := exec.Command("sh", "-e", "-c", script)
	cmd.Dir = dir
	cmd.Env = env()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s\n%v\n%s%s", script, err, out, stderr.String())
	}
	return string(out)
}

// env is the test's environment outside any workspace, as a new module
// would be.
func env() []string {
	return append(os.Environ(), "GOWORK=off")
}

// sectionOf returns the text under heading, up to the next heading of its
// level.
func sectionOf(t *testing.T, doc, heading string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q", heading)
	}
	level := heading[:strings.IndexByte(heading, ' ')+1]
	if i := strings.Index(rest, "\n"+level); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

type block struct{ lang, text string }

// codeBlocks returns the fenced code blocks of md, in order.
func codeBlocks(md string) []block {
	var out []block
	var cur *block
	for line := range strings.Lines(md) {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &block{lang: strings.TrimSpace(line[3:])}
		case cur != nil && strings.TrimSpace(line) == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += line
		}
	}
	return out
}

// only returns the text of the one block in lang that starts with prefix.
func only(t *testing.T, blocks []block, lang, prefix string) string {
	t.Helper()
	var found []string
	for _, b := range blocks {
		if b.lang == lang && strings.HasPrefix(b.text, prefix) {
			found = append(found, b.text)
		}
	}
	if len(found) != 1 {
		t.Fatalf("the section has %d %s blocks starting with %q, want 1", len(found), lang, prefix)
	}
	return found[0]
}
