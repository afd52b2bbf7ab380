package netrpcx_test

import (
	"context"
	"encoding/gob"
	"errors"
	"iter"
	"net"
	"net/rpc"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/feedsvc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// serveFeed serves feed and testsvc on one rpc.Server with netrpcx on a
// loopback port until the test ends.
func serveFeed(t testing.TB, feed feedsvc.Feed, opts ...netrpcx.ServerOption) (string, *netrpcx.Server) {
	t.Helper()
	rs := rpc.NewServer()
	if err := feedsvc.RegisterFeedNetRPC(rs, feed); err != nil {
		t.Fatal(err)
	}
	if err := testsvc.RegisterTestNetRPC(rs, &testsvc.Impl{}); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := netrpcx.NewServer(rs, append([]netrpcx.ServerOption{netrpcx.WithLogger(quietLogger())}, opts...)...)
	done := make(chan error, 1)
	go func() { done <- s.Serve(lis) }()
	t.Cleanup(func() {
		s.Close()
		<-done
	})
	return lis.Addr().String(), s
}

// ended returns a Done hook for feedsvc.Impl and the channel on which it
// reports the error of each ended Ticks stream's context.
func ended() (func(context.Context), chan error) {
	ch := make(chan error, 100)
	return func(ctx context.Context) { ch <- ctx.Err() }, ch
}

// serverCanceled fails the test unless a stream's server context ends,
// canceled or timed out, within 10 seconds.
func serverCanceled(t *testing.T, dones chan error, want error) {
	t.Helper()
	select {
	case err := <-dones:
		if !errors.Is(err, want) {
			t.Errorf("the server's stream context ended with %v, want %v", err, want)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("the server's stream context was not done 10s after the stream should have ended")
	}
}

func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var items []T
	for v, err := range seq {
		if err != nil {
			return items, err
		}
		items = append(items, v)
	}
	return items, nil
}

func TestStreamItemsArriveBeforeItEnds(t *testing.T) {
	send := make(chan int)
	done, dones := ended()
	addr, _ := serveFeed(t, &feedsvc.Impl{Send: send, Done: done})
	feed := feedsvc.NewFeedNetRPCClient(dial(t, addr))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	go func() { send <- 1 }()
	want := 1
	// The server produces item n+1 only once item n reached the loop: each
	// item arrives while the stream is still open.
	for tick, err := range feed.Ticks(ctx, "hi") {
		if err != nil {
			t.Fatalf("after %d items: %v", want-1, err)
		}
		if tick != (feedsvc.Tick{N: want, Note: "hi"}) {
			t.Fatalf("item %d = %+v, want {N:%d Note:hi}", want, tick, want)
		}
		if want == 100 { // past a batch's worth
			break
		}
		want++
		send <- want
	}
	serverCanceled(t, dones, context.Canceled) // breaking out ended the server's stream
}

func TestStreamCountAndErrorAfterItems(t *testing.T) {
	addr, _ := serveFeed(t, &feedsvc.Impl{})
	feed := feedsvc.NewFeedNetRPCClient(dial(t, addr))
	ctx := context.Background()
	seq := func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i + 1
		}
		return s
	}
	for _, n := range []int{0, 1, 3, 64, 65, 1000} {
		got, err := collect(feed.Count(ctx, n, ""))
		if err != nil || len(got) != n || (n > 0 && !reflect.DeepEqual(got, seq(n))) {
			t.Errorf("Count(%d) = %d items, %v; want 1..%d", n, len(got), err, n)
		}
		got, err = collect(feed.Count(ctx, n, "not_found"))
		if len(got) != n || (n > 0 && !reflect.DeepEqual(got, seq(n))) {
			t.Errorf("Count(%d, not_found) = %d items; want 1..%d before the error", n, len(got), n)
		}
		var e *stdrpc.Error
		if !errors.As(err, &e) || e.Code() != stdrpc.NotFound || e.Message() != "failed after "+strconv.Itoa(n)+" items" {
			t.Errorf("Count(%d, not_found) ended with %v; want not_found: failed after %d items", n, err, n)
		}
	}
}

