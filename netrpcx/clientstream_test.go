package netrpcx_test

import (
	"context"
	"errors"
	"iter"
	"net"
	"net/rpc"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
	"github.com/stdrpc/stdrpc/observe"
)

// Chunk is the item of the streams below; Summary, the client stream's
// result.
type Chunk struct {
	N    int
	Data []byte
}

type Summary struct {
	Count, Last int
	InOrder     bool
}

// Syncer has a client stream and a bidirectional stream, as a service
// declares them for the generator.
type Syncer interface {
	Upload(ctx context.Context, chunks iter.Seq[Chunk]) (Summary, error)
	Sync(ctx context.Context, in iter.Seq[Chunk]) iter.Seq2[Chunk, error]
}

// SyncerNetRPC and syncerNetRPCClient are what the generator writes for
// Syncer's net/rpc transport.
type SyncerNetRPC struct{ impl Syncer }

func RegisterSyncerNetRPC(srv *rpc.Server, impl Syncer) error {
	s := &SyncerNetRPC{impl: impl}
	return netrpcx.Register(srv, "Syncer", s,
		netrpcx.NewMethod("Upload", s.Upload, netrpcx.ClientStreaming(s.upload)),
		netrpcx.NewMethod("Sync", s.Sync, netrpcx.BidiStreaming(s.sync)),
	)
}

// Upload serves Syncer.Upload, a client stream, which needs netrpcx at both ends.
func (s *SyncerNetRPC) Upload(req *netrpcx.Batch[Chunk], resp *Summary) error {
	return netrpcx.RunClientStream(req)
}

func (s *SyncerNetRPC) upload(ctx context.Context, in iter.Seq[Chunk], resp *Summary) (err error) {
	*resp, err = s.impl.Upload(ctx, in)
	return err
}

// Sync serves Syncer.Sync, a bidirectional stream, which needs netrpcx at both ends.
func (s *SyncerNetRPC) Sync(req *netrpcx.Batch[Chunk], resp *netrpcx.Batch[Chunk]) error {
	return netrpcx.RunClientStream(req)
}

func (s *SyncerNetRPC) sync(ctx context.Context, in iter.Seq[Chunk]) iter.Seq2[Chunk, error] {
	return s.impl.Sync(ctx, in)
}

type syncerNetRPCClient struct{ c *netrpcx.Client }

func NewSyncerNetRPCClient(c *netrpcx.Client) Syncer { return syncerNetRPCClient{c: c} }

func (c syncerNetRPCClient) Upload(ctx context.Context, chunks iter.Seq[Chunk]) (Summary, error) {
	var resp Summary
	err := netrpcx.ClientStream(ctx, c.c, "Syncer.Upload", chunks, &resp)
	return resp, err
}

func (c syncerNetRPCClient) Sync(ctx context.Context, in iter.Seq[Chunk]) iter.Seq2[Chunk, error] {
	return netrpcx.BidiStream[Chunk, Chunk](ctx, c.c, "Syncer.Sync", in)
}

// syncer is a Syncer whose methods each test gives.
type syncer struct {
	upload func(ctx context.Context, in iter.Seq[Chunk]) (Summary, error)
	sync   func(ctx context.Context, in iter.Seq[Chunk]) iter.Seq2[Chunk, error]
}

func (s *syncer) Upload(ctx context.Context, in iter.Seq[Chunk]) (Summary, error) {
	return s.upload(ctx, in)
}

func (s *syncer) Sync(ctx context.Context, in iter.Seq[Chunk]) iter.Seq2[Chunk, error] {
	return s.sync(ctx, in)
}

// summarize is an Upload that takes every item.
func summarize(ctx context.Context, in iter.Seq[Chunk]) (Summary, error) {
	s := Summary{InOrder: true}
	for c := range in {
		s.Count++
		s.InOrder = s.InOrder && c.N == s.Count
		s.Last = c.N
	}
	return s, ctx.Err()
}

// serveSyncer serves impl and testsvc with netrpcx on a loopback port until
// the test ends.
func serveSyncer(t testing.TB, impl Syncer, opts ...netrpcx.ServerOption) (string, *netrpcx.Server) {
	t.Helper()
	rs := rpc.NewServer()
	if err := RegisterSyncerNetRPC(rs, impl); err != nil {
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

// chunks yields Chunks 1 to n.
func chunks(n int) iter.Seq[Chunk] {
	return func(yield func(Chunk) bool) {
		for i := 1; i <= n; i++ {
			if !yield(Chunk{N: i}) {
				return
			}
		}
	}
}

// endless yields Chunks 1, 2, ... for ever, counting those it yielded.
func endless(pulled *atomic.Int64) iter.Seq[Chunk] {
	return func(yield func(Chunk) bool) {
		for i := 1; ; i++ {
			pulled.Add(1)
			if !yield(Chunk{N: i}) {
				return
			}
		}
	}
}

// within fails the test unless f returns within 10 seconds.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not return within 10s", what)
	}
}

