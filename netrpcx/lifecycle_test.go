package netrpcx_test

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// waitFor polls cond until it holds or 10 seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTimeoutsLeaveNothingBehind(t *testing.T) {
	addr, _ := serve(t, &testsvc.Impl{})
	c := dial(t, addr)
	test := testsvc.NewTestNetRPCClient(c)
	if err := test.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	baseline := runtime.NumGoroutine()

	const total, workers = 100_000, 64
	var timedOut, canceled, served atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for range total / workers {
				// Deadlines from already past to 1ms against a call that
				// sleeps an hour, and some cancellations: every call is
				// abandoned at a different stage.
				d := time.Duration(r.Int64N(int64(2*time.Millisecond))) - time.Millisecond
				ctx, cancel := context.WithTimeout(context.Background(), d)
				var err error
				if r.IntN(8) == 0 {
					go cancel()
					err = test.Sleep(ctx, time.Hour)
				} else {
					err = test.Sleep(ctx, time.Hour)
				}
				cancel()
				switch {
				case errors.Is(err, context.DeadlineExceeded):
					timedOut.Add(1)
				case errors.Is(err, context.Canceled):
					canceled.Add(1)
				case err == nil:
					served.Add(1)
				default:
					t.Errorf("Sleep: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d calls in %v: %d timed out, %d canceled", total, time.Since(start), timedOut.Load(), canceled.Load())
	if served.Load() != 0 {
		t.Fatalf("%d calls sleeping an hour succeeded", served.Load())
	}

	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= baseline })
	if n := netrpcx.PendingCalls(c); n != 0 {
		t.Fatalf("%d calls still pending on the client", n)
	}
	if sum, err := test.Add(context.Background(), 1, 2); err != nil || sum != 3 {
		t.Fatalf("Add after the timeouts = %d, %v", sum, err)
	}
}

func TestRedialAfterRestart(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	srv := newServer(t, &testsvc.Impl{})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()

	dials := atomic.Int64{}
	dialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	test := testsvc.NewTestNetRPCClient(dial(t, addr, netrpcx.WithDialer(dialer), netrpcx.WithBackoff(50*time.Millisecond, 200*time.Millisecond)))
	ctx := context.Background()
	if _, err := test.Add(ctx, 1, 2); err != nil {
		t.Fatal(err)
	}

	srv.Close()
	if err := <-done; err != netrpcx.ErrServerClosed {
		t.Fatalf("Serve after Close: %v", err)
	}
	// During the outage every call fails fast with unavailable, and the
	// client does not dial for each.
	before := dials.Load()
	start := time.Now()
	for range 100 {
		if _, err := test.Add(ctx, 1, 2); stdrpc.CodeOf(err) != stdrpc.Unavailable {
			t.Fatalf("Add during the outage: %v, want unavailable", err)
		}
	}
	if d := dials.Load() - before; d > 5 {
		t.Fatalf("100 calls during the outage dialed %d times", d)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("100 calls during the outage took %v", elapsed)
	}

	lis, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	serveOn(t, lis, &testsvc.Impl{})
	waitFor(t, "the client to redial", func() bool {
		sum, err := test.Add(ctx, 1, 2)
		return err == nil && sum == 3
	})
}

func TestNewClientDoesNotRedial(t *testing.T) {
	addr, _ := serve(t, &testsvc.Impl{})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c := netrpcx.NewClient(conn)
	defer c.Close()
	test := testsvc.NewTestNetRPCClient(c)
	if sum, err := test.Add(context.Background(), 1, 2); err != nil || sum != 3 {
		t.Fatalf("Add = %d, %v", sum, err)
	}
	conn.Close()
	waitFor(t, "the client to notice", func() bool {
		_, err := test.Add(context.Background(), 1, 2)
		return stdrpc.CodeOf(err) == stdrpc.Unavailable
	})
}

