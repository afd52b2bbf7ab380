package stdhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/observe"
)

// DefaultMaxBatch is the largest JSON-RPC batch a JSONRPC endpoint serves
// unless WithMaxBatch says otherwise.
const DefaultMaxBatch = 100

// WithMaxBatch sets how many requests a JSON-RPC batch may hold (default
// DefaultMaxBatch). A larger batch is refused as a whole with one -32600
// error whose data code is resource_exhausted, before any of it runs.
// n <= 0 restores the default. It has no effect on the other routes.
func WithMaxBatch(n int) ServerOption {
	return func(s *Service) {
		if n <= 0 {
			n = DefaultMaxBatch
		}
		s.maxBatch = n
	}
}

// The JSON-RPC 2.0 error codes.
const (
	JSONRPCParseError     = -32700 // the body is not JSON
	JSONRPCInvalidRequest = -32600 // the JSON is not a request
	JSONRPCMethodNotFound = -32601 // no such method, or not callable so
	JSONRPCInvalidParams  = -32602 // params that do not decode or do not fit
	JSONRPCInternalError  = -32603 // the method panicked, or its result would not encode
	JSONRPCServerError    = -32000 // an error the method (or an interceptor) returned
)

// A JSONRPC is an http.Handler serving JSON-RPC 2.0 over HTTP POST for
// every service registered on it (with the generated
// Register<Service>JSONRPC functions); mount it at /rpc:
//
//	j := stdhttp.NewJSONRPC()
//	RegisterCalculatorJSONRPC(j, impl)
//	mux.Handle("/rpc", j)
//
// Methods are named "Service.Method", and by the aliases their
// //stdrpc:jsonrpc directives give. See the package documentation for the
// wire.
type JSONRPC struct {
	opts []ServerOption
	cfg  *Service // the endpoint's own options: body limit and budget, batch size, logger

	mu      sync.RWMutex
	methods map[string]jsonrpcMethod
}

// NewJSONRPC returns an endpoint with no services. The options apply to the
// endpoint (body limit and budget, batch size, write timeout) and to every
// service registered on it (interceptors, error text, logger), before the
// service's own.
func NewJSONRPC(opts ...ServerOption) *JSONRPC {
	j := &JSONRPC{opts: opts, methods: map[string]jsonrpcMethod{}}
	j.cfg = newService(nil, "", opts)
	return j
}

// NewJSONRPCService returns the service name on j, configured with j's
// options and then opts. Generated code calls it, then HandleJSONRPC for
// each method.
func NewJSONRPCService(j *JSONRPC, name string, opts ...ServerOption) *Service {
	s := newService(nil, name, append(slices.Clip(j.opts), opts...))
	s.jsonrpc = j
	return s
}

// A JSONRPCMethod describes a method to HandleJSONRPC.
type JSONRPCMethod struct {
	Name string // the Go method name: "Add"
	// Params are the wire names of the parameters, in order: a positional
	// params array is read as the object of these names.
	Params []string
	// Lone reports a lone struct parameter, the request itself: params may
	// be its object, a one-element array of it, or an object whose only
	// member is the parameter's name (Params[0], when it has one).
	Lone     bool
	Variadic bool     // the last parameter takes the rest of a params array
	Aliases  []string // further names of the method (//stdrpc:jsonrpc)
}

// jsonrpcMethod is one registered method.
type jsonrpcMethod struct {
	info   stdrpc.CallInfo
	s      *Service
	m      JSONRPCMethod
	om     *observe.Method
	call   func(ctx context.Context, params json.RawMessage) (any, error)                                // unary
	stream func(ctx context.Context, params json.RawMessage, st *streamWriter, id json.RawMessage) error // stream
	// elsewhere says why a method JSON-RPC cannot carry (a client or
	// bidirectional stream) is not served here, and where it is.
	elsewhere string
}

