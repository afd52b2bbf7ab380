package stdhttp

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/observe"
)

// DefaultHeartbeat is how long a Server-Sent Events stream stays silent
// before the server sends a comment line, unless WithHeartbeat says
// otherwise.
const DefaultHeartbeat = 15 * time.Second

// WithHeartbeat sets how long a Server-Sent Events stream may go without
// an item before the server sends a comment line (": ping"), which browsers
// ignore. It keeps proxies from closing a quiet stream as idle. d <= 0
// turns heartbeats off. Either way a stream that has sent nothing after
// 100 ms sends its headers and one comment, so that a browser's EventSource
// opens without waiting for the first item. NDJSON streams have none: a line that is not JSON
// would break naive readers.
func WithHeartbeat(d time.Duration) ServerOption {
	return func(s *Service) { s.heartbeat = max(d, 0) }
}

// HandleStream serves method, a server stream, at POST /{service}/{method}.
// The request is read as by Handle. call returns the stream; its items are
// sent as they are produced, each flushed to the network, in the format the
// request asks for (see the package documentation). The iterator runs on
// the request's goroutine and each item is written before the next is asked
// for, so a slow reader slows the producer down instead of filling memory.
//
// The context call receives ends when the client goes away or the
// Stdrpc-Timeout-Ms deadline passes; the iterator should then return. An
// error the iterator yields ends the stream: before the first item it is an
// ordinary error response, after it a final error event or line.
func HandleStream[Req, T any](s *Service, method string, call func(context.Context, *Req) iter.Seq2[T, error], opts ...MethodOption) {
	info := stdrpc.CallInfo{Service: s.name, Method: method}
	s.handle("POST /"+s.name+"/"+method, &streamEndpoint[Req, T]{
		s:      s,
		info:   info,
		om:     s.obs.Server(observe.HTTP, info, true),
		call:   call,
		empty:  newEmptyPlan(reflect.TypeFor[T]()),
		nilReq: nilRequest(opts),
	})
}

// HandleStreamRoute serves method, a server stream, at pattern, as
// HandleRoute does for a unary method. A GET route streams Server-Sent
// Events unless the request asks for NDJSON, so a browser's EventSource
// can open it.
func HandleStreamRoute[Req, T any](s *Service, method, pattern string, bind func(*http.Request, *Req) error, call func(context.Context, *Req) iter.Seq2[T, error]) {
	info := stdrpc.CallInfo{Service: s.name, Method: method}
	s.handle(pattern, &streamEndpoint[Req, T]{
		s:     s,
		info:  info,
		om:    s.obs.Server(observe.HTTP, info, true),
		bind:  bind,
		call:  call,
		empty: newEmptyPlan(reflect.TypeFor[T]()),
	})
}

// streamEndpoint is one route of one streaming method.
type streamEndpoint[Req, T any] struct {
	s    *Service
	info stdrpc.CallInfo
	om   *observe.Method                 // nil: not observed
	bind func(*http.Request, *Req) error // nil: the JSON body is the request
	call func(context.Context, *Req) iter.Seq2[T, error]

	empty  *emptyPlan // nil: no nil slice or map to write as empty
	nilReq bool       // a null body is a nil request (NilRequest)
}

func (e *streamEndpoint[Req, T]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := e.s
	st := &streamWriter{
		w:    w,
		rc:   http.NewResponseController(w),
		sse:  wantsSSE(r),
		head: r.Method == http.MethodHead,
		buf:  getBuffer(),
		wait: s.writeTime,
		h2:   r.ProtoMajor >= 2,
		obs:  e.om.Start(),
	}
	if st.obs.Observing() {
		st.obs.RequestBytes(r.ContentLength)
		defer logCall(&st.obs, r) // after release, whose heartbeats could still write
	}
	defer st.release()
	defer func() {
		if p := recover(); p != nil {
			st.finish(s, e.info, s.recovered(e.info, p))
		}
	}()
	ctx, cancel, err := s.callContext(r)
	if err != nil {
		st.finish(s, e.info, err)
		return
	}
	if cancel != nil {
		defer cancel()
	}
	run := func(ctx context.Context) error {
		req := new(Req)
		if err := decodeRequest(s, e.bind, w, r, req); err != nil {
			if err != errNullBody || !e.nilReq {
				return err
			}
			req = nil
		}
		return sendStream(ctx, st, s.heartbeat, e.empty, e.call(ctx, req))
	}
	// Interceptors wrap the whole stream: they see its final error, and
	// the last frame is written after they return.
	err = s.core.Intercept(ctx, e.info, run)
	st.finish(s, e.info, err)
}

