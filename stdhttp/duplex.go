package stdhttp

import (
	"context"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/observe"
)

// HandleClientStream serves method, a client stream, at POST
// /{service}/{method}. The request body is the caller's items as NDJSON,
// one JSON value per line, each line at most WithMaxBodyBytes long; call
// ranges over in as the lines arrive, and in ends when the caller ends its
// side (the end of the body). The response is call's result, or its error,
// as a unary method's is (see the package documentation).
//
// A line that does not decode, or one over the limit, ends in and fails
// the call with invalid_argument (naming the line and the field) or
// resource_exhausted, whatever call returns; call's context is then
// canceled. The context also ends when the caller goes away or its
// Stdrpc-Timeout-Ms deadline passes, which stops a range over in that is
// waiting for a line.
//
// The same path answers a GET with Upgrade: websocket, for browsers, which
// cannot stream a request body.
func HandleClientStream[T, Resp any](s *Service, method string, call func(context.Context, iter.Seq[T]) (Resp, error)) {
	e := newDuplex[T, Resp](s, method)
	e.unary = call
	e.register()
}

// HandleBidiStream serves method, a bidirectional stream, at POST
// /{service}/{method}: the request body is the caller's items as NDJSON,
// read as HandleClientStream reads them, while the response carries the
// items call yields as NDJSON, each flushed as it is produced, framed as a
// server stream's (HandleStream), with its last line saying how the stream
// ended. The two directions are independent: call may yield before, while
// or after it reads in. Over HTTP/1.1 the server reads and writes at once
// (http.ResponseController.EnableFullDuplex); HTTP/2 always does.
//
// An error before the first item is an ordinary error response with its
// status; after it, the last line. A bad line of the request ends the
// stream with its error, as for HandleClientStream.
func HandleBidiStream[T, U any](s *Service, method string, call func(context.Context, iter.Seq[T]) iter.Seq2[U, error]) {
	e := newDuplex[T, U](s, method)
	e.bidi = call
	e.register()
}

// duplexEndpoint is the route of a client or bidirectional stream. Its
// transports (NDJSON over POST here, a WebSocket over GET in
// websocket.go) each read the caller's items into an input and call run.
type duplexEndpoint[T, U any] struct {
	s     *Service
	info  stdrpc.CallInfo
	om    *observe.Method                                        // nil: not observed
	unary func(context.Context, iter.Seq[T]) (U, error)          // a client stream; U is its result
	bidi  func(context.Context, iter.Seq[T]) iter.Seq2[U, error] // a bidirectional stream
}

func newDuplex[T, U any](s *Service, method string) *duplexEndpoint[T, U] {
	info := stdrpc.CallInfo{Service: s.name, Method: method}
	return &duplexEndpoint[T, U]{s: s, info: info, om: s.obs.Server(observe.HTTP, info, true)}
}

func (e *duplexEndpoint[T, U]) register() {
	path := "/" + e.s.name + "/" + e.info.Method
	e.s.handle(http.MethodPost+" "+path, e)
	e.s.handle(http.MethodGet+" "+path, http.HandlerFunc(e.serveGet))
}

// serveGet answers a GET on the route: a WebSocket upgrade, or a clear
// refusal of anything else.
func (e *duplexEndpoint[T, U]) serveGet(w http.ResponseWriter, r *http.Request) {
	if isWebSocketUpgrade(r) {
		e.serveWebSocket(w, r)
		return
	}
	var obs observe.Call // none: no call was made
	w.Header()["Upgrade"] = []string{"websocket"}
	e.s.writeError(w, e.info, stdrpc.NewError(stdrpc.InvalidArgument, &statusError{
		status: http.StatusUpgradeRequired,
		msg: "GET " + truncate(r.URL.Path) + " opens the stream as a WebSocket (Upgrade: websocket); " +
			"other clients POST it as NDJSON (Content-Type: application/x-ndjson)",
	}), &obs)
}

// isWebSocketUpgrade reports whether r asks for a WebSocket (RFC 6455
// section 4.2.1: Connection names upgrade, Upgrade names websocket).
func isWebSocketUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header["Connection"], "upgrade") && headerHasToken(r.Header["Upgrade"], "websocket")
}

