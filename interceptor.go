package stdrpc

import "context"

// CallInfo names the call an interceptor wraps.
type CallInfo struct {
	Service string // the service name, such as "Calculator" or "acme.v1.Calculator"
	Method  string // the Go method name, such as "Add"
}

// A ServerInterceptor wraps every call a server serves. It runs before the
// implementation and may reject the call by returning an error without
// calling next (an *Error keeps its code; any other error is unknown), or
// change the context next receives, to pass values such as an authenticated
// user to the implementation. next returns the implementation's error.
type ServerInterceptor func(ctx context.Context, call CallInfo, next func(context.Context) error) error

// A ClientInterceptor wraps every call a client makes, from sending the
// request to receiving the response. It may add outgoing metadata to the
// context it passes to next (AppendOutgoing), retry, or log.
type ClientInterceptor func(ctx context.Context, call CallInfo, next func(context.Context) error) error

// ChainServer returns one interceptor that runs the given ones in order, the
// first outermost. It returns nil for none, so that a transport can skip the
// wrapping entirely.
func ChainServer(in ...ServerInterceptor) ServerInterceptor { return chain(in) }

// ChainClient is ChainServer for client interceptors.
func ChainClient(in ...ClientInterceptor) ClientInterceptor { return chain(in) }

func chain[F ~func(context.Context, CallInfo, func(context.Context) error) error](in []F) F {
	switch len(in) {
	case 0:
		return nil
	case 1:
		return in[0]
	}
	rest := chain(in[1:])
	return func(ctx context.Context, call CallInfo, next func(context.Context) error) error {
		return in[0](ctx, call, func(ctx context.Context) error { return rest(ctx, call, next) })
	}
}
