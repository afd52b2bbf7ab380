// Package shapes marks things that cannot be services.
package shapes

import "context"

//stdrpc:service
type Repo[T any] interface {
	Get(ctx context.Context, id int) (T, error)
}

//stdrpc:service
type Config struct{ X int }

//stdrpc:service
type Number interface{ ~int | ~float64 }
