package stdhttp_test

// This file is a copy of internal/feedsvc (its types, its implementation and
// the HTTP half of feedsvc_stdrpc.go, which is the generated code's exact
// shape), because that package does not compile until its net/rpc half has
// a runtime. Replace it with an import of internal/feedsvc once it does.
// One change: Impl's channel is named Send, since a struct cannot have a
// field and a method both named Ticks.

import (
	"context"
	"iter"
	"net/http"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// Tick is one item of Ticks.
type Tick struct {
	N    int    `json:"n"`
	Note string `json:"note"`
}

// Feed streams results.
type Feed interface {
	Count(ctx context.Context, n int, code string) iter.Seq2[int, error]
	Ticks(ctx context.Context, note string) iter.Seq2[Tick, error]
}

// Impl implements Feed.
type Impl struct {
	// Send feeds Ticks: each value received is yielded. If nil, Ticks
	// yields 1, 2, 3... as fast as the consumer takes them.
	Send chan int
	// Done, if set, is called with the method's context when a Ticks stream
	// ends, however it ends.
	Done func(ctx context.Context)
}

func (s *Impl) Count(ctx context.Context, n int, code string) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := 1; i <= n; i++ {
			if !yield(i, nil) {
				return
			}
		}
		if code != "" {
			c, _ := stdrpc.ParseCode(code)
			yield(0, stdrpc.Errorf(c, "failed after %d items", n))
		}
	}
}

func (s *Impl) Ticks(ctx context.Context, note string) iter.Seq2[Tick, error] {
	return func(yield func(Tick, error) bool) {
		if s.Done != nil {
			defer s.Done(ctx)
		}
		for i := 1; ; i++ {
			n := i
			if s.Send != nil {
				select {
				case n = <-s.Send:
				case <-ctx.Done():
					return
				}
			} else if ctx.Err() != nil {
				return
			}
			if !yield(Tick{N: n, Note: note}, nil) {
				return
			}
		}
	}
}

// The HTTP half of feedsvc_stdrpc.go, as generated.

type FeedCountRequest struct {
	N    int    `json:"n"`
	Code string `json:"code"`
}

type FeedTicksRequest struct {
	Note string `json:"note"`
}

func RegisterFeedHTTP(mux *http.ServeMux, impl Feed, opts ...stdhttp.ServerOption) {
	s := stdhttp.NewService(mux, "Feed", opts...)
	count := func(ctx context.Context, req *FeedCountRequest) iter.Seq2[int, error] {
		return impl.Count(ctx, req.N, req.Code)
	}
	stdhttp.HandleStream(s, "Count", count)
	ticks := func(ctx context.Context, req *FeedTicksRequest) iter.Seq2[Tick, error] {
		return impl.Ticks(ctx, req.Note)
	}
	stdhttp.HandleStream(s, "Ticks", ticks)
	stdhttp.HandleStreamRoute(s, "Ticks", "GET /ticks/{note}", func(r *http.Request, req *FeedTicksRequest) error {
		return stdhttp.Bind(r, nil, stdhttp.Path("note", &req.Note))
	}, ticks)
}

func NewFeedHTTPHandler(impl Feed, opts ...stdhttp.ServerOption) http.Handler {
	mux := http.NewServeMux()
	RegisterFeedHTTP(mux, impl, opts...)
	return mux
}

type feedHTTPClient struct {
	c *stdhttp.Client
}

func NewFeedHTTPClient(baseURL string, opts ...stdhttp.ClientOption) Feed {
	return feedHTTPClient{c: stdhttp.NewClient(baseURL, opts...)}
}

func (c feedHTTPClient) Count(ctx context.Context, n int, code string) iter.Seq2[int, error] {
	return stdhttp.Stream[int](ctx, c.c, "/Feed/Count", &FeedCountRequest{N: n, Code: code})
}

func (c feedHTTPClient) Ticks(ctx context.Context, note string) iter.Seq2[Tick, error] {
	return stdhttp.Stream[Tick](ctx, c.c, "/Feed/Ticks", &FeedTicksRequest{Note: note})
}
