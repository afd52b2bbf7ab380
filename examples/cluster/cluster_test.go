package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testenv"
	"github.com/stdrpc/stdrpc/netrpcx"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// These tests run the example as real processes: three instances of the
// built program on loopback, and nginx in front of their HTTP ports.

var built struct {
	once sync.Once
	bin  string
	err  error
}

// program builds the example once per test run.
func program(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "cluster-test")
		if err != nil {
			built.err = err
			return
		}
		built.bin = filepath.Join(dir, "cluster")
		out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.bin != "" {
		os.RemoveAll(filepath.Dir(built.bin))
	}
	os.Exit(code)
}

// drain is the instances' drain delay: longer than nginx.conf's upstream
// keepalive_timeout.
const drain = 1500 * time.Millisecond

// cluster is three instances and, if asked for, nginx in front of them.
type cluster struct {
	t     *testing.T
	ins   []*instance
	proxy string // nginx's base URL
}

func startCluster(t *testing.T, withNginx bool, args ...string) *cluster {
	t.Helper()
	bin := program(t)
	cl := &cluster{t: t}
	for _, name := range []string{"a", "b", "c"} {
		in := &instance{bin: bin, args: args, name: name, rpc: "127.0.0.1:0", http: "127.0.0.1:0"}
		if err := in.start(drain); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if in.cmd.ProcessState == nil {
				in.cmd.Process.Kill()
				in.cmd.Wait()
			}
		})
		cl.ins = append(cl.ins, in)
	}
	if withNginx {
		cl.proxy = cl.startNginx(nil)
	}
	return cl
}

func (cl *cluster) rpcAddrs() []string {
	var addrs []string
	for _, in := range cl.ins {
		addrs = append(addrs, in.rpc)
	}
	return addrs
}