// sendStream writes each item of seq and returns the error that ends it.
func sendStream[T any](ctx context.Context, st *streamWriter, heartbeat time.Duration, empty *emptyPlan, seq iter.Seq2[T, error]) error {
	if st.head {
		return nil // the headers, without running the method
	}
	if st.sse {
		st.startHeartbeat(heartbeat)
	}
	for v, err := range seq {
		if err != nil {
			return err
		}
		empty.apply(reflect.ValueOf(&v).Elem())
		if err := st.item(&v); err != nil {
			return err
		}
	}
	// An iterator that returns because its context ended (a deadline, or
	// the client leaving) must not look like a stream that is complete.
	return ctx.Err()
}

// wantsSSE reports whether a stream is sent as Server-Sent Events rather
// than NDJSON: the first of the two named in Accept wins; without either,
// GET (what a browser's EventSource sends) gets SSE.
func wantsSSE(r *http.Request) bool {
	for _, v := range r.Header["Accept"] {
		for part := range strings.SplitSeq(v, ",") {
			mt, _, _ := strings.Cut(part, ";")
			mt = strings.TrimSpace(mt)
			switch {
			case strings.EqualFold(mt, sseType):
				return true
			case strings.EqualFold(mt, ndjsonType):
				return false
			}
		}
	}
	return r.Method == http.MethodGet || r.Method == http.MethodHead
}

const (
	sseType    = "text/event-stream"
	ndjsonType = "application/x-ndjson"
)

var (
	sseContentType    = []string{sseType}
	ndjsonContentType = []string{ndjsonType}
	noCache           = []string{"no-cache"}
	no                = []string{"no"}
	varyAccept        = []string{"Accept"}
)

// Frames other than items. An SSE error or end is a named event, so a
// page's onmessage sees only items.
const (
	ssePing    = ": ping\n\n"
	sseEnd     = "event: end\ndata: {}\n\n"
	sseError   = "event: error\ndata: "
	ndjsonEnd  = `{"end":true}` + "\n"
	ndjsonErr  = `{"error":`
	ndjsonItem = `{"result":`
)

// A streamWriter writes one stream's response. The handler's goroutine
// writes items and the last frame; a timer's goroutine writes heartbeats;
// mu keeps their writes whole and in order.
type streamWriter struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	sse  bool
	head bool
	buf  *buffer       // items are encoded here, outside mu
	wait time.Duration // bound on each write; 0: none
	h2   bool          // HTTP/2: a write deadline must not pass between writes
	obs  observe.Call  // the stream as an Observer sees it; the handler's

	mu      sync.Mutex
	started bool        // the 200 and its headers are sent
	done    bool        // the handler is finishing: heartbeats stop
	broken  bool        // a write failed: the client has gone
	timer   *time.Timer // heartbeats; nil when off
	every   time.Duration
	last    time.Time // when the stream last sent something
	due     time.Time // the write deadline set last (HTTP/1)
}

// start sends the stream's status and headers. The caller holds mu or is
// the only writer left.
func (st *streamWriter) start() {
	st.started = true
	h := st.w.Header()
	if st.sse {
		h["Content-Type"] = sseContentType
	} else {
		h["Content-Type"] = ndjsonContentType
	}
	h["Cache-Control"] = noCache
	h["X-Accel-Buffering"] = no // nginx would otherwise buffer the stream
	h["X-Content-Type-Options"] = nosniff
	h["Vary"] = varyAccept
	st.w.WriteHeader(http.StatusOK)
}

// item encodes v as one frame and sends it.
func (st *streamWriter) item(v any) error {
	b := st.buf
	b.Reset()
	if st.sse {
		b.WriteString("data: ")
	} else {
		b.WriteString(ndjsonItem)
	}
	if err := b.encode(v); err != nil {
		return stdrpc.Errorf(stdrpc.Internal, "encoding a stream item: %v", err)
	}
	b.Truncate(b.Len() - 1) // the encoder's newline; JSON has no other raw one
	if st.sse {
		b.WriteString("\n\n")
	} else {
		b.WriteString("}\n")
	}
	st.mu.Lock()
	err := st.send(b.Bytes(), false)
	st.mu.Unlock()
	if err == nil {
		st.obs.Items(1)
	}
	return err
}

