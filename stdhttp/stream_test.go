package stdhttp_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/feedsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// within is how long a test waits for something that should happen at
// once: generous, for a loaded machine.
const within = 10 * time.Second

// serveFeed starts impl on a loopback server and returns its URL.
func serveFeed(t testing.TB, impl feedsvc.Feed, opts ...stdhttp.ServerOption) string {
	t.Helper()
	srv := httptest.NewServer(feedsvc.NewFeedHTTPHandler(impl, opts...))
	t.Cleanup(srv.Close)
	return srv.URL
}

// doneCtx returns an Impl.Done hook and a function that waits for it and
// returns the error of the method's context when the stream ended.
func doneCtx(t *testing.T) (func(context.Context), func() error) {
	ch := make(chan error, 1)
	return func(ctx context.Context) { ch <- ctx.Err() }, func() error {
		t.Helper()
		select {
		case err := <-ch:
			return err
		case <-time.After(within):
			t.Fatal("the server's stream did not end")
			return nil
		}
	}
}

// collect ranges over seq and returns its items and its error.
func collect[T any](t *testing.T, seq iter.Seq2[T, error]) ([]T, error) {
	t.Helper()
	var (
		items []T
		err   error
	)
	for v, e := range seq {
		if err != nil {
			t.Fatalf("yielded %v after the error %v", v, err)
		}
		if e != nil {
			err = e
			continue
		}
		items = append(items, v)
	}
	return items, err
}

func TestStreamItemsArriveAsSent(t *testing.T) {
	send := make(chan int, 1)
	done, ended := doneCtx(t)
	c := feedsvc.NewFeedHTTPClient(serveFeed(t, &feedsvc.Impl{Send: send, Done: done}))

	// The server has item n+1 to send only after the client has item n.
	send <- 1
	want := 1
	for tick, err := range c.Ticks(context.Background(), "hi") {
		if err != nil {
			t.Fatalf("after %d items: %v", want-1, err)
		}
		if tick != (feedsvc.Tick{N: want, Note: "hi"}) {
			t.Fatalf("got %+v, want item %d", tick, want)
		}
		if want == 3 {
			break
		}
		want++
		send <- want
	}
	if err := ended(); err == nil {
		t.Error("breaking out of the loop left the server's context alive")
	}
}

func TestStreamCancelReachesServer(t *testing.T) {
	t.Run("before the first item", func(t *testing.T) {
		done, ended := doneCtx(t)
		running := &started{Feed: &feedsvc.Impl{Send: make(chan int), Done: done}, ch: make(chan struct{})}
		c := feedsvc.NewFeedHTTPClient(serveFeed(t, running))
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-running.ch; cancel() }() // while the call waits for its first item
		items, err := collect(t, c.Ticks(ctx, "x"))
		if len(items) != 0 {
			t.Errorf("got items %v", items)
		}
		wantError(t, err, stdrpc.Canceled, "")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is(%v, context.Canceled) = false", err)
		}
		if err := ended(); err == nil {
			t.Error("the server's context was not canceled")
		}
	})
	t.Run("after an item", func(t *testing.T) {
		send := make(chan int, 1)
		done, ended := doneCtx(t)
		c := feedsvc.NewFeedHTTPClient(serveFeed(t, &feedsvc.Impl{Send: send, Done: done}))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		send <- 1
		var got []feedsvc.Tick
		var err error
		for tick, e := range c.Ticks(ctx, "x") {
			if e != nil {
				err = e
				break
			}
			got = append(got, tick)
			cancel()
		}
		if len(got) != 1 {
			t.Errorf("got %v, want one item", got)
		}
		wantError(t, err, stdrpc.Canceled, "")
		if err := ended(); err == nil {
			t.Error("the server's context was not canceled")
		}
	})
	t.Run("deadline", func(t *testing.T) {
		done, ended := doneCtx(t)
		c := feedsvc.NewFeedHTTPClient(serveFeed(t, &feedsvc.Impl{Send: make(chan int), Done: done}))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := collect(t, c.Ticks(ctx, "x"))
		wantError(t, err, stdrpc.DeadlineExceeded, "")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("errors.Is(%v, context.DeadlineExceeded) = false", err)
		}
		if err := ended(); err == nil {
			t.Error("the server's context outlived the deadline")
		}
	})
}

