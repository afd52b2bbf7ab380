package stdhttp_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// serve starts impl on a loopback server and returns its URL.
func serve(t testing.TB, impl testsvc.Test, opts ...stdhttp.ServerOption) string {
	t.Helper()
	srv := httptest.NewServer(testsvc.NewTestHTTPHandler(impl, opts...))
	t.Cleanup(srv.Close)
	return srv.URL
}

// post sends body to url as JSON, with the given headers (which may replace
// the Content-Type), and returns the status, headers and body of the answer.
func post(t *testing.T, url, body string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	return do(t, http.MethodPost, url, strings.NewReader(body), append([]string{"Content-Type", "application/json"}, hdr...)...)
}

func do(t *testing.T, method, url string, body io.Reader, hdr ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// wantError asserts err is a *stdrpc.Error with code and, if msg is not
// empty, that message.
func wantError(t *testing.T, err error, code stdrpc.Code, msg string) *stdrpc.Error {
	t.Helper()
	var e *stdrpc.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %#v, want a *stdrpc.Error with code %v", err, code)
	}
	if e.Code() != code {
		t.Fatalf("code = %v (%v), want %v", e.Code(), e, code)
	}
	if msg != "" && e.Message() != msg {
		t.Fatalf("message = %q, want %q", e.Message(), msg)
	}
	return e
}

func TestRoundTrip(t *testing.T) {
	c := testsvc.NewTestHTTPClient(serve(t, &testsvc.Impl{}))
	ctx := context.Background()

	if got, err := c.Add(ctx, 2, 3); err != nil || got != 5 {
		t.Errorf("Add(2, 3) = %v, %v; want 5", got, err)
	}
	p := testsvc.NewPayload()
	got, err := c.Echo(ctx, p)
	if err != nil {
		t.Fatalf("Echo: %v", err)
	}
	if got.ID != p.ID || got.Name != p.Name || strings.Join(got.Tags, ",") != strings.Join(p.Tags, ",") ||
		!bytes.Equal(got.Data, p.Data) || got.Score != p.Score || !got.At.Equal(p.At) {
		t.Errorf("Echo returned %+v, want %+v", got, p)
	}
	if err := c.Sleep(ctx, time.Millisecond); err != nil {
		t.Errorf("Sleep: %v", err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	mctx := stdrpc.AppendOutgoing(ctx, "x-trace-id", "abc123")
	if got, err := c.Meta(mctx, "X-Trace-Id"); err != nil || got != "abc123" {
		t.Errorf("Meta = %q, %v; want abc123", got, err)
	}
	if q, r, err := c.Divide(ctx, 7, 2); err != nil || q != 3 || r != 1 {
		t.Errorf("Divide(7, 2) = %v, %v, %v; want 3, 1", q, r, err)
	}
	_, _, err = c.Divide(ctx, 1, 0)
	wantError(t, err, stdrpc.InvalidArgument, "divide 1 by zero")
}

// TestPlainHTTP calls the service the way curl or a browser would.
func TestPlainHTTP(t *testing.T) {
	url := serve(t, &testsvc.Impl{})
	for _, tc := range []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		want                     string
	}{
		{"route", "GET", "/divide/7/2", "", nil, 200, `{"quo":3,"rem":1}` + "\n"},
		{"route reads headers", "GET", "/meta/User-Agent", "", []string{"User-Agent", "curl/8.5.0"}, 200, `"curl/8.5.0"` + "\n"},
		{"route error", "GET", "/divide/7/0", "", nil, 400, `{"code":"invalid_argument","message":"divide 7 by zero"}` + "\n"},
		{"post", "POST", "/Test/Add", `{"a":2,"b":3}`, []string{"Content-Type", "application/json"}, 200, "5\n"},
		{"post with charset", "POST", "/Test/Add", `{"a":2,"b":3}`, []string{"Content-Type", "application/json; charset=utf-8"}, 200, "5\n"},
		{"empty body is the zero request", "POST", "/Test/Add", "", []string{"Content-Type", "application/json"}, 200, "0\n"},
		{"no params, no body", "POST", "/Test/Ping", "", nil, 200, "{}\n"},
		{"bare POST, no body, as from curl -X POST", "POST", "/Test/Add", "", nil, 200, "0\n"},
		{"unknown fields ignored", "POST", "/Test/Add", `{"a":2,"b":3,"c":4}`, []string{"Content-Type", "application/json"}, 200, "5\n"},
		{"two results", "POST", "/Test/Divide", `{"a":7,"b":2}`, []string{"Content-Type", "application/json"}, 200, `{"quo":3,"rem":1}` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr, body := do(t, tc.method, url+tc.path, strings.NewReader(tc.body), tc.hdr...)
			if status != tc.status || body != tc.want {
				t.Errorf("%s %s = %d %q, want %d %q", tc.method, tc.path, status, body, tc.status, tc.want)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
		})
	}
}

func TestDeadlinePropagates(t *testing.T) {
	got := make(chan time.Time, 1)
	impl := &testsvc.Impl{OnSleep: func(ctx context.Context) {
		d, ok := ctx.Deadline()
		if !ok {
			d = time.Time{}
		}
		got <- d
	}}
	c := testsvc.NewTestHTTPClient(serve(t, impl))

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	clientDeadline, _ := ctx.Deadline()
	start := time.Now()
	err := c.Sleep(ctx, time.Minute)
	wantError(t, err, stdrpc.DeadlineExceeded, "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, context.DeadlineExceeded) = false", err)
	}
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("Sleep returned after %v; the deadline was 200ms", el)
	}
	serverDeadline := <-got
	if serverDeadline.IsZero() {
		t.Fatal("the method's context had no deadline")
	}
	// The header has millisecond resolution, rounded up, and the clock runs
	// while the request travels: allow a generous margin.
	if diff := serverDeadline.Sub(clientDeadline); diff < -time.Second || diff > time.Second {
		t.Errorf("server deadline is %v from the client's", diff)
	}
}

