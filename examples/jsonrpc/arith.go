package main

import (
	"context"
	"iter"

	"github.com/stdrpc/stdrpc"
)

//go:generate go run github.com/stdrpc/stdrpc/cmd/stdrpc

// Arith is arithmetic for any client: JSON-RPC 2.0 (and 1.0) at POST /rpc,
// and stdrpc's own HTTP routes, from the same interface.
//
//stdrpc:service
type Arith interface {
	// Add returns a+b.
	//stdrpc:jsonrpc add
	Add(ctx context.Context, a, b int) (int, error)

	// Mul returns the product of xs (1 for none).
	//stdrpc:jsonrpc mul
	Mul(ctx context.Context, xs ...int) (int, error)

	// Divide returns the quotient and remainder of a/b.
	//stdrpc:jsonrpc divide
	//stdrpc:http GET /divide/{a}
	Divide(ctx context.Context, a, b int) (quo, rem int, err error)

	// Count streams the numbers from 1 to n.
	Count(ctx context.Context, n int) iter.Seq2[int, error]
}

type arith struct{}

func (arith) Add(_ context.Context, a, b int) (int, error) { return a + b, nil }

func (arith) Mul(_ context.Context, xs ...int) (int, error) {
	r := 1
	for _, x := range xs {
		r *= x
	}
	return r, nil
}

func (arith) Divide(_ context.Context, a, b int) (quo, rem int, err error) {
	if b == 0 {
		return 0, 0, stdrpc.Errorf(stdrpc.InvalidArgument, "divide %d by zero", a)
	}
	return a / b, a % b, nil
}

func (arith) Count(ctx context.Context, n int) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := 1; i <= n; i++ {
			if ctx.Err() != nil || !yield(i, nil) {
				return
			}
		}
	}
}
