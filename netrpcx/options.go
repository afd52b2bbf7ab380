package netrpcx

import (
	"context"
	"crypto/tls"
	"log/slog"
	"math"
	"net"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/core"
	"github.com/stdrpc/stdrpc/observe"
)

// Defaults for the options.
const (
	// DefaultMaxMessageBytes bounds each message a server reads.
	DefaultMaxMessageBytes = 4 << 20
	// DefaultMaxResponseBytes bounds each message a client reads.
	DefaultMaxResponseBytes = 64 << 20
	// DefaultMaxInFlight bounds the calls a server runs at once per connection.
	DefaultMaxInFlight = 256

	defaultDialTimeout = 30 * time.Second
)

// A ServerOption configures a Server.
type ServerOption func(*serverOptions)

type serverOptions struct {
	core         core.Server // interceptors, error texts, logger: as stdhttp's
	maxMessage   int
	maxInFlight  int
	tls          *tls.Config
	idleTimeout  time.Duration
	writeTimeout time.Duration
	drainDelay   time.Duration
	memoryBudget int64
	observer     *observe.Observer // see WithObserver
	gzip         int               // see WithCompression
}

func newServerOptions(opts []ServerOption) *serverOptions {
	o := &serverOptions{maxMessage: DefaultMaxMessageBytes, maxInFlight: DefaultMaxInFlight, writeTimeout: DefaultWriteTimeout, memoryBudget: DefaultMemoryBudget}
	for _, opt := range opts {
		opt(o)
	}
	o.core.Init()
	return o
}

// log returns the logger: the option's, or slog.Default() at the time of
// the call, so that slog.SetDefault after NewServer is honoured.
func (o *serverOptions) log() *slog.Logger { return o.core.Log() }

// WithInterceptors adds interceptors that wrap every call the server serves
// through a generated adapter, the first outermost. Repeated options add up.
func WithInterceptors(in ...stdrpc.ServerInterceptor) ServerOption {
	return func(o *serverOptions) { o.core.Interceptors = append(o.core.Interceptors, in...) }
}

// WithIdleTimeout closes a connection on which no call is in flight, no
// stream is open and no request arrives for d, like http.Server's
// IdleTimeout; a request must also arrive whole within d. The client redials
// for its next call; a call it sends just as the server gives up on the
// connection fails with stdrpc.Unavailable. It needs a connection with read
// deadlines (a net.Conn); other streams are never closed for idling. By
// default connections may idle forever.
func WithIdleTimeout(d time.Duration) ServerOption {
	return func(o *serverOptions) { o.idleTimeout = max(d, 0) }
}

// WithWriteTimeout bounds each write of responses to a connection (default
// DefaultWriteTimeout). A peer that stops reading its responses for longer
// loses the connection, and its calls' memory is released, instead of
// holding them forever. d <= 0 means no bound. It needs a connection with
// write deadlines (a net.Conn).
func WithWriteTimeout(d time.Duration) ServerOption {
	return func(o *serverOptions) { o.writeTimeout = max(d, 0) }
}

// WithMemoryBudget bounds the memory the server holds for the calls it
// runs, across all its connections (default DefaultMemoryBudget; n <= 0
// restores it). A request counts twice its size on the wire, its bytes and
// its value, from before its body is read until its response is written;
// so does its reply, at the size of the method's recent replies (learned
// from those written; nothing until the method has answered once), and
// at its size in memory if it must wait for a busy writer. A request that
// does not fit waits, and the peer with it, until calls end. The items a
// server stream produces ahead of its consumer count too, until their
// batch is written: they may fill half of the budget (a stream's first
// item ahead, three quarters), and a producer that finds no room waits in
// yield, so that stalled consumers leave a quarter to requests.
func WithMemoryBudget(n int64) ServerOption {
	return func(o *serverOptions) {
		if n <= 0 {
			n = DefaultMemoryBudget
		}
		o.memoryBudget = n
	}
}

// WithDrainDelay makes Shutdown keep serving for d before it stops reading,
// while the server answers the hello of new connections (and Client.Health)
// with "leaving": long enough for a balancer or a service registry to stop
// sending new connections here. netrpcx clients need no delay: Shutdown
// tells each of them to move their new calls elsewhere. The default is 0.
func WithDrainDelay(d time.Duration) ServerOption {
	return func(o *serverOptions) { o.drainDelay = max(d, 0) }
}

// WithMaxMessageBytes bounds the size of each message (request header or
// body) the server reads; a connection that sends a larger one is closed
// before anything is allocated for it. The default is DefaultMaxMessageBytes;
// n <= 0 restores it. It is stdhttp.WithMaxBodyBytes for net/rpc: options
// follow one convention in both packages (see the README's Options).
func WithMaxMessageBytes(n int64) ServerOption {
	return func(o *serverOptions) { o.maxMessage = byteLimit(n, DefaultMaxMessageBytes) }
}

// byteLimit is a byte limit option's value: n, or def for n <= 0.
func byteLimit(n int64, def int) int {
	if n <= 0 {
		return def
	}
	return int(min(n, math.MaxInt32)) // gob's own bound is far lower
}

