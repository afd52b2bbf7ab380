// Package cgo has a service in a file that imports "C": the go command
// loads it from cgo's output in the build cache, and the generated file
// still goes beside this one.
package cgo

/*
static int add(int a, int b) { return a + b; }
*/
import "C"

import "context"

//stdrpc:service
type Calculator interface {
	// Add returns a+b, computed in C.
	Add(ctx context.Context, a, b int) (int, error)
}

type calculator struct{}

func (calculator) Add(_ context.Context, a, b int) (int, error) {
	return int(C.add(C.int(a), C.int(b))), nil
}
