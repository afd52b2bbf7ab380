// Package retry holds what both clients use to decide whether a failed call
// may be sent again: a budget that bounds the extra load retries add.
package retry

import "sync/atomic"

// A Budget is a token bucket in the manner of gRPC's retry throttling. It
// starts full; every retry takes a token, every call that succeeds gives a
// tenth of one back. While the bucket holds less than half, no retry is
// allowed, so once failures have drained it, retries add at most about
// 10 % to the load a healthy fleet would see, and a dead fleet is not
// hammered.
//
// Tokens are counted in thousandths so that the bucket is one atomic
// integer; a full bucket costs a success one atomic load.
type Budget struct {
	milli atomic.Int64 // tokens × 1000; starts at max via Init
	max   int64
}

const (
	perRetry   = 1000 // a retry costs one token
	perSuccess = 100  // a success refunds a tenth of one
)

// NewBudget returns a full budget of n tokens (n retries in a burst).
func NewBudget(n int) *Budget {
	b := &Budget{max: int64(n) * perRetry}
	b.milli.Store(b.max)
	return b
}

// Succeeded refunds a tenth of a token, up to the bucket's size.
func (b *Budget) Succeeded() {
	if b.milli.Load() >= b.max {
		return
	}
	if b.milli.Add(perSuccess) > b.max {
		b.milli.Store(b.max) // a concurrent refund overshot; trim
	}
}

// Take reports whether a retry may go, and if so takes its token.
func (b *Budget) Take() bool {
	for {
		cur := b.milli.Load()
		if cur < b.max/2+perRetry {
			return false
		}
		if b.milli.CompareAndSwap(cur, cur-perRetry) {
			return true
		}
	}
}

// Tokens returns the whole tokens left, for tests and metrics.
func (b *Budget) Tokens() int { return int(b.milli.Load() / perRetry) }
