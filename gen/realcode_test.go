package gen_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc/gen"
)

// cgoCalculator is a service in a file that imports "C".
const cgoCalculator = `package calc

// int add(int a, int b) { return a + b; }
import "C"

import "context"

//stdrpc:service
type Calculator interface {
	// Add returns a+b.
	Add(ctx context.Context, a, b int) (int, error)
}

func add(a, b int) int { return int(C.add(C.int(a), C.int(b))) }
`

// needCgo skips a test when the go command builds without cgo (no C
// compiler); CI installs one.
func needCgo(t *testing.T) {
	t.Helper()
	if !cgoEnabled() {
		t.Skip("cgo is disabled (no C compiler?)")
	}
}

// A package with import "C" is loaded from cgo's output, named for the
// build cache: the generated file still goes beside the source file, and
// the next run keeps it.
func TestCgo(t *testing.T) {
	needCgo(t)
	dir := tempModule(t, map[string]string{"calc.go": cgoCalculator})
	out := filepath.Join(dir, "calc_stdrpc.go")
	res, err := gen.Run(gen.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range res.Files {
		paths = append(paths, f.Path)
	}
	if !slices.Equal(paths, []string{filepath.Join(filepath.Dir(out), "calc.openapi.json"), out}) {
		t.Fatalf("wrote %q; want %s", paths, out)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
	res, err = gen.Run(gen.Config{Dir: dir, Check: true})
	if err != nil {
		t.Fatal(err)
	}
	if stale := res.Stale(dir); len(stale) != 0 {
		t.Errorf("-check after generating calls %q stale", stale)
	}
	if _, err := gen.Run(gen.Config{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("the second run removed calc_stdrpc.go: %v", err)
	}
}

// A service declared only in a _test.go file is not generated: say so,
// rather than that there is no service.
func TestServiceInTestFile(t *testing.T) {
	for _, files := range []map[string]string{
		{"calc.go": "package calc\n", "calc_test.go": calculatorSrc},
		{"calc_test.go": calculatorSrc},
	} {
		dir := tempModule(t, files)
		_, err := gen.Run(gen.Config{Dir: dir})
		want := []string{"calc_test.go:5:1: this //stdrpc:service is in a _test.go file, which stdrpc does not read (the package's other files cannot refer to a test file's types): move the interface to a file whose name does not end in _test.go"}
		if got := diagnostics(t, err); !slices.Equal(got, want) {
			t.Errorf("with %d files: diagnostics:\n%s\nwant:\n%s", len(files)-2, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// A package whose services build constraints exclude here generates
// nothing, and the result says why.
func TestExcludedServicesNoted(t *testing.T) {
	dir := tempModule(t, map[string]string{
		"calc.go":  "//go:build windows\n\n" + calculatorSrc,
		"other.go": "package calc\n",
	})
	t.Setenv("GOOS", "linux")
	res, err := gen.Run(gen.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, n := range res.Notes {
		notes = append(notes, n.String())
	}
	want := []string{"calc.go: build constraints exclude this file for this GOOS and GOARCH, so its services are not generated; their generated file is kept as it is (generate where the file builds, or set GOOS and GOARCH)"}
	if !slices.Equal(notes, want) {
		t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(notes, "\n"), strings.Join(want, "\n"))
	}
}

// ./... at the root of a go.work workspace matches nothing the go command
// will list: say what to give instead.
func TestWorkspaceRoot(t *testing.T) {
	dir := tempModule(t, map[string]string{})
	if err := os.Remove(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"a", "b"} {
		writeFiles(t, filepath.Join(dir, m), map[string]string{
			"go.mod": "module example.com/" + m + "\n\ngo 1.24\n",
			"s.go":   "package " + m + "\n\nimport \"context\"\n\n//stdrpc:service\ntype S interface{ M(ctx context.Context) error }\n",
		})
	}
	writeFiles(t, dir, map[string]string{"go.work": "go 1.24\n\nuse (\n\t./a\n\t./b\n)\n"})
	t.Setenv("GOWORK", "")
	_, err := gen.Run(gen.Config{Dir: dir, Patterns: []string{"./..."}})
	want := []string{"pattern ./...: directory prefix . does not contain modules listed in go.work or their selected dependencies: at the root of a workspace, name the modules' packages, as in stdrpc ./a/... ./b/..."}
	if got := diagnostics(t, err); !slices.Equal(got, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Stale names files relative to the directory the run used, the current
// one when Config.Dir is empty, like every other path stdrpc prints.
func TestStaleRelativeToRun(t *testing.T) {
	dir := tempModule(t, map[string]string{"calc.go": calculatorSrc})
	t.Chdir(dir)
	res, err := gen.Run(gen.Config{Check: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Stale(""), []string{"calc.openapi.json", "calc_stdrpc.go"}; !slices.Equal(got, want) {
		t.Errorf("Stale(\"\") = %q; want %q", got, want)
	}
	if _, err := os.Stat("calc_stdrpc.go"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Check wrote calc_stdrpc.go (%v)", err)
	}
}
