package stdhttp

import (
	"context"
	"net/http"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/ctxkey"
)

// incoming is the context a unary call runs in, carrying its request
// headers as stdrpc.Incoming, and the place its request is decoded into:
// one allocation where stdrpc.WithIncoming and new(Req) made two. Nothing
// is pooled: the method may keep the context or the request (it then
// keeps the other too, the headers among them, alive with it).
type incoming[Req any] struct {
	context.Context
	md  stdrpc.Metadata
	req Req
}

func newIncoming[Req any](r *http.Request) *incoming[Req] {
	return &incoming[Req]{Context: r.Context(), md: stdrpc.Metadata(r.Header)}
}

// Value is the parent's, but for the incoming metadata. Lookups the
// context package makes for itself (a parent to cancel with) go to the
// parent, so a child of this context needs no goroutine of its own.
func (c *incoming[Req]) Value(key any) any {
	if key == (ctxkey.Incoming{}) {
		return c.md
	}
	return c.Context.Value(key)
}

func (c *incoming[Req]) String() string {
	return contextName(c.Context) + ".WithIncoming"
}

// context returns the call's context: c, or, when the caller sent a trace
// context, what stdrpc.WithIncoming adds for it on top of c.
func (c *incoming[Req]) context() context.Context {
	if len(c.md[stdrpc.TraceParentKey]) > 0 {
		return stdrpc.WithIncoming(c, c.md)
	}
	return c
}

// contextName names ctx as the context package does in its String methods.
func contextName(ctx context.Context) string {
	if s, ok := ctx.(interface{ String() string }); ok {
		return s.String()
	}
	return "context"
}
