// Package looptest starts the servers the generated code of a test case
// registers on, over loopback, and returns clients for them.
package looptest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/rpc"
	"testing"

	"github.com/stdrpc/stdrpc/netrpcx"
)

// NetRPC serves what register puts on a fresh rpc.Server on 127.0.0.1 and
// returns a client connected to it. Both close when the test ends.
func NetRPC(t testing.TB, register func(*rpc.Server) error) *netrpcx.Client {
	t.Helper()
	srv := rpc.NewServer()
	if err := register(srv); err != nil {
		t.Fatalf("registering the net/rpc service: %v", err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := netrpcx.NewServer(srv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Serve(lis)
	}()
	c, err := netrpcx.Dial("tcp", lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		s.Close()
		<-done
	})
	return c
}

// HTTP serves h on 127.0.0.1 and returns its base URL. The server closes
// when the test ends.
func HTTP(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
