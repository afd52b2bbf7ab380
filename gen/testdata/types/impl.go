package types

import (
	"context"
	"time"
)

type impl struct{}

func (impl) Users(_ context.Context, limit int, cursor string) (Page[User], error) {
	p := Page[User]{Next: cursor + "+"}
	for i := range limit {
		p.Items = append(p.Items, User{Name: "u", Age: i})
	}
	return p, nil
}

func (impl) Alias(_ context.Context, p Person, l List[Person]) (List[string], error) {
	out := List[string]{p.Name}
	for _, q := range l {
		out = append(out, q.Name)
	}
	return out, nil
}

func (impl) Pairs(_ context.Context, ps []IntPair) ([]Pair[string, int], error) { return ps, nil }

func (impl) Temp(_ context.Context, c Celsius) (float64, error) { return float64(c)*9/5 + 32, nil }

func (impl) Times(_ context.Context, t time.Time, d time.Duration) (time.Time, error) {
	return t.Add(d), nil
}

func (impl) Bytes(_ context.Context, b []byte) ([]byte, error) { return b, nil }

func (impl) Maps(_ context.Context, m map[string]int, byID map[int64]User) (map[int]string, []int64, error) {
	inv := map[int]string{}
	for k, v := range m {
		inv[v] = k
	}
	var ids []int64
	for id := range byID {
		ids = append(ids, id)
	}
	return inv, ids, nil
}

func (impl) Arrays(_ context.Context, a [3]int) ([2]int, error) {
	return [2]int{a[0] + a[1] + a[2], len(a)}, nil
}

func (impl) Pointers(_ context.Context, u *User, name *string) (*User, error) {
	v := *u
	v.Name = *name
	return &v, nil
}

func (impl) Grow(_ context.Context, t *Tree) (Tree, error) {
	t.Kids = append(t.Kids, &Tree{Value: t.Value + 1})
	return *t, nil
}

func (impl) Literal(_ context.Context, opts struct{ Verbose bool }, n int) (struct{ N int }, error) {
	if opts.Verbose {
		n = -n
	}
	return struct{ N int }{n}, nil
}
