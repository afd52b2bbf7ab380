package netrpcx_test

import (
	"bufio"
	"context"
	"encoding/gob"
	"fmt"
	"io"
	"iter"
	"net"
	"net/rpc"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/internal/feedsvc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// budgetServerEnv makes the test binary a server with a memory budget
// instead of running tests, so that its heap holds nothing but what the
// test sends it: it prints its address, then, when its input closes, the
// peak of its live heap above what it started with.
const budgetServerEnv = "NETRPCX_TEST_BUDGET_SERVER"

// floodBudget is the budget of that server.
const floodBudget = 32 << 20

func init() {
	if os.Getenv(budgetServerEnv) != "" {
		budgetServer()
		os.Exit(0)
	}
}

// bigTicks is a Feed whose Ticks yields items of 100 KiB each, each with
// memory of its own, as fast as its consumer takes them.
type bigTicks struct{ feedsvc.Impl }

func (bigTicks) Ticks(ctx context.Context, note string) iter.Seq2[feedsvc.Tick, error] {
	return func(yield func(feedsvc.Tick, error) bool) {
		for i := 1; i <= 1_000_000 && ctx.Err() == nil; i++ {
			if !yield(feedsvc.Tick{N: i, Note: strings.Repeat("x", 100<<10)}, nil) {
				return
			}
		}
	}
}

// Blobs answers small requests with large replies.
type Blobs struct{}

// Get replies n bytes.
func (Blobs) Get(n int, reply *[]byte) error {
	*reply = make([]byte, min(n, 4<<20))
	return nil
}

func budgetServer() {
	rs := rpc.NewServer()
	if err := testsvc.RegisterTestNetRPC(rs, &testsvc.Impl{}); err != nil {
		panic(err)
	}
	if err := feedsvc.RegisterFeedNetRPC(rs, &bigTicks{}); err != nil {
		panic(err)
	}
	if err := rs.Register(Blobs{}); err != nil {
		panic(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := netrpcx.NewServer(rs, netrpcx.WithMemoryBudget(floodBudget), netrpcx.WithWriteTimeout(time.Second), netrpcx.WithLogger(quietLogger()))
	go srv.Serve(lis)
	base := liveHeap()
	fmt.Println(lis.Addr())

	stop := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(stop) }()
	var peak uint64
	for {
		select {
		case <-stop:
			fmt.Println(peak)
			return
		case <-time.After(50 * time.Millisecond):
		}
		live := liveHeap()
		peak = max(peak, live-min(live, base))
	}
}

// liveHeap collects garbage and returns the bytes the collection found
// live: unlike HeapAlloc after runtime.GC, it leaves out what goroutines
// allocated meanwhile, which a busy machine makes large and erratic.
func liveHeap() uint64 {
	runtime.GC()
	m := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(m)
	return m[0].Value.Uint64()
}

// startBudgetServer starts the test binary as a budget server and returns
// its address and a function that stops it and returns the peak of its
// live heap above what it started with.
func startBudgetServer(t *testing.T) (addr string, peak func() uint64) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	server := exec.Command(self, "-test.run=^$")
	server.Env = append(os.Environ(), budgetServerEnv+"=1")
	stdin, err := server.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := server.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Process.Kill(); server.Wait() })
	out := bufio.NewScanner(stdout)
	if !out.Scan() {
		t.Fatal("the server printed no address")
	}
	return out.Text(), func() uint64 {
		t.Helper()
		stdin.Close()
		if !out.Scan() {
			t.Fatal("the server printed no peak")
		}
		var peak uint64
		fmt.Sscan(out.Text(), &peak)
		return peak
	}
}

// Peers that pipeline large requests and never read a reply cannot make
// the server hold more than its memory budget, plus a few messages'
// buffers per connection; the write timeout then closes their connections.
func TestMemoryBudgetBoundsPipelinedFlood(t *testing.T) {
	addr, stop := startBudgetServer(t)

	// Four connections, each pipelining 256 requests of almost 4 MiB (the
	// message limit) with a stock client's framing, reading no reply.
	payload := testsvc.Payload{Data: make([]byte, 4<<20-4096)}
	var wg sync.WaitGroup
	closed := make(chan struct{}, 4)
	for range 4 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := gob.NewEncoder(conn)
			for i := range 256 {
				if enc.Encode(&rpc.Request{ServiceMethod: "Test.Echo", Seq: uint64(i + 1)}) != nil || enc.Encode(&payload) != nil {
					closed <- struct{}{} // the server gave up on a peer that reads nothing
					return
				}
			}
		}()
	}
	time.Sleep(2 * time.Second)
	peak := stop()
	wait := time.After(20 * time.Second)
	for range 4 {
		select {
		case <-closed:
		case <-wait:
			t.Fatal("the server did not close the connections of a peer that reads no reply")
		}
	}
	wg.Wait()
	t.Logf("the server's live heap under a pipelined flood of 4 MiB requests on 4 connections: %d MiB more than before (budget %d MiB)", peak>>20, floodBudget>>20)
	if peak > floodBudget+64<<20 {
		t.Fatalf("the flood held %d MiB, more than the budget of %d MiB + 64 MiB", peak>>20, floodBudget>>20)
	}
}

