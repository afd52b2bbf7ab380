package netrpcx_test

import (
	"bytes"
	"encoding/gob"
	"io"
	"log/slog"
	"net"
	"net/rpc"
	"reflect"
	"sync"
	"testing"

	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// serve serves impl with netrpcx on a loopback port until the test ends and
// returns the address and the server.
func serve(t testing.TB, impl testsvc.Test, opts ...netrpcx.ServerOption) (string, *netrpcx.Server) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveOn(t, lis, impl, opts...)
}

// serveOn is serve on a given listener.
func serveOn(t testing.TB, lis net.Listener, impl testsvc.Test, opts ...netrpcx.ServerOption) (string, *netrpcx.Server) {
	t.Helper()
	s := newServer(t, impl, opts...)
	done := make(chan error, 1)
	go func() { done <- s.Serve(lis) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != netrpcx.ErrServerClosed {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return lis.Addr().String(), s
}

func newServer(t testing.TB, impl testsvc.Test, opts ...netrpcx.ServerOption) *netrpcx.Server {
	t.Helper()
	rs := rpc.NewServer()
	if err := testsvc.RegisterTestNetRPC(rs, impl); err != nil {
		t.Fatal(err)
	}
	opts = append([]netrpcx.ServerOption{netrpcx.WithLogger(quietLogger())}, opts...)
	return netrpcx.NewServer(rs, opts...)
}

// dial returns a client for addr, closed when the test ends.
func dial(t testing.TB, addr string, opts ...netrpcx.ClientOption) *netrpcx.Client {
	t.Helper()
	c, err := netrpcx.Dial("tcp", addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// logBuffer is a logger whose output a test can read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

// answerHello reads the hello a Client sends first on a connection and
// answers it as a stock net/rpc server does: with an error naming the
// service it cannot find. Fake servers call it before their own protocol.
func answerHello(dec *gob.Decoder, enc *gob.Encoder) error {
	var req struct {
		ServiceMethod string
		Seq           uint64
	}
	if err := dec.Decode(&req); err != nil {
		return err
	}
	if err := dec.DecodeValue(reflect.Value{}); err != nil { // the body: discard it
		return err
	}
	type response struct {
		ServiceMethod string
		Seq           uint64
		Error         string
	}
	if err := enc.Encode(response{req.ServiceMethod, req.Seq, "rpc: can't find service " + req.ServiceMethod}); err != nil {
		return err
	}
	return enc.Encode(struct{}{})
}
