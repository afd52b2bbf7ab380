package stdrpc

import (
	"context"
	"strings"
)

// The metadata keys of the W3C Trace Context (https://www.w3.org/TR/trace-context/),
// in the canonical form Metadata stores keys in. Over HTTP they are the
// traceparent and tracestate headers.
const (
	TraceParentKey = "Traceparent"
	TraceStateKey  = "Tracestate"
)

// A Trace is a W3C Trace Context: what tracing systems (OpenTelemetry,
// Jaeger, Zipkin, cloud load balancers) put on a request so that the spans
// of every service it crosses join one trace.
//
// A call carries the trace of the context it is made with (TraceOf) as
// metadata, on both transports. A server that receives one makes it the
// trace of the calls the implementation makes with its context, so a trace
// passes through a stdrpc service without any code; a tracer's interceptor
// that starts a span of its own replaces it with WithTrace, so that the next
// service's span is a child of that span.
type Trace struct {
	// Parent is the traceparent value: version, trace id, parent (span)
	// id and flags, as "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".
	Parent string
	// State is the tracestate value: vendors' entries, such as
	// "congo=t61rcWkgMzE", or "".
	State string
}

// Valid reports whether t.Parent is a traceparent as the W3C
// recommendation defines it: lowercase hex fields of the right lengths, a
// version other than ff (a later version may append fields after a dash),
// and a trace id and a parent id that are not all zero.
func (t Trace) Valid() bool {
	p := t.Parent
	if len(p) < 55 || p[2] != '-' || p[35] != '-' || p[52] != '-' || !hex(p[0:2]) || !hex(p[3:35]) || !hex(p[36:52]) || !hex(p[53:55]) {
		return false
	}
	switch {
	case p[0:2] == "ff":
		return false
	case p[0:2] == "00" && len(p) != 55, len(p) > 55 && p[55] != '-':
		return false
	}
	return strings.Trim(p[3:35], "0") != "" && strings.Trim(p[36:52], "0") != ""
}

// TraceID returns the trace id: 32 hex digits shared by every span of the
// trace, or "" if t is not Valid.
func (t Trace) TraceID() string {
	if !t.Valid() {
		return ""
	}
	return t.Parent[3:35]
}

// SpanID returns the parent id: 16 hex digits naming the span of the caller
// that sent t, or "" if t is not Valid.
func (t Trace) SpanID() string {
	if !t.Valid() {
		return ""
	}
	return t.Parent[36:52]
}

// Sampled reports whether the caller recorded its span (the sampled flag),
// a hint for the callee's sampler.
func (t Trace) Sampled() bool {
	if !t.Valid() {
		return false
	}
	return unhex(t.Parent[54])&1 == 1
}

func hex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func unhex(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

// maxTraceState bounds the tracestate a server passes on. The
// recommendation asks for at least 512 bytes; a longer one is dropped, as
// it allows.
const maxTraceState = 512

// traceIn returns the trace md carries, or the zero Trace if it carries
// none or one that is not Valid. Several tracestate values (HTTP allows
// the header to repeat) are joined with commas.
func traceIn(md Metadata) Trace {
	p := md[TraceParentKey]
	if len(p) == 0 {
		return Trace{}
	}
	t := Trace{Parent: p[0]}
	if !t.Valid() {
		return Trace{}
	}
	switch st := md[TraceStateKey]; len(st) {
	case 0:
	case 1:
		t.State = st[0]
	default:
		t.State = strings.Join(st, ",")
	}
	if len(t.State) > maxTraceState {
		t.State = ""
	}
	return t
}

// TraceOf returns the trace that calls made with ctx carry, from its
// outgoing metadata: the one the call being served arrived with (see
// WithIncoming), or the one set by WithTrace since. It is the zero Trace
// when there is none, or when the traceparent is not Valid. A server
// interceptor reads the caller's trace with it.
func TraceOf(ctx context.Context) Trace {
	return traceIn(Outgoing(ctx))
}

// WithTrace returns a copy of ctx whose calls carry t: its outgoing
// metadata has t's traceparent and tracestate in place of any it had. A
// tracer's interceptor calls it with the span it starts. The zero Trace
// removes them, so that calls made with the context start no trace.
func WithTrace(ctx context.Context, t Trace) context.Context {
	md := Outgoing(ctx).Clone()
	if md == nil {
		md = make(Metadata, 2)
	}
	delete(md, TraceParentKey)
	delete(md, TraceStateKey)
	if t.Parent != "" {
		md[TraceParentKey] = []string{t.Parent}
		if t.State != "" {
			md[TraceStateKey] = []string{t.State}
		}
	}
	return WithOutgoing(ctx, md)
}
