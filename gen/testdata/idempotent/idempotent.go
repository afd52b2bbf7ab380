// Package idempotent has methods safe to call twice: marked
// //stdrpc:idempotent, or routed with GET or HEAD. Their generated clients
// pass the runtime's Idempotent call option; the others, and streams, do
// not.
package idempotent

import (
	"context"
	"iter"
)

// Item is a stored item.
type Item struct {
	ID   int
	Name string
}

//stdrpc:service
type Store interface {
	// Get is idempotent through its GET route.
	//stdrpc:http GET /items/{id}
	Get(ctx context.Context, id int) (Item, error)

	// Exists is idempotent through its HEAD route.
	//stdrpc:http HEAD /items/{id}
	Exists(ctx context.Context, id int) error

	// Put replaces an item: idempotent, and says so.
	//
	//stdrpc:idempotent
	//stdrpc:http PUT /items/{id}
	Put(ctx context.Context, id int, item Item) error

	// Count is idempotent and has no route. Its doc comment, rewritten on
	// the client methods as gofmt rewrites a top-level one, shows a call:
	//   n, err := c.Count(ctx)
	//stdrpc:idempotent
	Count(ctx context.Context) (n int, err error)

	// Add is not idempotent: calling it twice adds twice.
	//stdrpc:http POST /items
	Add(ctx context.Context, item Item) (id int, err error)

	// Watch is a stream with a GET route; stream clients take no call
	// options.
	//stdrpc:http GET /watch/{from}
	Watch(ctx context.Context, from int) iter.Seq2[Item, error]
}
