// Package embed has a service built from embedded interfaces: one of the
// same package, one of another package, and io.Closer. Methods keep source
// order: each embedded interface's methods stand where it is embedded.
package embed

import (
	"context"
	"io"

	"github.com/stdrpc/stdrpc/gen/testdata/embed/other"
)

// Base is embedded by Store.
type Base interface {
	// Version returns the store's version.
	Version(ctx context.Context) (int, error)
	// Name returns the store's name.
	//stdrpc:http GET /name
	Name(ctx context.Context) (string, error)
}

//stdrpc:service
type Store interface {
	// Get returns the value of key.
	Get(ctx context.Context, key string) (string, error)
	Base
	other.Pinger
	// Put sets key to value.
	Put(ctx context.Context, key, value string) error
	io.Closer
}
