package gen_test

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc/gen"
)

var update = flag.Bool("update", false, "rewrite the golden files (the generated files of testdata cases)")

// goldenCases are the testdata packages whose generated files are golden:
// each is checked byte for byte here and compiled and run by TestGoldensRun.
var goldenCases = []string{
	"bench",
	"bidi",
	"cgo", // needs a C compiler: see cgoEnabled
	"embed",
	"idempotent",
	"imports",
	"multi",
	"names",
	"routes",
	"stream",
	"typenames",
	"types",
	"unexported",
	"variadic",
}

// repoPackages are the repository's own generated files, held to the same
// standard.
var repoPackages = []string{"./examples/calculator", "./examples/chat", "./examples/jsonrpc", "./internal/feedsvc", "./internal/jsoncases", "./internal/testsvc"}

func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// cases returns the golden cases this machine can build: the cgo case
// needs cgo, and so a C compiler (CI installs one).
func cases(t testing.TB) []string {
	if cgoEnabled() {
		return goldenCases
	}
	t.Log("cgo is disabled (no C compiler?): leaving out the cgo golden case")
	return slices.DeleteFunc(slices.Clone(goldenCases), func(c string) bool { return c == "cgo" })
}

func cgoEnabled() bool {
	out, err := exec.Command("go", "env", "CGO_ENABLED").Output()
	return err == nil && strings.TrimSpace(string(out)) == "1"
}

func casePatterns(t testing.TB) []string {
	var ps []string
	for _, c := range cases(t) {
		ps = append(ps, "./gen/testdata/"+c)
	}
	return append(ps, repoPackages...)
}

// TestGolden generates every golden case in one run and compares the output
// with the files on disk; -update writes them instead.
func TestGolden(t *testing.T) {
	root := repoRoot(t)
	res, err := gen.Run(gen.Config{Dir: root, Patterns: casePatterns(t), Check: !*update})
	if err != nil {
		t.Fatalf("generating the golden cases:\n%v", err)
	}
	if len(res.Files) == 0 {
		t.Fatal("no files generated")
	}
	for _, f := range res.Files {
		rel, _ := filepath.Rel(root, f.Path)
		if f.Content == nil {
			t.Errorf("%s: stale generated file without a service", rel)
			continue
		}
		if !f.Changed {
			continue
		}
		if *update {
			t.Logf("updated %s", rel)
			continue
		}
		old, _ := os.ReadFile(f.Path)
		t.Errorf("%s differs from the generator's output (go test ./gen -update rewrites it):\n%s", rel, lineDiff(old, f.Content))
	}
}

// TestGoldensRun compiles, vets and runs the tests of every golden case in
// one go command, so each generated file is shown to build and to round-trip
// values over real connections.
func TestGoldensRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every golden case")
	}
	root := repoRoot(t)
	var pkgs []string
	for _, c := range cases(t) {
		pkgs = append(pkgs, "./gen/testdata/"+c+"/...")
	}
	cmd := exec.Command("go", append([]string{"test", "-count=1"}, pkgs...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test of the golden cases: %v\n%s", err, out)
	}
}

// lineDiff shows the first lines where two texts differ.
func lineDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return strings.Join([]string{
				"line " + strconv.Itoa(i+1) + ":",
				"  want: " + wl,
				"  got:  " + gl,
			}, "\n")
		}
	}
	return "(identical)"
}