// started closes ch when its Ticks stream starts running.
type started struct {
	feedsvc.Feed
	ch chan struct{}
}

func (s *started) Ticks(ctx context.Context, note string) iter.Seq2[feedsvc.Tick, error] {
	return func(yield func(feedsvc.Tick, error) bool) {
		close(s.ch)
		for t, err := range s.Feed.Ticks(ctx, note) {
			if !yield(t, err) {
				return
			}
		}
	}
}

func TestStreamServerDeadline(t *testing.T) {
	// The server ends the stream at the Stdrpc-Timeout-Ms deadline and says
	// so: a stream cut short by its deadline is not a complete one.
	send := make(chan int, 1)
	send <- 1
	url := serveFeed(t, &feedsvc.Impl{Send: send})
	status, _, body := post(t, url+"/Feed/Ticks", `{"note":"x"}`, stdhttp.TimeoutHeader, "100")
	want := `{"result":{"n":1,"note":"x"}}` + "\n" +
		`{"error":{"code":"deadline_exceeded","message":"context deadline exceeded"}}` + "\n"
	if status != 200 || body != want {
		t.Errorf("got %d %q, want 200 %q", status, body, want)
	}
}

func TestStreamError(t *testing.T) {
	c := feedsvc.NewFeedHTTPClient(serveFeed(t, &feedsvc.Impl{}))
	ctx := context.Background()

	items, err := collect(t, c.Count(ctx, 3, "not_found"))
	if len(items) != 3 || items[0] != 1 || items[2] != 3 {
		t.Errorf("items = %v, want [1 2 3] before the error", items)
	}
	wantError(t, err, stdrpc.NotFound, "failed after 3 items")

	// Before the first item, the error is an ordinary error response.
	items, err = collect(t, c.Count(ctx, 0, "permission_denied"))
	if len(items) != 0 {
		t.Errorf("items = %v, want none", items)
	}
	wantError(t, err, stdrpc.PermissionDenied, "failed after 0 items")

	items, err = collect(t, c.Count(ctx, 2, ""))
	if err != nil || len(items) != 2 {
		t.Errorf("Count(2) = %v, %v; want [1 2]", items, err)
	}
	items, err = collect(t, c.Count(ctx, 0, ""))
	if err != nil || len(items) != 0 {
		t.Errorf("Count(0) = %v, %v; want nothing", items, err)
	}
}

