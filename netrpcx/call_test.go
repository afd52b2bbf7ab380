package netrpcx_test

import (
	"context"
	"encoding/gob"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

func TestGeneratedClientAndServer(t *testing.T) {
	addr, _ := serve(t, &testsvc.Impl{})
	test := testsvc.NewTestNetRPCClient(dial(t, addr))
	ctx := context.Background()

	if sum, err := test.Add(ctx, 2, 3); err != nil || sum != 5 {
		t.Fatalf("Add(2, 3) = %d, %v; want 5", sum, err)
	}
	want := testsvc.NewPayload()
	got, err := test.Echo(ctx, want)
	if err != nil || got.ID != want.ID || string(got.Data) != string(want.Data) || !got.At.Equal(want.At) {
		t.Fatalf("Echo = %+v, %v", got, err)
	}
	if err := test.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if quo, rem, err := test.Divide(ctx, 7, 2); err != nil || quo != 3 || rem != 1 {
		t.Fatalf("Divide(7, 2) = %d, %d, %v", quo, rem, err)
	}
	_, _, err = test.Divide(ctx, 7, 0)
	if stdrpc.CodeOf(err) != stdrpc.InvalidArgument || err.Error() != "invalid_argument: divide 7 by zero" {
		t.Fatalf("Divide(7, 0): %v", err)
	}
}

func TestDeadlineReachesServer(t *testing.T) {
	got := make(chan context.Context, 1)
	addr, _ := serve(t, &testsvc.Impl{OnSleep: func(ctx context.Context) { got <- ctx }})
	test := testsvc.NewTestNetRPCClient(dial(t, addr))

	const timeout = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	err := test.Sleep(ctx, time.Hour)
	elapsed := time.Since(start)

	if !errors.Is(err, context.DeadlineExceeded) || stdrpc.CodeOf(err) != stdrpc.DeadlineExceeded {
		t.Fatalf("Sleep past the deadline: %v, want deadline_exceeded", err)
	}
	var e *stdrpc.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T is not a *stdrpc.Error", err)
	}
	if elapsed > 5*time.Second {
		t.Fatalf("Sleep returned after %v; the deadline was %v", elapsed, timeout)
	}

	sctx := <-got
	dl, ok := sctx.Deadline()
	if !ok {
		t.Fatal("the server's context has no deadline")
	}
	if left := time.Until(dl); left > timeout {
		t.Fatalf("the server's deadline is %v away, more than the client's %v", left, timeout)
	}
	<-sctx.Done()
	if !errors.Is(sctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("the server's context ended with %v", sctx.Err())
	}
}

func TestNoDeadlineMeansNone(t *testing.T) {
	got := make(chan context.Context, 1)
	addr, _ := serve(t, &testsvc.Impl{OnSleep: func(ctx context.Context) { got <- ctx }})
	test := testsvc.NewTestNetRPCClient(dial(t, addr))
	if err := test.Sleep(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if dl, ok := (<-got).Deadline(); ok {
		t.Fatalf("the server's context has deadline %v; the client set none", dl)
	}
}

func TestExpiredContextFailsWithoutCalling(t *testing.T) {
	calls := 0
	addr, _ := serve(t, &testsvc.Impl{}, netrpcx.WithInterceptors(func(ctx context.Context, _ stdrpc.CallInfo, next func(context.Context) error) error {
		calls++
		return next(ctx)
	}))
	test := testsvc.NewTestNetRPCClient(dial(t, addr))

	ctx, cancel := context.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	if _, err := test.Add(ctx, 1, 2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Add with an expired context: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := test.Add(ctx, 1, 2); !errors.Is(err, context.Canceled) || stdrpc.CodeOf(err) != stdrpc.Canceled {
		t.Fatalf("Add with a canceled context: %v", err)
	}
	if _, err := test.Add(context.Background(), 1, 2); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("the server served %d calls, want 1", calls)
	}
}

func TestErrorCodes(t *testing.T) {
	secret := errors.New("dial db: password hunter2 rejected")
	tests := []struct {
		name     string
		err      error
		opts     []netrpcx.ServerOption
		code     stdrpc.Code
		text     string
		hasCause bool
	}{
		{"coded", stdrpc.Errorf(stdrpc.NotFound, "user %d", 7), nil, stdrpc.NotFound, "not_found: user 7", false},
		{"wrapped coded", errors.Join(errors.New("load"), stdrpc.Errorf(stdrpc.PermissionDenied, "not yours")), nil, stdrpc.PermissionDenied, "permission_denied: not yours", false},
		{"no message", stdrpc.Errorf(stdrpc.Aborted, ""), nil, stdrpc.Aborted, "aborted", false},
		{"plain", secret, nil, stdrpc.Unknown, "unknown: the server withheld this error's text; its log has it", false},
		{"plain with text", secret, []netrpcx.ServerOption{netrpcx.WithErrorText()}, stdrpc.Unknown, "unknown: " + secret.Error(), false},
		{"context", context.DeadlineExceeded, nil, stdrpc.DeadlineExceeded, "deadline_exceeded: context deadline exceeded", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log logBuffer
			opts := append([]netrpcx.ServerOption{netrpcx.WithLogger(log.logger())}, tt.opts...)
			addr, _ := serve(t, &testsvc.Impl{Err: tt.err}, opts...)
			_, err := testsvc.NewTestNetRPCClient(dial(t, addr)).Add(context.Background(), 1, 2)
			var e *stdrpc.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not a *stdrpc.Error", err, err)
			}
			if e.Code() != tt.code || e.Error() != tt.text {
				t.Fatalf("got %q (code %v), want %q", e.Error(), e.Code(), tt.text)
			}
			if tt.err == secret && len(tt.opts) == 0 && !strings.Contains(log.String(), "hunter2") {
				t.Fatalf("the hidden error text is not in the server log:\n%s", log.String())
			}
		})
	}
}