func TestStreamConsumerCancel(t *testing.T) {
	send := make(chan int, 1)
	done, dones := ended()
	addr, _ := serveFeed(t, &feedsvc.Impl{Send: send, Done: done})
	feed := feedsvc.NewFeedNetRPCClient(dial(t, addr))

	// Canceling while the loop body runs reaches the server at once.
	ctx, cancel := context.WithCancel(context.Background())
	send <- 1
	var last error
	n := 0
	for _, err := range feed.Ticks(ctx, "") {
		if err != nil {
			last = err
			break
		}
		n++
		cancel()
		serverCanceled(t, dones, context.Canceled) // still inside the loop body
	}
	if n != 1 || stdrpc.CodeOf(last) != stdrpc.Canceled || !errors.Is(last, context.Canceled) {
		t.Errorf("after cancel: %d items then %v; want 1 item then canceled matching context.Canceled", n, last)
	}

	// Canceling while the client waits for the next batch.
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	send <- 1
	n, last = 0, nil
	for _, err := range feed.Ticks(ctx, "") {
		if err != nil {
			last = err
			break
		}
		n++
		go cancel() // the loop goes on to wait for an item that never comes
	}
	if n != 1 || stdrpc.CodeOf(last) != stdrpc.Canceled || !errors.Is(last, context.Canceled) {
		t.Errorf("after cancel: %d items then %v; want 1 item then canceled matching context.Canceled", n, last)
	}
	serverCanceled(t, dones, context.Canceled)
}

func TestStreamDeadline(t *testing.T) {
	send := make(chan int, 1)
	done, dones := ended()
	// One open stream at most, so that the next stream shows the first was
	// forgotten.
	addr, _ := serveFeed(t, &feedsvc.Impl{Send: send, Done: done}, netrpcx.WithMaxInFlight(2))
	feed := feedsvc.NewFeedNetRPCClient(dial(t, addr))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	send <- 1
	got, err := collect(feed.Ticks(ctx, ""))
	if len(got) != 1 || stdrpc.CodeOf(err) != stdrpc.DeadlineExceeded || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Ticks = %v, %v; want one item then deadline_exceeded matching context.DeadlineExceeded", got, err)
	}
	serverCanceled(t, dones, context.DeadlineExceeded) // the server's context had the deadline too
	waitFor(t, "the server to forget the timed-out stream", func() bool {
		_, err := collect(feed.Count(context.Background(), 1, ""))
		return err == nil
	})
}

// counting is a Feed whose Ticks counts the items it yields and reports
// its context's end.
type counting struct {
	feedsvc.Impl
	yields atomic.Int64
	dones  chan error
}

func (f *counting) Ticks(ctx context.Context, note string) iter.Seq2[feedsvc.Tick, error] {
	return func(yield func(feedsvc.Tick, error) bool) {
		defer func() { f.dones <- ctx.Err() }()
		for i := 1; ; i++ {
			f.yields.Add(1)
			if !yield(feedsvc.Tick{N: i}, nil) {
				return
			}
		}
	}
}

func TestStreamBackpressure(t *testing.T) {
	f := &counting{dones: make(chan error, 1)}
	addr, _ := serveFeed(t, f)
	feed := feedsvc.NewFeedNetRPCClient(dial(t, addr))
	for range feed.Ticks(context.Background(), "") {
		// A consumer that stops after its first item: the producer may run
		// ahead a bounded number of items and must then wait.
		waitFor(t, "the producer to run ahead", func() bool { return f.yields.Load() >= 64 })
		time.Sleep(300 * time.Millisecond)
		if n := f.yields.Load(); n > 200 {
			t.Errorf("the producer yielded %d items while the consumer took 1; want a bound under 200", n)
		}
		break
	}
	serverCanceled(t, f.dones, context.Canceled)
}