func TestServerAppliesTimeoutHeader(t *testing.T) {
	url := serve(t, &testsvc.Impl{})
	status, _, body := post(t, url+"/Test/Sleep", `{"d":60000000000}`, "Stdrpc-Timeout-Ms", "20")
	if status != 504 || !strings.Contains(body, `"code":"deadline_exceeded"`) {
		t.Errorf("Sleep(1m) with a 20ms timeout = %d %s, want 504 deadline_exceeded", status, body)
	}
	status, _, body = post(t, url+"/Test/Ping", "", "Stdrpc-Timeout-Ms", "soon")
	want := `{"code":"invalid_argument","message":"header Stdrpc-Timeout-Ms: \"soon\" is not a whole number of milliseconds"}` + "\n"
	if status != 400 || body != want {
		t.Errorf("malformed timeout = %d %s, want 400 %s", status, body, want)
	}
	status, _, body = post(t, url+"/Test/Ping", "", "Stdrpc-Timeout-Ms", "99999999999999999999")
	if status != 200 {
		t.Errorf("a timeout beyond time.Duration's range = %d %s, want 200 (no deadline)", status, body)
	}
}

func TestCancel(t *testing.T) {
	started := make(chan struct{})
	c := testsvc.NewTestHTTPClient(serve(t, &testsvc.Impl{OnSleep: func(context.Context) { close(started) }}))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	err := c.Sleep(ctx, time.Minute)
	wantError(t, err, stdrpc.Canceled, "")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(%v, context.Canceled) = false", err)
	}
}

func TestHTTPClientTimeout(t *testing.T) {
	hc := &http.Client{Timeout: 50 * time.Millisecond}
	err := testsvc.NewTestHTTPClient(serve(t, &testsvc.Impl{}), stdhttp.WithHTTPClient(hc)).Sleep(context.Background(), time.Minute)
	wantError(t, err, stdrpc.DeadlineExceeded, "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, context.DeadlineExceeded) = false", err)
	}
}

