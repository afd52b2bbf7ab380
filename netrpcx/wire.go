package netrpcx

import "github.com/stdrpc/stdrpc"

// The wire format is net/rpc's gob codec: each request is a header message
// followed by a body message, each response likewise. netrpcx extends the
// headers with fields of its own. gob matches struct fields by name and skips
// fields the receiver does not have, and it does not send fields holding zero
// values, so a stock peer reads an extended header as its own and a netrpcx
// peer reads a stock header as an extended one with the extra fields zero.
//
// New fields may be added the same way; a field's name and meaning never
// change.

// requestHeader extends net/rpc's rpc.Request{ServiceMethod, Seq}.
type requestHeader struct {
	ServiceMethod string
	Seq           uint64

	// Timeout is the time the caller has left, in nanoseconds; zero means no
	// deadline. It is relative so that clock skew between hosts does not
	// matter; the server starts counting when it reads the header.
	Timeout int64

	// Metadata is the caller's outgoing stdrpc.Metadata as key, value pairs:
	// "K1", "v1", "K1", "v2", "K2", "v3". It is not a map because gob makes a
	// map as large as the count in the message says before reading any entry,
	// so a peer could make the server allocate terabytes with a few bytes;
	// gob grows a slice only as its elements arrive.
	Metadata []string

	// Stream, when not zero, names an open stream of this connection (the
	// Stream of the first Batch the server answered, or of the pushAck
	// that opened a client or bidirectional stream): without Items the
	// call asks for the stream's next batch (its result, for a client
	// stream) and its body, an empty struct, is not read. In a cancel
	// request it names the stream to end.
	Stream uint64

	// Items marks a call whose body is a Batch of the caller's items for
	// a client or bidirectional stream (see push.go): with Stream zero it
	// opens one, otherwise the items go to the open stream Stream names.
	// Only a netrpcx client sets it, which is how a server tells a stock
	// client, which cannot send a stream's items, from one that can.
	Items bool

	// Nil and Present carry what gob loses of the body (see presence.go):
	// Nil, that the request is a nil pointer, sent as its zero value;
	// Present, the paths of values in it that gob leaves out but that
	// were there (a pointer to a zero value, an empty slice).
	Nil     bool
	Present []string
}

// flatten returns md as key, value pairs, or nil for no metadata.
func flatten(md map[string][]string) []string {
	if len(md) == 0 {
		return nil
	}
	n := 0
	for _, vs := range md {
		n += 2 * len(vs)
	}
	pairs := make([]string, 0, n)
	for k, vs := range md {
		for _, v := range vs {
			pairs = append(pairs, k, v)
		}
	}
	return pairs
}

// unflatten is the inverse of flatten. It canonicalizes keys, as a peer may
// have filled its metadata without the methods that do.
func unflatten(pairs []string) stdrpc.Metadata {
	if len(pairs) < 2 {
		return nil
	}
	md := make(stdrpc.Metadata, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		md.Add(pairs[i], pairs[i+1])
	}
	return md
}

// responseHeader extends net/rpc's rpc.Response{ServiceMethod, Seq, Error}.
type responseHeader struct {
	ServiceMethod string
	Seq           uint64
	Error         string

	// Code is the stdrpc.Code wire name ("not_found") of a failed call. A
	// stock server sends none; its errors are unknown.
	Code string

	// Nil and Present are the request header's, for the reply: Nil, that
	// the result is a nil pointer or map.
	Nil     bool
	Present []string
}

// cancelMethod is the ServiceMethod of a cancel request: a request whose
// body is an empty struct and whose Seq names the call to cancel, or whose
// Stream names the server stream to end (with Seq zero). A netrpcx
// server consumes it and sends no response. A stock server, which has no
// such service, answers it with an error for that Seq; the client has
// already forgotten the Seq and discards the answer. So canceling is
// harmless against any net/rpc server.
const cancelMethod = "_netrpcx.Cancel"

// helloMethod is the ServiceMethod of the request a Client made by Dial
// sends first on each connection, before any call, with Seq zero and an
// empty body. A netrpcx server answers with a hello body; a stock server
// answers with an error ("rpc: can't find service"), which still proves it
// speaks net/rpc. Anything else (an HTTP server's "HTTP/1.1 400", silence)
// fails the dial instead of the first call. The request also tells the
// server that this peer understands goAwayMethod.
const helloMethod = "_netrpcx.Hello"

// hello is the body of a netrpcx server's answer to helloMethod, and of
// the request of a client with WithClientCompression (other clients send
// an empty struct, which reads as a hello with every field zero).
type hello struct {
	// Leaving is set once the server has begun to shut down: the client
	// should not use this connection, nor redial this address for now.
	Leaving bool

	// Gzip says that the sender reads compressed messages (see gzip.go):
	// its compression option is on.
	Gzip bool
}

// goAwayMethod is the ServiceMethod of a response that a netrpcx server
// sends, to peers that said hello only, when it stops reading a connection
// (Shutdown, or WithIdleTimeout): its Seq is that of the last request the
// server read and will answer, and its body is an empty struct. The client
// sends nothing more on the connection; calls with a higher Seq were never
// read, so they are safe to send elsewhere, idempotent or not.
const goAwayMethod = "_netrpcx.GoAway"
