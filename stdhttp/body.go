package stdhttp

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/observe"
)

// Header values shared by every response and request. net/http only reads
// header values, and a shared one-element slice is never appended to in
// place (its capacity is 1), so sharing saves an allocation per call.
var (
	jsonContentType = []string{"application/json"}
	nosniff         = []string{"nosniff"}
)

// buffer is a pooled byte buffer with a JSON encoder writing into it.
type buffer struct {
	bytes.Buffer
	enc *json.Encoder
	lr  io.LimitedReader // see readLimited
}

// buffers recycles the buffers bodies are read into and written from. A
// sync.Pool is process-wide by nature; it holds no state a caller can see.
var buffers = sync.Pool{New: func() any {
	b := new(buffer)
	b.enc = json.NewEncoder(&b.Buffer)
	return b
}}

// maxPooled keeps the rare huge buffer from being held forever.
const maxPooled = 64 << 10

func getBuffer() *buffer { return buffers.Get().(*buffer) }

// encode appends v's JSON and a newline, as json.Encoder.Encode does:
// through v's generated codec if it has one.
func (b *buffer) encode(v any) error {
	out, ok, err := appendJSON(b.AvailableBuffer(), v)
	if !ok {
		return b.enc.Encode(v)
	}
	if err != nil {
		return err
	}
	_, _ = b.Write(append(out, '\n'))
	return nil
}

// readLimited appends what r holds, up to n bytes, and returns how many it
// read. The limiting reader is the buffer's own, not one allocated per
// read.
func (b *buffer) readLimited(r io.Reader, n int64) (int64, error) {
	b.lr = io.LimitedReader{R: r, N: n}
	m, err := b.ReadFrom(&b.lr)
	b.lr.R = nil
	return m, err
}

func putBuffer(b *buffer) {
	if b.Cap() > maxPooled {
		return
	}
	b.Reset()
	buffers.Put(b)
}

// chunkingThreshold is how much net/http buffers before it starts a chunked
// response. A smaller body is still in the buffer when the handler returns,
// and net/http sets its Content-Length for free.
const chunkingThreshold = 2048

// writeJSON answers with status and v as JSON, within the service's write
// timeout. Encoding into a buffer first means an encoding failure can still
// become a clean error response, and the body goes out with a
// Content-Length. obs, the call, ends with code before the body is sent,
// so that a caller who has the response finds the call counted. With
// WithCompression, a body of the size it names is compressed for a
// request r that accepts it (r nil: never).
func (s *Service) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any, obs *observe.Call, code stdrpc.Code) error {
	b := getBuffer()
	defer putBuffer(b)
	if err := b.encode(v); err != nil {
		return errors.New("encoding the response: " + err.Error())
	}
	if obs.Observing() {
		obs.ResponseBytes(int64(b.Len()))
		obs.End(code)
	}
	h := w.Header()
	h["Content-Type"] = jsonContentType
	if s.gzip > 0 {
		h["Accept-Encoding"] = gzipEncoding // requests may be compressed too
		if r != nil && b.Len() >= s.gzip {
			h["Vary"] = varyEncoding
			if acceptsGzip(r) {
				z := getBuffer()
				defer putBuffer(z)
				if err := compress(z, b.Bytes()); err == nil && z.Len() < b.Len() {
					h["Content-Encoding"] = gzipEncoding
					b = z
				}
			}
		}
	}
	if b.Len() > chunkingThreshold {
		h["Content-Length"] = []string{strconv.Itoa(b.Len())}
	}
	if s.writeTime > 0 {
		// net/http writes a small response after the handler returns,
		// still under this deadline, and clears it before the next
		// request on the connection.
		setWriteDeadline(w, time.Now().Add(s.writeTime))
	}
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes()) // a failed write means the caller has gone; nothing to tell it
	return nil
}

