package netrpcx_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/internal/feedsvc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

const idle = 100 * time.Millisecond

// closedWithin asserts that the server closes conn, having answered
// nothing more, within d.
func closedWithin(t *testing.T, conn net.Conn, d time.Duration) {
	t.Helper()
	start := time.Now()
	conn.SetReadDeadline(start.Add(d))
	n, err := conn.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server did not close the connection within %v", d)
	}
	if n != 0 {
		t.Fatalf("the server sent %d bytes", n)
	}
}

// An idle connection, or one holding a request half-sent, is closed after
// the idle timeout; the client redials for its next call.
func TestIdleTimeout(t *testing.T) {
	addr, _ := serve(t, &testsvc.Impl{}, netrpcx.WithIdleTimeout(idle))

	t.Run("silent", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		closedWithin(t, conn, 10*idle)
	})
	t.Run("half-sent request", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.Write([]byte{0x20, 1, 2, 3}) // promises 32 bytes, sends 3
		closedWithin(t, conn, 10*idle)
	})
	t.Run("client redials", func(t *testing.T) {
		test := testsvc.NewTestNetRPCClient(dial(t, addr, netrpcx.WithBackoff(time.Millisecond, 10*time.Millisecond)))
		for i := range 2 {
			if sum, err := test.Add(context.Background(), i, 1); err != nil || sum != i+1 {
				t.Fatalf("Add %d = %d, %v", i, sum, err)
			}
			time.Sleep(3 * idle)
		}
	})
}

// A call or a stream outlasting the idle timeout keeps its connection.
func TestIdleTimeoutSparesBusyConnections(t *testing.T) {
	addr, _ := serveFeed(t, &feedsvc.Impl{}, netrpcx.WithIdleTimeout(idle))
	c := dial(t, addr)
	ctx := context.Background()
	if err := testsvc.NewTestNetRPCClient(c).Sleep(ctx, 3*idle); err != nil {
		t.Fatalf("a call of %v: %v", 3*idle, err)
	}
	n := 0
	for v, err := range feedsvc.NewFeedNetRPCClient(c).Count(ctx, 200, "") {
		if err != nil {
			t.Fatalf("after %d items: %v", n, err)
		}
		if v != n+1 {
			t.Fatalf("item %d is %d", n, v)
		}
		n++
		if n%100 == 0 {
			time.Sleep(3 * idle) // the stream stays open between batches
		}
	}
	if n != 200 {
		t.Fatalf("%d items, want 200", n)
	}
}
