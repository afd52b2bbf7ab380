package netrpcx_test

import (
	"context"
	"iter"
	"net"
	"net/rpc"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// Store is an adapter written as the generator writes one with Unary,
// Streaming and NilRequest: each Go method runs its call through Run or
// RunStream for stock codecs, and netrpcx servers call the calls with the
// context they hold.
type Store struct{ seen chan context.Context }

func (s *Store) put(ctx context.Context, req *Node, resp **Node) error {
	s.seen <- ctx
	*resp = req
	return nil
}

func (s *Store) list(ctx context.Context, req *Node) iter.Seq2[Node, error] {
	return func(yield func(Node, error) bool) {
		if req == nil {
			yield(Node{}, stdrpc.Errorf(stdrpc.InvalidArgument, "nil"))
			return
		}
		for _, n := range []string{req.Name, req.Name + "2"} {
			if !yield(Node{Name: n}, nil) {
				return
			}
		}
	}
}

func (s *Store) Put(req *Node, resp **Node) error {
	return netrpcx.Run(req, func(ctx context.Context) error { return s.put(ctx, req, resp) })
}

func (s *Store) List(req *Node, resp *netrpcx.Batch[Node]) error {
	return netrpcx.RunStream(req, resp, func(ctx context.Context) iter.Seq2[Node, error] { return s.list(ctx, req) })
}

func registerStore(t *testing.T, s *Store) *rpc.Server {
	t.Helper()
	srv := rpc.NewServer()
	if err := netrpcx.Register(srv, "Store", s,
		netrpcx.NewMethod("Put", s.Put, netrpcx.Unary(s.put), netrpcx.NilRequest()),
		netrpcx.NewMethod("List", s.List, netrpcx.Streaming(s.list)),
	); err != nil {
		t.Fatal(err)
	}
	return srv
}

func TestDirectCallsTakeTheConnectionsContext(t *testing.T) {
	s := &Store{seen: make(chan context.Context, 1)}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var intercepted []string
	ns := netrpcx.NewServer(registerStore(t, s), netrpcx.WithLogger(quietLogger()),
		netrpcx.WithInterceptors(func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
			intercepted = append(intercepted, call.Method)
			return next(ctx)
		}))
	go ns.Serve(lis)
	t.Cleanup(func() { ns.Close() })
	c := dial(t, lis.Addr().String())

	ctx, cancel := context.WithTimeout(stdrpc.AppendOutgoing(context.Background(), "X-Who", "me"), time.Minute)
	defer cancel()
	for _, req := range []*Node{nil, {}, {Name: "a"}} {
		var got *Node
		if err := c.Call(ctx, "Store.Put", req, &got); err != nil {
			t.Fatalf("Put(%v): %v", req, err)
		}
		if (got == nil) != (req == nil) || got != nil && *got != *req {
			t.Errorf("Put(%v) = %v, want it back", req, got)
		}
		sctx := <-s.seen
		if _, ok := sctx.Deadline(); !ok || stdrpc.Incoming(sctx).Get("X-Who") != "me" {
			t.Errorf("the call's context has no deadline or lacks the caller's metadata")
		}
	}
	var names []string
	for n, err := range netrpcx.Stream[Node](ctx, c, "Store.List", &Node{Name: "n"}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, n.Name)
	}
	if len(names) != 2 || names[0] != "n" || names[1] != "n2" {
		t.Errorf("List = %v, want [n n2]", names)
	}
	// Without NilRequest a nil request is refused, as before.
	for _, err := range netrpcx.Stream[Node](ctx, c, "Store.List", (*Node)(nil)) {
		if stdrpc.CodeOf(err) != stdrpc.InvalidArgument {
			t.Errorf("List(nil): %v, want invalid_argument", err)
		}
	}
	if len(intercepted) != 4 { // the refused List never reached it
		t.Errorf("the interceptor saw %v, want 3 Puts and a List", intercepted)
	}

	// A stock codec calls the Go methods, which still work.
	srv := registerStore(t, s)
	sa, sb := net.Pipe()
	go srv.ServeConn(sa)
	sc := rpc.NewClient(sb)
	defer sc.Close()
	var got *Node
	if err := sc.Call("Store.Put", &Node{Name: "stock"}, &got); err != nil || got == nil || got.Name != "stock" {
		t.Fatalf("a stock codec's Put: %v, %v", got, err)
	}
	if sctx := <-s.seen; sctx.Done() != nil {
		t.Errorf("under a stock codec the call's context should be context.Background()")
	}
}
