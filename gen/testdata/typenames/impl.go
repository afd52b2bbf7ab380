package typenames

import (
	"context"
	"iter"
)

// server implements TypeNames.
type server struct{}

// seq yields vs.
func seq[T any](vs ...T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, v := range vs {
			if !yield(v, nil) {
				return
			}
		}
	}
}

func (server) EachS(_ context.Context, n int) iter.Seq2[s, error] {
	var vs []s
	for i := 1; i <= n; i++ {
		vs = append(vs, s(i))
	}
	return seq(vs...)
}

func (server) EachReq(_ context.Context, v string) iter.Seq2[req, error] {
	return seq(req(v), req(v+v))
}

func (server) EachResp(_ context.Context, v int) iter.Seq2[resp, error] {
	return seq(resp{v})
}

func (server) EachCtx(context.Context) iter.Seq2[ctx, error] { return seq[ctx](true, false) }
func (server) EachC(context.Context) iter.Seq2[c, error]     { return seq[c](1.5) }

func (server) EachMux(_ context.Context, n r) iter.Seq2[mux, error] {
	var m mux
	for range n {
		m = append(m, "x")
	}
	return seq(m)
}

func (server) EachImpl(context.Context) iter.Seq2[impl, error] { return seq(impl{7}) }
func (server) EachOpts(context.Context) iter.Seq2[opts, error] { return seq(opts{"a": 1}) }
func (server) EachErr(context.Context) iter.Seq2[err, error]   { return seq(err{"oops"}) }

func (server) Pages(_ context.Context, n int) (Page[s], error) {
	return Page[s]{Items: []s{s(n), s(n + 1)}}, nil
}

func (server) Boxes(_ context.Context, b Box[mux]) (Box[impl], error) {
	return Box[impl]{impl{len(b.V)}}, nil
}

func (server) Envelopes(_ context.Context, a req, b c, x srv) (resp, err, error) {
	return resp{len(a) + int(x)}, err{string(a) + "!"}, nil
}

func (server) Errs(context.Context) (Page[err], error) { return Page[err]{[]err{{"e"}}}, nil }

func (server) Resps(context.Context) (Page[resp], error) { return Page[resp]{[]resp{{3}}}, nil }
