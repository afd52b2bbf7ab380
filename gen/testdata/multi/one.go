// Package multi has several services in one file and another in a second
// file: one generated file per source file.
package multi

import "context"

//stdrpc:service
type One interface {
	// Hello greets.
	Hello(ctx context.Context, name string) (string, error)
}

//stdrpc:service name=acme.v1.Two
type Two interface {
	// Hello greets twice.
	Hello(ctx context.Context, name string) (string, error)
}
