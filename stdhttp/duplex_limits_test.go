package stdhttp_test

import (
	"context"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/observe"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// looseReading is what a caller with a different idea of reading sends.
type looseReading struct {
	N    any    `json:"n"`
	Note string `json:"note,omitempty"`
}

// TestDuplexBadLines: a line that does not decode, or one over the limit,
// fails the call with an error naming the line (and the field), whatever
// the method returns; the server goes on serving.
func TestDuplexBadLines(t *testing.T) {
	forEachProto(t, func(t *testing.T, serve func(func(*stdhttp.Service), ...stdhttp.ServerOption) *stdhttp.Client) {
		c := serve(func(s *stdhttp.Service) {
			stdhttp.HandleClientStream(s, "Sum", sum)
			stdhttp.HandleBidiStream(s, "Echo", echo)
		}, stdhttp.WithMaxBodyBytes(64))
		ctx := context.Background()

		bad := []looseReading{{N: 1}, {N: 2}, {N: "three"}, {N: 4}}
		err := stdhttp.ClientStream(ctx, c, "/Dev/Sum", sliceOf(bad), new(summary))
		if stdrpc.CodeOf(err) != stdrpc.InvalidArgument || !strings.Contains(err.Error(), `request line 3 field "n": cannot use a JSON string as int`) {
			t.Errorf("client stream with a bad line: %v", err)
		}
		items, err := collect(t, stdhttp.BidiStream[looseReading, reading](ctx, c, "/Dev/Echo", sliceOf(bad)))
		if len(items) > 2 || stdrpc.CodeOf(err) != stdrpc.InvalidArgument || !strings.Contains(err.Error(), `request line 3 field "n"`) {
			t.Errorf("bidi stream with a bad line: %v, %v", items, err)
		}

		long := []looseReading{{N: 1}, {N: 2, Note: strings.Repeat("x", 64)}}
		err = stdhttp.ClientStream(ctx, c, "/Dev/Sum", sliceOf(long), new(summary))
		if stdrpc.CodeOf(err) != stdrpc.ResourceExhausted || !strings.Contains(err.Error(), "request line 2 is longer than this server's limit of 64 bytes") {
			t.Errorf("client stream with a long line: %v", err)
		}
		items, err = collect(t, stdhttp.BidiStream[looseReading, reading](ctx, c, "/Dev/Echo", sliceOf(long)))
		if len(items) > 1 || stdrpc.CodeOf(err) != stdrpc.ResourceExhausted {
			t.Errorf("bidi stream with a long line: %v, %v", items, err)
		}

		// Lines up to the limit, and more of them than fit in one.
		var got summary
		if err := stdhttp.ClientStream(ctx, c, "/Dev/Sum", upTo(100), &got); err != nil || got.Count != 100 {
			t.Errorf("after the bad calls: %+v, %v", got, err)
		}
	})
}

func sliceOf[T any](s []T) iter.Seq[T] {
	return func(yield func(T) bool) {
		for _, v := range s {
			if !yield(v) {
				return
			}
		}
	}
}

// TestDuplexSlowConsumers: neither side buffers without bound. A server
// that stops reading stalls the caller's iterator; a caller that stops
// reading stalls the server's.
func TestDuplexSlowConsumers(t *testing.T) {
	forEachProto(t, func(t *testing.T, serve func(func(*stdhttp.Service), ...stdhttp.ServerOption) *stdhttp.Client) {
		var served atomic.Int64
		release := make(chan struct{})
		c := serve(func(s *stdhttp.Service) {
			stdhttp.HandleClientStream(s, "Slow", func(ctx context.Context, in iter.Seq[reading]) (summary, error) {
				for range in {
					if served.Add(1) == 1 {
						select { // a consumer that stops reading
						case <-release:
						case <-ctx.Done():
						}
					}
				}
				return summary{Count: int(served.Load())}, ctx.Err()
			})
			stdhttp.HandleBidiStream(s, "Flood", func(ctx context.Context, in iter.Seq[reading]) iter.Seq2[reading, error] {
				return func(yield func(reading, error) bool) {
					note := strings.Repeat("x", 1024)
					for i := 0; ; i++ {
						served.Store(int64(i))
						if !yield(reading{N: i, Note: note}, nil) {
							return
						}
					}
				}
			})
		})
		note := strings.Repeat("y", 1024)
		const bound = 1 << 16 // 64 MiB of items; loopback buffers and HTTP/2 windows hold a few MiB

		// The server stops reading after one item.
		var made atomic.Int64
		endless := func(yield func(reading) bool) {
			for i := 0; yield(reading{N: i, Note: note}); i++ {
				made.Add(1)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- stdhttp.ClientStream(ctx, c, "/Dev/Slow", endless, new(summary)) }()
		if n := stalls(t, &made); n >= bound {
			t.Errorf("the caller's iterator made %d items for a server that took 1", n)
		} else {
			t.Logf("the caller's iterator stalled after %d items of 1 KiB", n)
		}
		cancel()
		if err := <-errc; stdrpc.CodeOf(err) != stdrpc.Canceled {
			t.Errorf("after cancel: %v", err)
		}
		close(release)

		// The caller stops reading after one item.
		ctx, cancel = context.WithCancel(context.Background())
		defer cancel()
		next, stop := iter.Pull2(stdhttp.BidiStream[reading, reading](ctx, c, "/Dev/Flood", blockingIn(ctx)))
		defer stop()
		if _, err, ok := next(); !ok || err != nil {
			t.Fatalf("first item: %v, %v", err, ok)
		}
		if n := stalls(t, &served); n >= bound {
			t.Errorf("the server made %d items for a caller that took 1", n)
		} else {
			t.Logf("the server stalled after %d items of 1 KiB", n)
		}
	})
}

// stalls waits until count stops moving, and returns it.
func stalls(t *testing.T, count *atomic.Int64) int64 {
	t.Helper()
	deadline := time.Now().Add(within)
	last, still := count.Load(), 0
	for still < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the producer never blocked: %d items made", count.Load())
		}
		time.Sleep(100 * time.Millisecond)
		if n := count.Load(); n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
	return last
}

// TestDuplexInterceptorsAndObserver: one interceptor call, on each side,
// wraps the whole stream and sees its end; an Observer counts each stream
// once, with its code.
func TestDuplexInterceptorsAndObserver(t *testing.T) {
	forEachProto(t, func(t *testing.T, serve func(func(*stdhttp.Service), ...stdhttp.ServerOption) *stdhttp.Client) {
		var serverCalls atomic.Int32
		var serverSaw atomic.Value
		server := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
			serverCalls.Add(1)
			if stdrpc.Incoming(ctx).Get("X-Token") != "ok" {
				return stdrpc.Errorf(stdrpc.Unauthenticated, "no token")
			}
			err := next(ctx)
			serverSaw.Store(call.Method + ": " + stdrpc.CodeOf(err).String())
			return err
		}
		o := observe.New()
		mux := func(s *stdhttp.Service) {
			stdhttp.HandleClientStream(s, "Sum", sum)
			stdhttp.HandleBidiStream(s, "Echo", echo)
		}
		c := serve(mux, stdhttp.WithInterceptors(server), stdhttp.WithObserver(o))
		ctx := stdrpc.AppendOutgoing(context.Background(), "X-Token", "ok")

		var got summary
		if err := stdhttp.ClientStream(ctx, c, "/Dev/Sum", upTo(10), &got); err != nil || got.Count != 10 {
			t.Fatalf("%+v, %v", got, err)
		}
		items, err := collect(t, stdhttp.BidiStream[reading, reading](ctx, c, "/Dev/Echo", upTo(10)))
		if len(items) != 10 || err != nil {
			t.Fatalf("%v, %v", items, err)
		}
		if serverCalls.Load() != 2 || serverSaw.Load() != "Echo: ok" {
			t.Errorf("server interceptor: %d calls, saw %v", serverCalls.Load(), serverSaw.Load())
		}
		err = stdhttp.ClientStream(context.Background(), c, "/Dev/Sum", upTo(10), &got)
		if stdrpc.CodeOf(err) != stdrpc.Unauthenticated {
			t.Errorf("without a token: %v", err)
		}

		text := string(o.AppendText(nil))
		for _, want := range []string{
			`stdrpc_server_calls_finished_total{transport="http",service="Dev",method="Sum",code="ok"} 1`,
			`stdrpc_server_calls_finished_total{transport="http",service="Dev",method="Sum",code="unauthenticated"} 1`,
			`stdrpc_server_calls_finished_total{transport="http",service="Dev",method="Echo",code="ok"} 1`,
			`stdrpc_server_stream_items_sent_total{transport="http",service="Dev",method="Echo"} 10`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if t.Failed() {
			t.Log(text)
		}
	})
}

// TestDuplexClientInterceptor: one call of the client's interceptors wraps
// each stream, and returns when it ends.
func TestDuplexClientInterceptor(t *testing.T) {
	var calls atomic.Int32
	var saw string
	client := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		calls.Add(1)
		err := next(ctx)
		saw = call.Service + "." + call.Method + ": " + stdrpc.CodeOf(err).String()
		return err
	}
	mux := http.NewServeMux()
	s := stdhttp.NewService(mux, "Dev")
	stdhttp.HandleClientStream(s, "Sum", sum)
	stdhttp.HandleBidiStream(s, "Echo", echo)
	c := stdhttp.NewClient(newServer(t, mux), stdhttp.WithClientInterceptors(client))
	n := 0
	for _, err := range stdhttp.BidiStream[reading, reading](context.Background(), c, "/Dev/Echo", upTo(3)) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; saw != "" {
			t.Error("the interceptor returned before the stream ended")
		}
	}
	if n != 3 || calls.Load() != 1 || saw != "Dev.Echo: ok" {
		t.Errorf("%d items; interceptor: %d calls, saw %q", n, calls.Load(), saw)
	}
	if err := stdhttp.ClientStream(context.Background(), c, "/Dev/Sum", upTo(3), new(summary)); err != nil || calls.Load() != 2 || saw != "Dev.Sum: ok" {
		t.Errorf("client stream: %v; interceptor: %d calls, saw %q", err, calls.Load(), saw)
	}
}

func newServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDuplexGet: the route's GET is for WebSocket upgrades; anything else
// gets 426 saying what to do.
func TestDuplexGet(t *testing.T) {
	mux := http.NewServeMux()
	s := stdhttp.NewService(mux, "Dev")
	stdhttp.HandleBidiStream(s, "Echo", echo)
	srv := newServer(t, mux)
	resp, err := http.Get(srv + "/Dev/Echo")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusUpgradeRequired || resp.Header.Get("Upgrade") != "websocket" || !strings.Contains(body, "application/x-ndjson") {
		t.Errorf("plain GET: %d %q", resp.StatusCode, body)
	}
	req, _ := http.NewRequest(http.MethodGet, srv+"/Dev/Echo", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body = readAll(t, resp)
	if resp.StatusCode == http.StatusUpgradeRequired || resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotFound {
		t.Errorf("WebSocket upgrade: %d %q", resp.StatusCode, body)
	}
}

// TestClientStreamIteratorPanic: a panic in the caller's iterator is
// raised in the caller's goroutine, not the transport's.
func TestClientStreamIteratorPanic(t *testing.T) {
	forEachProto(t, func(t *testing.T, serve func(func(*stdhttp.Service), ...stdhttp.ServerOption) *stdhttp.Client) {
		c := serve(func(s *stdhttp.Service) { stdhttp.HandleClientStream(s, "Sum", sum) })
		defer func() {
			if p := recover(); p != "bad reading" {
				t.Errorf("recovered %v, want the iterator's panic", p)
			}
		}()
		_ = stdhttp.ClientStream(context.Background(), c, "/Dev/Sum", func(yield func(reading) bool) {
			if yield(reading{N: 1}) {
				panic("bad reading")
			}
		}, new(summary))
		t.Error("ClientStream returned")
	})
}

// TestJSONRPCDuplexMethods: JSON-RPC cannot carry a client or bidirectional
// stream; a call of one says so, and where it is served.
func TestJSONRPCDuplexMethods(t *testing.T) {
	j := stdhttp.NewJSONRPC()
	s := stdhttp.NewJSONRPCService(j, "Dev")
	stdhttp.HandleJSONRPCClientStream(s, stdhttp.JSONRPCMethod{Name: "Upload"})
	stdhttp.HandleJSONRPCBidiStream(s, stdhttp.JSONRPCMethod{Name: "Sync", Aliases: []string{"sync"}})
	url := newServer(t, j)
	for _, tc := range []struct{ method, want string }{
		{"Dev.Upload", `Dev.Upload is a client stream, which JSON-RPC cannot carry: POST its items as NDJSON (Content-Type: application/x-ndjson) to its HTTP route /Dev/Upload`},
		{"sync", `Dev.Sync is a bidirectional stream, which JSON-RPC cannot carry: POST its items as NDJSON (Content-Type: application/x-ndjson) to its HTTP route /Dev/Sync`},
	} {
		status, body, _ := rpcPost(t, http.MethodPost, url, `{"jsonrpc":"2.0","method":"`+tc.method+`","params":[],"id":7}`)
		if status != http.StatusOK || !strings.Contains(body, `"code":-32601`) || !strings.Contains(body, tc.want) ||
			!strings.Contains(body, `"data":{"code":"unimplemented"}`) || !strings.Contains(body, `"id":7`) {
			t.Errorf("%s: %d %s", tc.method, status, body)
		}
	}
	if status, body, _ := rpcPost(t, http.MethodPost, url, `{"jsonrpc":"2.0","method":"Dev.Upload"}`); status != http.StatusNoContent || body != "" {
		t.Errorf("notification: %d %q", status, body)
	}
}

// TestDuplexStrayReader: a method that leaves a goroutine ranging over in
// after it returns gets no more items, and the server goes on serving.
func TestDuplexStrayReader(t *testing.T) {
	forEachProto(t, func(t *testing.T, serve func(func(*stdhttp.Service), ...stdhttp.ServerOption) *stdhttp.Client) {
		strays := make(chan int, 2)
		c := serve(func(s *stdhttp.Service) {
			stdhttp.HandleClientStream(s, "Stray", func(ctx context.Context, in iter.Seq[reading]) (summary, error) {
				next, _ := iter.Pull(in)
				if _, ok := next(); !ok {
					return summary{}, stdrpc.Errorf(stdrpc.InvalidArgument, "no first item")
				}
				go func() {
					n := 0
					for range in {
						n++
					}
					strays <- n
				}()
				return summary{Count: 1}, nil
			})
			stdhttp.HandleClientStream(s, "Sum", sum)
		}, stdhttp.WithBodyBudget(1<<20), stdhttp.WithMaxBodyBytes(1<<20))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var got summary
		if err := stdhttp.ClientStream(ctx, c, "/Dev/Stray", blockingIn(ctx, reading{N: 1}, reading{N: 2}), &got); err != nil || got.Count != 1 {
			t.Fatalf("%+v, %v", got, err)
		}
		cancel()
		select {
		case n := <-strays:
			t.Logf("the stray goroutine saw %d items", n)
		case <-time.After(within):
			t.Fatal("the stray goroutine's range did not end")
		}
		// A line as long as the budget still fits: the stray read gave its
		// charge back.
		long := []reading{{N: 1, Note: strings.Repeat("x", 1<<19)}, {N: 2}}
		if err := stdhttp.ClientStream(context.Background(), c, "/Dev/Sum", sliceOf(long), &got); err != nil || got.Count != 2 {
			t.Errorf("after the stray reader: %+v, %v", got, err)
		}
	})
}

// TestDuplexSilentCallerHoldsNoBudget: a caller that sent a long line and
// then falls silent keeps none of the body budget: another caller's line
// as long still fits.
func TestDuplexSilentCallerHoldsNoBudget(t *testing.T) {
	forEachProto(t, func(t *testing.T, serve func(func(*stdhttp.Service), ...stdhttp.ServerOption) *stdhttp.Client) {
		got := make(chan struct{}, 1)
		c := serve(func(s *stdhttp.Service) {
			stdhttp.HandleClientStream(s, "Hold", func(ctx context.Context, in iter.Seq[reading]) (summary, error) {
				var n summary
				for range in {
					n.Count++
					got <- struct{}{}
				}
				return n, nil
			})
			stdhttp.HandleClientStream(s, "Sum", sum)
		}, stdhttp.WithBodyBudget(1<<20), stdhttp.WithMaxBodyBytes(1<<20))
		long := reading{N: 1, Note: strings.Repeat("x", 600<<10)}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		held := make(chan error, 1)
		go func() {
			var s summary
			held <- stdhttp.ClientStream(ctx, c, "/Dev/Hold", blockingIn(ctx, long), &s)
		}()
		select {
		case <-got:
		case <-time.After(within):
			t.Fatal("the long line did not arrive")
		}
		var s summary
		if err := stdhttp.ClientStream(context.Background(), c, "/Dev/Sum", sliceOf([]reading{long}), &s); err != nil || s.Count != 1 {
			t.Errorf("a long line while another caller is silent after one: %+v, %v", s, err)
		}
		cancel()
		<-held
	})
}