// startNginx runs nginx with the example's nginx.conf, its ports replaced
// by the instances' and a free one, and edit applied if not nil, and
// returns its base URL.
func (cl *cluster) startNginx(edit func(conf string) string) string {
	t := cl.t
	t.Helper()
	nginx := testenv.LookPath(t, "apt-get install nginx", "nginx")
	conf, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := lis.Addr().String()
	lis.Close()
	text := strings.ReplaceAll(string(conf), "127.0.0.1:8100", listen)
	for i, in := range cl.ins {
		text = strings.ReplaceAll(text, fmt.Sprintf("127.0.0.1:810%d", i+1), in.http)
	}
	if edit != nil {
		text = edit(text)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", dir, "-c", path, "-e", "stderr")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT)
		cmd.Wait()
		if t.Failed() {
			t.Logf("nginx said:\n%s", stderr.String())
		}
	})
	base := "http://" + listen
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			return base
		}
		if i == 100 {
			t.Fatalf("nginx did not start: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ready waits until in answers its readiness check.
func ready(t *testing.T, in *instance) {
	t.Helper()
	for i := 0; ; i++ {
		resp, err := http.Get("http://" + in.http + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if i == 200 {
			t.Fatalf("instance %s is not ready: %v", in.name, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// record counts calls, failures and the instances that served them.
type record struct {
	mu       sync.Mutex
	served   map[string]int
	calls    atomic.Int64
	inFlight atomic.Int64
	failures []error
}

func (r *record) run(call func(ctx context.Context) (string, error)) {
	r.inFlight.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	name, err := call(ctx)
	cancel()
	r.inFlight.Add(-1)
	r.calls.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.failures = append(r.failures, err)
		return
	}
	if r.served == nil {
		r.served = map[string]int{}
	}
	r.served[name]++
}

func (r *record) failed() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failures
}

// load runs callers goroutines making calls until stop is closed; wait
// waits for them.
func load(callers int, r *record, stop <-chan struct{}, call func(ctx context.Context) (string, error)) (wait func()) {
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					r.run(call)
				}
			}
		}()
	}
	return wg.Wait
}

func TestSpreadAndRollingRestart(t *testing.T) {
	cl := startCluster(t, true)
	c, err := netrpcx.Dial("tcp", "tally", netrpcx.WithResolver(netrpcx.StaticResolver(cl.rpcAddrs()...)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rpcClient := NewTallyNetRPCClient(c)
	httpClient := NewTallyHTTPClient(cl.proxy)
	add := func(client Tally) func(ctx context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			name, _, err := client.Add(ctx, 1) // not idempotent: nothing may be retried once read
			return name, err
		}
	}

	work := func(ctx context.Context) (string, error) { return httpClient.Work(ctx, 0) }

	// Steady load: 64 callers over net/rpc, 16 idempotent and 8 plain
	// through nginx, for 10s.
	var overRPC, overHTTP, plainHTTP record
	stop := make(chan struct{})
	waitRPC := load(64, &overRPC, stop, add(rpcClient))
	waitHTTP := load(16, &overHTTP, stop, work)
	waitPlain := load(8, &plainHTTP, stop, add(httpClient))
	time.Sleep(10 * time.Second)
	overRPC.mu.Lock()
	steady := overRPC.calls.Load()
	spread := fmt.Sprint(overRPC.served)
	for _, in := range cl.ins {
		n := float64(overRPC.served[in.name])
		if mean := float64(steady) / 3; n < 0.75*mean || n > 1.25*mean {
			t.Errorf("instance %s served %.0f of %d calls, want within 25%% of %.0f", in.name, n, steady, mean)
		}
	}
	overRPC.mu.Unlock()
	t.Logf("10s of 64 callers over net/rpc: %d calls, by instance %s", steady, spread)

	// Rolling restart under the same load: SIGTERM, restart, wait until
	// ready and past nginx's fail_timeout, next.
	for _, in := range cl.ins {
		t.Logf("%s: SIGTERM to instance %s (%s)", time.Now().Format("15:04:05.000"), in.name, in.http)
		if err := in.stop(); err != nil {
			t.Fatalf("instance %s: %v", in.name, err)
		}
		t.Logf("%s: instance %s exited", time.Now().Format("15:04:05.000"), in.name)
		if err := in.start(drain); err != nil {
			t.Fatal(err)
		}
		ready(t, in)
		time.Sleep(1200 * time.Millisecond)
		t.Logf("instance %s restarted", in.name)
	}
	close(stop)
	waitRPC()
	waitHTTP()
	waitPlain()
	t.Logf("net/rpc: %d calls, %d failed; through nginx: %d idempotent calls, %d failed; %d plain calls, %d failed",
		overRPC.calls.Load(), len(overRPC.failed()), overHTTP.calls.Load(), len(overHTTP.failed()),
		plainHTTP.calls.Load(), len(plainHTTP.failed()))
	for _, r := range []*record{&overRPC, &overHTTP} {
		if errs := r.failed(); len(errs) > 0 {
			t.Errorf("%d calls failed during the rolling restart; first: %v", len(errs), errs[0])
		}
	}
	// A plain POST through nginx can meet the instant an instance's
	// listener closes: HTTP/1.1 has no go-away, and nginx, which does not
	// count a 503 to a POST as a failure, keeps sending until then (see the
	// README). Such a loss is a 502 from nginx, never a wrong answer.
	for _, err := range plainHTTP.failed() {
		if stdrpc.CodeOf(err) != stdrpc.Unavailable || !strings.Contains(err.Error(), "502") {
			t.Errorf("a plain call through nginx failed otherwise than with nginx's 502: %v", err)
		}
	}
}

func TestKillNine(t *testing.T) {
	cl := startCluster(t, true)
	c, err := netrpcx.Dial("tcp", "tally", netrpcx.WithResolver(netrpcx.StaticResolver(cl.rpcAddrs()...)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rpcClient := NewTallyNetRPCClient(c)
	httpClient := NewTallyHTTPClient(cl.proxy)
	work := func(client Tally) func(ctx context.Context) (string, error) {
		return func(ctx context.Context) (string, error) { return client.Work(ctx, 2*time.Millisecond) }
	}
	add := func(client Tally) func(ctx context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			name, _, err := client.Add(ctx, 1)
			return name, err
		}
	}
	var idemRPC, idemHTTP, plainRPC record
	stop := make(chan struct{})
	waits := []func(){
		load(32, &idemRPC, stop, work(rpcClient)),
		load(16, &idemHTTP, stop, work(httpClient)),
		load(32, &plainRPC, stop, add(rpcClient)),
	}
	time.Sleep(time.Second)
	inFlight := plainRPC.inFlight.Load() // the plain calls in flight anywhere: at least those on b
	victim := cl.ins[1]
	victim.cmd.Process.Kill()
	victim.cmd.Wait()
	time.Sleep(2 * time.Second)
	close(stop)
	for _, w := range waits {
		w()
	}
	t.Logf("idempotent over net/rpc: %d calls, %d failed; through nginx: %d calls, %d failed",
		idemRPC.calls.Load(), len(idemRPC.failed()), idemHTTP.calls.Load(), len(idemHTTP.failed()))
	t.Logf("plain over net/rpc: %d calls, %d failed; %d plain calls were in flight on all instances when b was killed",
		plainRPC.calls.Load(), len(plainRPC.failed()), inFlight)
	for _, r := range []*record{&idemRPC, &idemHTTP} {
		if errs := r.failed(); len(errs) > 0 {
			t.Errorf("%d idempotent calls failed after kill -9; first: %v", len(errs), errs[0])
		}
	}
	errs := plainRPC.failed()
	if int64(len(errs)) > inFlight {
		t.Errorf("%d plain calls failed, more than the %d in flight", len(errs), inFlight)
	}
	for _, err := range errs {
		if stdrpc.CodeOf(err) != stdrpc.Unavailable {
			t.Errorf("a plain call lost with its instance: %v, want unavailable", err)
		}
	}
}

// countingTransport counts the HTTP requests a client sends.
type countingTransport struct {
	n  atomic.Int64
	rt http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.rt.RoundTrip(r)
}

func TestOutageAndRecovery(t *testing.T) {
	cl := startCluster(t, true)
	c, err := netrpcx.Dial("tcp", "tally", netrpcx.WithResolver(netrpcx.StaticResolver(cl.rpcAddrs()...)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rpcClient := NewTallyNetRPCClient(c)
	requests := &countingTransport{rt: stdhttp.NewTransport()}
	httpClient := NewTallyHTTPClient(cl.proxy, stdhttp.WithHTTPClient(&http.Client{Transport: requests}))
	for _, in := range cl.ins {
		if err := in.stop(); err != nil {
			t.Fatal(err)
		}
	}

	// During the outage every call fails fast with unavailable, and the
	// idempotent HTTP calls retry no more than the budget allows.
	const calls = 200
	var slowest [2]time.Duration
	for i := range calls {
		for j, client := range []Tally{rpcClient, httpClient} {
			const deadline = time.Second
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			start := time.Now()
			_, err := client.Work(ctx, 0)
			cancel()
			took := time.Since(start)
			slowest[j] = max(slowest[j], took)
			// Over HTTP a retry may still meet the deadline on a loaded
			// machine; either way the call ends by its deadline.
			if code := stdrpc.CodeOf(err); code != stdrpc.Unavailable && (j == 0 || code != stdrpc.DeadlineExceeded) {
				t.Fatalf("call %d during the outage: %v, want unavailable", i, err)
			}
			// net/rpc: every address waits out a backoff, so calls fail
			// at once. HTTP: nginx answers 502 at once, and the client
			// retries while its budget lasts, never past the deadline.
			if limit := []time.Duration{250 * time.Millisecond, deadline + 50*time.Millisecond}[j]; took > limit {
				t.Fatalf("call %d during the outage took %v, want at most %v", i, took, limit)
			}
		}
	}
	t.Logf("the slowest call during the outage: %v over net/rpc, %v over HTTP", slowest[0], slowest[1])
	extra := requests.n.Load() - calls
	t.Logf("%d idempotent HTTP calls during the outage sent %d requests: %d retries", calls, requests.n.Load(), extra)
	if extra > stdhttp.DefaultRetryBudget/2 {
		t.Errorf("%d retries during the outage, more than the budget's burst of %d", extra, stdhttp.DefaultRetryBudget/2)
	}

	// One instance returns: the netrpcx client uses it within a second.
	in := cl.ins[0]
	if err := in.start(drain); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := rpcClient.Work(ctx, 0)
		cancel()
		if err == nil {
			break
		}
		if time.Since(back) > 5*time.Second {
			t.Fatalf("no net/rpc call succeeded %v after an instance returned: %v", time.Since(back), err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	recovered := time.Since(back)
	t.Logf("net/rpc calls succeed again %v after an instance returned", recovered.Round(time.Millisecond))
	if recovered > time.Second {
		t.Errorf("net/rpc recovered %v after an instance returned, want within 1s", recovered)
	}
}

func TestStreamThroughNginx(t *testing.T) {
	cl := startCluster(t, true)
	req, err := http.NewRequest("GET", cl.proxy+"/ticks?interval=300000000&count=4", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET /ticks through nginx: %s, %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(resp.Body)
	items := 0
	var lags []time.Duration
	for sc.Scan() {
		if sc.Text() == "event: end" {
			break
		}
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		got := time.Now()
		var tick Tick
		if err := json.Unmarshal([]byte(data), &tick); err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		lag := got.Sub(tick.At)
		t.Logf("tick %d from %s arrived %v after it was yielded", tick.N, tick.Instance, lag.Round(time.Microsecond))
		// Buffered, a tick would wait for the next (300ms) or the end; a
		// loaded machine can delay any one by tens of milliseconds.
		if lag > 250*time.Millisecond {
			t.Errorf("tick %d arrived %v after it was yielded: nginx buffered it", tick.N, lag)
		}
		lags = append(lags, lag)
		items++
	}
	if err := sc.Err(); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if items != 4 {
		t.Fatalf("%d ticks arrived, want 4", items)
	}
	slices.Sort(lags)
	if median := lags[len(lags)/2]; median > 100*time.Millisecond {
		t.Fatalf("ticks arrived a median %v after they were yielded, want within 100ms", median)
	}
}

// A stream that stays silent longer than nginx's read timeout lives on,
// kept open by its heartbeats.
func TestHeartbeatsOutliveProxyTimeout(t *testing.T) {
	cl := startCluster(t, false, "-heartbeat", "200ms")
	cl.proxy = cl.startNginx(func(conf string) string {
		return strings.Replace(conf, "proxy_pass http://tally;", "proxy_pass http://tally;\n\t\t\tproxy_read_timeout 1s;", 1)
	})
	// Two ticks 2.5s apart: nginx would cut the silence after 1s.
	req, err := http.NewRequest("GET", cl.proxy+"/ticks?interval=2500000000&count=2", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	ticks, pings := 0, 0
	for sc.Scan() {
		switch line := sc.Text(); {
		case line == "event: end":
			if ticks != 2 {
				t.Fatalf("the stream ended after %d ticks, want 2", ticks)
			}
			t.Logf("2 ticks 2.5s apart through nginx with a 1s read timeout, %d heartbeats between", pings)
			return
		case strings.HasPrefix(line, ":"):
			pings++
		case strings.HasPrefix(line, "data: "):
			ticks++
		}
	}
	t.Fatalf("the stream was cut after %d ticks and %d heartbeats: %v", ticks, pings, sc.Err())
}
