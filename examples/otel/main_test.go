package main

import (
	"testing"

	"go.opentelemetry.io/otel/trace"
)

// TestOneTracePerTrip follows an order across Orders and Stock, each pair
// of transports, and finds its four spans in one trace, each the child of
// the one before: the client's, Orders' server span, Orders' call to
// Stock, Stock's server span.
func TestOneTracePerTrip(t *testing.T) {
	seen := map[trace.TraceID]bool{}
	for _, hops := range [][2]string{{netRPC, httpTr}, {httpTr, netRPC}, {netRPC, netRPC}, {httpTr, httpTr}} {
		first, second := hops[0], hops[1]
		id, spans, err := trip(first, second)
		if err != nil {
			t.Fatalf("%s then %s: %v", first, second, err)
		}
		if id != "order-1" {
			t.Errorf("%s then %s: order %q", first, second, id)
		}
		want := []struct {
			kind      trace.SpanKind
			name, via string
		}{
			{trace.SpanKindClient, "Orders/Place", first},
			{trace.SpanKindServer, "Orders/Place", first},
			{trace.SpanKindClient, "Stock/Reserve", second},
			{trace.SpanKindServer, "Stock/Reserve", second},
		}
		if len(spans) != len(want) {
			t.Fatalf("%s then %s: %d spans, want %d: %+v", first, second, len(spans), len(want), spans)
		}
		traceID := spans[0].SpanContext.TraceID()
		if !traceID.IsValid() || seen[traceID] {
			t.Errorf("%s then %s: trace id %s is not new", first, second, traceID)
		}
		seen[traceID] = true
		for i, w := range want {
			s := spans[i]
			if s.SpanKind != w.kind || s.Name != w.name || transportOf(s) != w.via {
				t.Errorf("%s then %s: span %d is %v %s over %s, want %v %s over %s",
					first, second, i, s.SpanKind, s.Name, transportOf(s), w.kind, w.name, w.via)
			}
			if got := s.SpanContext.TraceID(); got != traceID {
				t.Errorf("%s then %s: span %d (%s) has trace id %s, want %s", first, second, i, s.Name, got, traceID)
			}
			switch {
			case i == 0 && s.Parent.IsValid():
				t.Errorf("%s then %s: the client's span has a parent: %v", first, second, s.Parent)
			case i > 0 && s.Parent.SpanID() != spans[i-1].SpanContext.SpanID():
				t.Errorf("%s then %s: span %d (%v %s) has parent %s, want %s", first, second, i, s.SpanKind, s.Name,
					s.Parent.SpanID(), spans[i-1].SpanContext.SpanID())
			case i > 0 && s.Parent.TraceID() != traceID:
				t.Errorf("%s then %s: span %d's parent is in trace %s", first, second, i, s.Parent.TraceID())
			}
		}
	}
}
