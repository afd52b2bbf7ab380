package gen_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc/gen"
)

// A struct two files' services carry gets its JSON codec once, from the
// file that builds everywhere: generating on one platform and then on
// another, which keeps the first platform's file, still builds on both.
func TestJSONCodecOncePerPackage(t *testing.T) {
	dir := tempModule(t, map[string]string{
		"point.go": "package geo\n\ntype Point struct{ X, Y int }\n",
		"a_windows.go": `package geo

import "context"

//stdrpc:service
type Win interface {
	Move(ctx context.Context, p Point) (Point, error)
}
`,
		"b.go": `package geo

import "context"

//stdrpc:service
type Map interface {
	Near(ctx context.Context, p Point) ([]Point, error)
}
`,
	})
	for _, goos := range []string{"windows", "linux"} {
		t.Setenv("GOOS", goos)
		if _, err := gen.Run(gen.Config{Dir: dir}); err != nil {
			t.Fatalf("generating on %s: %v", goos, err)
		}
	}
	for _, goos := range []string{"windows", "linux"} {
		cmd := exec.Command("go", "vet", "./...")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOFLAGS=-mod=mod")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("GOOS=%s go vet: %v\n%s", goos, err, out)
		}
	}
	b, err := os.ReadFile(dir + "/b_stdrpc.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "func (x *Point) EncodeJSON(") {
		t.Errorf("b_stdrpc.go, which builds everywhere, has no codec for Point")
	}
}