// headerHasToken reports whether the comma-separated values name token,
// ignoring case.
func headerHasToken(values []string, token string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

// run calls the method, through the service's interceptors (one call of
// them wraps the whole stream), with in as its input, and passes each item
// it yields (a bidirectional stream) or its result (a client stream) to
// send. It returns the error that ends the call: the input's failure before
// the method's own, since a method whose input ended early may well report
// success for the part it saw.
func (e *duplexEndpoint[T, U]) run(ctx context.Context, in *input[T], send func(*U) error) error {
	return e.s.core.Intercept(ctx, e.info, func(ctx context.Context) error {
		if e.unary != nil {
			resp, err := e.unary(ctx, in.seq)
			if ierr := in.failure(); ierr != nil {
				return ierr
			}
			if err != nil {
				return err
			}
			return send(&resp)
		}
		for v, err := range e.bidi(ctx, in.seq) {
			if ierr := in.failure(); ierr != nil {
				return ierr
			}
			if err != nil {
				return err
			}
			if err := send(&v); err != nil {
				return err
			}
		}
		if ierr := in.failure(); ierr != nil {
			return ierr
		}
		// An iterator that returns because its context ended must not
		// look like a stream that is complete.
		return ctx.Err()
	})
}

// ServeHTTP serves the stream over POST: NDJSON in, and out either the
// result (a client stream) or NDJSON items (a bidirectional stream).
func (e *duplexEndpoint[T, U]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := e.s
	st := &streamWriter{
		w:    w,
		rc:   http.NewResponseController(w),
		buf:  getBuffer(),
		wait: s.writeTime,
		h2:   r.ProtoMajor >= 2,
		obs:  e.om.Start(),
	}
	if st.obs.Observing() {
		st.obs.RequestBytes(r.ContentLength)
		defer logCall(&st.obs, r)
	}
	defer st.release()
	defer func() {
		if p := recover(); p != nil {
			st.finish(s, e.info, s.recovered(e.info, p))
		}
	}()
	ctx, cancel, err := s.callContext(r)
	if err == nil {
		err = checkStreamType(r)
	}
	if err != nil {
		st.finish(s, e.info, err)
		return
	}
	if cancel != nil {
		defer cancel()
	}
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)

	// Over HTTP/1.1 net/http stops reading the request once the response
	// begins, unless told that the handler reads and writes at once;
	// HTTP/2 always does, and says ErrNotSupported.
	_ = st.rc.EnableFullDuplex()
	// The server's ReadTimeout bounds a whole request, which for a stream
	// is the whole call: it lasts as long as the caller keeps sending,
	// under its own deadline. That deadline, or the caller going away,
	// must also end a read waiting for the next line.
	_ = st.rc.SetReadDeadline(time.Time{})
	defer unblockReads(ctx, st.rc)()

	body, done, err := s.requestBody(r) // gzip, with WithCompression
	if err != nil {
		st.finish(s, e.info, err)
		return
	}
	in := newInput[T](ctx, fail, newLineSource(body, s.maxBody, &s.budget), "line", s.maxBody)
	defer func() {
		if in.close() {
			done()
		}
	}()
	http1 := r.ProtoMajor == 1
	if http1 {
		defer e.lingerHTTP1(st.rc, in)
	}

	var resp *U
	err = e.run(ctx, in, func(v *U) error {
		if e.unary != nil {
			resp = v
			return nil
		}
		if http1 && !st.started {
			closeIfReading(w, in)
		}
		return st.item(v)
	})
	if http1 && !st.started {
		closeIfReading(w, in)
	}
	if err != nil || e.unary == nil {
		st.finish(s, e.info, err)
		return
	}
	st.stop()
	if err := s.writeJSON(w, r, http.StatusOK, resp, &st.obs, stdrpc.OK); err != nil {
		s.writeError(w, e.info, stdrpc.NewError(stdrpc.Internal, err), &st.obs)
	}
}

// unblockReads makes the reads of a request body fail once ctx ends, and
// returns the function that stops it, which the handler must call before
// it returns: net/http's writer may not be used after that.
func unblockReads(ctx context.Context, rc *http.ResponseController) (stop func()) {
	var (
		mu   sync.Mutex
		done bool
	)
	unblock := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			_ = rc.SetReadDeadline(time.Unix(1, 0))
		}
	})
	return func() {
		if unblock() {
			return // it never ran, and now will not
		}
		mu.Lock()
		done = true
		mu.Unlock()
	}
}

// closeIfReading marks an HTTP/1.1 response whose request is still being
// sent: the connection is closed after it, since its next bytes are the
// rest of this request, not another one.
func closeIfReading[T any](w http.ResponseWriter, in *input[T]) {
	if !in.eof.Load() {
		w.Header()["Connection"] = connectionClose
	}
}

// drainGrace is how long an HTTP/1.1 server goes on reading (and dropping)
// a request the method stopped reading, after the response, before it
// closes the connection. net/http reads up to 256 KiB of it, so that the
// close does not reset a connection with unread data, which could lose
// the end of the response; a caller that neither ends nor closes its
// request must not hold the connection longer.
const drainGrace = time.Second

// lingerHTTP1 bounds net/http's reading of the rest of a request the
// method stopped reading.
func (e *duplexEndpoint[T, U]) lingerHTTP1(rc *http.ResponseController, in *input[T]) {
	if !in.eof.Load() {
		_ = rc.SetReadDeadline(time.Now().Add(drainGrace))
	}
}

// checkStreamType accepts a stream of items sent as application/x-ndjson
// (or application/json), or an empty body without a type from a client
// that is not a browser, as checkContentType does for a unary call.
func checkStreamType(r *http.Request) error {
	if v := r.Header["Content-Type"]; len(v) > 0 && v[0] != "" {
		mt, _, _ := strings.Cut(v[0], ";")
		mt = strings.TrimSpace(mt)
		if strings.EqualFold(mt, ndjsonType) || strings.EqualFold(mt, "application/json") {
			return nil
		}
		return unsupported("Content-Type " + strconv.Quote(truncate(v[0])) + " is not supported for a stream of items; send " +
			ndjsonType + ", one JSON value per line")
	}
	if r.ContentLength != 0 || len(r.Header["Origin"]) > 0 || len(r.Header["Sec-Fetch-Site"]) > 0 {
		return unsupported("a stream of items needs Content-Type: " + ndjsonType + ", one JSON value per line; " +
			"an untyped body is what a page on another site can make a browser send")
	}
	return nil
}
