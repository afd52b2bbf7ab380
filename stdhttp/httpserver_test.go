package stdhttp_test

import (
	"bufio"
	"context"
	"io"
	"iter"
	"log"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/internal/feedsvc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// dial connects to the server at url (http://host:port).
func dial(t *testing.T, url string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestNewServerDefaults checks the values NewServer's documentation gives.
func TestNewServerDefaults(t *testing.T) {
	srv := stdhttp.NewServer("127.0.0.1:8080", http.NotFoundHandler())
	if srv.Addr != "127.0.0.1:8080" || srv.Handler == nil {
		t.Errorf("NewServer: Addr %q, Handler %v", srv.Addr, srv.Handler)
	}
	for _, tc := range []struct {
		name      string
		got, want time.Duration
	}{
		{"ReadHeaderTimeout", srv.ReadHeaderTimeout, 10 * time.Second},
		{"ReadTimeout", srv.ReadTimeout, time.Minute},
		{"IdleTimeout", srv.IdleTimeout, 2 * time.Minute},
		{"WriteTimeout", srv.WriteTimeout, 0}, // each write is bounded by the Service instead
		{"MaxHeaderBytes", time.Duration(srv.MaxHeaderBytes), 64 << 10},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}

// startServer serves srv on a loopback port and returns its URL.
func startServer(t *testing.T, srv *http.Server) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go srv.Serve(lis)
	t.Cleanup(func() { srv.Close() })
	return "http://" + lis.Addr().String()
}

// TestSlowloris holds connections open the slowloris way, sending headers
// a line at a time, or nothing: NewServer's server closes them at its
// header timeout. (The timeout is shortened here to keep the test quick;
// TestNewServerDefaults checks the value NewServer sets.)
func TestSlowloris(t *testing.T) {
	const headerTimeout = 300 * time.Millisecond
	srv := stdhttp.NewServer("", testsvc.NewTestHTTPHandler(&testsvc.Impl{}))
	srv.ReadHeaderTimeout = headerTimeout
	url := startServer(t, srv)

	for _, tc := range []struct {
		name   string
		first  string
		every  string // sent every 50ms until the server closes the connection
		status bool
	}{
		{"headers a line at a time", "GET /divide/7/2 HTTP/1.1\r\nHost: test\r\n", "X-Pad: x\r\n", false},
		{"nothing", "", "", false},
		{"between requests, part of the next", "GET /divide/7/2 HTTP/1.1\r\nHost: test\r\n\r\nGET /divide/7/2 HTTP/1.1\r\n", "X-Pad: x\r\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, url)
			start := time.Now()
			closed := make(chan error, 1)
			go func() {
				// A closed connection reads EOF (after the one answer, if
				// any), or fails.
				_, err := io.Copy(io.Discard, c)
				closed <- err
			}()
			if _, err := io.WriteString(c, tc.first); err != nil {
				t.Fatal(err)
			}
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			timeout := time.After(within)
			for {
				select {
				case <-closed:
					took := time.Since(start)
					t.Logf("closed after %v", took.Round(time.Millisecond))
					if took < headerTimeout {
						t.Errorf("closed after %v, before the header timeout of %v", took, headerTimeout)
					}
					return
				case <-tick.C:
					if tc.every != "" {
						io.WriteString(c, tc.every) // fails once the server has closed
					}
				case <-timeout:
					t.Fatalf("the connection is still open after %v", within)
				}
			}
		})
	}
}

// TestLongStreamOutlivesReadTimeout checks that NewServer's read timeout
// bounds reading the request only: a stream, and its method's context,
// outlive it.
func TestLongStreamOutlivesReadTimeout(t *testing.T) {
	const readTimeout = 200 * time.Millisecond
	send := make(chan int)
	srv := stdhttp.NewServer("", feedsvc.NewFeedHTTPHandler(&feedsvc.Impl{Send: send}))
	srv.ReadTimeout = readTimeout
	c := feedsvc.NewFeedHTTPClient(startServer(t, srv))

	next, stop := iter.Pull2(c.Ticks(context.Background(), "long"))
	defer stop()
	for n := 1; n <= 2; n++ {
		go func() {
			time.Sleep(2 * readTimeout)
			send <- n
		}()
		tick, err, ok := next()
		if !ok || err != nil || tick.N != n {
			t.Fatalf("item %d, %v into the stream: %+v, %v, %v", n, time.Duration(n)*2*readTimeout, tick, err, ok)
		}
	}
}

// TestStalledBodyReadTimeout sends part of a body and stops: NewServer's
// read timeout ends the wait with 408 and code deadline_exceeded, and the
// connection is closed.
func TestStalledBodyReadTimeout(t *testing.T) {
	const readTimeout = 300 * time.Millisecond
	srv := stdhttp.NewServer("", testsvc.NewTestHTTPHandler(&testsvc.Impl{}))
	srv.ReadTimeout = readTimeout
	c := dial(t, startServer(t, srv))
	io.WriteString(c, "POST /Test/Add HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":")

	c.SetReadDeadline(time.Now().Add(within))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	want := `{"code":"deadline_exceeded","message":"the request body did not arrive within the server's read timeout (http.Server.ReadTimeout)"}` + "\n"
	if resp.StatusCode != http.StatusRequestTimeout || string(body) != want {
		t.Errorf("answer = %d %s, want 408 %s", resp.StatusCode, body, want)
	}
	if _, err := br.ReadByte(); err == nil {
		t.Error("the connection is still open")
	}
}
