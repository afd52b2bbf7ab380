package feedsvc

import (
	"context"
	"iter"

	"github.com/stdrpc/stdrpc"
)

// Impl implements Feed.
type Impl struct {
	// Send feeds Ticks: each value received is yielded. If nil, Ticks
	// yields 1, 2, 3... as fast as the consumer takes them.
	Send chan int
	// Done, if set, is called with the method's context when a Ticks stream
	// ends, however it ends.
	Done func(ctx context.Context)
}

func (s *Impl) Count(ctx context.Context, n int, code string) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := 1; i <= n; i++ {
			if !yield(i, nil) {
				return
			}
		}
		if code != "" {
			c, _ := stdrpc.ParseCode(code)
			yield(0, stdrpc.Errorf(c, "failed after %d items", n))
		}
	}
}

func (s *Impl) Ticks(ctx context.Context, note string) iter.Seq2[Tick, error] {
	return func(yield func(Tick, error) bool) {
		if s.Done != nil {
			defer s.Done(ctx)
		}
		for i := 1; ; i++ {
			n := i
			if s.Send != nil {
				select {
				case n = <-s.Send:
				case <-ctx.Done():
					return
				}
			} else if ctx.Err() != nil {
				return
			}
			if !yield(Tick{N: n, Note: note}, nil) {
				return
			}
		}
	}
}

var _ Feed = (*Impl)(nil)
