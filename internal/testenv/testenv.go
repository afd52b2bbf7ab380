// Package testenv decides what a test does when an outside program it
// drives (a browser, a Python library) is missing: outside CI it skips,
// saying how to install the program; under CI it fails, so that a check
// left out never reads as a check passed.
package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// CI reports whether the tests run in continuous integration: the CI
// environment variable is set to anything but a false value ("false",
// "0"), as CI services and the repository's .ci/run set it.
func CI() bool {
	v, ok := os.LookupEnv("CI")
	if !ok || v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	return err != nil || b
}

// Missing fails t under CI and skips it otherwise, naming what is missing,
// why (err), and the command that installs it.
func Missing(t testing.TB, what, install string, err error) {
	t.Helper()
	if CI() {
		t.Fatalf("%s is missing (%v); CI runs this test, so install it: %s", what, err, install)
	}
	t.Skipf("skipped: %s is missing (%v); to run this test: %s (with CI=true the test fails instead)", what, err, install)
}

// LookPath returns the first of names found on PATH, or calls Missing.
func LookPath(t testing.TB, install string, names ...string) string {
	t.Helper()
	var first error
	for _, name := range names {
		path, err := exec.LookPath(name)
		if err == nil {
			return path
		}
		if first == nil {
			first = err
		}
	}
	Missing(t, names[0], install, first)
	return ""
}
