package stdhttp

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/core"
	"github.com/stdrpc/stdrpc/internal/retry"
	"github.com/stdrpc/stdrpc/observe"
)

// A Client calls the services of one HTTP server. Generated clients wrap
// one; it is safe for concurrent use.
type Client struct {
	base       string
	budget     *retry.Budget
	hc         *http.Client
	intercept  stdrpc.ClientInterceptor
	maxLine    int               // the longest stream line read
	maxResp    int64             // the largest response body read
	obs        *observe.Observer // see WithClientObserver; counts retries
	gzip       int               // WithClientCompression: the least request compressed; 0: off
	serverGzip atomic.Bool       // the server said it accepts compressed requests
	direct     bool              // hc's transport may be called without hc (see transport)
	clientState
}

// A ClientOption configures a Client.
type ClientOption func(*clientConfig)

type clientConfig struct {
	retries   *int
	hc        *http.Client
	intercept []stdrpc.ClientInterceptor
	tls       *tls.Config
	maxLine   int64
	maxResp   int64
	obs       *observe.Observer
	gzip      int // WithClientCompression; 0: off
}

// DefaultMaxResponseBytes is the largest response a Client reads unless
// WithMaxResponseBytes says otherwise: netrpcx.DefaultMaxResponseBytes, so
// that a result too large for one transport is too large for the other.
const DefaultMaxResponseBytes = 64 << 20

// WithMaxResponseBytes bounds each response the client reads: a call's
// result, or one item of a stream (default DefaultMaxResponseBytes). A
// larger one fails the call, or ends the stream, with code
// resource_exhausted instead of growing a buffer without bound. n <= 0
// restores the default. It is netrpcx.WithMaxResponseBytes for HTTP:
// options follow one convention in both packages (see the README's
// Options).
func WithMaxResponseBytes(n int64) ClientOption {
	return func(c *clientConfig) { c.maxResp = n }
}

// DefaultRetryBudget is the burst of retries a Client allows (see
// WithRetryBudget).
const DefaultRetryBudget = 100

// WithRetryBudget sets the retry budget of Idempotent calls: a token bucket
// of n tokens, full at first. A retry takes one token, a call that succeeds
// gives a tenth of one back, and below half full no retry is made: a burst
// of n/2 retries, then at most 10 % more calls than succeed, so a failing
// fleet is not hammered. The default is DefaultRetryBudget; 0 turns
// retries off.
func WithRetryBudget(n int) ClientOption {
	return func(c *clientConfig) { n := max(n, 0); c.retries = &n }
}

// WithHTTPClient makes the client send its requests through hc (for its
// Transport, Jar or Timeout). hc is not modified; the client uses a copy
// whose CheckRedirect refuses redirects.
func WithHTTPClient(hc *http.Client) ClientOption {
	return func(c *clientConfig) { c.hc = hc }
}

// WithClientInterceptors wraps every call with the interceptors, the first
// outermost. The CallInfo comes from the call's path: "/acme.v1.Calculator/Add"
// is service "acme.v1.Calculator", method "Add".
func WithClientInterceptors(in ...stdrpc.ClientInterceptor) ClientOption {
	return func(c *clientConfig) { c.intercept = append(c.intercept, in...) }
}

// WithClientTLS sets the TLS configuration for https base URLs (a private
// CA, a client certificate). The client gets a transport of its own, cloned
// from the default one or from WithHTTPClient's, which must then be an
// *http.Transport (or nil); NewClient panics otherwise.
func WithClientTLS(cfg *tls.Config) ClientOption {
	return func(c *clientConfig) { c.tls = cfg }
}

// NewTransport returns a transport with http.DefaultTransport's settings
// except that it keeps up to 256 idle connections per host instead of 2, so
// many goroutines calling one server reuse connections instead of opening
// and closing one per call. Clients use one shared transport of this kind
// unless given another.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
	}
}

// defaultHTTPClient is shared by every Client made without WithHTTPClient or
// WithClientTLS, for the reason http.DefaultTransport is shared: one pool of
// connections per process, so code that makes a Client per request still
// reuses connections. It is never modified after creation.
var defaultHTTPClient = sync.OnceValue(func() *http.Client {
	return &http.Client{Transport: NewTransport(), CheckRedirect: noRedirect}
})

