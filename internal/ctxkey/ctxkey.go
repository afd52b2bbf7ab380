// Package ctxkey holds the context keys that the root package reads and the
// transports set, so that a transport may carry a value in a context of its
// own making (one allocation holding more than the value) and the root
// package still finds it.
package ctxkey

// Incoming is the key of a served call's incoming metadata
// (stdrpc.Incoming).
type Incoming struct{}
