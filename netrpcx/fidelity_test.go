package netrpcx_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/rpc"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// A value gob cannot send must fail its call, naming it, and leave the
// connection to the calls after it: before, each of these closed the
// connection, and every call on it failed with unavailable.

// Loose has MarshalJSON and an any field but no GobEncode: gob sends its
// structure and refuses the concrete type it has never been told of.
type Loose struct{ V any }

func (l Loose) MarshalJSON() ([]byte, error) { return json.Marshal(l.V) }

type unregistered struct{ N int }

// Boom's marshaler panics.
type Boom struct{}

func (Boom) MarshalBinary() ([]byte, error) { panic("marshaler panicked") }
func (*Boom) UnmarshalBinary([]byte) error  { return nil }

type Node struct{ Name string }

// Fidelity is a hand-written adapter with results gob cannot send.
type Fidelity struct{}

type None struct{ _ byte }

func (f Fidelity) Loose(req *None, resp *Loose) error {
	return netrpcx.Run(req, func(ctx context.Context) error { return f.loose(ctx, req, resp) })
}

func (Fidelity) loose(ctx context.Context, req *None, resp *Loose) error {
	*resp = Loose{V: unregistered{1}}
	return nil
}

func (f Fidelity) Boom(req *None, resp *Boom) error {
	return netrpcx.Run(req, func(ctx context.Context) error { return f.boom(ctx, req, resp) })
}

func (Fidelity) boom(ctx context.Context, req *None, resp *Boom) error { return nil }

func (f Fidelity) Nodes(req *None, resp *[]*Node) error {
	return netrpcx.Run(req, func(ctx context.Context) error { return f.nodes(ctx, req, resp) })
}

func (Fidelity) nodes(ctx context.Context, req *None, resp *[]*Node) error {
	*resp = []*Node{{Name: "a"}, nil}
	return nil
}

func (f Fidelity) Ping(req *Node, resp *string) error {
	return netrpcx.Run(req, func(ctx context.Context) error { return f.ping(ctx, req, resp) })
}

func (Fidelity) ping(ctx context.Context, req *Node, resp *string) error { *resp = "pong"; return nil }

func TestUnsendableResultKeepsConnection(t *testing.T) {
	srv := rpc.NewServer()
	f := Fidelity{}
	if err := netrpcx.Register(srv, "F", f,
		netrpcx.NewMethod("Loose", f.Loose, netrpcx.Unary(f.loose)), netrpcx.NewMethod("Boom", f.Boom, netrpcx.Unary(f.boom)),
		netrpcx.NewMethod("Nodes", f.Nodes, netrpcx.Unary(f.nodes)), netrpcx.NewMethod("Ping", f.Ping, netrpcx.Unary(f.ping))); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := netrpcx.NewServer(srv, netrpcx.WithLogger(quietLogger()))
	go s.Serve(lis)
	t.Cleanup(func() { s.Close() })
	// One connection, never redialed: a call after one that broke it fails.
	conn, err := net.Dial("tcp", lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := netrpcx.NewClient(conn)
	t.Cleanup(func() { c.Close() })
	ctx := context.Background()

	tests := []struct {
		method string
		reply  any
		want   string
	}{
		{"F.Loose", new(Loose), "internal: netrpcx: F.Loose: the server cannot send the result: gob: type not registered for interface: netrpcx_test.unregistered"},
		{"F.Boom", new(Boom), "internal: netrpcx: F.Boom: the server cannot send the result: encoding panicked: marshaler panicked"},
		{"F.Nodes", new([]*Node), "internal: F.Nodes: result[1] is nil, and gob cannot send a nil element of a slice, array or map: leave it out, or use values rather than pointers"},
	}
	for _, tt := range tests {
		err := c.Call(ctx, tt.method, struct{}{}, tt.reply)
		if err == nil || err.Error() != tt.want || stdrpc.CodeOf(err) != stdrpc.Internal {
			t.Errorf("%s: %v, want %q", tt.method, err, tt.want)
		}
		var pong string
		if err := c.Call(ctx, "F.Ping", struct{}{}, &pong); err != nil || pong != "pong" {
			t.Fatalf("a call after %s on the same connection: %q, %v", tt.method, pong, err)
		}
	}

	// A request gob cannot send fails before anything is sent.
	err = c.Call(ctx, "F.Ping", []*Node{nil}, new(string))
	if want := "invalid_argument: F.Ping: request[0] is nil, and gob cannot send a nil element of a slice, array or map: leave it out, or use values rather than pointers"; err == nil || err.Error() != want {
		t.Errorf("a nil element in a request: %v, want %q", err, want)
	}
	// A nil pointer request no longer panics in the caller.
	err = c.Call(ctx, "F.Ping", (*Node)(nil), new(string))
	if stdrpc.CodeOf(err) != stdrpc.InvalidArgument || !strings.Contains(err.Error(), "nil pointer") {
		t.Errorf("a nil request: %v, want invalid_argument naming the nil pointer", err)
	}
	// Nor does one whose encoding fails part way, or panics: the request is
	// taken back whole, and the connection serves the next call.
	for _, req := range []any{Loose{V: unregistered{2}}, Boom{}} {
		err := c.Call(ctx, "F.Ping", req, new(string))
		if stdrpc.CodeOf(err) != stdrpc.InvalidArgument || !strings.Contains(err.Error(), "cannot encode the request of F.Ping") {
			t.Errorf("a request of %T gob cannot encode: %v, want invalid_argument", req, err)
		}
	}
	var pong string
	if err := c.Call(ctx, "F.Ping", struct{}{}, &pong); err != nil || pong != "pong" {
		t.Fatalf("a call after the refused requests: %q, %v", pong, err)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal("unreachable")
	}
}