// noRedirect hands a redirect back to Call, which reports it: a POST that
// silently becomes a GET elsewhere is never what an RPC meant.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// NewClient returns a client for the server at baseURL, such as
// "http://localhost:8080" or "https://api.example.com/rpc" (a path prefix
// is kept).
//
// NewClient panics if baseURL has no http or https scheme or no host (a
// mistake in the program, caught where it is made rather than at the first
// call), with the URL it should have been.
func NewClient(baseURL string, opts ...ClientOption) *Client {
	checkBaseURL(baseURL)
	cfg := clientConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	tokens := DefaultRetryBudget
	if cfg.retries != nil {
		tokens = *cfg.retries
	}
	c := &Client{
		base:      strings.TrimSuffix(baseURL, "/"),
		budget:    retry.NewBudget(tokens),
		intercept: stdrpc.ChainClient(cfg.intercept...),
		maxLine:   int(min(cfg.maxLine, math.MaxInt32)),
		maxResp:   cfg.maxResp,
		obs:       cfg.obs,
		gzip:      cfg.gzip,
	}
	if c.maxResp <= 0 {
		c.maxResp = DefaultMaxResponseBytes
	}
	if c.maxLine <= 0 {
		c.maxLine = int(min(c.maxResp, math.MaxInt32))
	}
	switch {
	case cfg.hc == nil && cfg.tls == nil:
		c.hc = defaultHTTPClient()
	case cfg.hc == nil:
		t := NewTransport()
		t.TLSClientConfig = cfg.tls
		c.hc = &http.Client{Transport: t, CheckRedirect: noRedirect}
	default:
		hc := *cfg.hc
		hc.CheckRedirect = noRedirect
		if cfg.tls != nil {
			var t *http.Transport
			switch rt := hc.Transport.(type) {
			case nil:
				t = NewTransport()
			case *http.Transport:
				t = rt.Clone()
			default:
				panic(fmt.Sprintf("stdhttp: WithClientTLS needs WithHTTPClient's Transport to be an *http.Transport, not %T; set the TLS configuration on your transport instead", rt))
			}
			t.TLSClientConfig = cfg.tls
			hc.Transport = t
		}
		c.hc = &hc
	}
	u, _ := neturl.Parse(baseURL)
	c.direct = c.hc.Jar == nil && c.hc.Timeout <= 0 && u.User == nil
	return c
}

// Call sends req as JSON to POST baseURL+path ("/Service/Method") and
// decodes the 200 response into resp (resp nil discards it).
//
// Every error is a *stdrpc.Error: the server's, rebuilt from its error
// body; deadline_exceeded or canceled when ctx ends first (errors.Is(err,
// context.DeadlineExceeded) and context.Canceled hold); unavailable when the
// server cannot be reached; for a response no stdrpc server wrote (a proxy's
// 502 page), the code CodeFromHTTPStatus gives, with the status and the
// start of the body in the message.
//
// ctx's deadline travels as the Stdrpc-Timeout-Ms header and
// stdrpc.Outgoing(ctx) as headers.
//
// An Idempotent call is sent again, after a short pause, when the server
// cannot be reached or answers 502, 503 or 504 (a proxy whose upstream is
// restarting, or a server shutting down), while ctx allows and the retry
// budget has tokens (WithRetryBudget). Other calls are not: the server may
// have run them.
func (c *Client) Call(ctx context.Context, path string, req, resp any, opts ...CallOption) error {
	idem := idempotent(opts)
	if c.intercept == nil {
		return c.call(ctx, path, req, resp, idem)
	}
	err := c.intercept(ctx, core.Path(path), func(ctx context.Context) error {
		return c.call(ctx, path, req, resp, idem)
	})
	if err == nil {
		return nil
	}
	return stdrpc.FromError(err) // an interceptor's own error gets a code too
}

// maxErrorBody bounds how much of an error response is read: stdrpc error
// bodies are small, and a foreign page is only quoted.
const maxErrorBody = 64 << 10

