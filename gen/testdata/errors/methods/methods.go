// Package methods has methods that break the method rules.
package methods

import (
	"context"
	"iter"
)

//stdrpc:service
type Methods interface {
	lower(ctx context.Context) error
	NoError(ctx context.Context) int
	NoResults(ctx context.Context)
	CtxLast(a int, ctx context.Context) error
	Unnamed(context.Context, int, string) error
	UnnamedResults(ctx context.Context) (int, string, error)
	SameField(ctx context.Context, a int, A int) error
	Underscore(ctx context.Context, _x int) error
	UnexportedLone(context.Context, secret) error
	UnexportedResult(ctx context.Context) (secret, error)
	Fine(ctx context.Context) error
	Caseless(ctx context.Context, 名前 string) error
	Stream(ctx context.Context) iter.Seq2[int, error] // valid: a server stream
}

type secret struct{ V int }

// Req, Rsp and Args are messages.
type (
	Req  struct{ Name string }
	Rsp  struct{ Greeting string }
	Args struct{ A, B int }
)

// OutParams has methods that write their results into a parameter, as
// go-micro and the net/rpc docs do; a remote call cannot.
//
//stdrpc:service
type OutParams interface {
	Hello(ctx context.Context, req *Req, rsp *Rsp) error
	Multiply(args *Args, reply *int) error
	// Update takes a pointer that is an input: fine.
	Update(ctx context.Context, id int, r *Req) error
}

//stdrpc:service
type Empty interface{}
