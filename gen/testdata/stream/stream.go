// Package stream has a service of server streams: element types from this
// package, from another package and generic instantiations; a stream with a
// GET route binding path and query parameters; one with no parameters; names
// that collide with what the generated code refers to.
package stream

import (
	"context"
	"iter"

	"github.com/stdrpc/stdrpc/gen/testdata/stream/other"
)

// Event is a struct of this package.
type Event struct {
	Topic string
	Seq   int
	Tags  []string
}

// Page is a generic page.
type Page[T any] struct {
	Items []T
	Next  int
}

//stdrpc:service
type Events interface {
	// Watch yields the events of topic from seq from on, tagged with tags.
	//stdrpc:http GET /topics/{topic}/events
	Watch(ctx context.Context, topic string, from int, tags []string) iter.Seq2[Event, error]

	// Levels yields levels 1 to n, then fails with code unless it is empty.
	Levels(ctx context.Context, n int, code string) iter.Seq2[other.Level, error]

	// Pages yields pages of levels of size 1 to n.
	Pages(ctx context.Context, n int) iter.Seq2[Page[other.Level], error]

	// Forever yields 1, 2, 3... until ctx is done.
	Forever(ctx context.Context) iter.Seq2[int, error]

	// Iter has a name and parameters like what the generated code refers to.
	Iter(ctx context.Context, iter int, netrpcx, stdhttp string) iter.Seq2[int, error]

	// Add is a unary method beside the streams.
	Add(ctx context.Context, a, b int) (int, error)
}
