package main

import (
	"context"

	"github.com/stdrpc/stdrpc"
)

//go:generate go run github.com/stdrpc/stdrpc/cmd/stdrpc

// Calculator is the classic adding service.
//
//stdrpc:service
type Calculator interface {
	// Add returns a+b.
	//stdrpc:http GET /add/{a}
	Add(ctx context.Context, a, b int) (int, error)

	// Divide returns the quotient and remainder of a/b.
	//stdrpc:http GET /divide/{a}/{b}
	Divide(ctx context.Context, a, b int) (quo, rem int, err error)
}

// calculator is the implementation served by the example.
type calculator struct{}

func (calculator) Add(_ context.Context, a, b int) (int, error) { return a + b, nil }

func (calculator) Divide(_ context.Context, a, b int) (quo, rem int, err error) {
	if b == 0 {
		return 0, 0, stdrpc.Errorf(stdrpc.InvalidArgument, "divide %d by zero", a)
	}
	return a / b, a % b, nil
}
