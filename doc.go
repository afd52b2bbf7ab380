// Package stdrpc is the vocabulary shared by stdrpc's transports and the code
// its generator writes: error codes and the Error type, call metadata carried
// in a context, and interceptor types.
//
// stdrpc turns a plain Go interface into a networked service. Mark the
// interface and run the generator:
//
//	//go:generate go tool stdrpc
//
//	//stdrpc:service
//	type Calculator interface {
//		// Add returns a+b.
//		Add(ctx context.Context, a, b int) (int, error)
//	}
//
// The generator (cmd/stdrpc) writes, beside the interface, net/rpc and
// net/http servers and clients. The clients return the interface itself, so
// calling code cannot tell a local value from a remote one. The runtime the
// generated code uses (this package, netrpcx and stdhttp) imports only the
// standard library.
//
// # Errors
//
// A service chooses what callers see by returning an *Error:
//
//	return 0, stdrpc.Errorf(stdrpc.NotFound, "user %d", id)
//
// and the caller, on either transport, gets an *Error with that code:
//
//	if stdrpc.CodeOf(err) == stdrpc.NotFound { ... }
//
// A deadline or cancellation arrives as DeadlineExceeded or Canceled, and
// errors.Is(err, context.DeadlineExceeded) holds on the client. The text of
// any other error stays on the server (it can hold secrets): the caller sees
// Unknown, unless the server is configured to send it.
//
// # Metadata
//
// A client sends the metadata in its context (AppendOutgoing); the server's
// implementation reads it with Incoming. Over HTTP metadata travels as
// headers; over net/rpc, in netrpcx's extended request header.
//
// # Interceptors
//
// A ServerInterceptor wraps every served call, a ClientInterceptor every call
// made; both transports take them as options.
package stdrpc
