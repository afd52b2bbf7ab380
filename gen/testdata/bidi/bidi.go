// Package bidi has services of client and bidirectional streams: a client
// stream of each result shape (none, a lone value, a pointer, several in an
// envelope), bidirectional streams of one element type and of two (items
// from another package, a generic instantiation), an unnamed stream, a unary
// method beside a stream, and names like those the generated code uses.
package bidi

import (
	"context"
	"iter"

	"github.com/stdrpc/stdrpc/gen/testdata/bidi/other"
)

// Reading is a struct of this package.
type Reading struct {
	Device string
	Value  float64
}

// Summary sums readings up.
type Summary struct {
	Count int
	Mean  float64
}

// Page is a generic page.
type Page[T any] struct {
	Items []T
	Next  int
}

//stdrpc:service
type Devices interface {
	// Upload takes readings as they arrive and sums them up.
	Upload(ctx context.Context, readings iter.Seq[Reading]) (Summary, error)

	// Record stores readings.
	Record(ctx context.Context, readings iter.Seq[Reading]) error

	// Stats returns the count and mean of values.
	Stats(ctx context.Context, values iter.Seq[float64]) (count int, mean float64, err error)

	// Count counts levels; its stream has no name.
	Count(context.Context, iter.Seq[other.Level]) (*Summary, error)

	// Echo sends each reading back as it arrives.
	Echo(ctx context.Context, in iter.Seq[Reading]) iter.Seq2[Reading, error]

	// Pages answers levels with pages of them.
	Pages(ctx context.Context, levels iter.Seq[other.Level]) iter.Seq2[Page[other.Level], error]
}

// in is an item type named like the generated code's locals.
type in struct{ N int }

// Editor mixes a unary method and a stream.
//
//stdrpc:service
type Editor interface {
	// Ping returns n.
	Ping(ctx context.Context, n int) (int, error)

	// Sync has parameter names like what the generated code refers to.
	Sync(in context.Context, c iter.Seq[in]) iter.Seq2[in, error]
}
