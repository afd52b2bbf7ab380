// Package feedsvc is a streaming service for the transports' tests and
// benchmarks: methods returning iter.Seq2[T, error] are server streams.
package feedsvc

import (
	"context"
	"iter"
)

//go:generate go run github.com/stdrpc/stdrpc/cmd/stdrpc

// Tick is one item of Ticks.
type Tick struct {
	N    int    `json:"n"`
	Note string `json:"note"`
}

// Feed streams results.
//
//stdrpc:service
type Feed interface {
	// Count yields 1 to n, then ends; with a non-empty code it then fails
	// with that stdrpc code (such as "not_found").
	Count(ctx context.Context, n int, code string) iter.Seq2[int, error]

	// Ticks yields what the implementation is given to send, until ctx is
	// done.
	//stdrpc:http GET /ticks/{note}
	Ticks(ctx context.Context, note string) iter.Seq2[Tick, error]
}