func TestExpiredContextSendsNothing(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls.Add(1) }))
	defer srv.Close()
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := testsvc.NewTestHTTPClient(srv.URL).Add(ctx, 1, 2)
	wantError(t, err, stdrpc.DeadlineExceeded, "")
	if !errors.Is(err, context.DeadlineExceeded) || calls.Load() != 0 {
		t.Errorf("err = %v, server calls = %d; want deadline_exceeded and no call", err, calls.Load())
	}
}

func TestUnavailable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	_, err = testsvc.NewTestHTTPClient("http://"+addr).Add(context.Background(), 1, 2)
	e := wantError(t, err, stdrpc.Unavailable, "")
	if !strings.Contains(e.Message(), addr) {
		t.Errorf("message %q does not name the address %s", e.Message(), addr)
	}
}

func TestServiceError(t *testing.T) {
	url := serve(t, &testsvc.Impl{Err: stdrpc.Errorf(stdrpc.NotFound, "user %d", 7)})
	_, err := testsvc.NewTestHTTPClient(url).Add(context.Background(), 1, 2)
	wantError(t, err, stdrpc.NotFound, "user 7")
	if stdrpc.CodeOf(err) != stdrpc.NotFound {
		t.Errorf("CodeOf = %v", stdrpc.CodeOf(err))
	}
	status, _, body := post(t, url+"/Test/Add", `{}`)
	if want := `{"code":"not_found","message":"user 7"}` + "\n"; status != 404 || body != want {
		t.Errorf("raw = %d %s, want 404 %s", status, body, want)
	}
}

// TestForeignResponses covers answers no stdrpc server wrote.
func TestForeignResponses(t *testing.T) {
	page := "<html><head><title>502 Bad Gateway</title></head>\n<body>" + strings.Repeat("upstream is down. ", 100) + "</body></html>"
	for _, tc := range []struct {
		status int
		ctype  string
		body   string
		code   stdrpc.Code
		want   string // the message starts with it
	}{
		{502, "text/html", page, stdrpc.Unavailable, "HTTP 502 Bad Gateway from POST URL/Test/Add: <html><head><title>502 Bad Gateway</title></head> <body>upstream is down."},
		{503, "text/plain", "overloaded\n", stdrpc.Unavailable, "HTTP 503 Service Unavailable from POST URL/Test/Add: overloaded"},
		{504, "text/plain", "", stdrpc.DeadlineExceeded, "HTTP 504 Gateway Timeout from POST URL/Test/Add"},
		{404, "text/plain", "404 page not found\n", stdrpc.NotFound, "HTTP 404 Not Found from POST URL/Test/Add: 404 page not found"},
		{400, "application/json", `{"code":"E_BAD","message":"not ours"}`, stdrpc.InvalidArgument, `HTTP 400 Bad Request from POST URL/Test/Add: {"code":"E_BAD","message":"not ours"}`},
		{418, "text/plain", "teapot", stdrpc.Unknown, "HTTP 418 I'm a teapot from POST URL/Test/Add: teapot"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", tc.ctype)
			w.WriteHeader(tc.status)
			io.WriteString(w, tc.body)
		}))
		_, err := testsvc.NewTestHTTPClient(srv.URL).Add(context.Background(), 1, 2)
		srv.Close()
		e := wantError(t, err, tc.code, "")
		want := strings.ReplaceAll(tc.want, "URL", srv.URL)
		if !strings.HasPrefix(e.Message(), want) {
			t.Errorf("%d: message = %q, want it to start with %q", tc.status, e.Message(), want)
		}
		if max := len(want) + 512; len(e.Message()) > max {
			t.Errorf("%d: message is %d bytes, want at most %d", tc.status, len(e.Message()), max)
		}
	}
}

