package main

import (
	"context"
	"iter"
	"sync/atomic"
	"time"
)

//go:generate go run github.com/stdrpc/stdrpc/cmd/stdrpc

// Tally is a service run as several instances. Each instance keeps its own
// count, so a caller can see which instance served it.
//
//stdrpc:service
type Tally interface {
	// Whoami names the instance that serves the call.
	//stdrpc:http GET /whoami
	Whoami(ctx context.Context) (string, error)

	// Add adds n to the instance's count and returns the instance's name and
	// the new count. It is not idempotent: sent twice, it counts twice.
	Add(ctx context.Context, n int) (instance string, total int64, err error)

	// Work takes d, as a call with real work would, and returns the
	// instance's name. Doing it twice is harmless.
	//stdrpc:idempotent
	Work(ctx context.Context, d time.Duration) (string, error)

	// Ticks streams a tick every interval, naming the instance, until ctx is
	// done or count ticks were sent.
	//stdrpc:http GET /ticks
	Ticks(ctx context.Context, interval time.Duration, count int) iter.Seq2[Tick, error]
}

// Tick is one item of Ticks.
type Tick struct {
	Instance string    `json:"instance"`
	N        int       `json:"n"`
	At       time.Time `json:"at"`
}

// tally is one instance's implementation.
type tally struct {
	name  string
	count atomic.Int64
}

func (t *tally) Whoami(context.Context) (string, error) { return t.name, nil }

func (t *tally) Add(_ context.Context, n int) (string, int64, error) {
	return t.name, t.count.Add(int64(n)), nil
}

func (t *tally) Work(ctx context.Context, d time.Duration) (string, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return t.name, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (t *tally) Ticks(ctx context.Context, interval time.Duration, count int) iter.Seq2[Tick, error] {
	return func(yield func(Tick, error) bool) {
		tk := time.NewTicker(max(interval, time.Millisecond))
		defer tk.Stop()
		for i := range count {
			if !yield(Tick{Instance: t.name, N: i, At: time.Now()}, nil) {
				return
			}
			select {
			case <-tk.C:
			case <-ctx.Done():
				return
			}
		}
	}
}