// send writes p and flushes it, within the write timeout. The caller holds
// mu.
func (st *streamWriter) send(p []byte, last bool) error {
	if st.broken {
		return errGone
	}
	if st.wait > 0 {
		st.setDeadline()
	}
	if !st.started {
		st.start()
	}
	_, err := st.w.Write(p)
	if err == nil {
		err = st.rc.Flush()
		if errors.Is(err, http.ErrNotSupported) {
			err = nil // a wrapper that cannot flush: the data still goes, later
		}
	}
	if err != nil {
		st.broken = true
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return stdrpc.NewError(stdrpc.Canceled, fmt.Errorf("the client stopped reading the stream: a write took longer than %v (see WithWriteTimeout)", st.wait))
		}
		return stdrpc.NewError(stdrpc.Canceled, fmt.Errorf("the client stopped reading the stream: %w", err))
	}
	if st.wait > 0 && st.h2 && !last {
		// An HTTP/2 stream is reset when its deadline passes, even between
		// writes, and cannot have it extended afterwards. After the last
		// frame the deadline stays, to bound what net/http writes once
		// the handler returns.
		_ = st.rc.SetWriteDeadline(time.Time{})
	}
	if st.timer != nil {
		st.last = time.Now()
	}
	return nil
}

// setDeadline bounds the next write by the write timeout. Over HTTP/1 a
// deadline that passes between writes does no harm, and setting and
// clearing one for every item made streams of small items half again as
// slow (BenchmarkStream), so a deadline still at least three quarters of
// the timeout away is kept: a write then has between 3/4 of the timeout and
// all of it.
func (st *streamWriter) setDeadline() {
	now := time.Now()
	if !st.h2 && st.due.Sub(now) >= st.wait-st.wait/4 {
		return
	}
	st.due = now.Add(st.wait)
	_ = st.rc.SetWriteDeadline(st.due)
}

// errGone ends a stream whose connection already failed.
var errGone = stdrpc.Errorf(stdrpc.Canceled, "the client stopped reading the stream")

func (st *streamWriter) startHeartbeat(every time.Duration) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.every = every
	st.last = time.Now()
	first := sseOpenDelay
	if every > 0 {
		first = min(every, sseOpenDelay)
	}
	st.timer = time.AfterFunc(first, st.beat)
}

// sseOpenDelay is how long a Server-Sent Events stream that has sent
// nothing waits before it sends its headers and a comment anyway. Until the
// headers arrive a browser's EventSource does not fire open, so a quiet
// stream (a chat room nobody speaks in) must not wait a whole heartbeat
// interval; an error within the delay is still an ordinary JSON error with
// its status.
const sseOpenDelay = 100 * time.Millisecond

// beat sends a heartbeat if the stream has sent nothing yet or has been
// silent for a whole interval, and sets the timer for the next one.
func (st *streamWriter) beat() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.done || st.broken {
		return
	}
	if st.started {
		if st.every <= 0 {
			return // heartbeats off: the timer only opened the stream
		}
		if idle := time.Since(st.last); idle < st.every {
			st.timer.Reset(st.every - idle)
			return
		}
	}
	if st.send([]byte(ssePing), false) == nil && st.every > 0 {
		st.timer.Reset(st.every)
	}
}

// finish ends the stream with err: an ordinary error response if nothing
// was sent yet, otherwise a last error frame, or the end frame if err is
// nil.
func (st *streamWriter) finish(s *Service, info stdrpc.CallInfo, err error) {
	st.stop()
	if !st.started && err != nil {
		s.writeError(st.w, info, err, &st.obs)
		return
	}
	if st.broken {
		st.obs.End(stdrpc.CodeOf(err))
		return
	}
	b := st.buf
	b.Reset()
	code := stdrpc.OK
	switch {
	case err == nil && st.sse:
		b.WriteString(sseEnd)
	case err == nil:
		b.WriteString(ndjsonEnd)
	default:
		_, we := s.wireError(info, err)
		code, _ = stdrpc.ParseCode(we.Code)
		if st.sse {
			b.WriteString(sseError)
		} else {
			b.WriteString(ndjsonErr)
		}
		_ = b.enc.Encode(&we) // two strings always encode
		b.Truncate(b.Len() - 1)
		if st.sse {
			b.WriteString("\n\n")
		} else {
			b.WriteString("}\n")
		}
	}
	// Before the last frame, so that a caller who has it finds the
	// stream counted.
	st.obs.End(code)
	_ = st.send(b.Bytes(), true) // the last frame; a failure means the client is gone
}

// stop ends heartbeats; after it the handler's goroutine is the only
// writer.
func (st *streamWriter) stop() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.done = true
	if st.timer != nil {
		st.timer.Stop()
	}
}

// release stops heartbeats (in case finish did not run: a panic that
// net/http handles) and returns the buffer.
func (st *streamWriter) release() {
	st.stop()
	putBuffer(st.buf)
	st.buf = nil
}