// HandleJSONRPC serves a unary method on s's endpoint as "Service.Method"
// and under each alias. It panics if a name is already taken, as
// http.ServeMux does for a pattern. With NilRequest, a lone parameter sent
// as null ("params":[null], or by its name) reaches call as a nil request,
// as over the other routes; without it, it is refused (-32602).
func HandleJSONRPC[Req, Resp any](s *Service, m JSONRPCMethod, call func(context.Context, *Req) (Resp, error), opts ...MethodOption) {
	jm := newJSONRPCMethod(s, m, false)
	empty := newEmptyPlan(reflect.TypeFor[Resp]())
	nilReq := nilRequest(opts)
	jm.call = func(ctx context.Context, params json.RawMessage) (any, error) {
		req := new(Req)
		if err := decodeParams(m, params, req); err != nil {
			if err != errNullParam || !nilReq {
				return nil, err
			}
			req = nil
		}
		resp, err := call(ctx, req)
		if err != nil {
			return nil, err
		}
		empty.apply(reflect.ValueOf(&resp).Elem())
		return &resp, nil
	}
	s.jsonrpc.add(jm)
}

// HandleJSONRPCStream serves a server stream on s's endpoint. It is called
// alone (not in a batch), with an id, and with Accept: text/event-stream;
// each item is then one Server-Sent Event holding a JSON-RPC response with
// the call's id, an error ends the stream with an error response, and a
// stream that is complete ends with the event "end". Otherwise the call is
// answered -32601, saying so.
func HandleJSONRPCStream[Req, T any](s *Service, m JSONRPCMethod, call func(context.Context, *Req) iter.Seq2[T, error], opts ...MethodOption) {
	jm := newJSONRPCMethod(s, m, true)
	empty := newEmptyPlan(reflect.TypeFor[T]())
	nilReq := nilRequest(opts)
	jm.stream = func(ctx context.Context, params json.RawMessage, st *streamWriter, id json.RawMessage) error {
		req := new(Req)
		if err := decodeParams(m, params, req); err != nil {
			if err != errNullParam || !nilReq {
				return err
			}
			req = nil
		}
		st.startHeartbeat(s.heartbeat)
		for v, err := range call(ctx, req) {
			if err != nil {
				return err
			}
			empty.apply(reflect.ValueOf(&v).Elem())
			if err := st.item(&jsonrpcItem[T]{JSONRPC: "2.0", Result: &v, ID: id}); err != nil {
				return err
			}
		}
		return ctx.Err()
	}
	s.jsonrpc.add(jm)
}

// HandleJSONRPCClientStream names a client stream on s's endpoint, which
// JSON-RPC cannot carry: a call of it is answered -32601, saying so and
// naming the HTTP route that serves it, rather than "method not found".
func HandleJSONRPCClientStream(s *Service, m JSONRPCMethod) {
	handleJSONRPCElsewhere(s, m, "a client stream")
}

// HandleJSONRPCBidiStream names a bidirectional stream on s's endpoint, as
// HandleJSONRPCClientStream does a client stream.
func HandleJSONRPCBidiStream(s *Service, m JSONRPCMethod) {
	handleJSONRPCElsewhere(s, m, "a bidirectional stream")
}

func handleJSONRPCElsewhere(s *Service, m JSONRPCMethod, shape string) {
	if s.jsonrpc == nil {
		panic("stdhttp: HandleJSONRPC needs a Service from NewJSONRPCService")
	}
	// No observer's Method: it is never called, and has nothing to count.
	jm := jsonrpcMethod{info: stdrpc.CallInfo{Service: s.name, Method: m.Name}, s: s, m: m}
	jm.elsewhere = fmt.Sprintf("%s.%s is %s, which JSON-RPC cannot carry: POST its items as NDJSON (Content-Type: %s) to its HTTP route /%s/%s, or open a WebSocket there",
		s.name, m.Name, shape, ndjsonType, s.name, m.Name)
	s.jsonrpc.add(jm)
}

// jsonrpcItem is one item of a stream, as a JSON-RPC response.
type jsonrpcItem[T any] struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  *T              `json:"result"`
	ID      json.RawMessage `json:"id"`
}

func newJSONRPCMethod(s *Service, m JSONRPCMethod, stream bool) jsonrpcMethod {
	if s.jsonrpc == nil {
		panic("stdhttp: HandleJSONRPC needs a Service from NewJSONRPCService")
	}
	info := stdrpc.CallInfo{Service: s.name, Method: m.Name}
	return jsonrpcMethod{info: info, s: s, m: m, om: s.obs.Server("jsonrpc", info, stream)}
}

