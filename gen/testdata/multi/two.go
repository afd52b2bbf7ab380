package multi

import "context"

//stdrpc:service
type Three interface {
	// Count counts to n.
	Count(ctx context.Context, n int) ([]int, error)
}

type impl struct{ greeting string }

func (i impl) Hello(_ context.Context, name string) (string, error) { return i.greeting + name, nil }

func (impl) Count(_ context.Context, n int) ([]int, error) {
	var out []int
	for i := range n {
		out = append(out, i+1)
	}
	return out, nil
}
