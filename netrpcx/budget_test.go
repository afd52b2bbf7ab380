package netrpcx_test

import (
	"encoding/gob"
	"net"
	"net/rpc"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// floodEnv makes the test binary a flooding peer instead of running tests:
// its value is the address to flood. Running the peer in a process of its
// own keeps its buffers out of the server's heap.
const floodEnv = "NETRPCX_TEST_FLOOD"

func init() {
	if addr := os.Getenv(floodEnv); addr != "" {
		flood(addr)
		os.Exit(0)
	}
}

// flood opens 4 connections to addr and on each pipelines 256 requests of
// almost 4 MiB, the message limit, reading no reply, until the server
// closes them.
func flood(addr string) {
	payload := testsvc.Payload{Data: make([]byte, 4<<20-4096)}
	var wg sync.WaitGroup
	for range 4 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			os.Exit(1)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := gob.NewEncoder(conn) // a stock client's framing, with no reader
			for i := range 256 {
				if enc.Encode(&rpc.Request{ServiceMethod: "Test.Echo", Seq: uint64(i + 1)}) != nil || enc.Encode(&payload) != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
}

// Peers that pipeline large requests and never read a reply cannot make
// the server hold more than its memory budget, plus a few messages'
// buffers per connection; the write timeout then closes their connections.
func TestMemoryBudgetBoundsPipelinedFlood(t *testing.T) {
	const budget = 32 << 20
	addr, _ := serve(t, &testsvc.Impl{}, netrpcx.WithMemoryBudget(budget), netrpcx.WithWriteTimeout(time.Second))
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	peer := exec.Command(self, "-test.run=^$")
	peer.Env = append(os.Environ(), floodEnv+"="+addr)
	var out strings.Builder
	peer.Stdout, peer.Stderr = &out, &out
	if err := peer.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- peer.Wait() }()

	var peak uint64
	for range 20 {
		time.Sleep(100 * time.Millisecond)
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapAlloc-min(m.HeapAlloc, base.HeapAlloc))
	}
	select {
	case err := <-done: // the write timeout closed its connections
		if err != nil {
			t.Fatalf("the flooding peer: %v\n%s", err, out.String())
		}
	case <-time.After(20 * time.Second):
		peer.Process.Kill()
		t.Fatal("the server did not close the connections of a peer that reads no reply")
	}
	t.Logf("live heap under a pipelined flood of 4 MiB requests on 4 connections: %d MiB more than before (budget %d MiB)", peak>>20, budget>>20)
	if peak > budget+64<<20 {
		t.Fatalf("the flood held %d MiB, more than the budget of %d MiB + 64 MiB", peak>>20, budget>>20)
	}
}
