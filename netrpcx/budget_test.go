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
	"github.com/stdrpc/stdrpc/observe"
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
	start := time.Now()
	closed := make(chan time.Time, 2)
	for range 2 {
		stalled := stallOn(t, addr)
		go func() { closed <- <-stalled }()
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

// A response is counted before its bytes leave, however large: a caller
// who has it finds the call in the server's metrics, and the memory budget
// knows the size of the method's replies before the caller can ask for
// more. (Counted after its write, a 1 MiB reply went to a caller that then
// flooded the server with calls charged nothing for theirs.)
func TestLargeResponseCountedBeforeItLeaves(t *testing.T) {
	o := observe.New()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	counted := make(chan bool, 1)
	addr, _ := serveOn(t, &largeWriteHook{Listener: lis, on: func() {
		counted <- strings.Contains(string(o.AppendText(nil)),
			`stdrpc_server_calls_finished_total{transport="netrpc",service="Test",method="Echo",code="ok"} 1`)
	}}, &testsvc.Impl{}, netrpcx.WithObserver(o))
	c := testsvc.NewTestNetRPCClient(dial(t, addr))
	p := testsvc.Payload{Data: make([]byte, 1<<20)}
	if got, err := c.Echo(context.Background(), p); err != nil || len(got.Data) != len(p.Data) {
		t.Fatalf("Echo = %d bytes, %v", len(got.Data), err)
	}
	select {
	case ok := <-counted:
		if !ok {
			t.Error("the server wrote a 1 MiB response before counting its call")
		}
	default:
		t.Fatal("the server wrote no 1 MiB response in one piece")
	}
}

// largeWriteHook calls on once, before the first write of at least 512 KiB
// to any connection it accepts.
type largeWriteHook struct {
	net.Listener
	on   func()
	once sync.Once
}

func (l *largeWriteHook) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &hookedConn{Conn: conn, l: l}, nil
}

type hookedConn struct {
	net.Conn
	l *largeWriteHook
}

func (c *hookedConn) Write(p []byte) (int, error) {
	if len(p) >= 512<<10 {
		c.l.once.Do(c.l.on)
	}
	return c.Conn.Write(p)
}

// stallOn dials addr and pipelines requests for 1 MiB replies from
// Blobs.Get with a stock client's framing, reading none. The channel
// receives the time the server gave up on the connection.
func stallOn(t *testing.T, addr string) <-chan time.Time {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	closed := make(chan time.Time, 1)
	go func() {
		enc := gob.NewEncoder(conn)
		n := 1 << 20
		for i := range 1_000_000 {
			conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
			if enc.Encode(&rpc.Request{ServiceMethod: "Blobs.Get", Seq: uint64(i + 1)}) != nil || enc.Encode(&n) != nil {
				break
			}
		}
		closed <- time.Now()
	}()
	return closed
}
