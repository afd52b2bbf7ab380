package stdhttp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/ws"
	"github.com/stdrpc/stdrpc/observe"
)

// serveWebSocket serves a client or bidirectional stream over a WebSocket
// (RFC 6455), for browsers, which cannot stream a request body: serveGet
// sends it every GET on the route that asks for an upgrade. The wire is
// described in the package documentation, under WebSockets.
func (e *duplexEndpoint[T, U]) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	s := e.s
	obs := e.om.Start()
	if obs.Observing() {
		defer logCall(&obs, r)
	}
	if s.withoutCredentials(r) {
		// As CORS would have the browser send no cookies, the method sees
		// none: a page the service lists but does not trust with the
		// user's credentials must not act with them.
		r.Header = r.Header.Clone()
		r.Header.Del("Cookie")
		r.Header.Del("Authorization")
	}
	ctx, cancel, err := s.callContext(r)
	if err != nil {
		s.writeError(w, e.info, err, &obs)
		return
	}
	if cancel != nil {
		defer cancel()
	}
	c, err := ws.Accept(w, r, ws.Options{MaxMessageBytes: s.maxBody, Origins: s.webSocketOrigins(), Reserve: s.reserve})
	if err != nil {
		code := stdrpc.InvalidArgument
		if he := (*ws.HandshakeError)(nil); errors.As(err, &he) {
			code = CodeFromHTTPStatus(he.Status)
		}
		obs.End(code)
		return
	}
	// net/http no longer closes the connection: should a panic get past
	// finish (http.ErrAbortHandler), this does, and after finish it does
	// nothing.
	defer c.Close(ws.StatusInternalError, "")
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	out := &wsOut{c: c, wait: s.writeTime, buf: getBuffer(), obs: &obs}
	defer out.release()
	src := &wsSource{c: c, ctx: ctx, s: s}
	in := newInput[T](ctx, fail, src, "message", s.maxBody)
	src.stop = in.stop
	defer in.close()

	var resp *U
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = s.recovered(e.info, p)
			}
		}()
		err = e.run(ctx, in, func(v *U) error {
			if e.unary != nil {
				resp = v
				return nil
			}
			return out.item(ctx, v)
		})
	}()
	if err == nil && resp != nil {
		err = out.item(ctx, resp)
	}
	out.finish(s, e.info, err)
}

// withoutCredentials reports whether r is a page's request from another
// origin that WithCORS allows without Credentials.
func (s *Service) withoutCredentials(r *http.Request) bool {
	return s.cors != nil && !s.cors.cfg.Credentials && r.Header.Get("Origin") != "" && !ws.SameOrigin(r)
}

// reserve takes room for a WebSocket message from the service's budget
// for request bodies, or gives it back (n < 0).
func (s *Service) reserve(n int64) bool {
	if n < 0 {
		s.budget.give(-n)
		return true
	}
	return s.budget.take(n)
}

// webSocketOrigins are the origins besides the service's own whose pages
// may open its streams as WebSockets: those WithCORS allows.
func (s *Service) webSocketOrigins() []string {
	if s.cors == nil {
		return nil
	}
	return s.cors.cfg.Origins
}

// wsSource reads the caller's items from a WebSocket: one JSON value per
// text message, until an empty text message ends the caller's side.
type wsSource struct {
	c    *ws.Conn
	s    *Service
	ctx  context.Context
	stop func(error) // fails the call: the input's
	n    int
}

func (src *wsSource) next() ([]byte, error) {
	typ, msg, err := src.c.ReadMessage(src.ctx)
	if err != nil {
		return nil, src.readError(err)
	}
	src.n++
	switch {
	case typ != ws.Text:
		return nil, stdrpc.Errorf(stdrpc.InvalidArgument,
			"request message %d is binary; send each item as a JSON text message", src.n)
	case len(msg) == 0:
		go src.watch()
		return nil, io.EOF
	case len(bytes.TrimSpace(msg)) == 0:
		return nil, stdrpc.Errorf(stdrpc.InvalidArgument,
			"request message %d is blank; send each item as a JSON text message, and an empty one to end", src.n)
	}
	return msg, nil
}