// ctxEnds returns an Upload that takes items until its context ends,
// reporting each item and the context's error.
func ctxEnds(seen chan<- int, ended chan<- error) func(context.Context, iter.Seq[Chunk]) (Summary, error) {
	return func(ctx context.Context, in iter.Seq[Chunk]) (Summary, error) {
		for c := range in {
			seen <- c.N
		}
		ended <- ctx.Err()
		return Summary{}, ctx.Err()
	}
}

func TestClientStreamItemsInOrder(t *testing.T) {
	addr, _ := serveSyncer(t, &syncer{upload: summarize})
	up := NewSyncerNetRPCClient(dial(t, addr))
	for _, n := range []int{0, 1, 3, 64, 65, 300, 5000} {
		got, err := up.Upload(context.Background(), chunks(n))
		if err != nil || got != (Summary{Count: n, Last: n, InOrder: true}) {
			t.Errorf("Upload of %d items = %+v, %v; want all of them, in order", n, got, err)
		}
	}
}

func TestClientStreamItemsArriveAsSent(t *testing.T) {
	seen := make(chan int, 1)
	addr, _ := serveSyncer(t, &syncer{upload: func(ctx context.Context, in iter.Seq[Chunk]) (Summary, error) {
		s := Summary{}
		for c := range in {
			s.Count, s.Last = s.Count+1, c.N
			seen <- c.N
		}
		return s, nil
	}})
	up := NewSyncerNetRPCClient(dial(t, addr))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Item n+1 is yielded only once the server took item n: each travels
	// while the stream is open.
	in := func(yield func(Chunk) bool) {
		for i := 1; i <= 100; i++ {
			if !yield(Chunk{N: i}) {
				return
			}
			select {
			case n := <-seen:
				if n != i {
					t.Errorf("the server took item %d after the client sent %d", n, i)
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
	if got, err := up.Upload(ctx, in); err != nil || got.Count != 100 || got.Last != 100 {
		t.Errorf("Upload = %+v, %v; want 100 items", got, err)
	}
}

func TestClientStreamServerReturnsEarly(t *testing.T) {
	addr, _ := serveSyncer(t, &syncer{upload: func(ctx context.Context, in iter.Seq[Chunk]) (Summary, error) {
		s := Summary{}
		for c := range in {
			s.Count, s.Last = s.Count+1, c.N
			if s.Count == 3 {
				break
			}
		}
		return s, nil
	}})
	up := NewSyncerNetRPCClient(dial(t, addr))

	// An endless iterator: the client stops pulling it.
	var pulled atomic.Int64
	got, err := up.Upload(context.Background(), endless(&pulled))
	if err != nil || got.Count != 3 || got.Last != 3 {
		t.Errorf("Upload = %+v, %v; want the server's result after 3 items", got, err)
	}
	if n := pulled.Load(); n > 400 {
		t.Errorf("the client pulled %d items of a stream whose server took 3; want a bound under 400", n)
	}

	// An iterator that waits for ever after 3 items: the result comes
	// without waiting for it.
	stuck := make(chan struct{})
	defer close(stuck)
	within(t, "Upload with an iterator that blocks after the server returned", func() {
		got, err = up.Upload(context.Background(), func(yield func(Chunk) bool) {
			for i := 1; i <= 3; i++ {
				if !yield(Chunk{N: i}) {
					return
				}
			}
			<-stuck
		})
	})
	if err != nil || got.Count != 3 {
		t.Errorf("Upload = %+v, %v; want the server's result after 3 items", got, err)
	}
}

func TestClientStreamErrorAfterItems(t *testing.T) {
	addr, _ := serveSyncer(t, &syncer{upload: func(ctx context.Context, in iter.Seq[Chunk]) (Summary, error) {
		n := 0
		for range in {
			if n++; n == 100 {
				return Summary{}, stdrpc.Errorf(stdrpc.NotFound, "no room after %d items", n)
			}
		}
		return Summary{Count: n}, nil
	}})
	up := NewSyncerNetRPCClient(dial(t, addr))
	_, err := up.Upload(context.Background(), chunks(1000))
	var e *stdrpc.Error
	if !errors.As(err, &e) || e.Code() != stdrpc.NotFound || e.Message() != "no room after 100 items" {
		t.Errorf("Upload = %v; want not_found: no room after 100 items", err)
	}
	if got, err := up.Upload(context.Background(), chunks(99)); err != nil || got.Count != 99 {
		t.Errorf("Upload of 99 = %+v, %v; want 99 items", got, err)
	}
}

func TestClientStreamCancel(t *testing.T) {
	seen, ended := make(chan int, 1000), make(chan error, 10)
	addr, _ := serveSyncer(t, &syncer{upload: ctxEnds(seen, ended)})
	up := NewSyncerNetRPCClient(dial(t, addr))

	// The caller cancels while its iterator waits: the server's context
	// ends, and its in with it.
	ctx, cancel := context.WithCancel(context.Background())
	var err error
	within(t, "Upload after cancel", func() {
		_, err = up.Upload(ctx, func(yield func(Chunk) bool) {
			if !yield(Chunk{N: 1}) {
				return
			}
			<-seen
			cancel()
			<-ctx.Done()
		})
	})
	if stdrpc.CodeOf(err) != stdrpc.Canceled || !errors.Is(err, context.Canceled) {
		t.Errorf("Upload after cancel = %v; want canceled matching context.Canceled", err)
	}
	serverCanceled(t, ended, context.Canceled)
}

func TestClientStreamDeadline(t *testing.T) {
	seen, ended := make(chan int, 1000), make(chan error, 10)
	// One open stream at most, so that the next shows the first was
	// forgotten.
	addr, _ := serveSyncer(t, &syncer{upload: ctxEnds(seen, ended)}, netrpcx.WithMaxInFlight(2))
	up := NewSyncerNetRPCClient(dial(t, addr))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := up.Upload(ctx, func(yield func(Chunk) bool) {
		if yield(Chunk{N: 1}) {
			<-ctx.Done()
		}
	})
	if stdrpc.CodeOf(err) != stdrpc.DeadlineExceeded || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Upload past its deadline = %v; want deadline_exceeded matching context.DeadlineExceeded", err)
	}
	serverCanceled(t, ended, context.DeadlineExceeded)
	waitFor(t, "the server to forget the timed-out stream", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := up.Upload(ctx, chunks(0))
		return err == nil
	})
}

func TestClientStreamSlowServerHoldsTheCaller(t *testing.T) {
	release, ended := make(chan struct{}), make(chan error, 1)
	addr, _ := serveSyncer(t, &syncer{upload: func(ctx context.Context, in iter.Seq[Chunk]) (Summary, error) {
		s := Summary{}
		for c := range in {
			if s.Count == 0 {
				<-release // a slow implementation: one item, then a long wait
			}
			s.Count, s.Last = s.Count+1, c.N
			if s.Count == 2000 {
				break
			}
		}
		ended <- ctx.Err()
		return s, nil
	}}, netrpcx.WithMemoryBudget(1<<20))
	up := NewSyncerNetRPCClient(dial(t, addr))

	var pulled atomic.Int64
	done := make(chan error, 1)
	go func() {
		got, err := up.Upload(context.Background(), endless(&pulled))
		if err == nil && got.Count != 2000 {
			err = errors.New("the server took the wrong items")
		}
		done <- err
	}()
	// The caller's iterator is pulled a bounded way ahead of the server,
	// then waits: the client sends only what the server may hold.
	var last int64
	waitFor(t, "the client to stop pulling", func() bool {
		time.Sleep(100 * time.Millisecond)
		n := pulled.Load()
		stable := n == last && n > 0
		last = n
		return stable
	})
	if last > 400 {
		t.Errorf("the client pulled %d items while the server took 1; want a bound under 400 (a batch at the client, the opening batch and %d more at the server)", last, 4)
	}
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Upload after the server caught up: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Upload did not end after the server caught up")
	}
	if err := <-ended; err != nil {
		t.Errorf("the server's context: %v", err)
	}
}

func TestClientStreamOversizedItem(t *testing.T) {
	const limit = 32 << 10
	addr, _ := serveSyncer(t, &syncer{upload: summarize}, netrpcx.WithMaxMessageBytes(limit))
	ctx := context.Background()
	big := make([]byte, 2*limit)
	withBig := func(at, n int) iter.Seq[Chunk] {
		return func(yield func(Chunk) bool) {
			for i := 1; i <= n; i++ {
				c := Chunk{N: i, Data: []byte("small")}
				if i == at {
					c.Data = big
				}
				if !yield(c) {
					return
				}
			}
		}
	}
	for _, at := range []int{1, 500} {
		up := NewSyncerNetRPCClient(dial(t, addr))
		_, err := up.Upload(ctx, withBig(at, 1000))
		if stdrpc.CodeOf(err) != stdrpc.ResourceExhausted || !strings.Contains(err.Error(), "netrpcx.WithMaxMessageBytes") {
			t.Errorf("Upload with item %d over the server's limit = %v; want resource_exhausted naming the option", at, err)
		}
	}

	// Items well under the limit go in batches that are too: 200 items
	// of 4 KiB are 800 KiB, 25 times the limit.
	up := NewSyncerNetRPCClient(dial(t, addr))
	mid := make([]byte, 4<<10)
	got, err := up.Upload(ctx, func(yield func(Chunk) bool) {
		for i := 1; i <= 200 && yield(Chunk{N: i, Data: mid}); i++ {
		}
	})
	if err != nil || got.Count != 200 || !got.InOrder {
		t.Errorf("Upload of 200 items of 4 KiB under a 32 KiB limit = %+v, %v; want them all", got, err)
	}
}

func TestClientStreamInterceptorsAndMetadata(t *testing.T) {
	var serverRuns, clientRuns atomic.Int32
	var sawTrace atomic.Value
	server := func(ctx context.Context, info stdrpc.CallInfo, next func(context.Context) error) error {
		serverRuns.Add(1)
		sawTrace.Store(stdrpc.Incoming(ctx).Get("Trace"))
		return next(ctx)
	}
	client := func(ctx context.Context, info stdrpc.CallInfo, next func(context.Context) error) error {
		clientRuns.Add(1)
		return next(stdrpc.AppendOutgoing(ctx, "Trace", "t1"))
	}
	addr, _ := serveSyncer(t, &syncer{upload: summarize}, netrpcx.WithInterceptors(server))
	up := NewSyncerNetRPCClient(dial(t, addr, netrpcx.WithClientInterceptors(client)))
	if got, err := up.Upload(context.Background(), chunks(1000)); err != nil || got.Count != 1000 {
		t.Fatalf("Upload = %+v, %v", got, err)
	}
	if s, c, tr := serverRuns.Load(), clientRuns.Load(), sawTrace.Load(); s != 1 || c != 1 || tr != "t1" {
		t.Errorf("interceptors ran %d times on the server (seeing Trace %q) and %d on the client; want once each, with Trace t1", s, tr, c)
	}
}

func TestClientStreamIteratorPanicIsRaisedAgain(t *testing.T) {
	addr, _ := serveSyncer(t, &syncer{upload: summarize})
	up := NewSyncerNetRPCClient(dial(t, addr))
	defer func() {
		if p := recover(); p != "iterator broke" {
			t.Errorf("recovered %v; want the iterator's panic", p)
		}
	}()
	up.Upload(context.Background(), func(yield func(Chunk) bool) {
		yield(Chunk{N: 1})
		panic("iterator broke")
	})
	t.Error("Upload returned after its iterator panicked")
}

func TestClientStreamShutdown(t *testing.T) {
	seen, ended := make(chan int, 1000), make(chan error, 10)
	addr, s := serveSyncer(t, &syncer{upload: ctxEnds(seen, ended)})
	up := NewSyncerNetRPCClient(dial(t, addr))
	stuck := make(chan struct{})
	defer close(stuck)
	done := make(chan error, 1)
	go func() {
		_, err := up.Upload(context.Background(), func(yield func(Chunk) bool) {
			if yield(Chunk{N: 1}) {
				<-stuck
			}
		})
		done <- err
	}()
	<-seen
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a client stream open: %v; want nil well within 10s", err)
	}
	serverCanceled(t, ended, context.Canceled)
	select {
	case err := <-done:
		if stdrpc.CodeOf(err) != stdrpc.Unavailable {
			t.Errorf("after Shutdown the stream ended with %v; want unavailable", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stream went on after Shutdown")
	}
}

// The streams' items need a netrpcx client and server; a stock peer at
// either end gets unimplemented, and its connection serves other calls.
func TestClientAndBidiStreamsAgainstStockPeers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// A stock client of a netrpcx server.
	addr, _ := serveSyncer(t, &syncer{upload: summarize, sync: echo})
	stock, err := rpc.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stock.Close()
	for _, m := range []string{"Upload", "Sync"} {
		var reply netrpcx.Batch[Chunk]
		err := stock.Call("Syncer."+m, &netrpcx.Batch[Chunk]{Items: []Chunk{{N: 1}}, Done: true}, &reply)
		if err == nil || !strings.HasPrefix(err.Error(), "unimplemented: netrpcx: Syncer."+m+" is a ") || !strings.Contains(err.Error(), "need a netrpcx client") {
			t.Errorf("a stock client calling Syncer.%s: %v; want unimplemented, saying it needs a netrpcx client", m, err)
		}
	}
	var sum int
	if err := stock.Call("Test.Add", &testsvc.TestAddRequest{A: 2, B: 3}, &sum); err != nil || sum != 5 {
		t.Errorf("the stock client's next call: %v, %v; want 5", sum, err)
	}

	// A netrpcx client of a stock server running the generated adapter,
	// and of a netrpcx server without the service.
	rs := rpc.NewServer()
	if err := RegisterSyncerNetRPC(rs, &syncer{upload: summarize, sync: echo}); err != nil {
		t.Fatal(err)
	}
	if err := testsvc.RegisterTestNetRPC(rs, &testsvc.Impl{}); err != nil {
		t.Fatal(err)
	}
	other, _ := serve(t, &testsvc.Impl{})
	for _, addr := range []string{serveStock(t, rs), other} {
		c := dial(t, addr)
		up := NewSyncerNetRPCClient(c)
		for _, n := range []int{1, 1000} {
			if _, err := up.Upload(ctx, chunks(n)); stdrpc.CodeOf(err) != stdrpc.Unimplemented {
				t.Errorf("Upload of %d items to a server without netrpcx's streams: %v; want unimplemented", n, err)
			}
		}
		if _, err := collect(up.Sync(ctx, chunks(3))); stdrpc.CodeOf(err) != stdrpc.Unimplemented {
			t.Errorf("Sync with a server without netrpcx's streams: %v; want unimplemented", err)
		}
		if sum, err := testsvc.NewTestNetRPCClient(c).Add(ctx, 2, 3); err != nil || sum != 5 {
			t.Errorf("the client's next call: %v, %v; want 5", sum, err)
		}
	}
}

func TestClientAndBidiStreamsAreObservedAsStreams(t *testing.T) {
	o := observe.New()
	failing := func(ctx context.Context, in iter.Seq[Chunk]) (Summary, error) {
		for range in {
		}
		return Summary{}, stdrpc.Errorf(stdrpc.NotFound, "no such upload")
	}
	var uploads atomic.Int32
	addr, _ := serveSyncer(t, &syncer{
		upload: func(ctx context.Context, in iter.Seq[Chunk]) (Summary, error) {
			if uploads.Add(1) == 2 {
				return failing(ctx, in)
			}
			return summarize(ctx, in)
		},
		sync: echo,
	}, netrpcx.WithObserver(o))
	up := NewSyncerNetRPCClient(dial(t, addr))
	ctx := context.Background()
	up.Upload(ctx, chunks(1000))
	up.Upload(ctx, chunks(1000))
	if got, err := collect(up.Sync(ctx, chunks(300))); err != nil || len(got) != 300 {
		t.Fatalf("Sync = %d items, %v", len(got), err)
	}
	lbl := func(m string, more ...string) string {
		l := `{transport="netrpc",service="Syncer",method="` + m + `"`
		for i := 0; i < len(more); i += 2 {
			l += `,` + more[i] + `="` + more[i+1] + `"`
		}
		return l + "}"
	}
	want := []string{
		"stdrpc_server_calls_started_total" + lbl("Upload") + " 2",
		"stdrpc_server_calls_finished_total" + lbl("Upload", "code", "ok") + " 1",
		"stdrpc_server_calls_finished_total" + lbl("Upload", "code", "not_found") + " 1",
		"stdrpc_server_streams_open" + lbl("Upload") + " 0",
		"stdrpc_server_calls_started_total" + lbl("Sync") + " 1",
		"stdrpc_server_calls_finished_total" + lbl("Sync", "code", "ok") + " 1",
		"stdrpc_server_streams_open" + lbl("Sync") + " 0",
		"stdrpc_server_stream_items_sent_total" + lbl("Sync") + " 300",
	}
	waitFor(t, "the streams' ends to be counted", func() bool {
		text := string(o.AppendText(nil))
		for _, w := range want {
			if !strings.Contains(text, w+"\n") {
				return false
			}
		}
		return true
	})
}
