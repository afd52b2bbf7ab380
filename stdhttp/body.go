package stdhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stdrpc/stdrpc"
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
// Content-Length.
func (s *Service) writeJSON(w http.ResponseWriter, status int, v any) error {
	b := getBuffer()
	defer putBuffer(b)
	if err := b.enc.Encode(v); err != nil {
		return errors.New("encoding the response: " + err.Error())
	}
	h := w.Header()
	h["Content-Type"] = jsonContentType
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
func readJSON(r *http.Request, v any) error {
	if err := checkContentType(r.Header); err != nil {
		return err
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b := getBuffer()
	defer putBuffer(b)
	if n := r.ContentLength; n > 0 && n <= maxPooled {
		b.Grow(int(n) + bytes.MinRead) // room for the final read that sees EOF
	}
	if _, err := b.ReadFrom(r.Body); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return tooLarge(mb.Limit)
		}
		return stdrpc.Errorf(stdrpc.InvalidArgument, "reading the request body: %v", err)
	}
	// Closing a body read to its end tells net/http there is nothing left to
	// discard before the response, which it would otherwise try to do.
	_ = r.Body.Close()
	if b.Len() == 0 {
		return nil
	}
	if err := json.Unmarshal(b.Bytes(), v); err != nil {
		return bodyError(err)
	}
	return nil
}

// bodyError explains why a request body did not decode.
func bodyError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return stdrpc.Errorf(stdrpc.InvalidArgument,
			"request body is not valid JSON (at byte %d): %v", syn.Offset, err)
	case errors.As(err, &typ) && typ.Field != "":
		return stdrpc.Errorf(stdrpc.InvalidArgument,
			"request body field %q: cannot use a JSON %s as %s", typ.Field, typ.Value, typ.Type)
	case errors.As(err, &typ):
		return stdrpc.Errorf(stdrpc.InvalidArgument,
			"request body: cannot use a JSON %s as %s", typ.Value, typ.Type)
	}
	return stdrpc.Errorf(stdrpc.InvalidArgument, "request body: %v", err)
}

// checkContentType accepts application/json (any parameters) or no
// Content-Type at all, as from a bare `curl -X POST`. Anything else is
// refused with 415, form encoding included (`curl -d` sends it; use
// `curl --json`): besides not being JSON, a form or text/plain body is what a
// page on another site can make a browser send without asking.
func checkContentType(h http.Header) error {
	v, ok := h["Content-Type"]
	if !ok || len(v) == 0 || v[0] == "application/json" {
		return nil
	}
	mt, _, _ := strings.Cut(v[0], ";")
	mt = strings.TrimSpace(mt)
	if mt == "" || strings.EqualFold(mt, "application/json") {
		return nil
	}
	return stdrpc.NewError(stdrpc.InvalidArgument, &statusError{
		status: http.StatusUnsupportedMediaType,
		msg:    "Content-Type " + strconv.Quote(truncate(v[0])) + " is not supported; send application/json",
	})
}