func (j *JSONRPC) add(m jsonrpcMethod) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, name := range append([]string{m.info.Service + "." + m.info.Method}, m.m.Aliases...) {
		if old, ok := j.methods[name]; ok {
			panic(fmt.Sprintf("stdhttp: JSON-RPC method %q is registered twice (%s.%s and %s.%s)",
				name, old.info.Service, old.info.Method, m.info.Service, m.info.Method))
		}
		j.methods[name] = m
	}
}

// Methods returns the names the endpoint answers to, sorted.
func (j *JSONRPC) Methods() []string {
	j.mu.RLock()
	defer j.mu.RUnlock()
	names := make([]string, 0, len(j.methods))
	for n := range j.methods {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (j *JSONRPC) lookup(name string) (jsonrpcMethod, bool) {
	j.mu.RLock()
	defer j.mu.RUnlock()
	m, ok := j.methods[name]
	return m, ok
}

// A jsonrpcError is a JSON-RPC error object. Data carries the stdrpc code.
type jsonrpcError struct {
	Code    int         `json:"code"`
	Message string      `json:"message"`
	Data    jsonrpcData `json:"data"`
}

type jsonrpcData struct {
	Code string `json:"code"`
}

func rpcError(code int, c stdrpc.Code, format string, args ...any) *jsonrpcError {
	return &jsonrpcError{Code: code, Message: fmt.Sprintf(format, args...), Data: jsonrpcData{Code: c.String()}}
}

// paramsError marks an error decoding params: -32602.
type paramsError struct{ msg string }

func (e *paramsError) Error() string { return e.msg }

func invalidParams(format string, args ...any) error {
	return stdrpc.NewError(stdrpc.InvalidArgument, &paramsError{msg: fmt.Sprintf(format, args...)})
}

// errNullParam refuses a lone parameter sent as null, unless the method
// takes a nil request (NilRequest).
var errNullParam = invalidParams("invalid params: the parameter is null, which this server cannot pass to the method: send a value")

// jsonrpcRequest is one request object. Absent members stay nil.
type jsonrpcRequest struct {
	JSONRPC json.RawMessage `json:"jsonrpc"`
	Method  json.RawMessage `json:"method"`
	Params  json.RawMessage `json:"params"`
	ID      json.RawMessage `json:"id"`
}

var nullID = json.RawMessage("null")

func (j *JSONRPC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cfg := j.cfg
	if c := cfg.cors; c != nil {
		if r.Method == http.MethodOptions {
			c.preflight(w, r, []string{http.MethodPost})
			return
		}
		c.headersFor(w, r)
	}
	if r.Method != http.MethodPost {
		w.Header()["Allow"] = []string{http.MethodPost}
		j.reply(w, http.StatusMethodNotAllowed, []byte(replyJSON(true, nullID, nil,
			rpcError(JSONRPCInvalidRequest, stdrpc.Unimplemented, "JSON-RPC requests are POSTed, not sent with %s", truncate(r.Method)))))
		return
	}
	fail := func(err error, code int) {
		_, we := cfg.wireError(stdrpc.CallInfo{}, err)
		status := http.StatusOK
		var se *statusError
		if errors.As(err, &se) {
			status = se.status
		}
		var be *busyError
		if errors.As(err, &be) {
			status = http.StatusServiceUnavailable
			w.Header()["Retry-After"] = retryAfter
			w.Header()["Connection"] = connectionClose
		}
		j.reply(w, status, []byte(replyJSON(true, nullID, nil,
			&jsonrpcError{Code: code, Message: we.Message, Data: jsonrpcData{Code: we.Code}})))
	}
	if err := checkContentType(r); err != nil {
		fail(err, JSONRPCInvalidRequest)
		return
	}
	if r.ContentLength > cfg.maxBody {
		fail(tooLarge(cfg.maxBody), JSONRPCInvalidRequest)
		return
	}
	if r.ContentLength < 0 {
		r.Body = http.MaxBytesReader(w, r.Body, cfg.maxBody)
	}
	body, err := readBody(r, cfg)
	if err != nil {
		fail(err, JSONRPCInvalidRequest)
		return
	}

	ctx, cancel, err := cfg.callContext(r)
	if err != nil {
		fail(err, JSONRPCInvalidRequest)
		return
	}
	if cancel != nil {
		defer cancel()
	}

	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var members []json.RawMessage
		if err := json.Unmarshal(body, &members); err != nil {
			j.reply(w, http.StatusOK, []byte(replyJSON(true, nullID, nil, jsonParseError(err))))
			return
		}
		switch {
		case len(members) == 0:
			j.reply(w, http.StatusOK, []byte(replyJSON(true, nullID, nil,
				rpcError(JSONRPCInvalidRequest, stdrpc.InvalidArgument, "empty batch: send at least one request"))))
			return
		case len(members) > cfg.maxBatch:
			j.reply(w, http.StatusOK, []byte(replyJSON(true, nullID, nil,
				rpcError(JSONRPCInvalidRequest, stdrpc.ResourceExhausted, "batch of %d requests is larger than this server's limit of %d", len(members), cfg.maxBatch))))
			return
		}
		var out bytes.Buffer
		out.WriteByte('[')
		n := 0
		for _, m := range members {
			if rep, ok := j.one(ctx, m, true, nil, r); ok {
				if n > 0 {
					out.WriteByte(',')
				}
				out.WriteString(rep)
				n++
			}
		}
		out.WriteByte(']')
		if n == 0 {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		j.reply(w, http.StatusOK, out.Bytes())
		return
	}
	rep, ok := j.one(ctx, body, false, w, r)
	switch {
	case rep == streamed:
	case !ok:
		w.WriteHeader(http.StatusNoContent)
	default:
		j.reply(w, http.StatusOK, []byte(rep))
	}
}

// streamed is what one returns for a call answered as a stream.
const streamed = "\x00streamed"

// readBody reads r's body within cfg's limit and budget, copied out of the
// budget's buffer.
func readBody(r *http.Request, cfg *Service) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b := bodyBuffer{budget: &cfg.budget}
	defer b.release()
	if err := b.readFrom(r.Body, r.ContentLength, cfg.maxBody); err != nil {
		return nil, err
	}
	_ = r.Body.Close()
	return bytes.Clone(b.b), nil
}

func jsonParseError(err error) *jsonrpcError {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return rpcError(JSONRPCParseError, stdrpc.InvalidArgument, "parse error: not valid JSON (at byte %d): %v", syn.Offset, err)
	}
	return rpcError(JSONRPCParseError, stdrpc.InvalidArgument, "parse error: %v", err)
}

