// Package otelstdrpc adapts stdrpc's interceptors to OpenTelemetry: a
// server interceptor that starts a span for every call served, as a child
// of the caller's span, and a client interceptor that starts a span for
// every call made and sends it as the callee's parent. The spans' context
// travels as W3C trace context (stdrpc.Trace), which both stdrpc transports
// carry, so a trace follows a request through services on either.
//
//	tp := sdktrace.NewTracerProvider(...)
//	netrpcx.NewServer(srv, netrpcx.WithInterceptors(otelstdrpc.Server(tp)))
//	RegisterOrdersHTTP(mux, impl, stdhttp.WithInterceptors(otelstdrpc.Server(tp)))
//	netrpcx.Dial("tcp", addr, netrpcx.WithClientInterceptors(otelstdrpc.Client(tp)))
//	NewStockHTTPClient(url, stdhttp.WithClientInterceptors(otelstdrpc.Client(tp)))
//
// It lives in a module of its own so that stdrpc's runtime keeps importing
// only the standard library; copy it, or depend on this module.
package otelstdrpc

import (
	"context"

	"github.com/stdrpc/stdrpc"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// scope names the tracer, as OpenTelemetry's instrumentation libraries do.
const scope = "github.com/stdrpc/stdrpc/examples/otel/otelstdrpc"

// propagator reads and writes W3C trace context: traceparent and
// tracestate, which stdrpc.Trace holds.
var propagator = propagation.TraceContext{}

// Server returns a server interceptor that starts a span of kind server
// for each call, named "Service/Method", whose parent is the span the
// caller sent (stdrpc.TraceOf), and makes it the parent of the calls the
// implementation makes with its context. A call that fails sets the span's
// status to Error with the stdrpc code. The spans also get extra
// attributes, such as the transport.
func Server(tp trace.TracerProvider, extra ...attribute.KeyValue) stdrpc.ServerInterceptor {
	tracer := tp.Tracer(scope)
	return func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		ctx = extract(ctx)
		ctx, span := tracer.Start(ctx, call.Service+"/"+call.Method,
			trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs(call)...), trace.WithAttributes(extra...))
		defer span.End()
		err := next(inject(ctx))
		end(span, err)
		return err
	}
}

// Client returns a client interceptor that starts a span of kind client
// for each call, whose parent is the span in ctx, or, when ctx holds none,
// the trace the call being served arrived with; the callee receives the
// new span as its parent. The spans also get extra attributes.
func Client(tp trace.TracerProvider, extra ...attribute.KeyValue) stdrpc.ClientInterceptor {
	tracer := tp.Tracer(scope)
	return func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		if !trace.SpanContextFromContext(ctx).IsValid() {
			ctx = extract(ctx)
		}
		ctx, span := tracer.Start(ctx, call.Service+"/"+call.Method,
			trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs(call)...), trace.WithAttributes(extra...))
		defer span.End()
		err := next(inject(ctx))
		end(span, err)
		return err
	}
}

// extract returns ctx with the remote span of its stdrpc trace, if any.
func extract(ctx context.Context) context.Context {
	t := stdrpc.TraceOf(ctx)
	if t.Parent == "" {
		return ctx
	}
	md := stdrpc.Metadata{}
	md.Set("traceparent", t.Parent)
	if t.State != "" {
		md.Set("tracestate", t.State)
	}
	return propagator.Extract(ctx, propagation.HeaderCarrier(md))
}

// inject returns ctx whose calls carry the span in ctx as their parent.
func inject(ctx context.Context) context.Context {
	md := stdrpc.Metadata{}
	propagator.Inject(ctx, propagation.HeaderCarrier(md))
	return stdrpc.WithTrace(ctx, stdrpc.Trace{Parent: md.Get("traceparent"), State: md.Get("tracestate")})
}

// attrs are the span's attributes, in OpenTelemetry's RPC conventions.
func attrs(call stdrpc.CallInfo) []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String("rpc.system", "stdrpc"),
		attribute.String("rpc.service", call.Service),
		attribute.String("rpc.method", call.Method),
	}
}

// end records how the call ended.
func end(span trace.Span, err error) {
	code := stdrpc.CodeOf(err)
	span.SetAttributes(attribute.String("rpc.stdrpc.code", code.String()))
	if err != nil {
		span.SetStatus(codes.Error, code.String())
	}
}