func (c *Client) call(ctx context.Context, path string, req, resp any, idem bool) error {
	r := c.route(path)
	retries, refusals := 0, 0
	for {
		err, again := c.attempt(ctx, r, req, resp)
		if err == nil {
			c.budget.Succeeded()
			return nil
		}
		var pause time.Duration
		switch {
		case again == unrun && refusals < maxRefusals:
			// The server said it did not run the call: sending it again
			// is safe for any call, and costs the budget nothing. A proxy
			// may send it to the same draining instance again, so it goes
			// again soon, and often enough to find another.
			refusals++
			pause = refusalPause
			c.obs.FailedOver(observe.HTTP, core.Path(path))
		case again != ifIdem || !idem || retries == maxRetries || !c.budget.Take():
			return err
		default:
			// A pause, growing, so that retries of a failing server do
			// not hammer it.
			retries++
			pause = time.Duration(retries) * retryPause
			c.obs.Retried(observe.HTTP, core.Path(path))
		}
		// Jittered, so that retries do not arrive in step. A deadline too
		// close for the pause and an attempt after it ends the call with
		// the error it has, rather than with the deadline passing during
		// an attempt that had no time.
		pause += time.Duration(rand.Int64N(int64(pause)))
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < 2*pause+retryPause {
			return err
		}
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return core.ContextError(ctx.Err())
		}
	}
}

// Bounds of one call's retries: at most maxRetries after failures that may
// have run it (Idempotent calls only), each pause retryPause longer than
// the last; and at most maxRefusals after refusals unrun, refusalPause
// apart.
const (
	maxRetries   = 7
	retryPause   = 25 * time.Millisecond
	maxRefusals  = 32
	refusalPause = 10 * time.Millisecond
)

// Whether a failed attempt may be made again.
type retryable int

const (
	never  retryable = iota
	ifIdem           // if the call is Idempotent: the server may have run it
	unrun            // always: the server refused it unrun (RefusedHeader)
)

// attempt makes one try of a call and says whether its failure may be
// retried: the server was not reached, or a proxy or a server on its way
// out said it is unavailable (502, 503, 504; a 504 that is the server's
// word that the caller's deadline passed comes as ctx ends, and the pause
// before a retry checks the deadline).
func (c *Client) attempt(ctx context.Context, r *route, req, resp any) (error, retryable) {
	hresp, gz, err := c.postCall(ctx, r, req)
	if err != nil {
		if ctx.Err() == nil && stdrpc.CodeOf(err) == stdrpc.Unavailable {
			return err, ifIdem
		}
		return err, never
	}
	if hresp.StatusCode != http.StatusOK || resp == nil {
		defer closeBody(hresp.Body)
	} else {
		defer hresp.Body.Close() // read to its end below
	}
	if hresp.StatusCode != http.StatusOK {
		err := c.callError(ctx, hresp, r.str, gz)
		switch {
		case ctx.Err() != nil:
			return err, never
		case hresp.StatusCode == http.StatusServiceUnavailable && hresp.Header.Get(RefusedHeader) != "":
			return err, unrun
		case hresp.StatusCode == http.StatusBadGateway || hresp.StatusCode == http.StatusServiceUnavailable || hresp.StatusCode == http.StatusGatewayTimeout:
			return err, ifIdem
		}
		return err, never
	}
	if resp == nil {
		return nil, never
	}
	return c.readResult(ctx, hresp, r.str, resp, gz)
}

// callError reads the error a response other than 200 carries,
// decompressing it if gz says the client asked for compression itself.
func (c *Client) callError(ctx context.Context, hresp *http.Response, url string, gz bool) error {
	if gz && gzipped(hresp) {
		zr, err := c.inflate(hresp.Body)
		if err != nil { // what is left of the body is no message to show
			e := decodeError(hresp.StatusCode, hresp.Header, http.MethodPost, url, nil)
			return stdrpc.Errorf(e.Code(), "%s, whose body is marked gzip but does not decompress: %v", e.Message(), err)
		}
		defer gzipReaders.Put(zr)
		return errorFrom(ctx, hresp, zr, url)
	}
	return responseError(ctx, hresp, url)
}

// gzipped reports whether hresp's body is compressed with gzip, as
// net/http's transport tells.
func gzipped(hresp *http.Response) bool {
	ce := hresp.Header["Content-Encoding"]
	return len(ce) == 1 && strings.EqualFold(ce[0], "gzip")
}

