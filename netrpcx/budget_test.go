package netrpcx_test

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

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

func budgetServer() {
	rs := rpc.NewServer()
	if err := testsvc.RegisterTestNetRPC(rs, &testsvc.Impl{}); err != nil {
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

// Peers that pipeline large requests and never read a reply cannot make
// the server hold more than its memory budget, plus a few messages'
// buffers per connection; the write timeout then closes their connections.
func TestMemoryBudgetBoundsPipelinedFlood(t *testing.T) {
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
	defer server.Process.Kill()
	out := bufio.NewScanner(stdout)
	if !out.Scan() {
		t.Fatal("the server printed no address")
	}
	addr := out.Text()

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
	stdin.Close()
	if !out.Scan() {
		t.Fatal("the server printed no peak")
	}
	var peak uint64
	fmt.Sscan(out.Text(), &peak)
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
