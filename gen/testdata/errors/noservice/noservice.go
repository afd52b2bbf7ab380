// Package noservice has an interface, but no //stdrpc:service.
package noservice

import "context"

// Calculator is not marked.
type Calculator interface {
	Add(ctx context.Context, a, b int) (int, error)
}