// readResult decodes the body of a 200 response into resp, decompressing
// it if gz says the client asked for compression itself.
func (c *Client) readResult(ctx context.Context, hresp *http.Response, url string, resp any, gz bool) (error, retryable) {
	if hresp.ContentLength > c.maxResp {
		return c.tooLarge(url, hresp.ContentLength), never
	}
	buf := getBuffer()
	defer putBuffer(buf)
	var body io.Reader = hresp.Body
	if c.gzip > 0 {
		if enc := hresp.Header["Accept-Encoding"]; len(enc) > 0 && !c.serverGzip.Load() && strings.Contains(enc[0], "gzip") {
			c.serverGzip.Store(true)
		}
	}
	if gz && gzipped(hresp) {
		zr, err := c.inflate(hresp.Body)
		if err != nil {
			return stdrpc.Errorf(stdrpc.Internal, "decompressing the response from %s: %v", url, err), never
		}
		defer gzipReaders.Put(zr)
		body = zr
	}
	if n := hresp.ContentLength; n > 0 && n <= maxPooled && body == hresp.Body {
		buf.Grow(int(n) + bytes.MinRead)
	}
	n, err := buf.readLimited(body, c.maxResp+1)
	if err != nil {
		if ctx.Err() != nil {
			return core.ContextError(ctx.Err()), never
		}
		return stdrpc.Errorf(stdrpc.Unavailable, "reading the response from %s: %v", url, err), ifIdem
	}
	if n > c.maxResp {
		return c.tooLarge(url, -1), never
	}
	if err := unmarshalJSON(buf.Bytes(), resp); err != nil {
		return stdrpc.Errorf(stdrpc.Internal, "decoding the response from %s: %v", url, err), never
	}
	return nil, never
}

// checkBaseURL panics, saying what to write, if base is not an http or
// https URL with a host.
func checkBaseURL(base string) {
	u, err := neturl.Parse(base)
	switch {
	case err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
		return
	case err == nil && u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" && u.Opaque == "":
		panic(fmt.Sprintf("stdhttp: base URL %q: the scheme must be http or https", base))
	case strings.Contains(base, "://"):
		panic(fmt.Sprintf("stdhttp: base URL %q has no host", base))
	}
	panic(fmt.Sprintf("stdhttp: base URL %q has no scheme: write it in full, such as %q", base, "http://"+strings.TrimPrefix(base, "//")))
}

// tooLarge is the error for a response body over the limit; size is -1
// when unknown.
func (c *Client) tooLarge(url string, size int64) error {
	what := "more than " + strconv.FormatInt(c.maxResp, 10) + " bytes"
	if size >= 0 {
		what = strconv.FormatInt(size, 10) + " bytes, over the limit of " + strconv.FormatInt(c.maxResp, 10)
	}
	return stdrpc.Errorf(stdrpc.ResourceExhausted, "the response from %s holds %s (raise it with stdhttp.WithMaxResponseBytes)", url, what)
}

// postCall sends req as JSON to r, the request of a unary call, with
// ctx's deadline as TimeoutHeader and stdrpc.Outgoing(ctx) as headers. gz
// says the client asked for a compressed response itself, and so
// decompresses it: always with WithClientCompression (with pooled
// readers), and otherwise where net/http's transport would have asked
// (it then leaves the response as it is). Its error is a *stdrpc.Error.
func (c *Client) postCall(ctx context.Context, r *route, req any) (_ *http.Response, gz bool, _ error) {
	st := codecStates.Get().(*codecState)
	body, owned, err := encodeCall(st, r.str, req)
	if err != nil {
		putCodecState(st)
		return nil, false, err
	}
	if r.err != nil {
		putCodecState(st)
		return nil, false, r.err
	}
	compressed := false
	if c.gzip > 0 && len(body) >= c.gzip && c.serverGzip.Load() {
		z := getBuffer()
		if err := compress(z, body); err == nil && z.Len() < len(body) {
			body = append([]byte(nil), z.Bytes()...) // the transport may read it after the call returns
			owned, compressed = true, true
		}
		putBuffer(z)
	}
	t := c.transport()
	gz = c.gzip > 0 || t != nil && !t.DisableCompression
	h, err := c.callHeader(ctx, gz, t != nil && !compressed)
	if err != nil {
		putCodecState(st)
		return nil, false, err
	}
	if compressed {
		h["Content-Encoding"] = gzipEncoding
	}
	hreq := newRequest(ctx, r, body, owned, h)
	putCodecState(st) // newRequest copied the body
	hresp, err := c.send(hreq, t)
	if err != nil {
		return nil, false, c.sendError(ctx, err)
	}
	return hresp, gz, nil
}

// encodeCall returns req's JSON, nil for a nil req: in st's buffer, or
// (owned) in a slice of its own.
func encodeCall(st *codecState, url string, req any) (body []byte, owned bool, err error) {
	if req == nil {
		return nil, true, nil
	}
	body, ok, err := appendJSON(st.buf[:0], req)
	if ok {
		st.buf = body
	} else {
		body, err = json.Marshal(req)
		owned = true
	}
	if err != nil {
		return nil, false, stdrpc.Errorf(stdrpc.Internal, "encoding the request to %s: %v", url, err)
	}
	return body, owned, nil
}

