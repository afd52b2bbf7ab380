package main

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestPythonClient calls the generated server from Python's requests
// library, a client that no Go code wrote: it proves the wire shape is plain
// JSON over HTTP.
func TestPythonClient(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(python, "-c", "import requests").Run()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3 with requests is required in CI (.ci/run installs python3-requests): %v", err)
		}
		t.Skipf("python3 with requests not available: %v", err)
	}
	srv := httptest.NewServer(NewArithHTTPHandler(arith{}))
	defer srv.Close()
	// localhost, not 127.0.0.1: the name a person would type.
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/rpc"
	out, err := exec.Command(python, "client.py", url).CombinedOutput()
	if err != nil {
		t.Fatalf("client.py: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "5" {
		t.Errorf("client.py printed %q, want 5", got)
	}
}
