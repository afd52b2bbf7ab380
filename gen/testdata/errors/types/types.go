// Package types has parameters and results that gob or json cannot encode.
package types

import (
	"context"
	"io"
	"unsafe"
)

type Outer struct {
	Name  string
	Inner Inner
}

type Inner struct {
	Items []Item
}

type Item struct {
	Ch chan int
}

type hidden struct{ x int }

type Key struct{ A, B int }

//stdrpc:service
type Types interface {
	Chan(ctx context.Context, ch chan int) error
	Func(ctx context.Context, f func()) error
	Unsafe(ctx context.Context, p unsafe.Pointer) error
	Complex(ctx context.Context, c complex128) error
	Any(ctx context.Context, v any) error
	Reader(ctx context.Context, r io.Reader) error
	ErrData(ctx context.Context) (e error, err error)
	Nested(ctx context.Context, o Outer) error
	Hidden(ctx context.Context, h hidden) error
	MapKey(ctx context.Context, m map[Key]int) error
	Result(ctx context.Context) (<-chan int, error)
}