// encodeRequest returns req's JSON, nil for a nil req. The transport may
// still be reading a request body after the call returns, so it gets its
// own slice, not a pooled buffer.
func encodeRequest(url string, req any) ([]byte, error) {
	if req == nil {
		return nil, nil
	}
	body, err := marshalJSON(req)
	if err != nil {
		return nil, stdrpc.Errorf(stdrpc.Internal, "encoding the request to %s: %v", url, err)
	}
	return body, nil
}

// post sends req as JSON to url, with ctx's deadline as TimeoutHeader,
// stdrpc.Outgoing(ctx) as headers and accept (if not nil) as the Accept
// header. Its error is a *stdrpc.Error.
func (c *Client) post(ctx context.Context, url string, req any, accept []string) (*http.Response, error) {
	body, err := encodeRequest(url, req)
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, stdrpc.Errorf(stdrpc.InvalidArgument, "stdhttp: %v", err)
	}
	h := hreq.Header
	for k, v := range stdrpc.Outgoing(ctx) {
		h[k] = v // Metadata keys are canonical already; the transport only reads
	}
	h["Content-Type"] = jsonContentType
	if c.gzip > 0 {
		h["Accept-Encoding"] = gzipEncoding // so the transport leaves it to us, with pooled readers
	}
	if accept != nil {
		h["Accept"] = accept
	}
	return c.do(ctx, hreq)
}

// do sends hreq, whose headers are set but for the deadline, which it adds
// from ctx as TimeoutHeader. Its error is a *stdrpc.Error.
func (c *Client) do(ctx context.Context, hreq *http.Request) (*http.Response, error) {
	timeout, err := timeoutHeader(ctx)
	if err != nil {
		return nil, err
	}
	setTimeout(hreq.Header, timeout)
	hresp, err := c.send(hreq, c.transport())
	if err != nil {
		return nil, c.sendError(ctx, err)
	}
	return hresp, nil
}

// sendError is the *stdrpc.Error for the error of sending a request.
func (c *Client) sendError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return core.ContextError(ctx.Err())
	}
	if te, ok := err.(interface{ Timeout() bool }); ok && te.Timeout() {
		return stdrpc.NewError(stdrpc.DeadlineExceeded, err) // http.Client.Timeout, a dial timeout
	}
	return stdrpc.NewError(stdrpc.Unavailable, err)
}

// inflate returns a pooled gzip reader over body.
func (c *Client) inflate(body io.Reader) (*gzip.Reader, error) {
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	if zr == nil {
		return gzip.NewReader(body)
	}
	return zr, zr.Reset(body)
}

// responseError reads the error a response other than 200 carries.
func responseError(ctx context.Context, hresp *http.Response, url string) error {
	return errorFrom(ctx, hresp, hresp.Body, url)
}

// errorFrom reads the error a response other than 200 carries in body.
func errorFrom(ctx context.Context, hresp *http.Response, body io.Reader, url string) error {
	b, err := io.ReadAll(io.LimitReader(body, maxErrorBody))
	if err != nil && ctx.Err() != nil {
		return core.ContextError(ctx.Err())
	}
	return decodeError(hresp.StatusCode, hresp.Header, http.MethodPost, url, b)
}

// closeBody reads what is left of a response body, up to a bound, before
// closing it: a body read to its end lets the transport reuse the
// connection, and the bound keeps a huge unwanted body from costing more
// than a new connection would.
func closeBody(b io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, b, 64<<10)
	_ = b.Close()
}

// A CallOption changes how one call is made. Generated clients pass the
// options a method's declaration asks for.
type CallOption struct{ idempotent bool }

// Idempotent marks a call as safe to send again: making it twice has the
// effect of making it once. A call so marked is retried after a connection
// error or a 502, 503 or 504 (the answers of a proxy whose upstream is
// restarting) while its deadline and the client's retry budget allow.
// Generated clients pass it for methods marked //stdrpc:idempotent or
// routed with GET or HEAD.
func Idempotent() CallOption { return CallOption{idempotent: true} }

func idempotent(opts []CallOption) bool {
	for _, o := range opts {
		if o.idempotent {
			return true
		}
	}
	return false
}
