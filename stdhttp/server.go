package stdhttp

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/core"
	"github.com/stdrpc/stdrpc/observe"
)

// DefaultMaxBodyBytes is the largest request body a Service reads unless
// WithMaxBodyBytes says otherwise.
const DefaultMaxBodyBytes = 4 << 20

// DefaultBodyBudget bounds the memory a Service holds for the request bodies
// it is reading at once, unless WithBodyBudget says otherwise.
const DefaultBodyBudget = 64 << 20

// DefaultWriteTimeout bounds each write of a response, unless
// WithWriteTimeout says otherwise: netrpcx's bound on each write, for the
// same reason.
const DefaultWriteTimeout = 30 * time.Second

// TimeoutHeader carries the caller's remaining time, in whole milliseconds.
// The server runs the method under a context with that timeout.
const TimeoutHeader = "Stdrpc-Timeout-Ms"

// A Service is one stdrpc service's set of routes on a ServeMux. Generated
// code creates it with NewService and adds each method with Handle and, for a
// method with its own route, HandleRoute.
type Service struct {
	mux       *http.ServeMux
	name      string
	core      core.Server // interceptors, error texts, logger: as netrpcx's
	maxBody   int64
	heartbeat time.Duration // between SSE comments on a silent stream; 0: none
	writeTime time.Duration // bound on each write of a response; 0: none
	budget    budget        // memory for the request bodies being read
	obs       *observe.Observer
	maxBatch  int         // the largest JSON-RPC batch
	jsonrpc   *JSONRPC    // the endpoint of a JSON-RPC service; nil for routes on a mux
	cors      *corsPolicy // WithCORS; nil: off
	gzip      int         // WithCompression: the least result compressed; 0: off
	openapi   bool        // WithOpenAPI: serve the package's document
}

// A ServerOption configures a Service.
type ServerOption func(*Service)

// WithInterceptors wraps every call with the interceptors, the first
// outermost. They run before the request is decoded, so an interceptor that
// rejects a call (say, for a missing token) costs no decoding, and the
// request's headers are already in the context as stdrpc.Incoming.
func WithInterceptors(in ...stdrpc.ServerInterceptor) ServerOption {
	return func(s *Service) { s.core.Interceptors = append(s.core.Interceptors, in...) }
}

// WithMaxBodyBytes sets the largest request body the service reads
// (default DefaultMaxBodyBytes). A larger body is answered with 413 and code
// resource_exhausted, without being read. n <= 0 restores the default.
func WithMaxBodyBytes(n int64) ServerOption {
	return func(s *Service) {
		if n <= 0 {
			n = DefaultMaxBodyBytes
		}
		s.maxBody = n
	}
}

// WithBodyBudget bounds the memory the service holds, all its routes
// together, for the request bodies it is reading at once (default
// DefaultBodyBudget, and never less than the body limit, so that one body of
// the largest size always fits). A body is charged for the buffer it is read
// into, which grows only as its bytes arrive; the charge ends when the body
// is decoded. A request whose body would take the service past the budget
// is answered at once with 503 and code unavailable, and a Retry-After
// header, so that clients which stall their bodies cannot make the server
// hold more than this; generated clients retry such a call if it is
// idempotent. n <= 0 restores the default.
func WithBodyBudget(n int64) ServerOption {
	return func(s *Service) {
		if n <= 0 {
			n = DefaultBodyBudget
		}
		s.budget.max = n
	}
}

// WithWriteTimeout bounds each write of a response the service makes: a
// unary method's result or error, and each item, heartbeat and last line of
// a stream (default DefaultWriteTimeout). A write that cannot finish in time
// because the client stopped reading fails; a stream then ends, its method's
// iterator is told to stop (yield returns false), and the connection is
// closed. The bound is per write, so a stream may last as long as it keeps
// being read. Over HTTP/1 a stream renews its deadline only when less than
// three quarters of d is left, which keeps streams of small items fast, so
// one of its writes may be given as little as 3/4 of d. d <= 0 turns the
// bound off.
//
// It needs net/http's own ResponseWriter, or a wrapper with an Unwrap
// method returning it (see http.ResponseController); other writers are
// written without a bound.
func WithWriteTimeout(d time.Duration) ServerOption {
	return func(s *Service) { s.writeTime = max(d, 0) }
}

// WithErrorText sends the text of errors that are not *stdrpc.Error to the
// caller. By default the caller sees code unknown and a message saying the
// text was withheld, because error text can hold file names, queries or
// secrets; the text is logged either way.
func WithErrorText() ServerOption {
	return func(s *Service) { s.core.ErrorText = true }
}

