package gen_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stdrpc/stdrpc/internal/testenv"
)

// installRedocly is how a developer or CI gets the OpenAPI linter.
const installRedocly = "npm install --prefix .ci/node @redocly/cli"

// Every committed OpenAPI document, of the examples, the internal packages
// and the golden cases, passes @redocly/cli lint with no error.
func TestOpenAPILint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the OpenAPI linter")
	}
	root := repoRoot(t)
	var docs []string
	for _, pattern := range []string{"examples/*/*.openapi.json", "internal/*/*.openapi.json", "gen/testdata/*/*.openapi.json"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, m...)
	}
	if len(docs) < 15 {
		t.Fatalf("found %d OpenAPI documents; want one per example, internal service package and golden case", len(docs))
	}
	redocly := filepath.Join(root, ".ci", "node", "node_modules", ".bin", "redocly")
	if _, err := os.Stat(redocly); err != nil {
		redocly = testenv.LookPath(t, installRedocly, "redocly")
	}
	cmd := exec.Command(redocly, append([]string{"lint", "--format=summary"}, docs...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("redocly lint of %d documents: %v\n%s", len(docs), err, out)
	}
}
