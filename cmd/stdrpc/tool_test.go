package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// toolModule writes files into a separate module that declares the command
// a tool (the go.mod go get -tool writes, with a replace to this
// repository) and returns its directory.
func toolModule(t testing.TB, files map[string]string) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	repoMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var goLine string // go get -tool raises the go line to stdrpc's
	for line := range strings.Lines(string(repoMod)) {
		if strings.HasPrefix(line, "go ") {
			goLine = line
		}
	}
	dir := t.TempDir()
	// The command requires no module, so go get -tool adds stdrpc alone.
	files["go.mod"] = "module example.com/tooluser\n\n" + goLine + "\ntool github.com/stdrpc/stdrpc/cmd/stdrpc\n\n" +
		"require github.com/stdrpc/stdrpc v0.0.0\n\n" +
		"replace github.com/stdrpc/stdrpc => " + filepath.ToSlash(root) + "\n"
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// goCommands runs go commands in dir, failing the test on the first error.
func goCommands(t testing.TB, dir string, cmds ...[]string) {
	t.Helper()
	for _, args := range cmds {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestGoTool runs the command as a user does, through go generate and go
// tool, with the directive in the package; the output then vets.
func TestGoTool(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command in a separate module")
	}
	src := "package calc\n\n//go:generate go tool stdrpc\n" + strings.TrimPrefix(calculator, "package calc\n")
	dir := toolModule(t, map[string]string{"calc.go": src})
	goCommands(t, dir, []string{"generate", "./..."}, []string{"vet", "./..."}, []string{"tool", "stdrpc", "-check"})
	if _, err := os.Stat(filepath.Join(dir, "calc_stdrpc.go")); err != nil {
		t.Errorf("go generate did not write calc_stdrpc.go: %v", err)
	}
}

// TestGoToolModuleRoot is the setup the README recommends: one directive
// in a file at the module root generates every package of the module in
// one run.
func TestGoToolModuleRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command in a separate module")
	}
	svc := func(pkg string) string { return strings.Replace(calculator, "package calc", "package "+pkg, 1) }
	dir := toolModule(t, map[string]string{
		"generate.go":         "// Package tooluser holds the module's go:generate directive.\npackage tooluser\n\n//go:generate go tool stdrpc ./...\n",
		"api/calc.go":         svc("api"),
		"internal/store/s.go": svc("store"),
		"plain/plain.go":      "// Package plain has no service.\npackage plain\n",
	})
	goCommands(t, dir, []string{"generate", "./..."}, []string{"vet", "./..."}, []string{"tool", "stdrpc", "-check", "./..."})
	for _, name := range []string{"api/calc_stdrpc.go", "internal/store/s_stdrpc.go"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Errorf("go generate did not write %s: %v", name, err)
		}
	}
}

// BenchmarkGoGenerate20 times go generate ./... over a module of 20 service
// packages, warm, in the two setups: a directive in every package (a tool
// start and a load each), and one directive at the module root (one of
// each). The README quotes it.
func BenchmarkGoGenerate20(b *testing.B) {
	for _, setup := range []string{"per-package", "module-root"} {
		b.Run(setup, func(b *testing.B) {
			files := map[string]string{}
			for i := range 20 {
				pkg := "p" + string(rune('a'+i))
				src := strings.Replace(calculator, "package calc", "package "+pkg, 1)
				if setup == "per-package" {
					src = strings.Replace(src, "\nimport", "\n//go:generate go tool stdrpc\n\nimport", 1)
				}
				files[pkg+"/calc.go"] = src
			}
			if setup == "module-root" {
				files["generate.go"] = "package tooluser\n\n//go:generate go tool stdrpc ./...\n"
			}
			dir := toolModule(b, files)
			goCommands(b, dir, []string{"generate", "./..."}) // build the tool, write the files
			for b.Loop() {
				goCommands(b, dir, []string{"generate", "./..."})
			}
		})
	}
}
