// Package directives has malformed and misplaced directives.
package directives

import "context"

//stdrpc:servce
type Misspelled interface {
	M(ctx context.Context) error
}

//stdrcp:service
type PrefixTypo interface {
	M(ctx context.Context) error
}

// stdrpc:service
type Spaced interface {
	M(ctx context.Context) error
}

//stdrpc:service nmae=X
type BadKey interface {
	M(ctx context.Context) error
}

//stdrpc:service name=a/b
type BadName interface {
	M(ctx context.Context) error
}

//stdrpc:service name=
type EmptyName interface {
	M(ctx context.Context) error
}

//stdrpc:service Foo
type Positional interface {
	M(ctx context.Context) error
}

//stdrpc:frobnicate
type Unknown interface {
	M(ctx context.Context) error
}

//stdrpc:service
type Routes interface {
	//stdrpc:http
	M1(ctx context.Context) error
	//stdrpc:http get /m2
	M2(ctx context.Context) error
	//stdrpc:http FETCH /m3
	M3(ctx context.Context) error
	//stdrpc:http GET /m4 extra
	M4(ctx context.Context) error
	//stdrpc:http /m5
	M5(ctx context.Context) error
	//stdrpc:htp GET /m6
	M6(ctx context.Context) error
	//stdrpc:http GET
	M7(ctx context.Context) error
}

//stdrpc:service
func NotAType() {}

// Plain is not a service.
type Plain interface {
	//stdrpc:http GET /plain
	M(ctx context.Context) error
}

//stdrpc:service
//stdrpc:service
type Twice interface {
	M(ctx context.Context) error
}

// Marks has //stdrpc:idempotent lines with arguments, twice, and on the
// interface.
//
//stdrpc:service
//stdrpc:idempotent
type Marks interface {
	//stdrpc:idempotent true
	Args(ctx context.Context) error
	//stdrpc:idempotent
	//stdrpc:idempotent
	Twice(ctx context.Context) error
	//stdrpc:idempotnet
	Typo(ctx context.Context) error
}

//stdrpc:idempotent
func NotAMethod() {}

// PlainToo is not a service.
type PlainToo interface {
	//stdrpc:idempotent
	M(ctx context.Context) error
}

// local declares its service inside a function.
func local() {
	//stdrpc:service
	type Local interface {
		M(ctx context.Context) error
	}
	var _ Local
}

//stdrpc:service
type (
	GroupA interface {
		M(ctx context.Context) error
	}
	GroupB interface {
		M(ctx context.Context) error
	}
)
