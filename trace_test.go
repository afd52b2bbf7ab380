package stdrpc_test

import (
	"context"
	"testing"

	"github.com/stdrpc/stdrpc"
)

const (
	parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	other  = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"
)

func TestTraceValid(t *testing.T) {
	for _, tc := range []struct {
		parent string
		valid  bool
	}{
		{parent, true},
		{other, true},
		{"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later", true}, // a later version may add fields
		{"", false},
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", false}, // version 00 has exactly four
		{"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
		{"00-00000000000000000000000000000000-00f067aa0ba902b7-01", false},
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false},
		{"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false}, // uppercase
		{"00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01", false},
		{"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x", false},
	} {
		tr := stdrpc.Trace{Parent: tc.parent}
		if got := tr.Valid(); got != tc.valid {
			t.Errorf("Trace{Parent: %q}.Valid() = %v, want %v", tc.parent, got, tc.valid)
		}
	}
	tr := stdrpc.Trace{Parent: parent}
	if tr.TraceID() != "4bf92f3577b34da6a3ce929d0e0e4736" || tr.SpanID() != "00f067aa0ba902b7" || !tr.Sampled() {
		t.Errorf("TraceID, SpanID, Sampled = %q, %q, %v", tr.TraceID(), tr.SpanID(), tr.Sampled())
	}
	if (stdrpc.Trace{Parent: other}).Sampled() {
		t.Error("flags 00 read as sampled")
	}
	if id := (stdrpc.Trace{Parent: "junk"}).TraceID(); id != "" {
		t.Errorf("TraceID of junk = %q", id)
	}
}

// A served call's context carries the caller's trace on to the calls made
// with it, and a tracer replaces it with its own span's.
func TestTraceContinues(t *testing.T) {
	in := stdrpc.Metadata{}
	in.Set("traceparent", parent)
	in.Add("tracestate", "congo=t61rcWkgMzE")
	in.Add("tracestate", "rojo=00f067aa0ba902b7")
	in.Set("Authorization", "Bearer secret")
	ctx := stdrpc.WithIncoming(context.Background(), in)

	want := stdrpc.Trace{Parent: parent, State: "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"}
	if got := stdrpc.TraceOf(ctx); got != want {
		t.Fatalf("TraceOf = %+v, want %+v", got, want)
	}
	out := stdrpc.Outgoing(ctx)
	if out.Get("Traceparent") != parent || out.Get("Authorization") != "" {
		t.Errorf("outgoing metadata = %v; want the trace and nothing else", out)
	}

	ctx = stdrpc.AppendOutgoing(ctx, "X-Request-Id", "r-1")
	ctx = stdrpc.WithTrace(ctx, stdrpc.Trace{Parent: other})
	out = stdrpc.Outgoing(ctx)
	if got := out.Values("Traceparent"); len(got) != 1 || got[0] != other {
		t.Errorf("traceparent after WithTrace = %q, want [%s]", got, other)
	}
	if out.Get("Tracestate") != "" || out.Get("X-Request-Id") != "r-1" {
		t.Errorf("outgoing metadata after WithTrace = %v; want the new trace, no old state, and the request id", out)
	}
	if got := stdrpc.TraceOf(ctx); got.Parent != other {
		t.Errorf("TraceOf after WithTrace = %+v", got)
	}
	if got := stdrpc.TraceOf(stdrpc.WithTrace(ctx, stdrpc.Trace{})); got != (stdrpc.Trace{}) {
		t.Errorf("TraceOf after WithTrace of the zero Trace = %+v, want none", got)
	}
}

// A traceparent that is not valid is not passed on, nor is its tracestate.
func TestTraceInvalidNotContinued(t *testing.T) {
	in := stdrpc.Metadata{}
	in.Set("traceparent", "00-not-a-trace")
	in.Set("tracestate", "congo=t61rcWkgMzE")
	ctx := stdrpc.WithIncoming(context.Background(), in)
	if out := stdrpc.Outgoing(ctx); out != nil {
		t.Errorf("outgoing metadata = %v, want none", out)
	}
	if got := stdrpc.TraceOf(ctx); got != (stdrpc.Trace{}) {
		t.Errorf("TraceOf = %+v, want none", got)
	}
}