// one serves one request object and returns its reply, or ok=false for a
// notification. w and r are set for a request outside a batch, which may
// be a stream's.
func (j *JSONRPC) one(ctx context.Context, raw json.RawMessage, inBatch bool, w http.ResponseWriter, r *http.Request) (reply string, ok bool) {
	var req jsonrpcRequest
	if len(bytes.TrimSpace(raw)) == 0 {
		return replyJSON(true, nullID, nil, rpcError(JSONRPCInvalidRequest, stdrpc.InvalidArgument, "empty request: send a JSON-RPC request object")), true
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		var typ *json.UnmarshalTypeError
		if !inBatch && !errors.As(err, &typ) {
			return replyJSON(true, nullID, nil, jsonParseError(err)), true
		}
		return replyJSON(true, nullID, nil, rpcError(JSONRPCInvalidRequest, stdrpc.InvalidArgument, "invalid request: a request is a JSON object, not %s", jsonKind(raw))), true
	}
	v2 := req.JSONRPC != nil
	id := req.ID
	if v2 && string(req.JSONRPC) != `"2.0"` {
		return replyJSON(true, validID(id), nil, rpcError(JSONRPCInvalidRequest, stdrpc.InvalidArgument, `invalid request: "jsonrpc" must be "2.0", not %s`, truncate(string(req.JSONRPC)))), true
	}
	if id != nil && validID(id) == nil {
		return replyJSON(v2, nullID, nil, rpcError(JSONRPCInvalidRequest, stdrpc.InvalidArgument, `invalid request: "id" must be a string, a number or null, not %s`, jsonKind(id))), true
	}
	// A 2.0 request without an id is a notification; so is a 1.0 request
	// whose id is null. A 1.0 request without an id (the shape many
	// hand-written clients send) is answered, with id null.
	notify := (v2 && id == nil) || (!v2 && string(id) == "null")
	if id == nil {
		id = nullID
	}
	var name string
	if err := json.Unmarshal(req.Method, &name); err != nil || req.Method == nil || isNull(req.Method) {
		return replyJSON(v2, id, nil, rpcError(JSONRPCInvalidRequest, stdrpc.InvalidArgument, `invalid request: "method" must be a string`)), true
	}
	if p := bytes.TrimSpace(req.Params); len(p) > 0 && p[0] != '[' && p[0] != '{' && !isNull(p) {
		return replyJSON(v2, id, nil, rpcError(JSONRPCInvalidRequest, stdrpc.InvalidArgument, `invalid request: "params" must be an array or an object, not %s`, jsonKind(p))), true
	}
	m, found := j.lookup(name)
	if !found {
		if notify {
			return "", false
		}
		return replyJSON(v2, id, nil, rpcError(JSONRPCMethodNotFound, stdrpc.Unimplemented, "method not found: %q (this server has %s)", truncate(name), j.names())), true
	}
	if m.elsewhere != "" {
		if notify {
			return "", false
		}
		return replyJSON(v2, id, nil, rpcError(JSONRPCMethodNotFound, stdrpc.Unimplemented, "%s", m.elsewhere)), true
	}
	if m.stream != nil {
		if inBatch || notify || r == nil || !acceptsSSE(r) {
			if notify {
				return "", false
			}
			return replyJSON(v2, id, nil, rpcError(JSONRPCMethodNotFound, stdrpc.Unimplemented,
				"%s.%s is a stream: call it alone, with an id and the header Accept: text/event-stream", m.info.Service, m.info.Method)), true
		}
		if rep := j.serveStream(ctx, m, req.Params, id, v2, w, r); rep != "" {
			return rep, true
		}
		return streamed, true
	}
	result, rerr := j.run(ctx, m, req.Params, r)
	if notify {
		return "", false
	}
	return replyJSON(v2, id, result, rerr), true
}

