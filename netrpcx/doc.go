// Package netrpcx is the net/rpc runtime of stdrpc: the code the generator
// writes for the net/rpc transport calls it, and programs use it to serve
// and dial.
//
// net/rpc is frozen, and it lacks what services need today: contexts
// (deadlines and cancellation), metadata, error codes, protection against
// hostile peers (gob accepts messages of up to 8 GiB, and sizes a map by
// the count a peer claims before reading a single entry),
// panic recovery, graceful shutdown, and a client that survives its
// connection dropping. netrpcx adds all of them while speaking net/rpc's gob
// wire format, so stock net/rpc clients and servers interoperate with it.
//
// # Serving
//
// Register services on a stock *rpc.Server (with the generated
// RegisterXNetRPC functions, or srv.Register for hand-written ones) and serve
// it:
//
//	srv := rpc.NewServer()
//	if err := calc.RegisterCalculatorNetRPC(srv, impl); err != nil { ... }
//	lis, err := net.Listen("tcp", ":8000")
//	...
//	s := netrpcx.NewServer(srv, netrpcx.WithInterceptors(logCalls))
//	go s.Serve(lis)
//	...
//	s.Shutdown(ctx) // stop accepting, finish the calls in flight, close
//
// Serve(lis, srv) is the one-line form. Server.ServeConn serves one stream,
// such as a plugin's stdin and stdout.
//
// The generated RegisterXNetRPC functions register through Register, which
// also records the adapter's methods, typed, for the netrpcx servers of srv.
// Those servers call each one's Unary or Streaming call directly, with the
// call's context, on goroutines they keep for the next call, instead of leaving them to rpc.Server, which calls by reflection on
// a new goroutine whose stack must then grow (some 5,500 instructions per
// call: an eighth of all a small call takes, client and server). Other
// services on srv, and every service under a stock codec, are served by
// rpc.Server as usual, and have no context to read (Run gives
// context.Background()).
//
// For each connection the server
//
//   - gives each call a context that carries the caller's deadline, is
//     canceled when the caller cancels or the connection closes, and holds
//     the caller's metadata (stdrpc.Incoming);
//   - runs the interceptors (WithInterceptors) around each call of a
//     generated adapter;
//   - recovers a panic in an implementation, logs it with its stack
//     (WithLogger) and answers stdrpc.Internal; the process lives on;
//   - sends error codes: a *stdrpc.Error keeps its code, a context error is
//     DeadlineExceeded or Canceled, and any other error is Unknown, without
//     its text unless WithErrorText is set (the text is logged instead);
//   - bounds every message it reads (WithMaxMessageBytes, 4 MiB by default)
//     before allocating for it, allocates for it only as its bytes arrive,
//     checks it before gob decodes it (see Limits below), and closes a
//     connection that sends more, or garbage, without disturbing the others;
//   - runs at most WithMaxInFlight calls at once (256 by default) and stops
//     reading the connection while at the bound, which pushes back on the
//     peer;
//   - holds at most WithMemoryBudget (256 MiB by default) across its
//     connections for requests, replies waiting to be written and stream
//     items produced ahead of their consumers, and stops reading calls
//     while it is full;
//   - closes the connection when a write fails, or cannot finish within
//     WithWriteTimeout (10 s by default);
//   - with WithIdleTimeout, closes a connection that idles, or holds a
//     request half-sent, for longer than the timeout.
//
// # Limits
//
// gob trusts the sizes a peer sends: it accepts messages of up to 8 GiB
// (which it reads in 10 MiB steps, so a peer must send a message's bytes to
// make it hold them), and it makes a map as large as the count on the wire
// says before reading a single entry, so that a message of 30 bytes
// claiming 2^34 entries would kill the process. Both ends of
// netrpcx therefore read each message whole, within the limit
// (WithMaxMessageBytes on the server, WithMaxResponseBytes on the client),
// and check it before gob decodes it: the check follows the type
// definitions the peer sent on the connection and walks the message the way
// gob's decoder reads it, counting without decoding. Only values that can
// hold a map, an interface or a recursive type are walked; gob itself
// bounds the others by their size, so a malformed one fails its call with
// InvalidArgument and the connection goes on. A message fails, and
// its connection closes, when a map's count exceeds what the message could
// hold (every key and element takes a byte at least), when values nest more
// than 10000 deep, when the peer defines more than 10000 types, or when the
// walk cannot follow it exactly as gob would. Every stream gob's Encoder
// writes for the types services use passes; of what else gob can carry,
// two things are refused because gob misreads them when it skips them, as it
// does a field the receiver lacks: a nil element in a slice, array or map
// of interface type, and an interface value holding another whose type the
// connection has not carried yet. The check costs well under a microsecond
// per message and allocates nothing once a connection's types are known.
//
// A value whose interface field holds a type not carried before spans
// several gob messages; netrpcx joins them into one (gob reads it the same
// way), so the limit applies to them together.
//
// # Calling
//
//	c, err := netrpcx.Dial("tcp", "calc.internal:8000")
//	...
//	defer c.Close()
//	var calc Calculator = NewCalculatorNetRPCClient(c) // generated
//	sum, err := calc.Add(ctx, 2, 3)
//
// Client.Call is what generated clients use; it can call any net/rpc
// service, stock or not. A call sends its context's remaining time and
// outgoing metadata (stdrpc.AppendOutgoing), returns as soon as the context
// is done (errors.Is(err, context.DeadlineExceeded) or context.Canceled
// holds) and forgets the abandoned call; when the context was canceled it
// also tells the server to cancel the call (a deadline needs no message: the
// server's context has the same deadline).
// Every error is a *stdrpc.Error, so stdrpc.CodeOf works on it: the server's
// code, Unknown for a stock server's error, Unavailable when the connection
// failed. After a connection drops, the next call redials; while dials fail,
// calls fail at once with Unavailable and the client waits longer after each
// failed dial (WithBackoff), so an outage does not turn into a dial storm.
// A Client is safe for concurrent use, and concurrent calls share one
// connection and its writes.
//
// # Streams
//
// A method returning iter.Seq2[T, error] is a server stream. Its generated
// client calls Stream, which yields the items as they arrive:
//
//	for tick, err := range feed.Ticks(ctx, "news") {
//		if err != nil {
//			return err // a *stdrpc.Error, after every item sent before it
//		}
//		...
//	}
//
// On the wire a stream is a run of ordinary net/rpc calls of its method,
// each answered with a Batch of items: the first sends the request, the
// later ones name the stream and ask for the next batch once the loop has
// taken the last. The server's iterator runs on a goroutine of its own at
// most 64 items ahead of the batches asked for, and within the memory
// budget (WithMemoryBudget), then waits in yield, so a slow consumer never
// makes the server buffer without bound. Its context
// carries the caller's deadline and metadata and is canceled when the loop
// breaks or ctx ends (the client sends a cancel request naming the stream),
// when the connection closes, or when the server shuts down; Shutdown waits
// only for batches being answered, not for streams to end. A connection
// holds at most half of WithMaxInFlight open streams.
//
// A method whose data parameter is an iter.Seq of the caller's items is a
// client stream (Upload(ctx, chunks iter.Seq[Chunk]) (Summary, error));
// with an iter.Seq2 result it is bidirectional (Sync(ctx, in
// iter.Seq[Edit]) iter.Seq2[Edit, error]). Their generated clients call
// ClientStream and BidiStream, which take any iterator (a slice, a
// channel, a generator) and pull it on a goroutine of their own only as
// the stream may send: at most a batch of items ahead. The server's
// implementation ranges over in as the items arrive; in ends after the
// caller's last item, or when the stream's context ends.
//
// On the wire the caller's items are calls of the method too, each
// carrying a Batch of the items that were ready (at most 64, and about
// 64 KiB judged by the items sent before, or half the server's
// WithMaxMessageBytes if that is less), marked Items in the request
// header. The first opens the stream and is answered at once with the
// stream's id; each later one names the stream and is answered once the
// implementation has taken its items. The client keeps at most four of
// them unanswered, so a stream holds at most five batches on the server
// (320 items, and five times WithMaxMessageBytes, each charged to
// WithMemoryBudget as it is read), the client pulls the caller's
// iterator at most 65 items beyond what it has sent, and a slow
// implementation makes that iterator wait. A client
// stream's result answers a call without items that names the stream,
// sent as soon as it opens, so that a server returning early (before
// taking every item) is heard at once: the client stops pulling the
// caller's iterator and returns the result or error. A client stream
// whose items fit in one batch takes one call in all. A bidirectional
// stream's server items come as a server stream's do. Either side ends
// its items by returning (the caller's iterator, or the implementation);
// breaking out of a bidirectional stream's loop, or ctx ending, cancels
// the server's context, as for server streams, and deadline, metadata,
// interceptors (one call wraps the whole stream), observers (a stream
// counts as one) and the open-stream bound are those of server streams.
//
// Streams need netrpcx at both ends. A stock net/rpc client can make a
// server stream's first call, which answers the first batch, but cannot
// ask for the next; the stream then waits until the connection closes. A
// stock client calling a client or bidirectional stream, which cannot
// mark its request as items, gets an unimplemented error at once. A stock
// codec serving the generated adapter answers every stream with an
// unimplemented error, which ClientStream and BidiStream report as
// stdrpc.Unimplemented.
//
// # Compatibility
//
// The wire format is net/rpc's gob codec. netrpcx adds fields to the
// request header (Timeout, Metadata, Stream, Items) and the response header
// (Code); gob
// matches fields by name and skips those the receiver lacks, so:
//
//   - a stock rpc.Client calls a netrpcx server and reads errors such as
//     "not_found: user 7";
//   - a netrpcx Client calls a stock server, without deadlines, metadata or
//     codes reaching it; canceling sends a request for a service named
//     "_netrpcx.Cancel", which a stock server answers with an error the
//     client discards;
//   - generated adapters also run under the stock codecs, rpc.ServeConn and
//     net/rpc/jsonrpc's, with context.Background() and no interceptors, so a
//     JSON-RPC 1.0 client can call them.
//
// Headers, and bodies whose types have generated WriteGob and ReadGob
// methods (GobWriter, GobReader, ReadGobSlice), are written and read
// without gob's reflection, byte for byte as gob writes and reads them,
// once the connection's encoder has sent their types; a peer's type that
// differs in any field is left to gob.
//
// Register, NewMethod, Method, Run, RunStream, RunClientStream, Unary,
// Streaming, ClientStreaming, BidiStreaming, NilRequest, Batch, Empty,
// GobWriter, GobReader and ReadGobSlice are for generated code.
package netrpcx
