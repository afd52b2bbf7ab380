// Package types has a service whose parameters and results cover the kinds
// of types that travel: generic instantiations, aliases (generic ones too),
// named basic types, time values, bytes, maps, arrays and pointers.
package types

import (
	"context"
	"time"
)

// User is a plain struct.
type User struct {
	Name string
	Age  int
}

// Page is a generic page of items.
type Page[T any] struct {
	Items []T
	Next  string
}

// Celsius is a named basic type.
type Celsius float64

// Person is an alias of User.
type Person = User

// List is a generic alias (Go 1.24).
type List[T any] = []T

// Pair is a generic struct instantiated through an alias.
type Pair[K comparable, V any] struct {
	Key   K
	Value V
}

// IntPair is an alias of an instantiation.
type IntPair = Pair[string, int]

// Tree is recursive.
type Tree struct {
	Value int
	Kids  []*Tree
}

//stdrpc:service
type Types interface {
	// Users returns a page of users; its doc comment is rewritten, as gofmt
	// rewrites top-level doc comments, on the generated client methods:
	//   page, err := c.Users(ctx, 10, "")
	// - limit bounds the page
	// - cursor continues a listing
	Users(ctx context.Context, limit int, cursor string) (Page[User], error)
	// Alias echoes a person and a list of people.
	Alias(ctx context.Context, p Person, l List[Person]) (List[string], error)
	// Pairs echoes an aliased instantiation.
	Pairs(ctx context.Context, ps []IntPair) ([]Pair[string, int], error)
	// Temp converts a temperature.
	Temp(ctx context.Context, c Celsius) (float64, error)
	// Times shifts t by d.
	Times(ctx context.Context, t time.Time, d time.Duration) (time.Time, error)
	// Bytes echoes raw bytes.
	Bytes(ctx context.Context, b []byte) ([]byte, error)
	// Maps inverts a map.
	Maps(ctx context.Context, m map[string]int, byID map[int64]User) (inverted map[int]string, ids []int64, err error)
	// Arrays sums an array.
	Arrays(ctx context.Context, a [3]int) ([2]int, error)
	// Pointers follows a pointer.
	Pointers(ctx context.Context, u *User, name *string) (*User, error)
	// Grow adds a leaf to a tree.
	Grow(ctx context.Context, t *Tree) (Tree, error)
	// Literal takes and returns struct type literals, which gofmt lays out
	// itself.
	Literal(ctx context.Context, opts struct{ Verbose bool }, n int) (struct{ N int }, error)
}
