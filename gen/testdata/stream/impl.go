package stream

import (
	"context"
	"iter"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/gen/testdata/stream/other"
)

// impl implements Events. ended, if set, receives a value when a Forever
// stream's iterator returns.
type impl struct{ ended chan struct{} }

func (impl) Watch(ctx context.Context, topic string, from int, tags []string) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for i := from; i < from+3; i++ {
			if !yield(Event{Topic: topic, Seq: i, Tags: tags}, nil) {
				return
			}
		}
	}
}

func (impl) Levels(ctx context.Context, n int, code string) iter.Seq2[other.Level, error] {
	return func(yield func(other.Level, error) bool) {
		for i := 1; i <= n; i++ {
			if !yield(other.Level(i), nil) {
				return
			}
		}
		if code != "" {
			c, _ := stdrpc.ParseCode(code)
			yield(0, stdrpc.Errorf(c, "after %d levels", n))
		}
	}
}

func (impl) Pages(ctx context.Context, n int) iter.Seq2[Page[other.Level], error] {
	return func(yield func(Page[other.Level], error) bool) {
		for i := 1; i <= n; i++ {
			p := Page[other.Level]{Next: i + 1}
			for j := 1; j <= i; j++ {
				p.Items = append(p.Items, other.Level(j))
			}
			if !yield(p, nil) {
				return
			}
		}
	}
}

func (s impl) Forever(ctx context.Context) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		if s.ended != nil {
			defer func() { s.ended <- struct{}{} }()
		}
		for i := 1; ctx.Err() == nil; i++ {
			if !yield(i, nil) {
				return
			}
		}
	}
}

func (impl) Iter(ctx context.Context, iter int, netrpcx, stdhttp string) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		yield(iter+len(netrpcx)+len(stdhttp), nil)
	}
}

func (impl) Add(ctx context.Context, a, b int) (int, error) { return a + b, nil }
