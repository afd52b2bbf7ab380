package stdhttp_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

type noted struct {
	N    int
	Text string
}

type seen struct {
	Tenant   string
	Trace    string
	Deadline bool
	Child    bool // a context made from the call's is canceled with it
}

// A unary method's context and request share one allocation. Over each
// protocol, under -race, concurrent calls each see their own metadata,
// trace and deadline; and a method may keep its request and its context
// after it returns: later calls do not touch them.
func TestIncomingContextAndRequest(t *testing.T) {
	const trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	forEachProto(t, func(t *testing.T, serve func(func(*stdhttp.Service), ...stdhttp.ServerOption) *stdhttp.Client) {
		var (
			mu    sync.Mutex
			kept  []*noted
			ctxs  []context.Context
			wants []noted
		)
		c := serve(func(s *stdhttp.Service) {
			stdhttp.Handle(s, "Note", func(ctx context.Context, req *noted) (seen, error) {
				mu.Lock()
				kept = append(kept, req)
				ctxs = append(ctxs, ctx)
				mu.Unlock()
				child, cancel := context.WithCancel(ctx)
				defer cancel()
				_, deadline := ctx.Deadline()
				return seen{
					Tenant:   stdrpc.Incoming(ctx).Get("X-Tenant"),
					Trace:    stdrpc.TraceOf(ctx).Parent,
					Deadline: deadline,
					Child:    child.Err() == nil && child.Done() != nil,
				}, nil
			})
		})
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 20 {
					ctx := stdrpc.WithOutgoing(context.Background(), stdrpc.Metadata{"X-Tenant": {fmt.Sprint("t", g)}})
					want := seen{Tenant: fmt.Sprint("t", g), Child: true}
					if i%2 == 1 {
						ctx = stdrpc.WithTrace(ctx, stdrpc.Trace{Parent: trace})
						want.Trace = trace
					}
					if i%3 == 1 {
						var cancel context.CancelFunc
						ctx, cancel = context.WithTimeout(ctx, time.Minute)
						defer cancel()
						want.Deadline = true
					}
					req := noted{N: g*100 + i, Text: fmt.Sprint("note ", g, i)}
					var got seen
					if err := c.Call(ctx, "/Dev/Note", &req, &got); err != nil || got != want {
						t.Errorf("call %d of %d: %+v, %v; want %+v", i, g, got, err, want)
						return
					}
					mu.Lock()
					wants = append(wants, req)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		kepts := map[noted]int{}
		for _, r := range kept {
			kepts[*r]++
		}
		for _, w := range wants {
			if kepts[w] != 1 {
				t.Errorf("the requests kept hold %+v %d times, want once", w, kepts[w])
			}
		}
		for _, ctx := range ctxs {
			if stdrpc.Incoming(ctx).Get("X-Tenant") == "" {
				t.Errorf("a kept context lost its metadata")
			}
		}
	})
}