func TestCancelReachesServer(t *testing.T) {
	// The best of three, so that one scheduling hiccup on a loaded machine
	// does not fail a mechanism that is prompt.
	best := time.Hour
	for range 3 {
		got := make(chan context.Context, 1)
		addr, _ := serve(t, &testsvc.Impl{OnSleep: func(ctx context.Context) { got <- ctx }})
		test := testsvc.NewTestNetRPCClient(dial(t, addr))

		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- test.Sleep(ctx, time.Hour) }()
		sctx := <-got
		start := time.Now()
		cancel()
		select {
		case <-sctx.Done():
			best = min(best, time.Since(start))
		case <-time.After(10 * time.Second):
			t.Fatal("the server's context was not canceled")
		}
		if !errors.Is(sctx.Err(), context.Canceled) {
			t.Fatalf("the server's context ended with %v, want context.Canceled", sctx.Err())
		}
		if err := <-errc; !errors.Is(err, context.Canceled) || stdrpc.CodeOf(err) != stdrpc.Canceled {
			t.Fatalf("canceled Sleep: %v", err)
		}
	}
	if best > 100*time.Millisecond {
		t.Fatalf("canceling took %v to reach the server, want under 100ms", best)
	}
}

func TestClosingConnectionCancelsCalls(t *testing.T) {
	got := make(chan context.Context, 1)
	addr, _ := serve(t, &testsvc.Impl{OnSleep: func(ctx context.Context) { got <- ctx }})
	c := dial(t, addr)
	errc := make(chan error, 1)
	go func() { errc <- testsvc.NewTestNetRPCClient(c).Sleep(context.Background(), time.Hour) }()
	sctx := <-got
	c.Close()
	if err := <-errc; stdrpc.CodeOf(err) != stdrpc.Unavailable {
		t.Fatalf("Sleep on a closed client: %v, want unavailable", err)
	}
	select {
	case <-sctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("closing the connection did not cancel the server's call")
	}
}

func TestMetadata(t *testing.T) {
	addr, _ := serve(t, &testsvc.Impl{})
	test := testsvc.NewTestNetRPCClient(dial(t, addr))
	ctx := stdrpc.AppendOutgoing(context.Background(), "x-request-id", "r-17", "X-Tenant", "acme")
	for key, want := range map[string]string{"X-Request-Id": "r-17", "x-tenant": "acme", "Absent": ""} {
		if got, err := test.Meta(ctx, key); err != nil || got != want {
			t.Errorf("Meta(%q) = %q, %v; want %q", key, got, err, want)
		}
	}
	if got, err := test.Meta(context.Background(), "X-Tenant"); err != nil || got != "" {
		t.Errorf("Meta without metadata = %q, %v; want empty", got, err)
	}
}

func TestAuthInterceptors(t *testing.T) {
	var seen []stdrpc.CallInfo
	auth := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		seen = append(seen, call)
		if stdrpc.Incoming(ctx).Get("Authorization") != "Bearer s3cret" {
			return stdrpc.Errorf(stdrpc.Unauthenticated, "missing or wrong Authorization token")
		}
		return next(ctx)
	}
	addr, _ := serve(t, &testsvc.Impl{}, netrpcx.WithInterceptors(auth))

	_, err := testsvc.NewTestNetRPCClient(dial(t, addr)).Add(context.Background(), 1, 2)
	if stdrpc.CodeOf(err) != stdrpc.Unauthenticated {
		t.Fatalf("Add without a token: %v, want unauthenticated", err)
	}

	var infos []stdrpc.CallInfo
	token := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		infos = append(infos, call)
		return next(stdrpc.AppendOutgoing(ctx, "Authorization", "Bearer s3cret"))
	}
	test := testsvc.NewTestNetRPCClient(dial(t, addr, netrpcx.WithClientInterceptors(token)))
	if sum, err := test.Add(context.Background(), 1, 2); err != nil || sum != 3 {
		t.Fatalf("Add with a token = %d, %v", sum, err)
	}
	want := stdrpc.CallInfo{Service: "Test", Method: "Add"}
	if len(infos) != 1 || infos[0] != want || len(seen) != 2 || seen[1] != want {
		t.Fatalf("interceptors saw client %v, server %v; want %v", infos, seen, want)
	}
}

