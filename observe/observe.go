package observe

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stdrpc/stdrpc"
)

// The transports, as the transport label and the access log name them.
const (
	NetRPC  = "netrpc"  // netrpcx: net/rpc's gob wire format
	HTTP    = "http"    // stdhttp: JSON over HTTP, streams as SSE or NDJSON
	JSONRPC = "jsonrpc" // JSON-RPC 2.0 over HTTP
)

// An Observer counts the calls of every server and client it is given to
// (netrpcx.WithObserver, stdhttp.WithObserver, and the WithClientObserver
// options of both), per method, and writes an access log record for each
// call a server serves when WithAccessLog is set. It serves its metrics in
// Prometheus's text format as an http.Handler (ServeHTTP), and as JSON
// through expvar (String). It is safe for concurrent use; one Observer per
// process, shared by all its servers and clients, is the usual setup.
type Observer struct {
	log   *slog.Logger
	level func(stdrpc.Code) slog.Level

	mu      sync.Mutex
	methods map[methodKey]*Method

	cache [cacheSlots]atomic.Pointer[Method] // client methods by hash of their names
}

type methodKey struct {
	client    bool
	transport string
	info      stdrpc.CallInfo
}

// cacheSlots is the size of the cache that finds a client's methods by
// name without a lock or a map; a program calling more methods than this
// still works, looking some up under the lock.
const cacheSlots = 512

// An Option configures an Observer.
type Option func(*Observer)

// WithAccessLog makes the Observer log one record per call that a server
// serves, at its end (a stream's when it ends), to l, at the level that
// level returns for the call's code; nil means DefaultLevel. A record
// whose level l does not enable costs no more than the check.
//
// The record's message is "call", and its attributes are service, method,
// transport, code, duration, peer (the caller's address), request_bytes,
// response_bytes (a unary call's), items (a stream's), and trace_id when
// the call arrived with a W3C trace context.
func WithAccessLog(l *slog.Logger, level func(stdrpc.Code) slog.Level) Option {
	return func(o *Observer) {
		o.log = l
		o.level = level
		if level == nil {
			o.level = DefaultLevel
		}
	}
}

// DefaultLevel is the access log's level for a call that ended with code:
// Info for success and for errors that are the caller's to fix or expected
// in normal operation (canceled, invalid_argument, not_found,
// already_exists, unauthenticated); Warn for those worth watching
// (deadline_exceeded, permission_denied, resource_exhausted,
// failed_precondition, aborted, out_of_range, unavailable); Error for
// those that point at the server (unknown, unimplemented, internal,
// data_loss).
func DefaultLevel(code stdrpc.Code) slog.Level {
	switch code {
	case stdrpc.OK, stdrpc.Canceled, stdrpc.InvalidArgument, stdrpc.NotFound, stdrpc.AlreadyExists, stdrpc.Unauthenticated:
		return slog.LevelInfo
	case stdrpc.DeadlineExceeded, stdrpc.PermissionDenied, stdrpc.ResourceExhausted, stdrpc.FailedPrecondition,
		stdrpc.Aborted, stdrpc.OutOfRange, stdrpc.Unavailable:
		return slog.LevelWarn
	}
	return slog.LevelError
}

