// Package variadic has methods whose last parameter is variadic: it travels
// as a slice.
package variadic

import (
	"context"
	"strings"
)

//stdrpc:service
type Strings interface {
	// Sum adds xs.
	//stdrpc:jsonrpc sum
	Sum(ctx context.Context, xs ...int) (int, error)
	// Join joins parts with sep.
	Join(ctx context.Context, sep string, parts ...string) (string, error)
}

type impl struct{}

func (impl) Sum(_ context.Context, xs ...int) (int, error) {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n, nil
}

func (impl) Join(_ context.Context, sep string, parts ...string) (string, error) {
	return strings.Join(parts, sep), nil
}
