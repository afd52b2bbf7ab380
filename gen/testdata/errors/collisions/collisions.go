// Package collisions declares names the generator would also declare.
package collisions

import "context"

//stdrpc:service
type Store interface {
	Get(ctx context.Context, key string) (string, error)
}

// StoreGetRequest is the user's own type.
type StoreGetRequest struct{}

// RegisterStoreHTTP is the user's own func.
func RegisterStoreHTTP() {}

//stdrpc:service
type A interface {
	BC(ctx context.Context, x int) error
}

//stdrpc:service
type AB interface {
	C(ctx context.Context, x int) error
}

//stdrpc:service name=Store
type Other interface {
	Get(ctx context.Context, key string) (string, error)
}
