package stdrpc

import (
	"context"
	"net/textproto"

	"github.com/stdrpc/stdrpc/internal/ctxkey"
)

// Metadata is a call's out-of-band data: keys and values that travel beside
// the request, as HTTP headers on the HTTP transport and in the extended
// request header on net/rpc. Keys are case-insensitive; the methods store
// them in HTTP's canonical form ("X-Request-Id"), so a Metadata can be
// converted to and from an http.Header without copying.
type Metadata map[string][]string

// Get returns the first value for key, or "".
func (md Metadata) Get(key string) string {
	if v := md[textproto.CanonicalMIMEHeaderKey(key)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Values returns all values for key.
func (md Metadata) Values(key string) []string {
	return md[textproto.CanonicalMIMEHeaderKey(key)]
}

// Set replaces the values for key with value.
func (md Metadata) Set(key, value string) {
	md[textproto.CanonicalMIMEHeaderKey(key)] = []string{value}
}

// Add appends value to the values for key.
func (md Metadata) Add(key, value string) {
	key = textproto.CanonicalMIMEHeaderKey(key)
	md[key] = append(md[key], value)
}

// Clone returns a deep copy of md, or nil if md is nil.
func (md Metadata) Clone() Metadata {
	if md == nil {
		return nil
	}
	out := make(Metadata, len(md))
	for k, v := range md {
		out[k] = append([]string(nil), v...)
	}
	return out
}

type outgoingKey struct{}

// incomingKey is shared with the transports, which may carry the metadata
// in a context of their own (see ctxkey).
type incomingKey = ctxkey.Incoming

// AppendOutgoing returns a copy of ctx whose outgoing metadata has the given
// key, value pairs added. A client sends the outgoing metadata of the context
// it is called with. AppendOutgoing panics if kv has an odd length.
func AppendOutgoing(ctx context.Context, kv ...string) context.Context {
	if len(kv)%2 == 1 {
		panic("stdrpc: AppendOutgoing got an odd number of arguments; pass key, value pairs")
	}
	md := Outgoing(ctx).Clone()
	if md == nil {
		md = make(Metadata, len(kv)/2)
	}
	for i := 0; i < len(kv); i += 2 {
		md.Add(kv[i], kv[i+1])
	}
	return context.WithValue(ctx, outgoingKey{}, md)
}

// WithOutgoing returns a copy of ctx whose outgoing metadata is md, replacing
// any set before. The client reads md when it sends; do not change it after.
func WithOutgoing(ctx context.Context, md Metadata) context.Context {
	return context.WithValue(ctx, outgoingKey{}, md)
}

// Outgoing returns the metadata a client will send with ctx, or nil. Treat it
// as read-only; use AppendOutgoing to add to it.
func Outgoing(ctx context.Context) Metadata {
	md, _ := ctx.Value(outgoingKey{}).(Metadata)
	return md
}

// Incoming returns the metadata that arrived with the call being served, or
// nil outside a served call. Over HTTP it holds every request header. Treat it
// as read-only.
func Incoming(ctx context.Context) Metadata {
	md, _ := ctx.Value(incomingKey{}).(Metadata)
	return md
}

// WithIncoming returns a copy of ctx carrying md as the incoming metadata.
// Transports call it; tests use it to call an implementation directly.
//
// If md holds a valid W3C trace context (see Trace), the returned context
// also carries it as outgoing metadata, so that the calls the
// implementation makes with it continue the caller's trace.
func WithIncoming(ctx context.Context, md Metadata) context.Context {
	ctx = context.WithValue(ctx, incomingKey{}, md)
	if len(md[TraceParentKey]) > 0 {
		if t := traceIn(md); t.Parent != "" {
			ctx = WithTrace(ctx, t)
		}
	}
	return ctx
}