// Streams whose consumers stall cannot make the server hold more than its
// memory budget for the items produced ahead of them, and calls on other
// connections go on meanwhile.
func TestMemoryBudgetBoundsStalledStreams(t *testing.T) {
	addr, stop := startBudgetServer(t)

	// On one connection, the most streams it may open (128), each of
	// items of 100 KiB: each takes its first item and then no more.
	c := dial(t, addr)
	feed := feedsvc.NewFeedNetRPCClient(c)
	var stops []func()
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()
	for i := range netrpcx.DefaultMaxInFlight / 2 {
		next, stop := iter.Pull2(feed.Ticks(context.Background(), ""))
		stops = append(stops, stop)
		if tick, err, ok := next(); !ok || err != nil || tick.N != 1 {
			t.Fatalf("stream %d: first item %v, %v, %v", i, tick.N, err, ok)
		}
	}
	time.Sleep(time.Second) // for the producers to run ahead as far as they may

	other := testsvc.NewTestNetRPCClient(dial(t, addr))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 20 {
		if sum, err := other.Add(ctx, i, 1); err != nil || sum != i+1 {
			t.Fatalf("Add on another connection while the streams stall = %d, %v", sum, err)
		}
	}
	big := testsvc.Payload{Data: make([]byte, 1<<20)}
	if _, err := other.Echo(ctx, big); err != nil {
		t.Fatalf("Echo of 1 MiB on another connection while the streams stall: %v", err)
	}
	peak := stop()
	t.Logf("the server's live heap with 128 stalled streams of 100 KiB items: %d MiB more than before (budget %d MiB)", peak>>20, floodBudget>>20)
	if peak > floodBudget+64<<20 {
		t.Fatalf("the stalled streams held %d MiB, more than the budget of %d MiB + 64 MiB", peak>>20, floodBudget>>20)
	}
}

// A peer that pipelines small requests for large replies and never reads
// one cannot make the server hold more than its memory budget for the
// replies, and its connection is closed within the write timeout.
func TestMemoryBudgetBoundsRepliesToStalledPeers(t *testing.T) {
	addr, stop := startBudgetServer(t)
	// A call that reads its reply first: the server learns the size of
	// the method's replies from those it sends.
	var blob []byte
	if err := dial(t, addr).Call(context.Background(), "Blobs.Get", 1<<20, &blob); err != nil || len(blob) != 1<<20 {
		t.Fatalf("Blobs.Get = %d bytes, %v", len(blob), err)
	}

	// Two connections, each pipelining requests for 1 MiB replies with a
	// stock client's framing, reading none.
	closed := make(chan time.Time, 2)
	var wg sync.WaitGroup
	start := time.Now()
	for range 2 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := gob.NewEncoder(conn)
			n := 1 << 20
			for i := range 1_000_000 {
				conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
				if enc.Encode(&rpc.Request{ServiceMethod: "Blobs.Get", Seq: uint64(i + 1)}) != nil || enc.Encode(&n) != nil {
					closed <- time.Now() // the server gave up on a peer that reads nothing
					return
				}
			}
		}()
	}
	time.Sleep(2 * time.Second)
	peak := stop()
	wait := time.After(20 * time.Second)
	var last time.Duration
	for range 2 {
		select {
		case at := <-closed:
			last = max(last, at.Sub(start))
		case <-wait:
			t.Fatal("the server did not close the connections of a peer that reads no reply")
		}
	}
	wg.Wait()
	t.Logf("the server's live heap under requests for 1 MiB replies on 2 connections that read none: %d MiB more than before (budget %d MiB); closed after %v", peak>>20, floodBudget>>20, last.Round(time.Millisecond))
	// The write timeout is a second: a write blocked behind the full
	// socket buffers fails within it, and closes the connection.
	if last > 3*time.Second+raceSlack {
		t.Errorf("the server closed the connections of a peer that reads no reply after %v; want within the write timeout (1s) of the first write that could not finish", last)
	}
	if peak > floodBudget+64<<20 {
		t.Fatalf("the replies held %d MiB, more than the budget of %d MiB + 64 MiB", peak>>20, floodBudget>>20)
	}
}
