package stdhttp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// Tests of what a client that stalls its request body can make the server
// hold. Each speaks raw HTTP over loopback, as such a client would.

// heapInUse returns the bytes of live heap objects, after collecting
// garbage (twice, so that sync.Pool's victims go too).
func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// settledHeap waits until the live heap stops growing, as it does once the
// server has read all a stalled client sent, and returns its growth over
// base. The growth must first reach least, so that a server that has not
// started reading yet does not count as settled.
func settledHeap(t *testing.T, base, least int64) int64 {
	t.Helper()
	deadline := time.Now().Add(within)
	last, still := int64(-1), 0
	for still < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the heap did not settle: grew by %d bytes", last)
		}
		time.Sleep(100 * time.Millisecond)
		grew := heapInUse() - base
		if grew >= least && grew-last < 4<<10 && last-grew < 4<<10 {
			still++
		} else {
			still = 0
		}
		last = grew
	}
	return last
}

// TestStalledBodyCostsItsLimit sends a body one byte short of the limit and
// stops, as a client that means to pin memory does. What the server holds
// for it must not exceed the limit by more than a small constant, whether
// the request gives the length or sends the body in chunks.
func TestStalledBodyCostsItsLimit(t *testing.T) {
	const (
		limit = stdhttp.DefaultMaxBodyBytes
		slack = 64 << 10
	)
	url := serve(t, &testsvc.Impl{})
	payload := []byte(`{"Name":"` + strings.Repeat("x", limit-1-len(`{"Name":"`)))

	for _, chunked := range []bool{false, true} {
		name := "length given"
		if chunked {
			name = "chunked"
		}
		t.Run(name, func(t *testing.T) {
			base := heapInUse()
			c := dial(t, url)
			w := bufio.NewWriter(c)
			fmt.Fprintf(w, "POST /Test/Echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n")
			if chunked {
				fmt.Fprintf(w, "Transfer-Encoding: chunked\r\n\r\n%x\r\n", len(payload))
			} else {
				fmt.Fprintf(w, "Content-Length: %d\r\n\r\n", limit)
			}
			w.Write(payload) // then nothing more: the body never ends
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			grew := settledHeap(t, base, limit/2)
			t.Logf("a body stalled after %d bytes holds %d bytes (limit %d)", len(payload), grew, limit)
			if grew > limit+slack {
				t.Errorf("the server holds %d bytes for a stalled body; want at most the limit (%d) + %d", grew, limit, slack)
			}
			runtime.KeepAlive(payload)
		})
	}
}

// TestBodyBudget stalls bodies until the service's budget is spent: the
// next body is refused at once with 503 and Retry-After, small calls still
// pass meanwhile, and once the stalled clients leave a large body is
// served again.
func TestBodyBudget(t *testing.T) {
	const (
		limit  = 256 << 10
		budget = 1 << 20 // three stalled bodies of the largest size fit, not four
	)
	url := serve(t, &testsvc.Impl{}, stdhttp.WithMaxBodyBytes(limit), stdhttp.WithBodyBudget(budget))
	payload := []byte(`{"Name":"` + strings.Repeat("x", limit-1-len(`{"Name":"`)))

	type answer struct {
		resp *http.Response
		err  error
	}
	answers := make(chan answer, 4)
	var conns []net.Conn
	for range 4 {
		c := dial(t, url)
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /Test/Echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", limit)
		if _, err := c.Write(payload); err != nil {
			t.Fatal(err)
		}
		go func() {
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			answers <- answer{resp, err}
		}()
	}

	var refused *http.Response
	select {
	case a := <-answers:
		if a.err != nil {
			t.Fatalf("reading the answer to a stalled body: %v", a.err)
		}
		refused = a.resp
	case <-time.After(within):
		t.Fatalf("four stalled bodies of %d bytes all held; the budget is %d", limit, budget)
	}
	body, _ := io.ReadAll(refused.Body)
	want := `{"code":"unavailable","message":"the server is reading as many request bodies at once as its budget of 1048576 bytes allows (see WithBodyBudget); try again shortly"}` + "\n"
	if refused.StatusCode != 503 || string(body) != want || refused.Header.Get("Retry-After") == "" {
		t.Errorf("refusal = %d %s (Retry-After %q), want 503 %s and a Retry-After",
			refused.StatusCode, body, refused.Header.Get("Retry-After"), want)
	}

	c := testsvc.NewTestHTTPClient(url)
	if sum, err := c.Add(context.Background(), 2, 3); err != nil || sum != 5 {
		t.Errorf("a small call while the budget is spent: Add(2, 3) = %v, %v", sum, err)
	}

	for _, c := range conns {
		c.Close()
	}
	// The closed connections' handlers end their reads and give their
	// charge back; until they have, a large body may still be refused.
	p := testsvc.Payload{Name: strings.Repeat("y", limit-100)}
	var err error
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err = c.Echo(context.Background(), p); stdrpc.CodeOf(err) != stdrpc.Unavailable {
			break
		}
	}
	if err != nil {
		t.Errorf("a large body after the stalled clients left: %v", err)
	}
}

// TestJSONNesting checks the bound on nesting in a request body: objects
// and arrays, counted as they are written, 10,000 deep and no deeper.
func TestJSONNesting(t *testing.T) {
	url := serve(t, &testsvc.Impl{})
	nested := func(depth int) string { // {"Tags":[[...]]} with depth levels in all
		return `{"Tags":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`
	}
	status, _, body := post(t, url+"/Test/Echo", nested(10000))
	if status != 400 || !strings.Contains(body, "cannot use a JSON array as string") {
		t.Errorf("10,000 deep: %d %s, want it read, and refused for its type", status, body)
	}
	status, _, body = post(t, url+"/Test/Echo", nested(10001))
	want := `{"code":"invalid_argument","message":"request body nests objects and arrays more than 10000 deep (at byte 10008); encoding/json reads no deeper"}` + "\n"
	if status != 400 || body != want {
		t.Errorf("10,001 deep: %d %s, want 400 %s", status, body, want)
	}
}
