package stdhttp_test

import (
	"context"
	"fmt"
	"iter"
	"net"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/internal/feedsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// clock is a Feed whose Ticks yields as fast as it is read and records
// when it last handed over an item.
type clock struct {
	feedsvc.Feed
	last  atomic.Int64 // unix nanoseconds
	ended chan time.Time
}

func (c *clock) Ticks(ctx context.Context, note string) iter.Seq2[feedsvc.Tick, error] {
	return func(yield func(feedsvc.Tick, error) bool) {
		defer func() { c.ended <- time.Now() }()
		for i := 1; ctx.Err() == nil; i++ {
			c.last.Store(time.Now().UnixNano())
			if !yield(feedsvc.Tick{N: i, Note: note}, nil) {
				return
			}
		}
	}
}

// TestStreamWriteTimeout opens a Server-Sent Events stream and stops
// reading it without closing the connection, as a stuck client does: once
// the socket buffers are full the producer is blocked in a write, and the
// write timeout must release it, though the client never leaves.
func TestStreamWriteTimeout(t *testing.T) {
	const writeTimeout = 300 * time.Millisecond
	feed := &clock{ended: make(chan time.Time, 1)}
	url := serveFeed(t, feed, stdhttp.WithWriteTimeout(writeTimeout))

	c := dial(t, url)
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetReadBuffer(4 << 10)
	}
	fmt.Fprintf(c, "GET /ticks/%s HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n", strings.Repeat("x", 1024))
	// and never read

	select {
	case end := <-feed.ended:
		stalled := time.Unix(0, feed.last.Load())
		t.Logf("the producer was released %v after its last item went out", end.Sub(stalled).Round(time.Millisecond))
	case <-time.After(within):
		t.Fatalf("the producer is still blocked %v after the client stopped reading", within)
	}
}

// TestStreamQuietLongerThanWriteTimeout checks that the write timeout bounds
// each write, not the stream: a stream that waits longer than it between
// items goes on, over HTTP/1.1 and HTTP/2.
func TestStreamQuietLongerThanWriteTimeout(t *testing.T) {
	const writeTimeout = 100 * time.Millisecond
	for _, h2 := range []bool{false, true} {
		name := "HTTP/1.1"
		if h2 {
			name = "HTTP/2"
		}
		t.Run(name, func(t *testing.T) {
			send := make(chan int)
			srv := httptest.NewUnstartedServer(feedsvc.NewFeedHTTPHandler(&feedsvc.Impl{Send: send},
				stdhttp.WithWriteTimeout(writeTimeout), stdhttp.WithHeartbeat(0)))
			srv.EnableHTTP2 = h2
			srv.StartTLS()
			t.Cleanup(srv.Close)
			c := feedsvc.NewFeedHTTPClient(srv.URL, stdhttp.WithHTTPClient(srv.Client()))

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			next, stop := iter.Pull2(c.Ticks(ctx, "q"))
			defer stop()
			for n := 1; n <= 3; n++ {
				if n > 1 {
					time.Sleep(3 * writeTimeout)
				}
				go func() { send <- n }()
				tick, err, ok := next()
				if !ok || err != nil || tick.N != n {
					t.Fatalf("item %d after a quiet %v: %+v, %v, %v", n, 3*writeTimeout, tick, err, ok)
				}
			}
		})
	}
}