// WithMaxInFlight bounds the calls the server runs at once on one
// connection. While the bound is reached the server reads no further
// requests from that connection, which makes the peer's writes wait: the
// backpressure a stream should have. Cancellations queued behind the
// unread requests wait too, so calls that should end only when canceled can
// hold the connection at the bound; give calls deadlines. Half of n bounds
// the server streams open at once on one connection, so that streams
// waiting for their next item leave room for other calls. The default is
// DefaultMaxInFlight; n <= 0 restores it.
func WithMaxInFlight(n int) ServerOption {
	return func(o *serverOptions) {
		if n <= 0 {
			n = DefaultMaxInFlight
		}
		o.maxInFlight = n
	}
}

// WithErrorText makes the server send the text of errors that are not a
// *stdrpc.Error. By default the caller sees only the code unknown (such text
// can hold secrets) and the server logs the text.
func WithErrorText() ServerOption {
	return func(o *serverOptions) { o.core.ErrorText = true }
}

// WithLogger sets where the server logs recovered panics, hidden error texts
// and broken connections. The default is slog.Default().
func WithLogger(l *slog.Logger) ServerOption {
	return func(o *serverOptions) { o.core.Logger = l }
}

// WithServerTLS makes Serve speak TLS with config on every accepted
// connection. ServeConn takes the stream as it is.
func WithServerTLS(config *tls.Config) ServerOption {
	return func(o *serverOptions) { o.tls = config }
}

// WithCompression compresses with gzip each response message of at least
// minBytes bytes (a header or a result) sent to a client that has
// WithClientCompression, and lets such clients send compressed requests.
// The client and the server agree on it when the client connects; a stock
// client, or one without the option, never gets a compressed message. The
// limit of WithMaxMessageBytes holds for the decompressed size, and is
// checked before anything is decompressed. It pays where the network is
// slower than compressing (gzip's fastest level, some 100 MB/s a core) and
// messages repeat themselves; on a fast local network it costs time.
// minBytes <= 0 turns it off, the default.
func WithCompression(minBytes int) ServerOption {
	return func(o *serverOptions) { o.gzip = max(minBytes, 0) }
}

// A ClientOption configures a Client.
type ClientOption func(*clientOptions)

type clientOptions struct {
	interceptors     []stdrpc.ClientInterceptor
	interceptor      stdrpc.ClientInterceptor // the interceptors chained
	tls              *tls.Config
	dial             func(ctx context.Context, network, addr string) (net.Conn, error)
	dialTimeout      time.Duration
	maxMessage       int
	backoffMin       time.Duration
	backoffMax       time.Duration
	writeTimeout     time.Duration
	resolver         Resolver
	resolveInterval  time.Duration
	retryTokens      int
	keepalive        time.Duration
	keepaliveTimeout time.Duration
	observer         *observe.Observer // see WithClientObserver; counts retries and failovers
	gzip             int               // see WithClientCompression

	// observerAt is len(interceptors) after the last WithClientObserver;
	// observerAlone is the observer when its interceptor is the only one,
	// which Call then runs inline.
	observerAt    int
	observerAlone *observe.Observer
}

// DefaultRetryBudget is the burst of retries a Client allows (see
// WithRetryBudget).
const DefaultRetryBudget = 100

func newClientOptions(opts []ClientOption) *clientOptions {
	o := &clientOptions{
		maxMessage:       DefaultMaxResponseBytes,
		backoffMin:       100 * time.Millisecond,
		backoffMax:       500 * time.Millisecond,
		dialTimeout:      defaultDialTimeout,
		writeTimeout:     DefaultWriteTimeout,
		resolveInterval:  DefaultResolveInterval,
		retryTokens:      DefaultRetryBudget,
		keepalive:        DefaultKeepalive,
		keepaliveTimeout: DefaultKeepaliveTimeout,
	}
	for _, opt := range opts {
		opt(o)
	}
	o.interceptor = stdrpc.ChainClient(o.interceptors...)
	if len(o.interceptors) == 1 && o.observerAt == 1 {
		o.observerAlone = o.observer
	}
	if o.dial == nil {
		d := net.Dialer{Timeout: o.dialTimeout}
		o.dial = d.DialContext
	}
	return o
}

// WithResolver makes Dial take its addresses from r instead of from the
// address it is given (which then only names the service in errors and,
// with TLS, the server name to verify). See Resolver.
func WithResolver(r Resolver) ClientOption {
	return func(o *clientOptions) { o.resolver = r }
}

// WithResolveInterval sets how often a Client asks its resolver (DNS for a
// host name) for the addresses again (default DefaultResolveInterval). It
// also asks, at most once a second, after a connection fails.
func WithResolveInterval(d time.Duration) ClientOption {
	return func(o *clientOptions) {
		if d <= 0 {
			d = DefaultResolveInterval
		}
		o.resolveInterval = d
	}
}

