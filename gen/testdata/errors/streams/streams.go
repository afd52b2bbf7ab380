// Package streams has methods shaped like streams that break the stream
// rules.
package streams

import (
	"context"
	"iter"
)

// Tick is a fine element type.
type Tick struct{ N int }

// Bad holds a func.
type Bad struct{ F func() }

//stdrpc:service
type Streams interface {
	RecvChan(ctx context.Context) (<-chan Tick, error)
	Chan(ctx context.Context) chan Tick
	Callback(ctx context.Context, send func(Tick) error) error
	Each(ctx context.Context, each func(Tick)) error
	Seq(ctx context.Context) iter.Seq[Tick]
	NotError(ctx context.Context) iter.Seq2[Tick, string]
	Extra(ctx context.Context) (iter.Seq2[Tick, error], error)
	NoContext(n int) iter.Seq2[Tick, error]
	Elem(ctx context.Context) iter.Seq2[any, error]
	ElemField(ctx context.Context) iter.Seq2[Bad, error]
}

// Routed is valid but for its routes.
//
//stdrpc:service
type Routed interface {
	// Fine is a stream with a route colliding with Unary's.
	//stdrpc:http GET /ticks/{id}
	Fine(ctx context.Context, id int) iter.Seq2[Tick, error]
	//stdrpc:http GET /ticks/{n}
	Unary(ctx context.Context, n int) (Tick, error)
}