// setWriteDeadline sets the deadline for writing w's response: directly on
// net/http's own writers, through http.ResponseController on a wrapper. A
// writer that supports neither is written without one.
func setWriteDeadline(w http.ResponseWriter, t time.Time) {
	if d, ok := w.(interface{ SetWriteDeadline(time.Time) error }); ok {
		_ = d.SetWriteDeadline(t)
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(t)
}

// readJSON decodes r's JSON body into v. An empty body leaves v as it is.
// Unknown fields are ignored, so an old server accepts a newer client.
// Within a Service (see serviceBody) the body is read within its budget.
func readJSON(r *http.Request, v any) error {
	if err := checkContentType(r); err != nil {
		return err
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	var (
		src    io.Reader = r.Body
		limit  int64     = noLimit
		budget *budget
	)
	if sb, ok := r.Body.(*serviceBody); ok {
		src, limit, budget = sb.ReadCloser, sb.s.maxBody, &sb.s.budget
	}
	return decodeBody(r, src, limit, budget, v)
}

// decodeBody reads the body from src, at most limit bytes of it, and decodes
// it into v.
func decodeBody(r *http.Request, src io.Reader, limit int64, budget *budget, v any) error {
	b := bodyBuffer{budget: budget}
	defer b.release()
	length := r.ContentLength
	if _, ok := src.(*gzip.Reader); ok {
		length = -1 // decompressed: its length is unknown
	}
	if err := b.readFrom(src, length, limit); err != nil {
		return err
	}
	// Closing a body read to its end tells net/http there is nothing left to
	// discard before the response, which it would otherwise try to do.
	_ = r.Body.Close()
	if len(b.b) == 0 {
		return nil
	}
	if isNull(b.b) && reflect.TypeOf(v).Elem().Size() > 0 {
		// json leaves v as it is for null, which would turn a nil request
		// into a zero one: a value the caller did not send.
		return errNullBody
	}
	if err := unmarshalJSON(b.b, v); err != nil {
		return bodyError(withField(err, b.b, v))
	}
	return nil
}

// errNullBody refuses a request body that is JSON null. The methods a
// generated handler calls take a value, and a nil pointer sent as null
// must not arrive as a pointer to a zero value.
var errNullBody = stdrpc.Errorf(stdrpc.InvalidArgument, "the request body is null, which this server cannot pass to the method: send a value")

// A MethodOption tells a Service more of a method than its call's type
// says. Generated code passes them to Handle and HandleStream.
type MethodOption struct{ nilRequest bool }

// NilRequest marks a method whose request is its lone pointer parameter: a
// body of JSON null, what a client sends for a nil argument, reaches the
// method as a nil request, as a nil argument reaches a local call. Without
// it a null body is refused (errNullBody), since the method's request would
// otherwise arrive as a pointer to a zero value, which the caller did not
// send.
func NilRequest() MethodOption { return MethodOption{nilRequest: true} }

func nilRequest(opts []MethodOption) bool {
	for _, o := range opts {
		if o.nilRequest {
			return true
		}
	}
	return false
}

// isNull reports whether b is JSON null, with or without white space.
func isNull(b []byte) bool {
	return len(b) >= 4 && len(b) < 64 && string(bytes.TrimSpace(b)) == "null"
}

// noLimit is the limit of a body read outside a Service: none that a real
// body reaches, and small enough that adding to it cannot overflow.
const noLimit = 1 << 62

// A serviceBody is a request body on its way to a Service's route with a
// bind function, which reads it through the exported Bind; it carries the
// service's limit and budget there.
type serviceBody struct {
	io.ReadCloser
	s *Service
}

// A bodyBuffer holds a request body while it is read and decoded. It grows
// only as bytes arrive, doubling, and never beyond the body's length (when
// the request gives one) or the limit, plus one byte of room for the read
// that finds the body ended, so that a body stalled just short of the limit
// holds no more than the limit. Small bodies are read into pooled buffers.
type bodyBuffer struct {
	b      []byte
	pooled *buffer // the pooled buffer b is in, if any
	budget *budget // nil: none
	held   int64   // charged to budget
}

// firstBodyBuffer is the capacity a body of unknown length starts with.
const firstBodyBuffer = 4 << 10

// readFrom reads src to its end into b. length is the request's
// Content-Length, -1 if unknown.
func (b *bodyBuffer) readFrom(src io.Reader, length, limit int64) error {
	// end is the largest body there can be; the buffer needs one byte more,
	// for the read that finds nothing left.
	end := limit
	if length >= 0 {
		end = min(length, limit)
	}
	room := min(end+1, maxPooled)
	if length < 0 {
		room = min(room, firstBodyBuffer)
	}
	if !b.budget.take(room) {
		return b.budget.refusal()
	}
	b.held = room
	b.pooled = getBuffer()
	b.pooled.Grow(int(room))
	b.b = b.pooled.AvailableBuffer()
	for {
		if int64(len(b.b)) == room {
			if room > end {
				return tooLarge(limit) // more than the limit: the length was unknown
			}
			next := 2 * room
			if next >= end {
				next = end + 1
			}
			if !b.budget.take(next - room) {
				return b.budget.refusal()
			}
			b.held += next - room
			if int64(cap(b.b)) < next {
				nb := make([]byte, len(b.b), next)
				copy(nb, b.b)
				b.b = nb
				if b.pooled != nil {
					putBuffer(b.pooled)
					b.pooled = nil
				}
			}
			room = next
		}
		n, err := src.Read(b.b[len(b.b):room])
		b.b = b.b[:len(b.b)+n]
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return readError(err)
		}
	}
}

// release gives the buffer back and ends its charge to the budget.
func (b *bodyBuffer) release() {
	if b.pooled != nil {
		putBuffer(b.pooled)
		b.pooled = nil
	}
	b.b = nil
	b.budget.give(b.held)
	b.held = 0
}

// readError explains why a request body could not be read.
func readError(err error) error {
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &mb):
		return tooLarge(mb.Limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return stdrpc.NewError(stdrpc.DeadlineExceeded, &statusError{
			status: http.StatusRequestTimeout,
			msg:    "the request body did not arrive within the server's read timeout (http.Server.ReadTimeout)",
		})
	}
	return stdrpc.Errorf(stdrpc.InvalidArgument, "reading the request body: %v", err)
}

