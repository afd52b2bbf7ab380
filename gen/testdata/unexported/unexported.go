// Package unexported has a lone struct parameter and a lone result of
// unexported types: net/rpc refuses unexported argument and reply types, so
// they travel in envelopes.
package unexported

import "context"

type point struct {
	X, Y int
}

//stdrpc:service
type Geometry interface {
	// Mirror swaps a point's coordinates.
	Mirror(ctx context.Context, p point) (m point, err error)
	// Origin returns the origin.
	Origin(ctx context.Context) (o point, err error)
}

type impl struct{}

func (impl) Mirror(_ context.Context, p point) (point, error) { return point{p.Y, p.X}, nil }

func (impl) Origin(context.Context) (point, error) { return point{}, nil }
