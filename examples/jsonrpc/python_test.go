package main

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc/internal/testenv"
)

// TestPythonClient calls the JSON-RPC endpoint from Python's requests
// library, a client that no Go code wrote: it proves the wire shape is plain
// JSON over HTTP.
func TestPythonClient(t *testing.T) {
	const install = "apt-get install python3-requests"
	python := testenv.LookPath(t, install, "python3")
	if out, err := exec.Command(python, "-c", "import requests").CombinedOutput(); err != nil {
		testenv.Missing(t, "Python's requests library", install, fmt.Errorf("%v: %s", err, bytes.TrimSpace(out)))
	}
	srv := httptest.NewServer(handler(arith{}))
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