// lockedBuffer is a log destination safe to read while a server writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func testLogger() (*slog.Logger, *lockedBuffer) {
	var buf lockedBuffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

func TestPlainErrorTextWithheld(t *testing.T) {
	secret := errors.New("dial db: password hunter2 rejected")
	log, logged := testLogger()
	url := serve(t, &testsvc.Impl{Err: secret}, stdhttp.WithLogger(log))
	c := testsvc.NewTestHTTPClient(url)
	_, err := c.Add(context.Background(), 1, 2)
	e := wantError(t, err, stdrpc.Unknown, "")
	if strings.Contains(e.Message(), "hunter2") {
		t.Errorf("the client saw the error text: %q", e.Message())
	}
	if !strings.Contains(logged.String(), "hunter2") || !strings.Contains(logged.String(), "method=Add") {
		t.Errorf("the server did not log the text; log: %s", logged)
	}
	status, _, _ := post(t, url+"/Test/Add", `{}`)
	if status != 500 {
		t.Errorf("status = %d, want 500", status)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Errorf("Ping after the error: %v", err)
	}

	log, _ = testLogger()
	url = serve(t, &testsvc.Impl{Err: secret}, stdhttp.WithErrorText(), stdhttp.WithLogger(log))
	_, err = testsvc.NewTestHTTPClient(url).Add(context.Background(), 1, 2)
	wantError(t, err, stdrpc.Unknown, secret.Error())
}

func TestPanic(t *testing.T) {
	log, logged := testLogger()
	url := serve(t, &testsvc.Impl{Panic: true}, stdhttp.WithLogger(log))
	c := testsvc.NewTestHTTPClient(url)
	_, err := c.Add(context.Background(), 1, 2)
	wantError(t, err, stdrpc.Internal, "Test.Add panicked; the server's log has the details")
	status, _, _ := post(t, url+"/Test/Add", `{}`)
	if status != 500 {
		t.Errorf("status = %d, want 500", status)
	}
	if l := logged.String(); !strings.Contains(l, "told to panic") || !strings.Contains(l, "goroutine") {
		t.Errorf("the log lacks the panic value or the stack: %s", l)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Errorf("Ping after the panic: %v", err)
	}
}

func TestAuthInterceptor(t *testing.T) {
	var seen sync.Map
	auth := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		seen.Store(call, true)
		if stdrpc.Incoming(ctx).Get("Authorization") != "Bearer s3cret" {
			return stdrpc.Errorf(stdrpc.Unauthenticated, "missing or wrong bearer token")
		}
		return next(ctx)
	}
	url := serve(t, &testsvc.Impl{}, stdhttp.WithInterceptors(auth))

	// The interceptor runs before decoding: a body that would be a 400 is
	// never looked at without the token.
	status, _, body := post(t, url+"/Test/Add", `{"a":`)
	if want := `{"code":"unauthenticated","message":"missing or wrong bearer token"}` + "\n"; status != 401 || body != want {
		t.Errorf("no token, bad body = %d %s, want 401 %s", status, body, want)
	}
	status, _, _ = post(t, url+"/Test/Add", `{"a":`, "Authorization", "Bearer s3cret")
	if status != 400 {
		t.Errorf("token, bad body = %d, want 400", status)
	}

	_, err := testsvc.NewTestHTTPClient(url).Add(context.Background(), 1, 2)
	wantError(t, err, stdrpc.Unauthenticated, "missing or wrong bearer token")

	var clientSaw stdrpc.CallInfo
	token := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		clientSaw = call
		return next(stdrpc.AppendOutgoing(ctx, "Authorization", "Bearer s3cret"))
	}
	c := testsvc.NewTestHTTPClient(url, stdhttp.WithClientInterceptors(token))
	if got, err := c.Add(context.Background(), 1, 2); err != nil || got != 3 {
		t.Errorf("Add with the token = %v, %v; want 3", got, err)
	}
	want := stdrpc.CallInfo{Service: "Test", Method: "Add"}
	if clientSaw != want {
		t.Errorf("client interceptor saw %+v, want %+v", clientSaw, want)
	}
	if _, ok := seen.Load(want); !ok {
		t.Errorf("server interceptor never saw %+v", want)
	}
}

