package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/stdhttp"
)

// The running server serves the OpenAPI document go generate wrote beside
// the code, byte for byte, and only when asked to.
func TestServesOpenAPI(t *testing.T) {
	want, err := os.ReadFile("main.openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	get := func(opts ...stdhttp.ServerOption) (int, string, []byte) {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := stdhttp.NewServer(lis.Addr().String(), NewCalculatorHTTPHandler(calculator{}, opts...))
		go srv.Serve(lis)
		defer srv.Close()
		c := &http.Client{Timeout: 10 * time.Second}
		resp, err := c.Get("http://" + lis.Addr().String() + "/Calculator/openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Header.Get("Content-Type"), body
	}
	status, ctype, body := get(stdhttp.WithOpenAPI())
	if status != http.StatusOK || ctype != "application/json" || !bytes.Equal(body, want) {
		t.Errorf("with WithOpenAPI: status %d, Content-Type %q, %d bytes equal to the file: %v; want 200, application/json, the file's %d bytes", status, ctype, len(body), bytes.Equal(body, want), len(want))
	}
	if status, _, _ := get(); status == http.StatusOK {
		t.Errorf("without WithOpenAPI: status %d; want the document not served", status)
	}
}