// run calls a unary method through its service's interceptors. r, if not
// nil, is the HTTP request that carried the call, for the access log.
func (j *JSONRPC) run(ctx context.Context, m jsonrpcMethod, params json.RawMessage, r *http.Request) (result []byte, rerr *jsonrpcError) {
	s := m.s
	obs := m.om.Start()
	if obs.Observing() {
		// The sizes are the call's own: its params and its result, not the
		// batch or the JSON-RPC envelope around them.
		obs.RequestBytes(int64(len(params)))
		defer func() {
			if r != nil {
				obs.Log(ctx, r.RemoteAddr, stdrpc.Metadata(r.Header))
			}
		}()
	}
	panicked := false
	var resp any
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				panicked = true
				err = s.recovered(m.info, p)
			}
		}()
		return s.core.Intercept(ctx, m.info, func(ctx context.Context) error {
			var err error
			resp, err = m.call(ctx, params)
			return err
		})
	}()
	if err == nil {
		result, err = marshalJSON(resp)
		if err != nil {
			err = stdrpc.Errorf(stdrpc.Internal, "encoding the result: %v", err)
			panicked = true
		}
	}
	if err == nil {
		obs.ResponseBytes(int64(len(result)))
		obs.End(stdrpc.OK)
		return result, nil
	}
	rerr = s.jsonrpcError(m.info, err, panicked)
	code, _ := stdrpc.ParseCode(rerr.Data.Code)
	obs.End(code)
	return nil, rerr
}