func TestClientInterceptorSplitsAtLastDot(t *testing.T) {
	var got stdrpc.CallInfo
	c, err := netrpcx.Dial("tcp", serveStock(t, newStockServer(t)), netrpcx.WithClientInterceptors(
		func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
			got = call
			return errors.New("stop here")
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Call(context.Background(), "acme.v1.Calculator.Add", &Args{}, nil)
	if want := (stdrpc.CallInfo{Service: "acme.v1.Calculator", Method: "Add"}); got != want {
		t.Fatalf("CallInfo = %+v, want %+v", got, want)
	}
	var e *stdrpc.Error
	if !errors.As(err, &e) || e.Code() != stdrpc.Unknown {
		t.Fatalf("an interceptor's plain error came back as %v (%T), want a *stdrpc.Error with code unknown", err, err)
	}
}

func TestPanicIsInternalAndServerLives(t *testing.T) {
	var log logBuffer
	rpcSrv := &testsvc.Impl{Panic: true}
	addr, _ := serve(t, rpcSrv, netrpcx.WithLogger(log.logger()))
	test := testsvc.NewTestNetRPCClient(dial(t, addr))

	_, err := test.Add(context.Background(), 1, 2)
	if stdrpc.CodeOf(err) != stdrpc.Internal {
		t.Fatalf("Add that panics: %v, want internal", err)
	}
	if !strings.Contains(log.String(), "Add was told to panic") || !strings.Contains(log.String(), "goroutine") {
		t.Fatalf("the log lacks the panic or its stack:\n%s", log.String())
	}
	if err := test.Ping(context.Background()); err != nil {
		t.Fatalf("Ping after a panic: %v", err)
	}
	if _, _, err := testsvc.NewTestNetRPCClient(dial(t, addr)).Divide(context.Background(), 4, 2); err != nil {
		t.Fatalf("a new client after a panic: %v", err)
	}
}

func TestUnknownMethodIsUnimplemented(t *testing.T) {
	addr, _ := serve(t, &testsvc.Impl{})
	c := dial(t, addr)
	err := c.Call(context.Background(), "Test.Nope", &Args{}, nil)
	if stdrpc.CodeOf(err) != stdrpc.Unimplemented || !strings.Contains(err.Error(), "Test.Nope") {
		t.Fatalf("Test.Nope: %v, want unimplemented naming the method", err)
	}
	// A body that does not fit the method's request is invalid_argument.
	err = c.Call(context.Background(), "Test.Add", struct{ A string }{"two"}, nil)
	if stdrpc.CodeOf(err) != stdrpc.InvalidArgument {
		t.Fatalf("Test.Add with a string: %v, want invalid_argument", err)
	}
	if sum, err := testsvc.NewTestNetRPCClient(c).Add(context.Background(), 1, 1); err != nil || sum != 2 {
		t.Fatalf("Add after bad calls = %d, %v", sum, err)
	}
}

// A call queued behind a write that the network holds up (a server that
// reads nothing) still returns when its context ends.
func TestDeadlineWhileWriterBlocked(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		conn, err := lis.Accept()
		if err == nil {
			answerHello(gob.NewDecoder(conn), gob.NewEncoder(conn))
			accepted <- conn // held open, never read again
		}
	}()
	c := dial(t, lis.Addr().String())
	defer func() { (<-accepted).Close() }()

	big := testsvc.Payload{Data: make([]byte, 8<<20)} // more than the socket buffers hold
	stuck := make(chan error, 1)
	go func() { stuck <- c.Call(context.Background(), "Test.Echo", &big, nil) }()

	// Give the big call a head start so that it holds the writer. Nothing
	// observable says when it does; if Add goes first, it still has to
	// time out waiting for a response, so the test holds either way.
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = c.Call(ctx, "Test.Add", &testsvc.TestAddRequest{A: 1, B: 2}, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Add behind a blocked writer: %v, want deadline exceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("Add returned %v after its 100ms deadline", elapsed)
	}
	c.Close()
	if err := <-stuck; stdrpc.CodeOf(err) != stdrpc.Unavailable {
		t.Fatalf("the blocked call after Close: %v, want unavailable", err)
	}
}
