// Package instreams has methods taking streams that break the rules of
// client and bidirectional streams.
package instreams

import (
	"context"
	"iter"
)

// Edit is a fine item type.
type Edit struct{ Text string }

// Bad holds a chan.
type Bad struct{ C chan int }

//stdrpc:service
type InStreams interface {
	Beside(ctx context.Context, doc string, edits iter.Seq[Edit]) error
	BesideTwo(ctx context.Context, doc string, edits iter.Seq[Edit], n int) iter.Seq2[Edit, error]
	Seq2(ctx context.Context, edits iter.Seq2[Edit, error]) error
	Seq2NotError(ctx context.Context, edits iter.Seq2[Edit, int]) error
	Chan(ctx context.Context, edits <-chan Edit) error
	NoContext(edits iter.Seq[Edit]) error
	NoContextBidi(edits iter.Seq[Edit]) iter.Seq2[Edit, error]
	Item(ctx context.Context, items iter.Seq[any]) error
	ItemField(ctx context.Context, items iter.Seq[Bad]) iter.Seq2[Edit, error]
	//stdrpc:http POST /upload
	Routed(ctx context.Context, edits iter.Seq[Edit]) error
	//stdrpc:http GET /sync
	RoutedBidi(ctx context.Context, edits iter.Seq[Edit]) iter.Seq2[Edit, error]
	//stdrpc:idempotent
	Idempotent(ctx context.Context, edits iter.Seq[Edit]) error
	//stdrpc:idempotent
	IdempotentBidi(ctx context.Context, edits iter.Seq[Edit]) iter.Seq2[Edit, error]
}