func TestShutdownUnderLoad(t *testing.T) {
	var executed atomic.Int64
	count := func(ctx context.Context, _ stdrpc.CallInfo, next func(context.Context) error) error {
		err := next(ctx)
		executed.Add(1)
		return err
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, &testsvc.Impl{}, netrpcx.WithInterceptors(count))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()

	var succeeded, failed atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		test := testsvc.NewTestNetRPCClient(dial(t, lis.Addr().String()))
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					_, err := test.Echo(context.Background(), testsvc.NewPayload())
					switch {
					case err == nil:
						succeeded.Add(1)
					case stdrpc.CodeOf(err) == stdrpc.Unavailable:
						failed.Add(1)
					default:
						t.Errorf("Echo during shutdown: %v", err)
						return
					}
				}
			}()
		}
	}
	waitFor(t, "load", func() bool { return succeeded.Load() > 500 })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-done; err != netrpcx.ErrServerClosed {
		t.Fatalf("Serve after Shutdown: %v, want ErrServerClosed", err)
	}
	close(stop)
	wg.Wait()
	t.Logf("%d calls succeeded, %d failed with unavailable", succeeded.Load(), failed.Load())
	if failed.Load() == 0 {
		t.Fatal("no call failed: the load did not overlap the shutdown")
	}
	// Every call the server executed was answered: none half-done.
	if executed.Load() != succeeded.Load() {
		t.Fatalf("the server executed %d calls, the clients saw %d succeed", executed.Load(), succeeded.Load())
	}
}

func TestShutdownWaitsForCalls(t *testing.T) {
	started := make(chan struct{})
	addr, srv := serve(t, &testsvc.Impl{OnSleep: func(context.Context) { close(started) }})
	test := testsvc.NewTestNetRPCClient(dial(t, addr))
	errc := make(chan error, 1)
	go func() { errc <- test.Sleep(context.Background(), 200*time.Millisecond) }()
	<-started
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("the call in flight at Shutdown failed: %v", err)
		}
	default:
		t.Fatal("Shutdown returned before the call in flight was answered")
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Fatal("the server still accepts after Shutdown")
	}
}

func TestShutdownDeadlineCloses(t *testing.T) {
	started := make(chan struct{})
	addr, srv := serve(t, &testsvc.Impl{OnSleep: func(context.Context) { close(started) }})
	test := testsvc.NewTestNetRPCClient(dial(t, addr))
	errc := make(chan error, 1)
	go func() { errc <- test.Sleep(context.Background(), time.Hour) }()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown past its deadline: %v", err)
	}
	if err := <-errc; stdrpc.CodeOf(err) != stdrpc.Unavailable {
		t.Fatalf("the call cut off by Shutdown: %v, want unavailable", err)
	}
}

func TestInFlightBound(t *testing.T) {
	const bound, calls = 4, 24
	var running, peak atomic.Int64
	release := make(chan struct{})
	reached := make(chan struct{}, calls)
	hook := func(ctx context.Context, _ stdrpc.CallInfo, next func(context.Context) error) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		reached <- struct{}{}
		<-release
		return next(ctx)
	}
	addr, _ := serve(t, &testsvc.Impl{}, netrpcx.WithMaxInFlight(bound), netrpcx.WithInterceptors(hook))
	test := testsvc.NewTestNetRPCClient(dial(t, addr))

	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if sum, err := test.Add(context.Background(), i, 1); err != nil || sum != i+1 {
				t.Errorf("Add(%d, 1) = %d, %v", i, sum, err)
			}
		}()
	}
	for range bound {
		<-reached
	}
	select {
	case <-reached:
		t.Fatalf("a call beyond the bound of %d started", bound)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	wg.Wait()
	if p := peak.Load(); p != bound {
		t.Fatalf("at most %d calls ran at once, want the bound %d", p, bound)
	}
}

// ServeConn serves any stream, such as a plugin's stdio; Shutdown covers it
// whether or not the stream has read deadlines.
func TestServeConnStream(t *testing.T) {
	for _, name := range []string{"net.Pipe", "plain stream"} {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, &testsvc.Impl{})
			server, client := net.Pipe()
			var stream io.ReadWriteCloser = server
			if name == "plain stream" {
				stream = struct{ io.ReadWriteCloser }{server} // hides the deadline methods
			}
			served := make(chan struct{})
			go func() {
				srv.ServeConn(stream)
				close(served)
			}()
			c := netrpcx.NewClient(client)
			defer c.Close()
			test := testsvc.NewTestNetRPCClient(c)
			if sum, err := test.Add(context.Background(), 2, 3); err != nil || sum != 5 {
				t.Fatalf("Add over %s = %d, %v", name, sum, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			<-served
		})
	}
}