func TestClientInterceptorError(t *testing.T) {
	refuse := func(context.Context, stdrpc.CallInfo, func(context.Context) error) error {
		return errors.New("offline mode")
	}
	_, err := testsvc.NewTestHTTPClient("http://127.0.0.1:1", stdhttp.WithClientInterceptors(refuse)).Add(context.Background(), 1, 2)
	wantError(t, err, stdrpc.Unknown, "offline mode")
}

func TestTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(testsvc.NewTestHTTPHandler(&testsvc.Impl{}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake below is expected
	srv.StartTLS()
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())

	c := testsvc.NewTestHTTPClient(srv.URL, stdhttp.WithClientTLS(&tls.Config{RootCAs: roots}))
	if got, err := c.Add(context.Background(), 2, 3); err != nil || got != 5 {
		t.Errorf("Add over TLS = %v, %v; want 5", got, err)
	}

	_, err := testsvc.NewTestHTTPClient(srv.URL).Add(context.Background(), 2, 3)
	e := wantError(t, err, stdrpc.Unavailable, "")
	if !strings.Contains(e.Message(), "certificate") {
		t.Errorf("message %q does not mention the certificate", e.Message())
	}

	// TLS on top of a caller's client, which stays as it was.
	hc := &http.Client{Transport: &http.Transport{}}
	c = testsvc.NewTestHTTPClient(srv.URL, stdhttp.WithHTTPClient(hc), stdhttp.WithClientTLS(&tls.Config{RootCAs: roots}))
	if got, err := c.Add(context.Background(), 2, 3); err != nil || got != 5 {
		t.Errorf("Add over TLS with WithHTTPClient = %v, %v; want 5", got, err)
	}
	// (Transport.Clone sets up HTTP/2 on the original, which fills in its
	// TLSClientConfig's protocols; the caller's roots stay unset.)
	if tc := hc.Transport.(*http.Transport).TLSClientConfig; hc.CheckRedirect != nil || tc != nil && tc.RootCAs != nil {
		t.Error("NewClient modified the caller's http.Client")
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var followed atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /Test/Add", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v2/Test/Add", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) { followed.Add(1) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	hc := &http.Client{}
	_, err := testsvc.NewTestHTTPClient(srv.URL, stdhttp.WithHTTPClient(hc)).Add(context.Background(), 1, 2)
	e := wantError(t, err, stdrpc.Unknown, "")
	if !strings.Contains(e.Message(), `redirect to "/v2/Test/Add"`) {
		t.Errorf("message %q does not name the Location", e.Message())
	}
	if followed.Load() != 0 {
		t.Error("the client followed the redirect")
	}
	if hc.CheckRedirect != nil {
		t.Error("WithHTTPClient modified the caller's client")
	}
}

func TestBasePathPrefix(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/rpc/", http.StripPrefix("/rpc", testsvc.NewTestHTTPHandler(&testsvc.Impl{})))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, base := range []string{srv.URL + "/rpc", srv.URL + "/rpc/"} {
		if got, err := testsvc.NewTestHTTPClient(base).Add(context.Background(), 2, 3); err != nil || got != 5 {
			t.Errorf("Add via %s = %v, %v; want 5", base, got, err)
		}
	}
}