// jsonrpcError maps an error of a call to its JSON-RPC error object.
func (s *Service) jsonrpcError(info stdrpc.CallInfo, err error, internal bool) *jsonrpcError {
	_, we := s.wireError(info, err)
	code := JSONRPCServerError
	switch {
	case internal:
		code = JSONRPCInternalError
	case errors.As(err, new(*paramsError)):
		code = JSONRPCInvalidParams
	}
	return &jsonrpcError{Code: code, Message: we.Message, Data: jsonrpcData{Code: we.Code}}
}

// serveStream answers a stream call with Server-Sent Events. It returns a
// reply to send instead when the call fails before its first item.
func (j *JSONRPC) serveStream(ctx context.Context, m jsonrpcMethod, params, id json.RawMessage, v2 bool, w http.ResponseWriter, r *http.Request) (reply string) {
	s := m.s
	st := &streamWriter{
		w:    w,
		rc:   http.NewResponseController(w),
		sse:  true,
		buf:  getBuffer(),
		wait: s.writeTime,
		h2:   r.ProtoMajor >= 2,
		obs:  m.om.Start(),
	}
	defer st.release()
	if st.obs.Observing() {
		st.obs.RequestBytes(int64(len(params)))
		defer st.obs.Log(ctx, r.RemoteAddr, stdrpc.Metadata(r.Header)) // after End, before release
	}
	panicked := false
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				panicked = true
				err = s.recovered(m.info, p)
			}
		}()
		return s.core.Intercept(ctx, m.info, func(ctx context.Context) error {
			return m.stream(ctx, params, st, id)
		})
	}()
	st.stop()
	var rerr *jsonrpcError
	code := stdrpc.OK
	if err != nil {
		rerr = s.jsonrpcError(m.info, err, panicked)
		code, _ = stdrpc.ParseCode(rerr.Data.Code)
	}
	if !st.started && rerr != nil {
		st.obs.End(code)
		return replyJSON(v2, id, nil, rerr)
	}
	st.obs.End(code)
	if st.broken {
		return ""
	}
	var last string
	if rerr != nil {
		last = "data: " + replyJSON(true, id, nil, rerr) + "\n\n"
	} else {
		last = sseEnd
	}
	st.mu.Lock()
	_ = st.send([]byte(last), true)
	st.mu.Unlock()
	return ""
}

// acceptsSSE reports whether r's Accept header names text/event-stream.
func acceptsSSE(r *http.Request) bool {
	for _, v := range r.Header["Accept"] {
		for part := range strings.SplitSeq(v, ",") {
			mt, _, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(mt), sseType) {
				return true
			}
		}
	}
	return false
}

// names lists the methods for a "not found" message, shortened.
func (j *JSONRPC) names() string {
	ns := j.Methods()
	if len(ns) > 8 {
		return strings.Join(ns[:8], ", ") + fmt.Sprintf(" and %d more", len(ns)-8)
	}
	if len(ns) == 0 {
		return "none"
	}
	return strings.Join(ns, ", ")
}

