// Package other declares an interface a service in another package embeds.
package other

import "context"

// Pinger answers pings.
type Pinger interface {
	// Ping answers "pong".
	Ping(ctx context.Context) (string, error)
	// Echo returns s.
	Echo(ctx context.Context, s string) (string, error)
}