// TestConnectionReuse shows 64 goroutines calling one server reuse their
// connections instead of opening one per call.
func TestConnectionReuse(t *testing.T) {
	const callers, calls = 64, 20
	// The calls go in rounds: in each, every caller makes one call, and
	// the server holds them until all have arrived, so that each has a
	// connection at once and none is handed back meanwhile. Without that,
	// how many connections they open is up to the scheduler: a call that
	// finds no idle connection dials one, and if another call ends
	// meanwhile, it takes that connection and leaves its dial to the pool,
	// and the caller of the call that ended may find none idle in turn.
	failed := make(chan struct{})
	fail := sync.OnceFunc(func() { close(failed) }) // the held calls go on
	var (
		mu      sync.Mutex
		arrived int
		round   = make(chan struct{})
	)
	h := testsvc.NewTestHTTPHandler(&testsvc.Impl{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		all := round
		if arrived++; arrived%callers == 0 {
			close(round)
			round = make(chan struct{})
		}
		mu.Unlock()
		select {
		case <-all:
		case <-failed:
		}
		h.ServeHTTP(w, r)
	}))
	var conns atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := testsvc.NewTestHTTPClient(srv.URL, stdhttp.WithHTTPClient(&http.Client{Transport: stdhttp.NewTransport()}))

	errs := make(chan error, callers*calls)
	for range calls {
		var wg sync.WaitGroup
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Add(context.Background(), 1, 2); err != nil {
					errs <- err
					fail()
				}
			}()
		}
		wg.Wait()
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// One connection per caller, plus one for any the transport closed
	// rather than reuse; without reuse it would be 1280, and with fewer
	// idle connections kept per host than callers, more than 1200.
	if n := conns.Load(); n > 2*callers {
		t.Errorf("%d calls opened %d connections", callers*calls, n)
	}
}

// TestForwardedTimeoutHeader: metadata copied from an incoming call may hold
// a stale timeout header; only the context's own deadline travels.
func TestForwardedTimeoutHeader(t *testing.T) {
	c := testsvc.NewTestHTTPClient(serve(t, &testsvc.Impl{}))
	ctx := stdrpc.AppendOutgoing(context.Background(), stdhttp.TimeoutHeader, "1")
	if got, err := c.Meta(ctx, stdhttp.TimeoutHeader); err != nil || got != "" {
		t.Errorf("without a deadline the server saw %s = %q, %v; want none", stdhttp.TimeoutHeader, got, err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	if got, err := c.Meta(ctx, stdhttp.TimeoutHeader); err != nil || got == "1" || got == "" {
		t.Errorf("with a one-hour deadline the server saw %s = %q, %v", stdhttp.TimeoutHeader, got, err)
	}
}

// A response body over the client's limit fails the call with
// resource_exhausted, whether its length is announced or not, and a body
// at the limit decodes.
func TestMaxResponseBytes(t *testing.T) {
	const limit = 1024
	echo := func(n int) string {
		return `{"id":1,"name":"` + strings.Repeat("x", n-len(`{"id":1,"name":""}`)) + `"}`
	}
	for _, chunked := range []bool{false, true} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n, _ := strconv.Atoi(r.Header.Get("X-Size"))
			w.Header().Set("Content-Type", "application/json")
			if chunked {
				w.(http.Flusher).Flush() // the length is not known in advance
			}
			io.WriteString(w, echo(n))
		}))
		c := stdhttp.NewClient(srv.URL, stdhttp.WithMaxResponseBytes(limit))
		call := func(n int) error {
			ctx := stdrpc.AppendOutgoing(context.Background(), "X-Size", strconv.Itoa(n))
			var p testsvc.Payload
			err := c.Call(ctx, "/Test/Echo", testsvc.Payload{}, &p)
			if err == nil && len(p.Name) != n-len(`{"id":1,"name":""}`) {
				t.Fatalf("a %d-byte body decoded to a name of %d bytes", n, len(p.Name))
			}
			return err
		}
		e := wantError(t, call(limit+1), stdrpc.ResourceExhausted, "")
		if !strings.Contains(e.Message(), "stdhttp.WithMaxResponseBytes") {
			t.Errorf("chunked %v: message %q does not name the option", chunked, e.Message())
		}
		if err := call(limit); err != nil {
			t.Errorf("chunked %v: a body at the limit: %v", chunked, err)
		}
		srv.Close()
	}
}
