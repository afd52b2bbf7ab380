package netrpcx_test

import (
	"context"
	"encoding/gob"
	"errors"
	"iter"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// echo is a Sync that answers each item with itself.
func echo(ctx context.Context, in iter.Seq[Chunk]) iter.Seq2[Chunk, error] {
	return func(yield func(Chunk, error) bool) {
		for c := range in {
			if !yield(c, nil) {
				return
			}
		}
	}
}

func TestBidiStreamItemsInOrder(t *testing.T) {
	addr, _ := serveSyncer(t, &syncer{sync: echo})
	sync := NewSyncerNetRPCClient(dial(t, addr)).Sync
	for _, n := range []int{0, 1, 65, 5000} {
		got, err := collect(sync(context.Background(), chunks(n)))
		ok := err == nil && len(got) == n
		for i := 0; ok && i < n; i++ {
			ok = got[i].N == i+1
		}
		if !ok {
			t.Errorf("Sync of %d items = %d items, %v; want them all back, in order", n, len(got), err)
		}
	}
}

func TestBidiStreamPingPong(t *testing.T) {
	addr, _ := serveSyncer(t, &syncer{sync: echo})
	sync := NewSyncerNetRPCClient(dial(t, addr)).Sync
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The caller sends item n+1 only once item n came back.
	next := make(chan int, 1)
	next <- 1
	in := func(yield func(Chunk) bool) {
		for {
			select {
			case n := <-next:
				if n > 200 || !yield(Chunk{N: n}) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
	want := 1
	for c, err := range sync(ctx, in) {
		if err != nil || c.N != want {
			t.Fatalf("round %d: %+v, %v", want, c, err)
		}
		want++
		next <- want
	}
	if want != 201 {
		t.Errorf("the stream ended after %d rounds; want 200", want-1)
	}
}

func TestBidiStreamServerSpeaksFirst(t *testing.T) {
	addr, _ := serveSyncer(t, &syncer{sync: func(ctx context.Context, in iter.Seq[Chunk]) iter.Seq2[Chunk, error] {
		return func(yield func(Chunk, error) bool) {
			if !yield(Chunk{N: -1}, nil) { // before reading anything
				return
			}
			n := 0
			for range in {
				n++
			}
			yield(Chunk{N: n}, nil) // after the caller's last item
		}
	}})
	sync := NewSyncerNetRPCClient(dial(t, addr)).Sync
	// The caller's iterator waits for the greeting.
	greeted := make(chan struct{})
	in := func(yield func(Chunk) bool) {
		<-greeted
		for i := 1; i <= 10 && yield(Chunk{N: i}); i++ {
		}
	}
	var got []int
	within(t, "a stream whose server speaks first", func() {
		for c, err := range sync(context.Background(), in) {
			if err != nil {
				t.Error(err)
				return
			}
			if got = append(got, c.N); len(got) == 1 {
				close(greeted)
			}
		}
	})
	if len(got) != 2 || got[0] != -1 || got[1] != 10 {
		t.Errorf("Sync = %v; want the greeting, then the count of the caller's 10 items", got)
	}
}

func TestBidiStreamServerReturnsEarly(t *testing.T) {
	addr, _ := serveSyncer(t, &syncer{sync: func(ctx context.Context, in iter.Seq[Chunk]) iter.Seq2[Chunk, error] {
		return func(yield func(Chunk, error) bool) {
			n := 0
			for c := range in {
				if !yield(c, nil) {
					return
				}
				if n++; n == 3 {
					yield(Chunk{}, stdrpc.Errorf(stdrpc.Aborted, "enough after %d", n))
					return
				}
			}
		}
	}})
	sync := NewSyncerNetRPCClient(dial(t, addr)).Sync
	var pulled atomic.Int64
	var got []Chunk
	var err error
	within(t, "Sync whose server returned early", func() { got, err = collect(sync(context.Background(), endless(&pulled))) })
	var e *stdrpc.Error
	if len(got) != 3 || !errors.As(err, &e) || e.Code() != stdrpc.Aborted || e.Message() != "enough after 3" {
		t.Errorf("Sync = %d items, %v; want 3 then aborted: enough after 3", len(got), err)
	}
	if n := pulled.Load(); n > 400 {
		t.Errorf("the client pulled %d items of a stream whose server took 3; want a bound under 400", n)
	}
}

func TestBidiStreamBreakCancelsTheServer(t *testing.T) {
	ended := make(chan error, 1)
	addr, _ := serveSyncer(t, &syncer{sync: func(ctx context.Context, in iter.Seq[Chunk]) iter.Seq2[Chunk, error] {
		return func(yield func(Chunk, error) bool) {
			defer func() { ended <- ctx.Err() }()
			for c := range in {
				if !yield(c, nil) {
					return
				}
			}
		}
	}})
	sync := NewSyncerNetRPCClient(dial(t, addr)).Sync
	var pulled atomic.Int64
	for c, err := range sync(context.Background(), endless(&pulled)) {
		if err != nil || c.N != 1 {
			t.Fatalf("first item: %+v, %v", c, err)
		}
		break
	}
	serverCanceled(t, ended, context.Canceled)
}

func TestBidiStreamCancelAndDeadline(t *testing.T) {
	ended := make(chan error, 2)
	addr, _ := serveSyncer(t, &syncer{sync: func(ctx context.Context, in iter.Seq[Chunk]) iter.Seq2[Chunk, error] {
		return func(yield func(Chunk, error) bool) {
			defer func() { ended <- ctx.Err() }()
			for c := range in {
				if !yield(c, nil) {
					return
				}
			}
		}
	}})
	sync := NewSyncerNetRPCClient(dial(t, addr)).Sync
	one := func(ctx context.Context) iter.Seq[Chunk] {
		return func(yield func(Chunk) bool) {
			if yield(Chunk{N: 1}) {
				<-ctx.Done()
			}
		}
	}

	// Canceled while the loop waits for the server's next item.
	ctx, cancel := context.WithCancel(context.Background())
	var got []Chunk
	var err error
	within(t, "Sync after cancel", func() {
		for c, e := range sync(ctx, one(ctx)) {
			if e != nil {
				err = e
				break
			}
			got = append(got, c)
			go cancel()
		}
	})
	if len(got) != 1 || stdrpc.CodeOf(err) != stdrpc.Canceled || !errors.Is(err, context.Canceled) {
		t.Errorf("Sync after cancel = %d items, %v; want 1 then canceled matching context.Canceled", len(got), err)
	}
	serverCanceled(t, ended, context.Canceled)

	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	got, err = collect(sync(ctx, one(ctx)))
	if len(got) != 1 || stdrpc.CodeOf(err) != stdrpc.DeadlineExceeded || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Sync past its deadline = %d items, %v; want 1 then deadline_exceeded", len(got), err)
	}
	serverCanceled(t, ended, context.DeadlineExceeded)
}

func TestBidiStreamSlowPeersHoldTheOtherSide(t *testing.T) {
	// A server that yields for ever and reads nothing: a loop that takes
	// one item holds it, and the caller's iterator is pulled a bounded
	// way ahead of a server that does not read it.
	var yields atomic.Int64
	ended := make(chan error, 1)
	addr, _ := serveSyncer(t, &syncer{sync: func(ctx context.Context, in iter.Seq[Chunk]) iter.Seq2[Chunk, error] {
		return func(yield func(Chunk, error) bool) {
			defer func() { ended <- ctx.Err() }()
			for i := 1; ; i++ {
				yields.Add(1)
				if !yield(Chunk{N: i}, nil) {
					return
				}
			}
		}
	}})
	sync := NewSyncerNetRPCClient(dial(t, addr)).Sync
	var pulled atomic.Int64
	for range sync(context.Background(), endless(&pulled)) {
		var last [2]int64
		waitFor(t, "both sides to stop", func() bool {
			time.Sleep(100 * time.Millisecond)
			now := [2]int64{yields.Load(), pulled.Load()}
			stable := now == last
			last = now
			return stable
		})
		if last[0] > 200 {
			t.Errorf("the server yielded %d items while the loop took 1; want a bound under 200", last[0])
		}
		if last[1] > 400 {
			t.Errorf("the client pulled %d items of a server that read none; want a bound under 400", last[1])
		}
		break
	}
	serverCanceled(t, ended, context.Canceled)
}

func TestBidiStreamOversizedItem(t *testing.T) {
	const limit = 32 << 10
	addr, _ := serveSyncer(t, &syncer{sync: echo}, netrpcx.WithMaxMessageBytes(limit))
	sync := NewSyncerNetRPCClient(dial(t, addr)).Sync
	in := func(yield func(Chunk) bool) {
		for i := 1; i <= 100; i++ {
			c := Chunk{N: i}
			if i == 50 {
				c.Data = make([]byte, 2*limit)
			}
			if !yield(c) {
				return
			}
		}
	}
	got, err := collect(sync(context.Background(), in))
	if stdrpc.CodeOf(err) != stdrpc.ResourceExhausted || !strings.Contains(err.Error(), "netrpcx.WithMaxMessageBytes") || len(got) >= 50 {
		t.Errorf("Sync with item 50 over the server's limit = %d items, %v; want fewer than 50 then resource_exhausted naming the option", len(got), err)
	}
}

func TestBidiStreamIteratorPanicIsRaisedAgain(t *testing.T) {
	addr, _ := serveSyncer(t, &syncer{sync: echo})
	sync := NewSyncerNetRPCClient(dial(t, addr)).Sync
	defer func() {
		if p := recover(); p != "iterator broke" {
			t.Errorf("recovered %v; want the iterator's panic", p)
		}
	}()
	for range sync(context.Background(), func(yield func(Chunk) bool) {
		yield(Chunk{N: 1})
		panic("iterator broke")
	}) {
	}
	t.Error("the loop ended after its iterator panicked")
}

func TestClientAndBidiStreamsLeaveNoGoroutines(t *testing.T) {
	addr, _ := serveSyncer(t, &syncer{upload: summarize, sync: echo})
	c := dial(t, addr)
	s := NewSyncerNetRPCClient(c)
	ctx := context.Background()
	if _, err := s.Upload(ctx, chunks(1)); err != nil {
		t.Fatal(err)
	}
	baseline := runtime.NumGoroutine()
	for i := range 200 {
		if got, err := s.Upload(ctx, chunks(i*7)); err != nil || got.Count != i*7 {
			t.Fatalf("Upload of %d = %+v, %v", i*7, got, err)
		}
		n := 0
		for _, err := range s.Sync(ctx, chunks(1000)) {
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

// rawPush is the request header of a call carrying a stream's items.
type rawPush struct {
	ServiceMethod string
	Seq           uint64
	Stream        uint64
	Items         bool
}

func TestBadPushes(t *testing.T) {
	addr, _ := serveSyncer(t, &syncer{upload: summarize, sync: echo})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	enc, dec := gob.NewEncoder(conn), gob.NewDecoder(conn)
	call := func(hdr rawPush, body any, reply any) rawResponse {
		t.Helper()
		if err := enc.Encode(hdr); err != nil {
			t.Fatal(err)
		}
		if err := enc.Encode(body); err != nil {
			t.Fatal(err)
		}
		var resp rawResponse
		if err := dec.Decode(&resp); err != nil {
			t.Fatal(err)
		}
		if err := dec.Decode(reply); err != nil {
			t.Fatal(err)
		}
		return resp
	}
	type ack struct {
		Stream uint64
		Closed bool
	}
	// Open a client stream, then push to it with another method, without
	// the mark, with a method that is no stream, and to a stream that is
	// not open.
	var a ack
	if r := call(rawPush{"Syncer.Upload", 1, 0, true}, netrpcx.Batch[Chunk]{Items: []Chunk{{N: 1}}}, &a); r.Error != "" || a.Stream == 0 {
		t.Fatalf("opening push: %+v, %+v", r, a)
	}
	open := a.Stream
	if r := call(rawPush{"Syncer.Upload", 2, open, true}, netrpcx.Batch[Chunk]{Items: []Chunk{{N: 2}}, Done: true}, &a); r.Error != "" || a.Closed {
		t.Fatalf("last push: %+v, %+v", r, a)
	}
	for _, tc := range []struct {
		hdr  rawPush
		code string
	}{
		{rawPush{"Syncer.Sync", 4, open, true}, "invalid_argument"}, // another method's stream
		{rawPush{"Syncer.Upload", 5, 0, false}, "unimplemented"},    // items without the mark
		{rawPush{"Test.Add", 6, open, true}, "invalid_argument"},    // not a stream at all
	} {
		if r := call(tc.hdr, netrpcx.Batch[Chunk]{Items: []Chunk{{N: 9}}}, &struct{}{}); r.Code != tc.code {
			t.Errorf("%+v answered %+v; want %s", tc.hdr, r, tc.code)
		}
	}
	var a2 ack
	if r := call(rawPush{"Syncer.Upload", 7, 12345, true}, netrpcx.Batch[Chunk]{Items: []Chunk{{N: 1}}}, &a2); r.Error != "" || !a2.Closed {
		t.Errorf("a push to a stream that is not open: %+v, %+v; want an answer saying it takes no more", r, a2)
	}
	// The stream still gives its result.
	var sum Summary
	if r := call(rawPush{"Syncer.Upload", 8, open, false}, struct{}{}, &sum); r.Error != "" || sum.Count != 2 {
		t.Errorf("the result: %+v, %+v; want 2 items", r, sum)
	}
}