// panicking is a Feed whose Count panics after two items.
type panicking struct{ *feedsvc.Impl }

func (panicking) Count(ctx context.Context, n int, code string) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		if yield(1, nil) && yield(2, nil) {
			panic("feed: Count was told to panic")
		}
	}
}

func TestStreamPanicIsInternalAfterItems(t *testing.T) {
	addr, _ := serveFeed(t, panicking{&feedsvc.Impl{}})
	c := dial(t, addr)
	got, err := collect(feedsvc.NewFeedNetRPCClient(c).Count(context.Background(), 5, ""))
	if !reflect.DeepEqual(got, []int{1, 2}) || stdrpc.CodeOf(err) != stdrpc.Internal {
		t.Errorf("Count = %v, %v; want [1 2] then internal", got, err)
	}
	if sum, err := testsvc.NewTestNetRPCClient(c).Add(context.Background(), 2, 3); err != nil || sum != 5 {
		t.Errorf("Add after the panic = %v, %v; want 5", sum, err)
	}
}

func TestManyStreamsOnOneConnection(t *testing.T) {
	done, dones := ended()
	addr, _ := serveFeed(t, &feedsvc.Impl{Done: done})
	c := dial(t, addr)
	feed := feedsvc.NewFeedNetRPCClient(c)
	test := testsvc.NewTestNetRPCClient(c)
	ctx := context.Background()

	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			n := 100 + i*37
			got, err := collect(feed.Count(ctx, n, ""))
			if err != nil || len(got) != n || got[n-1] != n {
				t.Errorf("Count(%d) = %d items, %v", n, len(got), err)
			}
		}()
		go func() {
			defer wg.Done()
			for j := range 50 {
				if sum, err := test.Add(ctx, i, j); err != nil || sum != i+j {
					t.Errorf("Add(%d, %d) = %d, %v", i, j, sum, err)
					return
				}
			}
		}()
	}
	wg.Wait()

	// Streams held open mid-way all end when the connection closes.
	const open = 10
	var stops []func()
	for i := range open {
		next, stop := iter.Pull2(feed.Ticks(ctx, ""))
		stops = append(stops, stop)
		if tick, err, ok := next(); !ok || err != nil || tick.N != 1 {
			t.Fatalf("stream %d: first item %v, %v, %v", i, tick, err, ok)
		}
	}
	c.Close()
	for range open {
		serverCanceled(t, dones, context.Canceled)
	}
	for _, stop := range stops {
		stop()
	}
}

func TestStreamsLeaveNoGoroutines(t *testing.T) {
	addr, _ := serveFeed(t, &feedsvc.Impl{})
	c := dial(t, addr)
	feed := feedsvc.NewFeedNetRPCClient(c)
	test := testsvc.NewTestNetRPCClient(c)
	ctx := context.Background()
	if err := test.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	baseline := runtime.NumGoroutine()
	for i := range 500 {
		n := 0
		for _, err := range feed.Ticks(ctx, "") {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n > i%70 { // break early, within the first batch or after some
				break
			}
		}
	}
	waitFor(t, "the streams' goroutines to end", func() bool { return runtime.NumGoroutine() <= baseline })
}

func TestStreamShutdownDoesNotWaitForOpenStreams(t *testing.T) {
	done, dones := ended()
	addr, s := serveFeed(t, &feedsvc.Impl{Done: done})
	feed := feedsvc.NewFeedNetRPCClient(dial(t, addr))
	next, stop := iter.Pull2(feed.Ticks(context.Background(), "")) // endless
	defer stop()
	if _, err, _ := next(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a stream open: %v; want nil well within 10s", err)
	}
	serverCanceled(t, dones, context.Canceled)
	for range 1000 { // the items already received, then the cut
		_, err, ok := next()
		if !ok {
			t.Fatal("the stream ended without an error after Shutdown")
		}
		if err != nil {
			if stdrpc.CodeOf(err) != stdrpc.Unavailable {
				t.Errorf("after Shutdown the stream ended with %v; want unavailable", err)
			}
			return
		}
	}
	t.Fatal("the stream went on after Shutdown")
}