// release gives back nothing: the room a message holds in the service's
// budget is the connection's, given back by its next read or its close.
func (src *wsSource) release() {}

// readError explains why the next message could not be read.
func (src *wsSource) readError(err error) error {
	var ce *ws.CloseError
	switch {
	case !errors.As(err, &ce):
		return err // the context ended, or the connection failed
	case ce.Code == ws.StatusMessageTooBig && !ce.Remote:
		return errFrameTooLong
	case ce.Code == ws.StatusTryAgainLater && !ce.Remote:
		return src.s.budget.refusal()
	case ce.Remote:
		return stdrpc.Errorf(stdrpc.Canceled,
			"the client closed the WebSocket (%v) before it ended its side of the stream with an empty message", ce.Code)
	}
	return stdrpc.NewError(stdrpc.InvalidArgument, err) // the client broke the protocol
}

// watch reads on once the caller has ended its side, so that a client
// that closes or goes away cancels the call, and one that sends more fails
// it. It returns when the connection closes.
func (src *wsSource) watch() {
	for {
		_, _, err := src.c.ReadMessage(context.Background())
		if err != nil {
			if ce := (*ws.CloseError)(nil); errors.As(err, &ce) && ce.Remote {
				src.stop(stdrpc.Errorf(stdrpc.Canceled, "the client closed the WebSocket (%v)", ce.Code))
			}
			return
		}
		src.stop(stdrpc.Errorf(stdrpc.InvalidArgument,
			"a message after the empty one that ended the client's side of the stream"))
	}
}

// wsOut writes a stream's messages, from the handler's goroutine: each
// item (or a client stream's result) as {"result":…}, then {"end":true} or
// {"error":{…}}, the frames of an NDJSON stream, one per text message.
type wsOut struct {
	c      *ws.Conn
	wait   time.Duration // bound on each write; 0: none
	buf    *buffer
	obs    *observe.Call
	broken bool // a write failed: the connection is closed
}

func (o *wsOut) item(ctx context.Context, v any) error {
	b := o.buf
	b.Reset()
	b.WriteString(ndjsonItem)
	if err := b.encode(v); err != nil {
		return stdrpc.Errorf(stdrpc.Internal, "encoding a stream item: %v", err)
	}
	b.Truncate(b.Len() - 1)
	b.WriteByte('}')
	if err := o.write(ctx, b.Bytes()); err != nil {
		return err
	}
	o.obs.Items(1)
	return nil
}

// write sends one message within the write timeout.
func (o *wsOut) write(ctx context.Context, p []byte) error {
	if o.broken {
		return errGone
	}
	if o.wait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.wait)
		defer cancel()
	}
	if err := o.c.WriteMessage(ctx, ws.Text, p); err != nil {
		o.broken = true
		return errGone
	}
	return nil
}

// finish ends the stream with err: its last message, then the close
// handshake.
func (o *wsOut) finish(s *Service, info stdrpc.CallInfo, err error) {
	code := stdrpc.OK
	b := o.buf
	b.Reset()
	if err == nil {
		b.WriteString(ndjsonEnd[:len(ndjsonEnd)-1]) // a message needs no newline
	} else {
		_, we := s.wireError(info, err)
		code, _ = stdrpc.ParseCode(we.Code)
		b.WriteString(ndjsonErr)
		_ = b.enc.Encode(&we) // two strings always encode
		b.Truncate(b.Len() - 1)
		b.WriteByte('}')
	}
	o.obs.End(code) // before the last message, so that a caller who has it finds the call counted
	// The call's context may have ended: the last message is bounded by
	// the write timeout alone.
	_ = o.write(context.Background(), b.Bytes())
	_ = o.c.Close(ws.StatusNormalClosure, "")
}

func (o *wsOut) release() {
	putBuffer(o.buf)
	o.buf = nil
}
