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

// Quantity encodes itself for json only, like Kubernetes' resource.Quantity:
// gob would send its fields, which are unexported.
type Quantity struct {
	value  int64
	format string
}

func (q Quantity) MarshalJSON() ([]byte, error) { return nil, nil }
func (q *Quantity) UnmarshalJSON([]byte) error  { return nil }

// Blob encodes itself for gob only: json would send its fields.
type Blob struct{ data []byte }

func (b Blob) GobEncode() ([]byte, error) { return b.data, nil }
func (b *Blob) GobDecode(p []byte) error  { b.data = p; return nil }

// Loose encodes itself for json only, and gob cannot send its field.
type Loose struct{ V any }

func (l Loose) MarshalJSON() ([]byte, error) { return nil, nil }
func (l *Loose) UnmarshalJSON([]byte) error  { return nil }

// OneWay can be written as text but not read back.
type OneWay struct{ V int }

func (o OneWay) MarshalText() ([]byte, error) { return nil, nil }

// Level encodes itself for json only, and gob sends the int it is: fine.
type Level int

func (l Level) MarshalJSON() ([]byte, error) { return nil, nil }
func (l *Level) UnmarshalJSON([]byte) error  { return nil }

//stdrpc:service
type Marshalers interface {
	Quantity(ctx context.Context, q Quantity) error
	Blob(ctx context.Context, b Blob) error
	Loose(ctx context.Context, l Loose) error
	OneWay(ctx context.Context, o OneWay) error
	Level(ctx context.Context, l Level) error
}