// reply writes a JSON-RPC answer.
func (j *JSONRPC) reply(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["X-Content-Type-Options"] = nosniff
	h["Content-Length"] = []string{strconv.Itoa(len(body) + 1)}
	if j.cfg.writeTime > 0 {
		setWriteDeadline(w, time.Now().Add(j.cfg.writeTime))
	}
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// replyJSON renders a response object: 2.0 ({"jsonrpc":"2.0", then
// "result" or "error", then "id"}) or 1.0 ("result", "error" and "id",
// the one not given null).
func replyJSON(v2 bool, id json.RawMessage, result []byte, rerr *jsonrpcError) string {
	var b strings.Builder
	b.WriteByte('{')
	if v2 {
		b.WriteString(`"jsonrpc":"2.0",`)
	}
	if rerr != nil {
		e, _ := json.Marshal(rerr) // ints and strings always encode
		if !v2 {
			b.WriteString(`"result":null,`)
		}
		b.WriteString(`"error":`)
		b.Write(e)
	} else {
		if result == nil {
			result = nullID
		}
		b.WriteString(`"result":`)
		b.Write(result)
		if !v2 {
			b.WriteString(`,"error":null`)
		}
	}
	b.WriteString(`,"id":`)
	b.Write(compactID(id))
	b.WriteByte('}')
	return b.String()
}

// compactID returns id without white space, as it is echoed.
func compactID(id json.RawMessage) []byte {
	var b bytes.Buffer
	if json.Compact(&b, id) != nil {
		return nullID
	}
	return b.Bytes()
}

// validID returns id if it is a string, a number or null, else nil.
func validID(id json.RawMessage) json.RawMessage {
	p := bytes.TrimSpace(id)
	if len(p) == 0 {
		return nil
	}
	switch p[0] {
	case '"', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return p
	}
	return nil
}

// jsonKind names the kind of a JSON value for a message.
func jsonKind(v []byte) string {
	p := bytes.TrimSpace(v)
	if len(p) == 0 {
		return "nothing"
	}
	switch p[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// decodeParams fills req from params: an array by position (m.Params in
// order), an object by name, and for a lone struct its object, a
// one-element array of it, or {m.Lone: object}.
func decodeParams(m JSONRPCMethod, params json.RawMessage, req any) error {
	p := bytes.TrimSpace(params)
	if len(p) == 0 || isNull(p) {
		if len(m.Params) > 0 && !m.Lone {
			return invalidParams("invalid params: %s takes %d parameters (%s); none were given", m.Name, len(m.Params), strings.Join(m.Params, ", "))
		}
		return nil
	}
	obj := p
	if p[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(p, &arr); err != nil {
			return invalidParams("invalid params: %v", err)
		}
		switch {
		case m.Lone:
			if len(arr) != 1 {
				return invalidParams("invalid params: %s takes 1 parameter, not %d", m.Name, len(arr))
			}
			obj = arr[0]
		case m.Variadic && len(arr) >= len(m.Params)-1,
			len(arr) == len(m.Params):
			var b bytes.Buffer
			b.WriteByte('{')
			for i, name := range m.Params {
				if i > 0 {
					b.WriteByte(',')
				}
				k, _ := json.Marshal(name)
				b.Write(k)
				b.WriteByte(':')
				if m.Variadic && i == len(m.Params)-1 {
					rest, _ := json.Marshal(arr[i:])
					b.Write(rest)
					break
				}
				b.Write(arr[i])
			}
			b.WriteByte('}')
			obj = b.Bytes()
		case len(m.Params) == 0:
			return invalidParams("invalid params: %s takes no parameters, not %d", m.Name, len(arr))
		default:
			return invalidParams("invalid params: %s takes %d parameters (%s), not %d", m.Name, len(m.Params), strings.Join(m.Params, ", "), len(arr))
		}
	} else if m.Lone {
		var one map[string]json.RawMessage
		if len(m.Params) == 1 && json.Unmarshal(p, &one) == nil && len(one) == 1 {
			if v, ok := one[m.Params[0]]; ok {
				obj = v
			}
		}
	} else if len(m.Params) > 0 {
		var names map[string]json.RawMessage
		if err := json.Unmarshal(p, &names); err == nil {
			for k := range names {
				if !slices.Contains(m.Params, k) {
					return invalidParams("invalid params: %s has no parameter %q (it takes %s)", m.Name, truncate(k), strings.Join(m.Params, ", "))
				}
			}
			for _, k := range m.Params {
				if _, ok := names[k]; !ok && !(m.Variadic && k == m.Params[len(m.Params)-1]) {
					return invalidParams("invalid params: %s needs parameter %q", m.Name, k)
				}
			}
		}
	} else if len(m.Params) == 0 && !m.Lone {
		var names map[string]json.RawMessage
		if json.Unmarshal(p, &names) == nil && len(names) > 0 {
			return invalidParams("invalid params: %s takes no parameters", m.Name)
		}
	}
	if len(m.Params) == 0 && !m.Lone {
		return nil
	}
	if isNull(obj) {
		return errNullParam
	}
	if err := unmarshalJSON(obj, req); err != nil {
		var se *stdrpc.Error
		if errors.As(bodyError(withField(err, obj, req)), &se) {
			return invalidParams("invalid params: %s", strings.TrimPrefix(strings.TrimPrefix(se.Message(), "request body "), "request body: "))
		}
		return invalidParams("invalid params: %v", err)
	}
	return nil
}
