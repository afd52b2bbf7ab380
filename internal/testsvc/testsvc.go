// Package testsvc is a service that exercises every shape the transports
// carry. The transports' tests and benchmarks call it through its generated
// clients over loopback.
package testsvc

import (
	"context"
	"time"
)

//go:generate go run github.com/stdrpc/stdrpc/cmd/stdrpc

// Payload is a message of about 1 KiB when filled by NewPayload.
type Payload struct {
	ID    int64
	Name  string
	Tags  []string
	Data  []byte
	Score float64
	At    time.Time
}

// Test is the service under test.
//
//stdrpc:service
type Test interface {
	// Add returns a+b.
	Add(ctx context.Context, a, b int) (int, error)

	// Echo returns p unchanged.
	Echo(ctx context.Context, p Payload) (Payload, error)

	// Sleep waits for d or until ctx is done, and returns ctx's error.
	Sleep(ctx context.Context, d time.Duration) error

	// Ping does nothing.
	Ping(ctx context.Context) error

	// Meta returns the first incoming metadata value for key.
	//stdrpc:http GET /meta/{key}
	Meta(ctx context.Context, key string) (string, error)

	// Divide returns the quotient and remainder of a/b.
	//stdrpc:http GET /divide/{a}/{b}
	Divide(ctx context.Context, a, b int) (quo, rem int, err error)
}