func TestStreamNDJSON(t *testing.T) {
	url := serveFeed(t, &feedsvc.Impl{})
	for _, tc := range []struct {
		name, body, want string
	}{
		{"items", `{"n":2}`, `{"result":1}` + "\n" + `{"result":2}` + "\n" + `{"end":true}` + "\n"},
		{"empty", `{"n":0}`, `{"end":true}` + "\n"},
		{"error", `{"n":1,"code":"not_found"}`,
			`{"result":1}` + "\n" + `{"error":{"code":"not_found","message":"failed after 1 items"}}` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr, body := post(t, url+"/Feed/Count", tc.body, "Content-Type", "application/json")
			if status != 200 || body != tc.want {
				t.Errorf("got %d %q, want 200 %q", status, body, tc.want)
			}
			for k, v := range map[string]string{
				"Content-Type":      "application/x-ndjson",
				"Cache-Control":     "no-cache",
				"X-Accel-Buffering": "no",
			} {
				if got := hdr.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestStreamSSEEnd(t *testing.T) {
	url := serveFeed(t, &feedsvc.Impl{})
	for _, tc := range []struct {
		name, body, want string
	}{
		{"items", `{"n":2}`, "data: 1\n\ndata: 2\n\nevent: end\ndata: {}\n\n"},
		{"error", `{"n":1,"code":"not_found"}`,
			"data: 1\n\nevent: error\ndata: {\"code\":\"not_found\",\"message\":\"failed after 1 items\"}\n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr, body := post(t, url+"/Feed/Count", tc.body, "Accept", "text/event-stream")
			if status != 200 || body != tc.want {
				t.Errorf("got %d %q, want 200 %q", status, body, tc.want)
			}
			if ct := hdr.Get("Content-Type"); ct != "text/event-stream" {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}

// readFrame reads one SSE frame: the lines up to a blank one.
func readFrame(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream after %q: %v", b.String(), err)
		}
		b.WriteString(line)
		if line == "\n" {
			return b.String()
		}
	}
}

// TestStreamEventSource reads a GET route as a browser's EventSource does.
func TestStreamEventSource(t *testing.T) {
	send := make(chan int)
	done, ended := doneCtx(t)
	url := serveFeed(t, &feedsvc.Impl{Send: send, Done: done}, stdhttp.WithHeartbeat(20*time.Millisecond))

	req, _ := http.NewRequest("GET", url+"/ticks/hello%20world", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	resp, err := http.DefaultClient.Do(req) // returns with the first heartbeat
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" ||
		resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("X-Accel-Buffering") != "no" {
		t.Fatalf("got %d %v", resp.StatusCode, resp.Header)
	}
	br := bufio.NewReader(resp.Body)
	if f := readFrame(t, br); f != ": ping\n\n" {
		t.Fatalf("first frame %q, want a heartbeat", f)
	}
	for n := 1; n <= 2; n++ {
		send <- n
		f := readFrame(t, br)
		for f == ": ping\n\n" {
			f = readFrame(t, br)
		}
		if want := `data: {"n":` + string(rune('0'+n)) + `,"note":"hello world"}` + "\n\n"; f != want {
			t.Fatalf("frame %q, want %q", f, want)
		}
	}
	if f := readFrame(t, br); f != ": ping\n\n" {
		t.Fatalf("frame %q while idle, want a heartbeat", f)
	}
	resp.Body.Close()
	if err := ended(); err == nil {
		t.Error("closing the connection left the server's context alive")
	}
}

// TestStreamEventSourceOpensQuietStream: a browser's EventSource fires open
// only when the headers arrive, so a stream with nothing to say yet (a quiet
// chat room) must send them long before the first heartbeat is due.
func TestStreamEventSourceOpensQuietStream(t *testing.T) {
	for _, opts := range [][]stdhttp.ServerOption{
		nil, // the default heartbeat, 15 s
		{stdhttp.WithHeartbeat(0)},
	} {
		url := serveFeed(t, &feedsvc.Impl{Send: make(chan int)}, opts...)
		req, _ := http.NewRequest("GET", url+"/ticks/quiet", nil)
		req.Header.Set("Accept", "text/event-stream")
		start := time.Now()
		// Bounded, so that a stream that never opens fails instead of hanging.
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if f := readFrame(t, bufio.NewReader(resp.Body)); f != ": ping\n\n" || resp.StatusCode != 200 {
			t.Errorf("%d, first frame %q; want 200 and a comment", resp.StatusCode, f)
		}
		if waited := time.Since(start); waited > 5*time.Second {
			t.Errorf("a quiet stream sent its headers after %v; EventSource waits that long to open", waited)
		}
		resp.Body.Close()
	}
}

func TestStreamNegotiation(t *testing.T) {
	url := serveFeed(t, &feedsvc.Impl{})
	for _, tc := range []struct {
		method, path, accept, want string
	}{
		{"GET", "/ticks/a", "", "text/event-stream"},
		{"GET", "/ticks/a", "*/*", "text/event-stream"},
		{"GET", "/ticks/a", "application/x-ndjson", "application/x-ndjson"},
		{"GET", "/ticks/a", "application/json, application/x-ndjson;q=0.9, text/event-stream", "application/x-ndjson"},
		{"HEAD", "/ticks/a", "", "text/event-stream"},
		{"POST", "/Feed/Ticks", "", "application/x-ndjson"},
		{"POST", "/Feed/Ticks", "text/event-stream", "text/event-stream"},
		{"POST", "/Feed/Ticks", "Text/Event-Stream; charset=utf-8", "text/event-stream"},
	} {
		req, _ := http.NewRequest(tc.method, url+tc.path, nil)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || got != tc.want {
			t.Errorf("%s %s Accept %q: %d %q, want %q", tc.method, tc.path, tc.accept, resp.StatusCode, got, tc.want)
		}
	}
}

func TestStreamPreStreamErrors(t *testing.T) {
	auth := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		if stdrpc.Incoming(ctx).Get("Authorization") != "Bearer s3cret" {
			return stdrpc.Errorf(stdrpc.Unauthenticated, "missing or wrong bearer token")
		}
		return next(ctx)
	}
	url := serveFeed(t, &feedsvc.Impl{}, stdhttp.WithInterceptors(auth), stdhttp.WithMaxBodyBytes(64))
	token := []string{"Authorization", "Bearer s3cret", "Content-Type", "application/json"}
	for _, tc := range []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		want                     string
	}{
		{"bad JSON", "POST", "/Feed/Count", `{"n":"three"}`, token, 400,
			`{"code":"invalid_argument","message":"request body field \"n\": cannot use a JSON string as int"}`},
		{"rejected", "POST", "/Feed/Count", `{"n":3}`, nil, 401,
			`{"code":"unauthenticated","message":"missing or wrong bearer token"}`},
		{"rejected, SSE asked", "GET", "/ticks/a", "", []string{"Accept", "text/event-stream"}, 401,
			`{"code":"unauthenticated","message":"missing or wrong bearer token"}`},
		{"too large", "POST", "/Feed/Count", `{"n":3,"code":"` + strings.Repeat("x", 100) + `"}`, token, 413,
			`{"code":"resource_exhausted","message":"request body is larger than this server's limit of 64 bytes"}`},
		{"bad timeout", "POST", "/Feed/Count", `{"n":3}`, append([]string{stdhttp.TimeoutHeader, "soon"}, token...), 400,
			`{"code":"invalid_argument","message":"header Stdrpc-Timeout-Ms: \"soon\" is not a whole number of milliseconds"}`},
		{"error before the first item", "POST", "/Feed/Count", `{"n":0,"code":"not_found"}`, token, 404,
			`{"code":"not_found","message":"failed after 0 items"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr, body := do(t, tc.method, url+tc.path, strings.NewReader(tc.body), tc.hdr...)
			if status != tc.status || body != tc.want+"\n" {
				t.Errorf("got %d %s, want %d %s", status, body, tc.status, tc.want)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
		})
	}

	// The generated client sees the rejection as the error, with no items.
	items, err := collect(t, feedsvc.NewFeedHTTPClient(url).Count(context.Background(), 3, ""))
	if len(items) != 0 {
		t.Errorf("items = %v", items)
	}
	wantError(t, err, stdrpc.Unauthenticated, "missing or wrong bearer token")
}

func TestStreamInterceptorsAndMetadata(t *testing.T) {
	var serverSaw atomic.Value
	server := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		if got := stdrpc.Incoming(ctx).Get("X-Trace-Id"); got != "t1" {
			return stdrpc.Errorf(stdrpc.InvalidArgument, "X-Trace-Id = %q", got)
		}
		err := next(ctx)
		serverSaw.Store(call.Service + "." + call.Method + ": " + stdrpc.CodeOf(err).String())
		return err
	}
	var (
		clientItems int
		clientSaw   string
	)
	client := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		err := next(ctx)
		clientSaw = call.Service + "." + call.Method + ": " + stdrpc.CodeOf(err).String()
		return err
	}
	url := serveFeed(t, &feedsvc.Impl{}, stdhttp.WithInterceptors(server))
	c := feedsvc.NewFeedHTTPClient(url, stdhttp.WithClientInterceptors(client))
	ctx := stdrpc.AppendOutgoing(context.Background(), "X-Trace-Id", "t1")
	for _, err := range c.Count(ctx, 2, "aborted") {
		if err == nil {
			clientItems++
			if clientSaw != "" {
				t.Error("the client interceptor returned before the stream ended")
			}
		}
	}
	if clientItems != 2 || clientSaw != "Feed.Count: aborted" {
		t.Errorf("client: %d items, interceptor saw %q; want 2, \"Feed.Count: aborted\"", clientItems, clientSaw)
	}
	if got := serverSaw.Load(); got != "Feed.Count: aborted" {
		t.Errorf("server interceptor saw %q", got)
	}
}

// counting counts the items its Ticks hands to the server.
type counting struct {
	feedsvc.Feed
	n atomic.Int64
}

func (c *counting) Ticks(ctx context.Context, note string) iter.Seq2[feedsvc.Tick, error] {
	return func(yield func(feedsvc.Tick, error) bool) {
		for t, err := range c.Feed.Ticks(ctx, note) {
			c.n.Add(1)
			if !yield(t, err) {
				return
			}
		}
	}
}

func TestStreamBackpressure(t *testing.T) {
	done, ended := doneCtx(t)
	feed := &counting{Feed: &feedsvc.Impl{Done: done}} // yields as fast as it is taken
	c := feedsvc.NewFeedHTTPClient(serveFeed(t, feed))
	note := strings.Repeat("x", 1024)

	first, release, finished := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		for _, err := range c.Ticks(context.Background(), note) {
			if err != nil {
				t.Errorf("stream: %v", err)
			}
			close(first)
			<-release // a consumer that stops reading
			break
		}
	}()
	<-first

	// The producer must stall once the socket buffers are full: wait until
	// its count stops moving, then check it is far below unbounded.
	const bound = 1 << 16 // 64 MiB of items; loopback buffers hold a few MiB
	deadline := time.Now().Add(within)
	last, still := feed.n.Load(), 0
	for still < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the producer never blocked: %d items made", feed.n.Load())
		}
		time.Sleep(100 * time.Millisecond)
		n := feed.n.Load()
		if n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
	if last >= bound {
		t.Errorf("the producer made %d items for a reader that took 1", last)
	}
	t.Logf("producer stalled after %d items of 1 KiB", last)

	close(release)
	<-finished
	if err := ended(); err == nil {
		t.Error("the server's context was not canceled when the client left")
	}
}

// panicking is a Feed whose Count panics after two items.
type panicking struct{ feedsvc.Feed }

func (panicking) Count(ctx context.Context, n int, code string) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		if n == 0 {
			panic("nothing to count")
		}
		if yield(1, nil) && yield(2, nil) {
			panic("counted too far")
		}
	}
}

func TestStreamPanic(t *testing.T) {
	log, logged := testLogger()
	send := make(chan int, 1)
	url := serveFeed(t, panicking{&feedsvc.Impl{Send: send}}, stdhttp.WithLogger(log))
	const msg = "Feed.Count panicked; the server's log has the details"

	status, _, body := post(t, url+"/Feed/Count", `{"n":5}`)
	want := `{"result":1}` + "\n" + `{"result":2}` + "\n" + `{"error":{"code":"internal","message":"` + msg + `"}}` + "\n"
	if status != 200 || body != want {
		t.Errorf("got %d %q, want 200 %q", status, body, want)
	}
	_, _, body = post(t, url+"/Feed/Count", `{"n":5}`, "Accept", "text/event-stream")
	if want := "data: 1\n\ndata: 2\n\nevent: error\ndata: {\"code\":\"internal\",\"message\":\"" + msg + "\"}\n\n"; body != want {
		t.Errorf("SSE: got %q, want %q", body, want)
	}
	status, _, body = post(t, url+"/Feed/Count", `{"n":0}`)
	if status != 500 || body != `{"code":"internal","message":"`+msg+`"}`+"\n" {
		t.Errorf("a panic before the first item: got %d %q, want 500 and an error body", status, body)
	}
	if l := logged.String(); !strings.Contains(l, "counted too far") || !strings.Contains(l, "goroutine") {
		t.Errorf("the log lacks the panic value or the stack: %s", l)
	}

	c := feedsvc.NewFeedHTTPClient(url)
	items, err := collect(t, c.Count(context.Background(), 5, ""))
	if len(items) != 2 {
		t.Errorf("items = %v, want [1 2]", items)
	}
	wantError(t, err, stdrpc.Internal, msg)
	// The server keeps serving.
	send <- 7
	for tick, err := range c.Ticks(context.Background(), "after") {
		if err != nil || tick.N != 7 {
			t.Errorf("Ticks after the panics = %+v, %v", tick, err)
		}
		break
	}
}

// TestStreamCutShort checks that a stream whose connection ends without
// its end line is an error, however it ends.
func TestStreamCutShort(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		code    stdrpc.Code
	}{
		{"clean EOF", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-ndjson")
			io.WriteString(w, `{"result":1}`+"\n")
		}, stdrpc.Unavailable},
		{"aborted", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-ndjson")
			io.WriteString(w, `{"result":1}`+"\n")
			http.NewResponseController(w).Flush()
			panic(http.ErrAbortHandler)
		}, stdrpc.Unavailable},
		{"cut inside a line", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-ndjson")
			io.WriteString(w, `{"result":1}`+"\n"+`{"result":2}`+"\n"+`{"end"`)
			http.NewResponseController(w).Flush()
			panic(http.ErrAbortHandler)
		}, stdrpc.Unavailable},
		{"not a stream", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, "1\n")
		}, stdrpc.Internal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			c := stdhttp.NewClient(srv.URL)
			items, err := collect(t, stdhttp.Stream[int](context.Background(), c, "/Feed/Count", nil))
			wantError(t, err, tc.code, "")
			if tc.code == stdrpc.Unavailable && (len(items) == 0 || items[0] != 1) {
				t.Errorf("items = %v, want 1 first", items)
			}
		})
	}
}

func TestStreamLineLimit(t *testing.T) {
	c := feedsvc.NewFeedHTTPClient(serveFeed(t, &feedsvc.Impl{}), stdhttp.WithMaxLineBytes(100))
	for tick, err := range c.Ticks(context.Background(), "short") {
		if err != nil {
			t.Fatalf("a short line: %v", err)
		}
		if tick.N == 3 {
			break
		}
	}
	items, err := collect(t, c.Ticks(context.Background(), strings.Repeat("y", 100)))
	if len(items) != 0 {
		t.Errorf("items = %d, want none", len(items))
	}
	wantError(t, err, stdrpc.ResourceExhausted, "")
	if !strings.Contains(err.Error(), "longer than the client's limit of 100 bytes") {
		t.Errorf("error %q does not name the limit", err)
	}
}

// TestStreamLongLines reads items longer than the client's read buffer.
func TestStreamLongLines(t *testing.T) {
	c := feedsvc.NewFeedHTTPClient(serveFeed(t, &feedsvc.Impl{}))
	note := strings.Repeat("z", 100<<10)
	n := 0
	for tick, err := range c.Ticks(context.Background(), note) {
		if err != nil || tick.Note != note || tick.N != n+1 {
			t.Fatalf("item %d: %d bytes, %v", n+1, len(tick.Note), err)
		}
		if n++; n == 3 {
			break
		}
	}
}

// Without the generator: a method that returns an iter.Seq2 is a server
// stream. Any HTTP client can read it as NDJSON (or as Server-Sent Events);
// Stream yields its items as they arrive.
func ExampleHandleStream() {
	type countRequest struct {
		N int `json:"n"`
	}
	mux := http.NewServeMux()
	s := stdhttp.NewService(mux, "Feed")
	stdhttp.HandleStream(s, "Count", func(ctx context.Context, req *countRequest) iter.Seq2[int, error] {
		return func(yield func(int, error) bool) {
			for i := 1; i <= req.N; i++ {
				if !yield(i, nil) {
					return
				}
			}
			yield(0, stdrpc.Errorf(stdrpc.OutOfRange, "no more than %d", req.N))
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/Feed/Count", "application/json", strings.NewReader(`{"n":2}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(string(body))

	c := stdhttp.NewClient(srv.URL)
	for n, err := range stdhttp.Stream[int](context.Background(), c, "/Feed/Count", &countRequest{N: 3}) {
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		fmt.Println(n)
	}
	// Output:
	// {"result":1}
	// {"result":2}
	// {"error":{"code":"out_of_range","message":"no more than 2"}}
	// 1
	// 2
	// 3
	// error: out_of_range: no more than 3
}