// A budget bounds the bytes held, all requests together, by request bodies
// being read. The zero budget, and a nil one, has no bound.
type budget struct {
	max  int64
	used atomic.Int64
}

// take charges n bytes to the budget, unless that would take it past its
// bound.
func (b *budget) take(n int64) bool {
	if b == nil || b.max <= 0 {
		return true
	}
	for {
		used := b.used.Load()
		if used+n > b.max {
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			return true
		}
	}
}

// give ends a charge of n bytes.
func (b *budget) give(n int64) {
	if b != nil && b.max > 0 && n != 0 {
		b.used.Add(-n)
	}
}

// refusal is the error for a body that does not fit the budget.
func (b *budget) refusal() error {
	return stdrpc.NewError(stdrpc.Unavailable, &busyError{
		msg: "the server is reading as many request bodies at once as its budget of " +
			strconv.FormatInt(b.max, 10) + " bytes allows (see WithBodyBudget); try again shortly",
	})
}

// maxJSONDepth is how deep encoding/json lets objects and arrays nest.
const maxJSONDepth = 10000

// bodyError explains why a request body did not decode.
func bodyError(err error) error { return jsonError("request body", err) }

// jsonError explains why what ("request body", "request line 3") did not
// decode.
func jsonError(what string, err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		fld *fieldError
	)
	switch {
	case errors.As(err, &syn) && strings.HasSuffix(syn.Error(), "exceeded max depth"):
		return stdrpc.Errorf(stdrpc.InvalidArgument,
			"%s nests objects and arrays more than %d deep (at byte %d); encoding/json reads no deeper", what, maxJSONDepth, syn.Offset)
	case errors.As(err, &syn):
		return stdrpc.Errorf(stdrpc.InvalidArgument,
			"%s is not valid JSON (at byte %d): %v", what, syn.Offset, err)
	case errors.As(err, &typ) && typ.Field != "":
		return stdrpc.Errorf(stdrpc.InvalidArgument,
			"%s field %q: cannot use a JSON %s as %s", what, typ.Field, typ.Value, typ.Type)
	case errors.As(err, &typ):
		return stdrpc.Errorf(stdrpc.InvalidArgument,
			"%s: cannot use a JSON %s as %s", what, typ.Value, typ.Type)
	case errors.As(err, &fld):
		return stdrpc.Errorf(stdrpc.InvalidArgument, "%s field %q: %v", what, fld.field, fld.err)
	}
	return stdrpc.Errorf(stdrpc.InvalidArgument, "%s: %v", what, err)
}

// checkContentType accepts application/json (any parameters), or no
// Content-Type at all under the rule below. Anything else is refused with
// 415, form encoding included (`curl -d` sends it; use `curl --json`).
//
// Besides not being JSON, a form, text/plain or untyped body is what a page
// on another site can make a browser POST without asking the server first
// (CORS preflight), with the user's cookies. application/json cannot be sent
// so, which is the protection: a POST must say it. Only a POST without a
// body, from a client that is not a browser, may leave it out (a bare
// `curl -X POST`); browsers send an Origin or Sec-Fetch-Site header with
// every POST. Other methods may leave it out too: a browser asks before
// sending them to another site.
func checkContentType(r *http.Request) error {
	if v := r.Header["Content-Type"]; len(v) > 0 && v[0] != "" {
		if v[0] == "application/json" {
			return nil
		}
		mt, _, _ := strings.Cut(v[0], ";")
		mt = strings.TrimSpace(mt)
		if strings.EqualFold(mt, "application/json") {
			return nil
		}
		if mt != "" {
			return unsupported("Content-Type " + strconv.Quote(truncate(v[0])) + " is not supported; send application/json")
		}
	}
	// No media type.
	if r.Method != http.MethodPost {
		return nil
	}
	switch {
	case r.ContentLength != 0:
		return unsupported("a POST with a body needs Content-Type: application/json; " +
			"an untyped body is what a page on another site can make a browser send")
	case len(r.Header["Origin"]) > 0 || len(r.Header["Sec-Fetch-Site"]) > 0:
		return unsupported("a POST from a browser needs Content-Type: application/json, even without a body; " +
			"an untyped POST is what a page on another site can make a browser send")
	}
	return nil
}

func unsupported(msg string) error {
	return stdrpc.NewError(stdrpc.InvalidArgument, &statusError{status: http.StatusUnsupportedMediaType, msg: msg})
}
