package core

import (
	"context"
	"iter"

	"github.com/stdrpc/stdrpc"
)

// Items is the sequence a client gives its caller for a stream it reads,
// on any transport: read runs the stream, passing each item to each, under
// the client's interceptor (nil for none), which sees the whole stream as
// one call of info. A loop that breaks stops read, whose nil error then
// ends the sequence; any other error is yielded once, last, as a
// *stdrpc.Error. Calling next again in an interceptor after the loop broke
// does nothing.
func Items[T any](ctx context.Context, intercept stdrpc.ClientInterceptor, info stdrpc.CallInfo, read func(ctx context.Context, each func(T) bool) error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		stopped := false // the loop broke: yield must not be called again
		run := func(ctx context.Context) error {
			if stopped {
				return nil
			}
			return read(ctx, func(v T) bool {
				stopped = !yield(v, nil)
				return !stopped
			})
		}
		var err error
		if intercept == nil {
			err = run(ctx)
		} else {
			err = intercept(ctx, info, run)
		}
		if err != nil && !stopped {
			var zero T
			yield(zero, stdrpc.FromError(err))
		}
	}
}
