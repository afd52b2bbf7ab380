// Package typenames has types named like the locals, parameters and
// receivers of generated code, spelled inside generated bodies: stream
// elements, type arguments of values that travel as themselves, envelope
// fields. The generated code moves its own names aside (s2, req2), never
// the user's.
package typenames

import (
	"context"
	"iter"
)

// Types named like generated locals.
type (
	s    int
	req  string
	resp struct{ V int }
	ctx  bool
	c    float64
	mux  []string
	impl struct{ N int }
	opts map[string]int
	err  struct{ Msg string }
	r    uint
	srv  int8
)

// Page is exported, so it travels as itself whatever its type argument.
type Page[T any] struct{ Items []T }

// Box is a lone struct parameter that travels as itself.
type Box[T any] struct{ V T }

//stdrpc:service
type TypeNames interface {
	// EachS yields n values of a type named like the server's receiver.
	EachS(ctx context.Context, n int) iter.Seq2[s, error]
	// EachReq yields a value of a type named like the request.
	EachReq(ctx context.Context, v string) iter.Seq2[req, error]
	// EachResp yields a value of a type named like the response.
	EachResp(ctx context.Context, v int) iter.Seq2[resp, error]
	// EachCtx yields a value of a type named like the context.
	EachCtx(ctx context.Context) iter.Seq2[ctx, error]
	// EachC yields a value of a type named like the client's receiver.
	EachC(ctx context.Context) iter.Seq2[c, error]
	// EachMux yields a value of a type named like the mux.
	//stdrpc:http GET /mux/{n}
	EachMux(ctx context.Context, n r) iter.Seq2[mux, error]
	// EachImpl yields a value of a type named like the implementation.
	EachImpl(ctx context.Context) iter.Seq2[impl, error]
	// EachOpts yields a value of a type named like the options.
	EachOpts(ctx context.Context) iter.Seq2[opts, error]
	// EachErr yields a value of a type named like the error.
	EachErr(ctx context.Context) iter.Seq2[err, error]

	// Pages returns a page whose type argument is named like locals.
	Pages(ctx context.Context, n int) (Page[s], error)
	// Boxes takes and returns boxes of types named like locals.
	//stdrpc:http POST /boxes
	Boxes(ctx context.Context, b Box[mux]) (Box[impl], error)
	// Envelopes has parameters and results of types named like locals.
	Envelopes(ctx context.Context, a req, b c, x srv) (y resp, z err, e error)
	// Errs returns a page of a type named like the error.
	Errs(ctx context.Context) (Page[err], error)
	// Resps returns a page of a type named like the response.
	Resps(ctx context.Context) (Page[resp], error)
}
