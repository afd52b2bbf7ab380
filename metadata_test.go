package stdrpc_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stdrpc/stdrpc"
)

func TestAppendOutgoingDoesNotShareState(t *testing.T) {
	base := stdrpc.AppendOutgoing(context.Background(), "authorization", "Bearer a")
	child := stdrpc.AppendOutgoing(base, "X-Trace", "1", "authorization", "Bearer b")

	if got := stdrpc.Outgoing(base).Values("Authorization"); !slices.Equal(got, []string{"Bearer a"}) {
		t.Errorf("parent context changed by a child's append: %q", got)
	}
	md := stdrpc.Outgoing(child)
	if got := md.Values("AUTHORIZATION"); !slices.Equal(got, []string{"Bearer a", "Bearer b"}) {
		t.Errorf("child values = %q", got)
	}
	if md.Get("x-trace") != "1" {
		t.Errorf("keys must be case-insensitive; got %v", md)
	}
	if _, ok := md["X-Trace"]; !ok {
		t.Errorf("keys must be stored in canonical header form; got %v", md)
	}
}

func TestAppendOutgoingOddPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for an odd number of arguments")
		}
	}()
	stdrpc.AppendOutgoing(context.Background(), "key-without-value")
}

func TestIncomingIsSeparateFromOutgoing(t *testing.T) {
	ctx := stdrpc.WithIncoming(context.Background(), stdrpc.Metadata{"User": {"ann"}})
	if stdrpc.Outgoing(ctx) != nil {
		// A server calling another service must not forward what it
		// received by accident.
		t.Error("incoming metadata leaked into outgoing")
	}
	if stdrpc.Incoming(ctx).Get("user") != "ann" {
		t.Error("incoming metadata lost")
	}
	if stdrpc.Incoming(context.Background()) != nil {
		t.Error("Incoming of a bare context is not nil")
	}
}

func TestMetadataSetClone(t *testing.T) {
	md := stdrpc.Metadata{}
	md.Add("k", "1")
	md.Set("K", "2")
	c := md.Clone()
	c.Add("k", "3")
	if got := md.Values("k"); !slices.Equal(got, []string{"2"}) {
		t.Errorf("Set/Clone: original = %q", got)
	}
	if stdrpc.Metadata(nil).Clone() != nil {
		t.Error("Clone of nil is not nil")
	}
}

func ExampleAppendOutgoing() {
	ctx := stdrpc.AppendOutgoing(context.Background(), "authorization", "Bearer s3cret")
	// A client called with ctx sends the header; the server reads it with
	// stdrpc.Incoming(ctx).Get("Authorization").
	fmt.Println(stdrpc.Outgoing(ctx).Get("Authorization"))
	// Output: Bearer s3cret
}