// WithLogger sets where the service logs panics and withheld error text
// (default: slog.Default() at the time of logging).
func WithLogger(l *slog.Logger) ServerOption {
	return func(s *Service) { s.core.Logger = l }
}

// NewService returns the service name (the path segment of its POST routes,
// such as "Calculator" or "acme.v1.Calculator") on mux.
func NewService(mux *http.ServeMux, name string, opts ...ServerOption) *Service {
	return newService(mux, name, opts)
}

func newService(mux *http.ServeMux, name string, opts []ServerOption) *Service {
	s := &Service{
		mux:       mux,
		name:      name,
		maxBody:   DefaultMaxBodyBytes,
		heartbeat: DefaultHeartbeat,
		writeTime: DefaultWriteTimeout,
		maxBatch:  DefaultMaxBatch,
	}
	s.budget.max = DefaultBodyBudget
	for _, o := range opts {
		o(s)
	}
	s.core.Init()
	if mux != nil {
		s.handleUnrouted()
	}
	// One body of the largest size, and the byte that shows it has ended,
	// always fits.
	s.budget.max = max(s.budget.max, s.maxBody+1)
	return s
}

// Handle serves method at POST /{service}/{method}. The request body is the
// JSON form of Req; an empty body is the zero Req, so a method without
// parameters answers a bare `curl -X POST`. The response is the JSON form of
// call's result.
//
// A body of JSON null is refused with invalid_argument, unless the method
// takes a nil request (NilRequest): then call gets nil.
func Handle[Req, Resp any](s *Service, method string, call func(context.Context, *Req) (Resp, error), opts ...MethodOption) {
	info := stdrpc.CallInfo{Service: s.name, Method: method}
	s.handle("POST /"+s.name+"/"+method, &endpoint[Req, Resp]{
		s:       s,
		info:    info,
		om:      s.obs.Server(observe.HTTP, info, false),
		call:    call,
		empty:   newEmptyPlan(reflect.TypeFor[Resp]()),
		nilReq:  nilRequest(opts),
		results: newResults[Resp](),
	})
}

// HandleRoute serves method at pattern, a ServeMux pattern with a method
// ("GET /divide/{a}/{b}"). bind fills the request from the HTTP request,
// usually with Bind; its errors go to the caller as they are (Bind's are
// invalid_argument).
func HandleRoute[Req, Resp any](s *Service, method, pattern string, bind func(*http.Request, *Req) error, call func(context.Context, *Req) (Resp, error)) {
	info := stdrpc.CallInfo{Service: s.name, Method: method}
	s.handle(pattern, &endpoint[Req, Resp]{
		s:       s,
		info:    info,
		om:      s.obs.Server(observe.HTTP, info, false),
		bind:    bind,
		call:    call,
		empty:   newEmptyPlan(reflect.TypeFor[Resp]()),
		results: newResults[Resp](),
	})
}

// endpoint is one route of one method.
type endpoint[Req, Resp any] struct {
	s    *Service
	info stdrpc.CallInfo
	om   *observe.Method                 // nil: not observed
	bind func(*http.Request, *Req) error // nil: the JSON body is the request
	call func(context.Context, *Req) (Resp, error)

	empty   *emptyPlan // nil: no nil slice or map to write as empty
	nilReq  bool       // a null body is a nil request (NilRequest)
	results *sync.Pool // of *Resp, zero: where a result waits to be encoded
}

// newResults returns a pool of *Resp. A result is encoded through an
// interface, so it cannot live on the stack; the pool saves allocating a
// place for it per call.
func newResults[Resp any]() *sync.Pool {
	return &sync.Pool{New: func() any { return new(Resp) }}
}

func (e *endpoint[Req, Resp]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := e.s
	obs := e.om.Start()
	if obs.Observing() {
		obs.RequestBytes(r.ContentLength)
		defer logCall(&obs, r)
	}
	defer func() {
		if p := recover(); p != nil {
			s.writeError(w, e.info, s.recovered(e.info, p), &obs)
		}
	}()
	var (
		ctx         context.Context
		req         *Req
		intercepted = s.core.Intercepted()
	)
	if !intercepted {
		in := newIncoming[Req](r)
		ctx, req = in.context(), &in.req
	} else {
		ctx = stdrpc.WithIncoming(r.Context(), stdrpc.Metadata(r.Header))
	}
	ctx, cancel, err := s.deadline(ctx, r)
	if err != nil {
		s.writeError(w, e.info, err, &obs)
		return
	}
	if cancel != nil {
		defer cancel()
	}
	var resp *Resp
	if !intercepted {
		resp = e.results.Get().(*Resp)
		defer e.release(resp)
		*resp, err = e.run(ctx, w, r, req)
	} else {
		// Neither pooled nor shared: an interceptor could keep next and
		// call it later, or call it twice.
		resp = new(Resp)
		err = s.core.Intercept(ctx, e.info, func(ctx context.Context) error {
			var err error
			*resp, err = e.run(ctx, w, r, new(Req))
			return err
		})
	}
	if err != nil {
		s.writeError(w, e.info, err, &obs)
		return
	}
	e.empty.apply(reflect.ValueOf(resp).Elem())
	if err := s.writeJSON(w, r, http.StatusOK, resp, &obs, stdrpc.OK); err != nil {
		s.writeError(w, e.info, stdrpc.NewError(stdrpc.Internal, err), &obs)
	}
}