// New returns an Observer with no calls counted yet.
func New(opts ...Option) *Observer {
	o := &Observer{methods: make(map[methodKey]*Method)}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// Server returns the counters of a method that a server of transport
// serves, making them on the first call. A transport calls it once per
// method, when the method is registered or first called, and keeps the
// result: its calls then touch no map and no lock. stream says that the
// method is a server stream. It returns nil for a nil Observer, and a nil
// *Method observes nothing.
//
// Only methods a server has are to be given, never names taken from a
// request: each costs memory and a set of series for as long as the
// Observer lives.
func (o *Observer) Server(transport string, info stdrpc.CallInfo, stream bool) *Method {
	if o == nil {
		return nil
	}
	return o.method(methodKey{transport: transport, info: info}, stream)
}

// Client returns the counters of a method that clients of transport call.
// Clients made with a WithClientObserver option find them through
// ClientInterceptor; Client is for other code that calls through a
// transport.
func (o *Observer) Client(transport string, info stdrpc.CallInfo) *Method {
	if o == nil {
		return nil
	}
	h := o.hash(transport, info)
	if m := o.cache[h].Load(); m != nil && m.transport == transport && m.info == info {
		return m
	}
	m := o.method(methodKey{client: true, transport: transport, info: info}, false)
	o.cache[h].Store(m)
	return m
}

// hash picks the cache slot of a client's method: FNV-1a over its names,
// which are short, so that it costs a few dozen instructions. A slot is
// checked against the names, so collisions cost only a lookup.
func (o *Observer) hash(transport string, info stdrpc.CallInfo) uint32 {
	h := uint32(2166136261) ^ uint32(len(transport))
	for i := 0; i < len(info.Method); i++ {
		h = (h ^ uint32(info.Method[i])) * 16777619
	}
	for i := 0; i < len(info.Service); i++ {
		h = (h ^ uint32(info.Service[i])) * 16777619
	}
	return h % cacheSlots
}

func (o *Observer) method(k methodKey, stream bool) *Method {
	o.mu.Lock()
	defer o.mu.Unlock()
	m := o.methods[k]
	if m == nil {
		m = newMethod(o, k, stream)
		o.methods[k] = m
	}
	return m
}

// ClientInterceptor returns the interceptor that counts the calls of a
// client of transport; the WithClientObserver options install it. A stream
// counts as one call, from its first request until its loop ends.
func (o *Observer) ClientInterceptor(transport string) stdrpc.ClientInterceptor {
	var last atomic.Pointer[Method] // the method called last: most often the next
	return func(ctx context.Context, info stdrpc.CallInfo, next func(context.Context) error) error {
		m := last.Load()
		if m == nil || m.info != info {
			m = o.Client(transport, info)
			last.Store(m)
		}
		c := m.Start()
		err := next(ctx)
		c.End(stdrpc.CodeOf(err))
		return err
	}
}

// Retried counts a retry: a call of info by a client of transport that is
// sent again after an attempt that may have reached the server failed. It
// does nothing on a nil Observer, so a client calls it unconditionally.
func (o *Observer) Retried(transport string, info stdrpc.CallInfo) {
	if o != nil {
		o.Client(transport, info).retries.Add(1)
	}
}

// FailedOver counts a failover: a call of info by a client of transport
// that goes to another server (instance, address) because it could not be
// sent where it was going. It does nothing on a nil Observer.
func (o *Observer) FailedOver(transport string, info stdrpc.CallInfo) {
	if o != nil {
		o.Client(transport, info).failovers.Add(1)
	}
}

// A Method holds the counters of one method, on the server or the client
// side of one transport. Transports get it from Server or Client and
// report each call through Start and the Call it returns.
type Method struct {
	o         *Observer
	client    bool
	transport string
	info      stdrpc.CallInfo
	stream    bool // a server stream: counted as open streams, with items

	started   atomic.Uint64
	finished  [numCodes]atomic.Uint64 // by code; a code beyond the table counts as unknown
	items     atomic.Uint64
	retries   atomic.Uint64
	failovers atomic.Uint64

	duration histogram // nanoseconds
	request  histogram // bytes
	response histogram // bytes: unary calls' only
}

// active returns the calls (a stream method's: the streams) under way:
// those started and not finished. It reads the finished ones first, so
// that a call that both starts and ends between the two reads counts as
// under way for this once, rather than the result going below zero. Two
// atomic additions fewer per call pay for it.
func (m *Method) active() int64 {
	var done uint64
	for i := range m.finished {
		done += m.finished[i].Load()
	}
	return int64(m.started.Load() - done)
}

// numCodes is the number of stdrpc codes.
const numCodes = int(stdrpc.Unauthenticated) + 1

func newMethod(o *Observer, k methodKey, stream bool) *Method {
	m := &Method{o: o, client: k.client, transport: k.transport, info: k.info, stream: stream}
	m.duration.init(durationBounds[:])
	m.request.init(sizeBounds[:])
	m.response.init(sizeBounds[:])
	return m
}

// Start records that a call of m began and returns it, to be ended with
// End. A nil m returns the zero Call, which records nothing.
func (m *Method) Start() Call {
	if m == nil {
		return Call{}
	}
	m.started.Add(1)
	return Call{m: m, start: now(), req: -1, resp: -1}
}

// epoch is when the process began, as far as now is concerned.
var epoch = time.Now()

// now returns the time since epoch on the monotonic clock. time.Since of a
// time with a monotonic reading reads that clock only, where time.Now reads
// the wall clock too: half the cost, twice per call.
func now() time.Duration { return time.Since(epoch) }

// A Call is one call being observed, from Method.Start to End. The zero
// Call observes nothing, so that a transport keeps one code path whether
// or not it has an Observer. A Call is used by one goroutine at a time.
type Call struct {
	m     *Method
	start time.Duration // since epoch
	dur   time.Duration
	code  stdrpc.Code
	req   int64 // -1: not known
	resp  int64
	items int64
	ended bool
}

// Observing reports whether c records anything: whether it came from a
// Method, and End has not run yet.
func (c *Call) Observing() bool { return c.m != nil && !c.ended }

// Stream reports whether c is a call of a server stream.
func (c *Call) Stream() bool { return c.m != nil && c.m.stream }

// RequestBytes sets the size of the call's request as it came over the
// wire (the body, for HTTP; the body's gob message, for netrpcx).
func (c *Call) RequestBytes(n int64) { c.req = n }

// ResponseBytes sets the size of a unary call's response as it went out.
func (c *Call) ResponseBytes(n int64) { c.resp = n }

// Items records that the stream sent n more items.
func (c *Call) Items(n int) {
	if c.m != nil && n > 0 {
		c.m.items.Add(uint64(n))
		c.items += int64(n)
	}
}

// End records the end of the call with code. Later calls of End do
// nothing.
func (c *Call) End(code stdrpc.Code) {
	m := c.m
	if m == nil || c.ended {
		return
	}
	c.ended = true
	c.dur = now() - c.start
	c.code = code
	if int(code) >= numCodes {
		code = stdrpc.Unknown
	}
	m.finished[code].Add(1)
	m.duration.observe(int64(c.dur))
	if c.req >= 0 {
		m.request.observe(c.req)
	}
	if c.resp >= 0 && !m.stream {
		m.response.observe(c.resp)
	}
}

// Log writes the access log record of a call that ended, if the Observer
// has WithAccessLog and its logger enables the level of the call's code.
// peer is the caller's address, md the metadata the call arrived with
// (for its trace id). Transports call it after End, outside any lock: the
// logger may block.
func (c *Call) Log(ctx context.Context, peer string, md stdrpc.Metadata) {
	m := c.m
	if m == nil || !c.ended || m.o.log == nil || m.client {
		return
	}
	level := m.o.level(c.code)
	if !m.o.log.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("service", m.info.Service),
		slog.String("method", m.info.Method),
		slog.String("transport", m.transport),
		slog.String("code", c.code.String()),
		slog.Duration("duration", c.dur),
		slog.String("peer", peer),
	)
	if c.req >= 0 {
		attrs = append(attrs, slog.Int64("request_bytes", c.req))
	}
	if m.stream {
		attrs = append(attrs, slog.Int64("items", c.items))
	} else if c.resp >= 0 {
		attrs = append(attrs, slog.Int64("response_bytes", c.resp))
	}
	if id := (stdrpc.Trace{Parent: first(md, stdrpc.TraceParentKey)}).TraceID(); id != "" {
		attrs = append(attrs, slog.String("trace_id", id))
	}
	m.o.log.LogAttrs(ctx, level, "call", attrs...)
}

func first(md stdrpc.Metadata, key string) string {
	if v := md[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// The bounds of the histograms' buckets: durations in nanoseconds, from
// 5µs (a small call's time in its server) to 10s; sizes in bytes, from 64 B
// to 16 MiB, in steps of four.
var (
	durationBounds = [...]int64{
		5e3, 10e3, 25e3, 50e3, 100e3, 250e3, 500e3,
		1e6, 2.5e6, 5e6, 10e6, 25e6, 50e6, 100e6, 250e6, 500e6,
		1e9, 2.5e9, 5e9, 10e9,
	}
	sizeBounds = [...]int64{64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20}
)

// histogram counts observations in buckets: counts[i] those at most
// bounds[i], and not at most bounds[i-1]; the last those above every
// bound.
type histogram struct {
	bounds []int64
	counts []atomic.Uint64
	sum    atomic.Int64
}

func (h *histogram) init(bounds []int64) {
	h.bounds = bounds
	h.counts = make([]atomic.Uint64, len(bounds)+1)
}

func (h *histogram) observe(v int64) {
	i := 0
	for i < len(h.bounds) && v > h.bounds[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sum.Add(v)
}
