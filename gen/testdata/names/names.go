// Package names has parameters, results and methods named like the
// identifiers generated code uses. The generated code renames its own
// locals, never the wire names.
package names

import "context"

// Payload is a lone struct parameter.
type Payload struct{ V int }

//stdrpc:service
type Names interface {
	// Locals has parameters named like the generated locals.
	Locals(ctx context.Context, err string, req int, resp bool, reply string, args []string, c float64, s int8, r uint) (impl int, client string, e error)
	// Packages has parameters named like the packages generated code
	// imports; it is idempotent, so its clients refer to netrpcx and stdhttp.
	//
	//stdrpc:idempotent
	Packages(ctx context.Context, http string, rpc int, json bool, context string, stdrpc string, netrpcx int, stdhttp int) (string, error)
	// NoContext has no context, and a parameter named context.
	NoContext(context string) (string, error)
	// Types has parameters named like the types the body uses.
	Types(ctx context.Context, int string, NamesTypesRequest int) (int, error)
	// Unnamed has an unnamed lone struct parameter and unnamed context.
	Unnamed(context.Context, Payload) (Payload, error)
	// Blank has a blank context and a blank error result.
	Blank(_ context.Context, x int) (y int, _ error)

	// Methods named like the handler variables' neighbours.
	Impl(ctx context.Context) error
	Mux(ctx context.Context) error
	Opts(ctx context.Context) error
	S(ctx context.Context) error
	Error(ctx context.Context) error
	Register(ctx context.Context) error
	HTTPGet(ctx context.Context) error
}
