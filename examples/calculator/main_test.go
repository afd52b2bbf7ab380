package main

import (
	"strings"
	"testing"
)

// TestDemo runs the quick start's main job: both generated clients call the
// served Calculator over loopback and agree.
func TestDemo(t *testing.T) {
	var out strings.Builder
	if err := run(&out, "127.0.0.1:0", "127.0.0.1:0", false); err != nil {
		t.Fatal(err)
	}
	want := `net/rpc Add(2, 3) = 5
net/rpc Divide(7, 2) = 3 remainder 1
net/rpc Divide(1, 0) failed: code invalid_argument, message "divide 1 by zero"
HTTP    Add(2, 3) = 5
HTTP    Divide(7, 2) = 3 remainder 1
HTTP    Divide(1, 0) failed: code invalid_argument, message "divide 1 by zero"
`
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}