// release zeroes a pooled result, which keeps nothing of it alive, and
// gives it back.
func (e *endpoint[Req, Resp]) release(resp *Resp) {
	var zero Resp
	*resp = zero
	e.results.Put(resp)
}

// run decodes the request into req, zero, and calls the method.
func (e *endpoint[Req, Resp]) run(ctx context.Context, w http.ResponseWriter, r *http.Request, req *Req) (Resp, error) {
	if err := decodeRequest(e.s, e.bind, w, r, req); err != nil {
		if err != errNullBody || !e.nilReq {
			var zero Resp
			return zero, err
		}
		req = nil
	}
	return e.call(ctx, req)
}

// callContext returns the context a call runs in: r's, with the request
// headers as stdrpc.Incoming and the deadline TimeoutHeader gives. cancel is
// nil when there is no deadline to release.
func (s *Service) callContext(r *http.Request) (ctx context.Context, cancel context.CancelFunc, err error) {
	return s.deadline(stdrpc.WithIncoming(r.Context(), stdrpc.Metadata(r.Header)), r)
}

// deadline returns ctx with the deadline r's TimeoutHeader gives. cancel is
// nil when there is none.
func (s *Service) deadline(ctx context.Context, r *http.Request) (_ context.Context, cancel context.CancelFunc, err error) {
	if v, ok := r.Header[TimeoutHeader]; ok {
		d, err := parseTimeout(v)
		if err != nil {
			return nil, nil, err
		}
		if d >= 0 {
			ctx, cancel = context.WithTimeout(ctx, d)
		}
	}
	return ctx, cancel, nil
}

// decodeRequest fills req from r: with bind when the route has one,
// otherwise from the JSON body. The body is bounded by the service's limit
// and budget.
func decodeRequest[Req any](s *Service, bind func(*http.Request, *Req) error, w http.ResponseWriter, r *http.Request, req *Req) error {
	if r.ContentLength > s.maxBody {
		return tooLarge(s.maxBody)
	}
	if r.ContentLength < 0 {
		// A body of unknown length (chunked) is cut off at the limit, and
		// net/http closes the connection after the answer rather than read
		// the rest. A known length needs no wrapper: net/http stops there.
		r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
	}
	if bind == nil {
		if err := checkContentType(r); err != nil {
			return err
		}
		if r.Body == nil || r.Body == http.NoBody {
			return nil
		}
		src, done, err := s.requestBody(r)
		if err != nil {
			return err
		}
		defer done()
		return decodeBody(r, src, s.maxBody, &s.budget, req)
	}
	if r.Method == http.MethodPost {
		// A POST route may take nothing from its body, and so never
		// reach the check in Bind; a browser must not be able to call it
		// from another site either.
		if err := checkContentType(r); err != nil {
			return err
		}
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &serviceBody{ReadCloser: r.Body, s: s}
	}
	return bind(r, req)
}

// parseTimeout reads TimeoutHeader. It returns -1 for a timeout too long to
// matter (beyond time.Duration's range).
func parseTimeout(v []string) (time.Duration, error) {
	s := ""
	if len(v) > 0 {
		s = v[0]
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || ms < 0 {
		return 0, stdrpc.Errorf(stdrpc.InvalidArgument,
			"header %s: %q is not a whole number of milliseconds", TimeoutHeader, truncate(s))
	}
	if err != nil || ms > int64(1<<63-1)/int64(time.Millisecond) {
		return -1, nil
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// recovered logs a panic of a method (or an interceptor) and returns the
// error its caller gets.
func (s *Service) recovered(info stdrpc.CallInfo, p any) error {
	if p == http.ErrAbortHandler {
		panic(p) // net/http's own signal to drop the connection quietly
	}
	return s.core.Panicked(context.Background(), info, p)
}