// WithRetryBudget sets the retry budget: a token bucket of n tokens, full
// at first. A retry of an Idempotent call takes one token, a call that
// succeeds gives a tenth of one back, and below half full no retry is made.
// So a burst of n/2 retries is allowed, and then retries add at most 10 %
// to the calls that succeed: a failing fleet is not hammered. The default
// is DefaultRetryBudget; 0 turns retries off. Calls that were never sent
// are always sent elsewhere, budget or not.
func WithRetryBudget(n int) ClientOption {
	return func(o *clientOptions) { o.retryTokens = max(n, 0) }
}

// Defaults for WithKeepalive.
const (
	DefaultKeepalive        = 30 * time.Second
	DefaultKeepaliveTimeout = 10 * time.Second
)

// WithKeepalive sets how a Client finds a server that stopped answering:
// when calls wait and nothing has arrived for interval, it sends a ping
// that any net/rpc server answers, and if nothing arrives within timeout
// after it, the connection fails (its calls fail with stdrpc.Unavailable,
// or go elsewhere as Client says) and the next call redials. The defaults
// are DefaultKeepalive and DefaultKeepaliveTimeout; interval <= 0 turns it
// off. A call with a deadline returns by it either way.
func WithKeepalive(interval, timeout time.Duration) ClientOption {
	return func(o *clientOptions) {
		o.keepalive = max(interval, 0)
		if timeout > 0 {
			o.keepaliveTimeout = timeout
		}
	}
}

// WithClientWriteTimeout bounds each write of requests to a connection
// (default DefaultWriteTimeout); a call's deadline bounds its own writes
// too. A write that cannot finish in time breaks the connection: the calls
// on it fail (or go elsewhere, as Client says), and the next call redials.
// So a server that stops reading holds no caller past its deadline. The
// requests of callers who gave up mid-write stay queued, in order, for the
// write timeout to settle; past 4 MiB queued, a request waits for the
// queue to drain instead of joining it: by its caller's deadline, then
// failing with stdrpc.DeadlineExceeded having sent nothing, or without
// one by the write timeout.
func WithClientWriteTimeout(d time.Duration) ClientOption {
	return func(o *clientOptions) { o.writeTimeout = max(d, 0) }
}

// WithClientInterceptors adds interceptors that wrap every call the client
// makes, the first outermost. Repeated options add up.
func WithClientInterceptors(in ...stdrpc.ClientInterceptor) ClientOption {
	return func(o *clientOptions) { o.interceptors = append(o.interceptors, in...) }
}

// WithClientTLS makes Dial speak TLS with config. If config has no
// ServerName, the host of the dialed address is used.
func WithClientTLS(config *tls.Config) ClientOption {
	return func(o *clientOptions) { o.tls = config }
}

// WithDialer sets how the client connects, for proxies, Unix sockets with
// credentials, or tests. The default is a net.Dialer with a timeout of 30s;
// a call's context bounds the redials it makes too.
func WithDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) ClientOption {
	return func(o *clientOptions) { o.dial = dial }
}

// WithMaxResponseBytes bounds the size of each response the client reads:
// a call's result, or one batch of a stream's items. A larger one breaks
// the connection. The default is DefaultMaxResponseBytes, as
// stdhttp.WithMaxResponseBytes's; n <= 0 restores it.
func WithMaxResponseBytes(n int64) ClientOption {
	return func(o *clientOptions) { o.maxMessage = byteLimit(n, DefaultMaxResponseBytes) }
}

// WithClientCompression compresses with gzip each request message of at
// least minBytes bytes sent to a server that has WithCompression, and asks
// it to compress its responses the same way. The hello of each connection
// agrees on it, so a stock server, or a netrpcx one without the option,
// never gets a compressed message; a Client made by NewClient says no hello
// and compresses nothing. The limit of WithMaxResponseBytes holds for the
// decompressed size. minBytes <= 0 turns it off, the default.
func WithClientCompression(minBytes int) ClientOption {
	return func(o *clientOptions) { o.gzip = max(minBytes, 0) }
}

// WithBackoff sets how long a client waits before redialing an address
// after a failed dial: min after the first failure, doubling after each
// further one, at most max. Calls that only that address could take fail
// at once with stdrpc.Unavailable meanwhile. The defaults are 100ms and 500ms,
// so that an instance is back in use within half a second of its return.
func WithBackoff(min, max time.Duration) ClientOption {
	return func(o *clientOptions) {
		if min > 0 {
			o.backoffMin = min
		}
		if max >= o.backoffMin {
			o.backoffMax = max
		}
	}
}

// A CallOption changes how one call is made. Generated clients pass the
// options a method's declaration asks for.
type CallOption struct{ idempotent bool }

// Idempotent marks a call as safe to send again: making it twice has the
// effect of making it once. A call so marked whose connection breaks after
// the request was written is retried on another connection (another
// instance when there are several) while its deadline and the client's
// retry budget allow; any other call fails with stdrpc.Unavailable there,
// since the server may have run it. Generated clients pass it for methods
// marked //stdrpc:idempotent or routed with GET or HEAD.
func Idempotent() CallOption { return CallOption{idempotent: true} }

func idempotent(opts []CallOption) bool {
	for _, o := range opts {
		if o.idempotent {
			return true
		}
	}
	return false
}