func TestStreamInterceptorsWrapTheWholeStream(t *testing.T) {
	var mu sync.Mutex
	var serverCalls []error
	var sawMeta []string
	server := func(ctx context.Context, info stdrpc.CallInfo, next func(context.Context) error) error {
		err := next(ctx)
		mu.Lock()
		serverCalls = append(serverCalls, err)
		sawMeta = append(sawMeta, stdrpc.Incoming(ctx).Get("Trace"))
		mu.Unlock()
		return err
	}
	var clientCalls []stdrpc.CallInfo
	client := func(ctx context.Context, info stdrpc.CallInfo, next func(context.Context) error) error {
		clientCalls = append(clientCalls, info)
		return next(stdrpc.AppendOutgoing(ctx, "Trace", "t1"))
	}
	addr, _ := serveFeed(t, &feedsvc.Impl{}, netrpcx.WithInterceptors(server))
	feed := feedsvc.NewFeedNetRPCClient(dial(t, addr, netrpcx.WithClientInterceptors(client)))
	got, err := collect(feed.Count(context.Background(), 300, "aborted"))
	if len(got) != 300 || stdrpc.CodeOf(err) != stdrpc.Aborted {
		t.Fatalf("Count = %d items, %v; want 300 then aborted", len(got), err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(serverCalls) != 1 || stdrpc.CodeOf(serverCalls[0]) != stdrpc.Aborted || sawMeta[0] != "t1" {
		t.Errorf("the server interceptor ran %d times with %v and metadata %q; want once, with aborted and Trace t1", len(serverCalls), serverCalls, sawMeta)
	}
	if want := []stdrpc.CallInfo{{Service: "Feed", Method: "Count"}}; !reflect.DeepEqual(clientCalls, want) {
		t.Errorf("the client interceptor saw %v; want %v", clientCalls, want)
	}
}

func TestStreamAgainstServersWithoutStreams(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// A netrpcx server without the service.
	addr, _ := serve(t, &testsvc.Impl{})
	_, err := collect(feedsvc.NewFeedNetRPCClient(dial(t, addr)).Count(ctx, 3, ""))
	if stdrpc.CodeOf(err) != stdrpc.Unimplemented {
		t.Errorf("a netrpcx server without Feed: %v; want unimplemented", err)
	}

	// The generated adapter on a stock codec, which sends no codes: the
	// text tells what is wrong.
	rs := rpc.NewServer()
	if err := feedsvc.RegisterFeedNetRPC(rs, &feedsvc.Impl{}); err != nil {
		t.Fatal(err)
	}
	_, err = collect(feedsvc.NewFeedNetRPCClient(dial(t, serveStock(t, rs))).Count(ctx, 3, ""))
	if err == nil || !strings.Contains(err.Error(), "unimplemented: netrpcx: the method is a server stream, which needs a netrpcx server") {
		t.Errorf("a stock codec serving Feed: %v; want the adapter's unimplemented error", err)
	}
}

// rawHeader is netrpcx's request header as any peer may write it.
type rawHeader struct {
	ServiceMethod string
	Seq           uint64
	Stream        uint64
}

type rawResponse struct {
	ServiceMethod string
	Seq           uint64
	Error         string
	Code          string
}

func TestStreamBadPulls(t *testing.T) {
	addr, _ := serveFeed(t, &feedsvc.Impl{})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	enc, dec := gob.NewEncoder(conn), gob.NewDecoder(conn)
	for _, tc := range []struct {
		hdr  rawHeader
		code string
		text string
	}{
		{rawHeader{"Feed.Count", 1, 99}, "failed_precondition",
			"failed_precondition: netrpcx: the connection has no stream 99: it ended, was canceled, or never began; call Feed.Count again to start a new one"},
		{rawHeader{"Test.Add", 2, 99}, "invalid_argument",
			"invalid_argument: netrpcx: the call names stream 99, but Test.Add is not a stream: call it without a stream"},
	} {
		if err := enc.Encode(tc.hdr); err != nil {
			t.Fatal(err)
		}
		if err := enc.Encode(struct{}{}); err != nil {
			t.Fatal(err)
		}
		var resp rawResponse
		if err := dec.Decode(&resp); err != nil {
			t.Fatal(err)
		}
		if err := dec.Decode(&struct{}{}); err != nil {
			t.Fatal(err)
		}
		if resp.Seq != tc.hdr.Seq || resp.Code != tc.code || resp.Error != tc.text {
			t.Errorf("%+v answered %+v; want code %s, %q", tc.hdr, resp, tc.code, tc.text)
		}
	}
}

// The benchmarks measure one stream of small items over loopback, against
// what one would write with stock net/rpc: a method that returns pages of
// 64 items, called page after page.
//
//	go test ./netrpcx -run '^$' -bench Stream -benchmem

func BenchmarkStream(b *testing.B) {
	addr, _ := serveFeed(b, &feedsvc.Impl{})
	feed := feedsvc.NewFeedNetRPCClient(dial(b, addr))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for v, err := range feed.Count(context.Background(), b.N, "") {
		if err != nil {
			b.Fatal(err)
		}
		n = v
	}
	if n != b.N {
		b.Fatalf("got %d items, want %d", n, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

type PageArgs struct{ From, N int }

type Pager struct{}

func (Pager) Page(args *PageArgs, reply *[]int) error {
	page := make([]int, 0, 64)
	for i := args.From; i < args.N && len(page) < 64; i++ {
		page = append(page, i+1)
	}
	*reply = page
	return nil
}

func BenchmarkStreamStockPages(b *testing.B) {
	rs := rpc.NewServer()
	if err := rs.Register(Pager{}); err != nil {
		b.Fatal(err)
	}
	c, err := rpc.Dial("tcp", serveStock(b, rs))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	var page []int
	for n < b.N {
		page = page[:0]
		if err := c.Call("Pager.Page", &PageArgs{From: n, N: b.N}, &page); err != nil {
			b.Fatal(err)
		}
		for _, v := range page {
			n = v
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkStreamShort opens a stream of one item per operation: the cost
// of a stream beside a unary call (BenchmarkAdd).
func BenchmarkStreamShort(b *testing.B) {
	addr, _ := serveFeed(b, &feedsvc.Impl{})
	feed := feedsvc.NewFeedNetRPCClient(dial(b, addr))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		for _, err := range feed.Count(ctx, 1, "") {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func TestOpenStreamsAreBounded(t *testing.T) {
	done, dones := ended()
	addr, _ := serveFeed(t, &feedsvc.Impl{Done: done}, netrpcx.WithMaxInFlight(4))
	feed := feedsvc.NewFeedNetRPCClient(dial(t, addr))
	ctx := context.Background()
	var stops []func()
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()
	for i := range 2 { // half of WithMaxInFlight
		next, stop := iter.Pull2(feed.Ticks(ctx, ""))
		stops = append(stops, stop)
		if _, err, _ := next(); err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
	}
	_, err := collect(feed.Count(ctx, 1, ""))
	if stdrpc.CodeOf(err) != stdrpc.ResourceExhausted || !strings.Contains(err.Error(), "open streams") {
		t.Errorf("a third stream: %v; want resource_exhausted naming the open streams", err)
	}
	stops[0]() // ending one makes room
	serverCanceled(t, dones, context.Canceled)
	if got, err := collect(feed.Count(ctx, 1, "")); err != nil || len(got) != 1 {
		t.Errorf("a stream after one ended: %v, %v; want [1]", got, err)
	}
}
