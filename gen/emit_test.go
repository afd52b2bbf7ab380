package gen

import (
	"bytes"
	"go/format"
	"go/token"
	"path/filepath"
	"slices"
	"testing"
)

// The emitters print gofmt's layout themselves unless the model asks for
// gofmt: every golden case and repository package, printed, is what gofmt
// makes of it, and a file through gofmt is the same as printed.
func TestPrintsFormatted(t *testing.T) {
	files := goldenModels(t)
	slow := 0
	for _, f := range files {
		printed := printFile(f)
		formatted, err := format.Source(printed)
		if err != nil {
			t.Errorf("%s: %v", f.Path, err)
			continue
		}
		if f.Gofmt {
			slow++
			continue
		}
		if !bytes.Equal(printed, formatted) {
			t.Errorf("%s: printed differs from gofmt's output, but the model says it needs no gofmt", f.Path)
		}
	}
	if slow == 0 {
		t.Error("no file needed gofmt: the types golden case spells struct literals")
	}
}

// goldenModels builds the model of every golden case and repository
// package.
func goldenModels(t *testing.T) []*genFile {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	patterns := []string{"./examples/...", "./internal/..."}
	dirs, _ := filepath.Glob(filepath.Join("testdata", "*", "*.go"))
	for _, d := range dirs {
		patterns = append(patterns, "./gen/"+filepath.ToSlash(filepath.Dir(d)))
	}
	fset := token.NewFileSet()
	pkgs, err := load(root, slices.Compact(patterns), fset)
	if err != nil {
		t.Fatal(err)
	}
	b := &builder{dir: root, fset: fset, d: &diags{fset: fset}, wire: newWireChecker()}
	var files []*genFile
	for _, pkg := range pkgs {
		if pkg.Types == nil || len(pkg.Syntax) == 0 {
			continue
		}
		before := len(b.d.list)
		sc := b.scan(pkg)
		if len(b.d.list) > before || len(sc.services) == 0 {
			continue // testdata/errors
		}
		fs := b.buildPackage(sc)
		if len(b.d.list) > before {
			continue
		}
		files = append(files, fs...)
	}
	if len(files) < 15 {
		t.Fatalf("built %d files; want every golden case and repository package", len(files))
	}
	return files
}

func TestPlainType(t *testing.T) {
	for typ, want := range map[string]bool{
		"int": true, "*User": true, "[]byte": true, "[4]int": true, "map[string][]*x.T": true,
		"Pair[string, int]": true, "Page[List[Person]]": true, "Ünïcode": true,
		"struct{V int}": false, "func()": false, "interface{}": false, "Pair[string,  int]": false, " int": false,
	} {
		if got := plainType(typ); got != want {
			t.Errorf("plainType(%q) = %v; want %v", typ, got, want)
		}
	}
}

func TestFormatDoc(t *testing.T) {
	in := []string{"// Count counts:", "//   n := c.Count()", "//", "//"}
	want := []string{"// Count counts:", "//", "//\tn := c.Count()"}
	got := formatDoc(in)
	if len(got) != len(want) {
		t.Fatalf("formatDoc = %q; want %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("formatDoc = %q; want %q", got, want)
		}
	}
}
