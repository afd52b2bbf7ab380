package netrpcx_test

import (
	"context"
	"net"
	"testing"

	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// A message that fits the reader's buffer arrives in one read, however many
// came before it: calls of about 1.3 KiB, one at a time, cost each side
// one read a message, not one more whenever the buffer's end splits one.
func TestOneReadPerMessage(t *testing.T) {
	var n connCounts
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, &testsvc.Impl{})
	go s.Serve(&countedListener{Listener: lis, n: &n.server})
	t.Cleanup(func() { s.Close() })
	var d net.Dialer
	c := dial(t, lis.Addr().String(), netrpcx.WithDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countedConn{Conn: conn, n: &n.client}, nil
	}))
	test := testsvc.NewTestNetRPCClient(c)
	ctx := context.Background()
	p := testsvc.NewPayload()
	if _, err := test.Echo(ctx, p); err != nil { // past the hello and the type definitions
		t.Fatal(err)
	}
	n.reset()
	const calls = 30
	for range calls {
		if _, err := test.Echo(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	// A keepalive or a cancel may add a message now and then.
	if got := n.server.reads.Load(); got > calls+2 {
		t.Errorf("the server made %d reads for %d requests, want one each", got, calls)
	}
	if got := n.client.reads.Load(); got > calls+2 {
		t.Errorf("the client made %d reads for %d responses, want one each", got, calls)
	}
}
