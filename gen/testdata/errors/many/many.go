// Package many holds many independent problems in one file; one run must
// report every one of them.
package many

import "context"

// Bad has four fields that cannot travel and one that can.
type Bad struct {
	Ch   chan int
	Fn   func()
	C    complex64
	Any  any
	Fine string
}

//stdrpc:service
type Svc interface {
	// BadParam breaks a type rule.
	BadParam(ctx context.Context, ch chan int) error
	// Routed is fine but for its route, which is checked even though
	// another method of the service breaks a rule.
	//stdrpc:http GET /a/{nope}
	Routed(ctx context.Context, id int) error
	// Both breaks a type rule and has a bad route.
	//stdrpc:http GET /b/{missing}
	Both(ctx context.Context, f func()) error
	// Fields takes a struct with four bad fields.
	Fields(ctx context.Context, b Bad) error
	// Results has two bad results.
	Results(ctx context.Context) (a chan int, b func(), err error)
	// Unnamed has two unnamed data parameters.
	Unnamed(context.Context, int, string) error
}

//stdrpc:service
type Embeds interface {
	Missing
	M(ctx context.Context) error
}
