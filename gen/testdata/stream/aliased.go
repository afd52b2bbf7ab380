package stream

import (
	"context"
	stditer "iter"

	"github.com/stdrpc/stdrpc/gen/testdata/stream/iter"
)

// Aliased imports the standard library's iter under another name, and a
// package named iter under its own.
//
//stdrpc:service
type Aliased interface {
	// Items yields n items.
	Items(ctx context.Context, n int) stditer.Seq2[iter.Item[string], error]
}

type aliased struct{}

func (aliased) Items(ctx context.Context, n int) stditer.Seq2[iter.Item[string], error] {
	return func(yield func(iter.Item[string], error) bool) {
		for i := range n {
			if !yield(iter.Item[string]{V: string(rune('a' + i))}, nil) {
				return
			}
		}
	}
}
