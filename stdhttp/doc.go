// Package stdhttp is the net/http runtime of stdrpc: it serves a service's
// methods as a JSON-over-HTTP API and calls them from Go. The code the stdrpc
// generator writes calls it; a program normally uses only the generated
// functions, and this package's options:
//
//	mux := http.NewServeMux()
//	RegisterCalculatorHTTP(mux, impl, stdhttp.WithInterceptors(auth))
//	log.Fatal(stdhttp.NewServer(":8080", mux).ListenAndServe())
//
//	calc := NewCalculatorHTTPClient("http://localhost:8080") // a Calculator
//	sum, err := calc.Add(ctx, 2, 3)
//
// # The wire, for curl, browsers and other languages
//
// Every method answers POST /{Service}/{Method}. The request body is the
// method's parameters as a JSON object keyed by parameter name (a lone
// struct parameter is the object itself); the response is the result as
// JSON (several results as an object keyed by result name, none as {}):
//
//	$ curl --json '{"a":2,"b":3}' http://localhost:8080/Calculator/Add
//	5
//	$ curl -X POST http://localhost:8080/Calculator/Ping
//	{}
//
// A nil slice or map in a result is written as [] or {} (a nil []byte as
// ""), at any depth, here, in a stream's items and on JSON-RPC, so that a
// client in another language reads a list, not null; a nil pointer stays
// null.
//
// An empty body is the zero request, so a method without parameters needs
// none. A body must be sent as Content-Type: application/json (`curl -d`
// sends a form type and gets 415; use --json, or -H 'Content-Type:
// application/json'). A POST may leave the type out only if it has no body
// and does not come from a browser, as the bare `curl -X POST` above: a
// form, a text/plain or untyped body, and navigator.sendBeacon are what a
// page on another site can make a browser POST without asking the server
// first (a CORS preflight), with your users' cookies, and application/json
// is not. Browsers mark every POST with an Origin or Sec-Fetch-Site header,
// so a page of your own that POSTs without a body must name the type too.
// Unknown fields are ignored, so an older server accepts a newer client.
//
// A method annotated //stdrpc:http answers its own route too, its path
// wildcards bound to the parameters of the same name (for a lone struct
// parameter, to its fields of that JSON name, set over what the body
// said), and for GET, HEAD and DELETE the other parameters taken from the
// query string (a slice from a repeated key):
//
//	$ curl http://localhost:8080/divide/7/2
//	{"quo":3,"rem":1}
//
// An error is answered with the status of its code (see HTTPStatus) and a
// body naming both:
//
//	$ curl -i http://localhost:8080/divide/7/0
//	HTTP/1.1 400 Bad Request
//	Content-Type: application/json
//
//	{"code":"invalid_argument","message":"divide 7 by zero"}
//
// Request headers are the call's metadata (stdrpc.Incoming on the server,
// stdrpc.AppendOutgoing on a Go client). The Stdrpc-Timeout-Ms header gives
// the call a deadline: the method's context ends that many milliseconds
// after the request arrives, and the answer is then 504 deadline_exceeded.
//
// # JSON-RPC 2.0
//
// The same services speak JSON-RPC 2.0 (and answer 1.0) on one endpoint. A
// JSONRPC is an http.Handler for POST; each generated Register<Service>JSONRPC
// adds a service's methods to it, named "Service.Method" and by the aliases
// their //stdrpc:jsonrpc directives give:
//
//	j := stdhttp.NewJSONRPC()
//	RegisterCalculatorJSONRPC(j, impl)
//	mux.Handle("/rpc", j)
//
//	$ curl --json '{"jsonrpc":"2.0","method":"Calculator.Add","params":[2,3],"id":1}' http://localhost:8080/rpc
//	{"jsonrpc":"2.0","result":5,"id":1}
//
// params are an array in parameter order (the context left out; a variadic
// parameter takes the rest), or an object keyed by parameter name; a lone
// struct parameter also takes its own object. id is echoed as sent. A
// request without an id is a notification: it runs, and gets no reply. A
// batch (an array of requests, at most WithMaxBatch of them) gets an array
// of the replies, in the order of its requests; a batch of notifications, or
// a lone notification, gets 204 and no body. Every other answer is 200 with
// a JSON body, errors included:
//
//	-32700  the body is not JSON
//	-32600  not a request: no method, a bad id or params, an empty or too large batch
//	-32601  no such method, or a stream called other than alone with Accept: text/event-stream
//	-32602  params that do not decode or do not fit the method ("invalid params: field "b": cannot use a JSON string as int")
//	-32603  the method panicked, or its result could not be encoded
//	-32000  the method (or an interceptor) returned an error
//
// Each error carries the stdrpc code in data:
// {"code":-32000,"message":"divide 1 by zero","data":{"code":"invalid_argument"}}.
// Only what HTTP itself refuses gets another status, still with a JSON-RPC
// error body: 405 (with Allow: POST) for another method, 415 for a body that
// is not application/json, 413 for a body over WithMaxBodyBytes, 503 when the
// body budget is spent.
//
// A request without "jsonrpc":"2.0" is answered in the 1.0 style, with
// "result", "error" (one of them null) and "id" (null if it had none);
// a 1.0 request with id null is a notification.
//
// Calls carry what they carry on the other routes: the request's headers
// are each call's stdrpc.Incoming metadata, Stdrpc-Timeout-Ms bounds the
// whole request, interceptors (the endpoint's, then the service's) wrap each
// call, and a plain error's text is withheld unless WithErrorText. A stream
// method called alone, with an id and Accept: text/event-stream, answers
// Server-Sent Events: one JSON-RPC response with the call's id per item, an
// error response if it fails, and the event "end" once it is complete. The
// requests of a batch run one after another, in order.
//
// # The OpenAPI document
//
// The generator writes an OpenAPI 3.1 document for each package,
// <package>.openapi.json beside the generated code, and embeds it in that
// code. It describes the package's HTTP routes as this package serves them:
// parameters, bodies and results as encoding/json encodes them, the error
// body with the codes of each status, and streams as SSE and NDJSON. With
// WithOpenAPI a service serves it, at GET /{Service}/openapi.json:
//
//	RegisterCalculatorHTTP(mux, impl, stdhttp.WithOpenAPI())
//
//	$ curl http://localhost:8080/Calculator/openapi.json
//
// It is off by default, since the document lists every route.
//
// # Browsers on other origins
//
// A page on another origin must ask the server (a CORS preflight) before
// it sends JSON, and by default nothing answers yes, so the browser refuses
// the call. WithCORS answers for the origins it lists, on every route of the
// service and on a JSONRPC endpoint:
//
//	RegisterCalculatorHTTP(mux, impl, stdhttp.WithCORS(stdhttp.CORS{
//		Origins: []string{"https://app.example.com"},
//		Headers: []string{"Authorization"}, // metadata the pages send
//	}))
//
// Under a service's prefix (/Calculator/), a method that does not exist is
// answered 404 and a verb a route does not serve 405 with Allow, both with
// the JSON error body and code unimplemented.
//
// # Bad requests
//
// The server answers each with a clear error and goes on serving:
//
//   - malformed JSON, trailing bytes after it, a field of the wrong type, or
//     a value its type refuses (a string that is not base64 for a []byte, an
//     error from UnmarshalJSON or UnmarshalText, such as a time that does
//     not parse): 400 invalid_argument naming the byte offset or the
//     field's dotted JSON path ("request body field \"a\": cannot use a
//     JSON string as int", "request body field \"item.value\": illegal
//     base64 data at input byte 5"), as encoding/json writes the path: no
//     array index or map key;
//   - a path or query value that does not parse: 400 invalid_argument naming
//     the parameter and the value ("path parameter a: \"seven\" is not a
//     valid int"); so does a query string that does not parse ("query
//     parameter name: \"%zz\" is not validly escaped ..."), which would
//     otherwise leave the parameter silently zero;
//   - a body over the limit (4 MiB unless WithMaxBodyBytes): 413
//     resource_exhausted, reading no more of it than the limit;
//   - objects and arrays nested more than 10,000 deep, as written in the
//     JSON (encoding/json's bound): 400 invalid_argument;
//   - another Content-Type, or a POST without one as described above: 415;
//   - a body the service has no room for while it reads others (see Limits):
//     503 unavailable with Retry-After;
//   - an unknown route or the wrong verb: the ServeMux's 404, or 405 with an
//     Allow header;
//   - a panic in the implementation: 500 internal; the panic and its stack
//     go to the log (WithLogger, default slog.Default()).
//
// An error the implementation returns that is not a *stdrpc.Error reaches
// the caller as code unknown without its text, which can hold secrets; the
// text is logged, and WithErrorText sends it. Return stdrpc.Errorf to choose
// what the caller sees.
//
// Server interceptors (WithInterceptors) run before the request body is
// decoded, with the headers already in the context, so an authentication
// check rejects a call without paying for its body.
//
// # Limits
//
// A client that is slow, broken or hostile must not be able to hold the
// server's memory, connections or goroutines. Serve with NewServer, whose
// *http.Server closes a connection that takes longer than 10 seconds to
// send its headers (slowloris), 60 seconds to send a whole request, or idles
// for 2 minutes between requests, and refuses headers over 64 KiB; a bare
// http.Server, as http.ListenAndServe makes, waits for ever. Each Service
// bounds, besides:
//
//   - each request body, to WithMaxBodyBytes (4 MiB). A body is read into a
//     buffer that grows as its bytes arrive and never beyond its
//     Content-Length or the limit, so a body stalled just short of the limit
//     holds the limit and no more;
//   - the request bodies being read at once, all together, to WithBodyBudget
//     (64 MiB, and at least one body of the largest size). A body that does
//     not fit is refused with 503 and Retry-After, and the connection is
//     closed; small calls go on being served meanwhile;
//   - each write of a response, to WithWriteTimeout (30 seconds): a unary
//     answer, and every item, heartbeat and last line of a stream. A client
//     that stops reading, but keeps its connection open, releases the method
//     writing to it once a write has waited that long;
//   - the query string, to 10,000 parameters, as net/url does.
//
// NewServer sets no WriteTimeout: net/http applies it to a whole response,
// so it would cut off every stream and every call that runs longer.
//
// # The Go client
//
// Generated clients call Client.Call. Every error they return is a
// *stdrpc.Error: the server's own, rebuilt from its error body; the
// context's, when the deadline passes or the context is canceled first
// (errors.Is(err, context.DeadlineExceeded) holds); unavailable when the
// server cannot be reached; and for a response no stdrpc server wrote, such
// as a proxy's 502 page, the code CodeFromHTTPStatus gives with the status
// and the start of the body in the message. Redirects are not followed: a
// POST silently turned into a GET elsewhere is never what a call meant, so a
// 3xx is an error naming its Location. A response body over 64 MiB (unless
// WithMaxResponseBytes) fails with resource_exhausted; the client reads no
// more of it.
//
// The client sends its context's deadline as Stdrpc-Timeout-Ms and its
// outgoing metadata as headers. By default clients share one transport that
// keeps up to 256 idle connections per host (net/http's default keeps 2,
// which makes many concurrent callers open and close a connection per
// call); WithHTTPClient and WithClientTLS replace it.
//
// # Streaming
//
// A method returning iter.Seq2[T, error] is a server stream, for push
// updates, chat and live dashboards:
//
//	// Ticks yields a Tick each time there is news, until ctx ends.
//	//stdrpc:http GET /ticks/{note}
//	Ticks(ctx context.Context, note string) iter.Seq2[Tick, error]
//
// Its routes (HandleStream, HandleStreamRoute) take the request as a unary
// method's do, and answer with the items, each written and flushed as the
// iterator yields it, in one of two formats: Server-Sent Events
// (text/event-stream) when the Accept header names it, NDJSON
// (application/x-ndjson) when it names that; when it names neither, a GET
// gets SSE (so a browser's EventSource can open the route) and any other
// method NDJSON. A stream is sent with status 200, Cache-Control: no-cache
// and X-Accel-Buffering: no (which stops nginx from buffering it).
//
// In SSE, each item is an event of the default type, so a page's onmessage
// sees only items, and the stream ends with an event named end or error:
//
//	data: {"n":1,"note":"hi"}
//
//	: ping
//
//	data: {"n":2,"note":"hi"}
//
//	event: end
//	data: {}
//
// or, if the method fails after some items,
//
//	event: error
//	data: {"code":"not_found","message":"..."}
//
// The ": ping" comment is a heartbeat, sent after 15 seconds without an item
// (WithHeartbeat changes or disables it): it keeps proxies from closing a
// quiet stream and browsers ignore it. A stream with nothing to send after
// 100 ms sends one at once, with the headers, so that a browser's
// EventSource opens on a quiet stream; an error before then is an ordinary
// JSON error response with its status.
//
// In NDJSON, each line is one JSON object: an item, then exactly one last
// line saying how the stream ended:
//
//	{"result":{"n":1,"note":"hi"}}
//	{"result":{"n":2,"note":"hi"}}
//	{"end":true}
//
// or {"error":{"code":"not_found","message":"..."}} in place of the end
// line. A stream that stops without either was cut short (a dropped
// connection, a proxy's timeout) and is not complete, so the end line is not
// optional. Readers skip blank lines and objects with none of these keys,
// which leaves room for new kinds of line.
//
// With curl (-N turns off its buffering):
//
//	$ curl -N http://localhost:8080/ticks/hi
//	data: {"n":1,"note":"hi"}
//	...
//	$ curl -N --json '{"n":2}' http://localhost:8080/Feed/Count
//	{"result":1}
//	{"result":2}
//	{"end":true}
//
// In a browser:
//
//	const es = new EventSource("/ticks/hi");
//	es.onmessage = (e) => show(JSON.parse(e.data));
//	es.addEventListener("end", () => es.close());
//	es.addEventListener("error", (e) => {
//		if (e.data) { // the server's error; without data, the connection
//			const err = JSON.parse(e.data); // failed and EventSource retries
//			es.close();
//			report(err.code, err.message);
//		}
//	});
//
// Close the EventSource on end and on the server's error: otherwise it
// reconnects and the stream starts over.
//
// An error before the first item — a request that does not decode, an
// interceptor's refusal, a bad timeout header, or the iterator's own error
// before it yields anything — is an ordinary error response with its status,
// as for a unary method (an EventSource then fails without retrying). Errors
// during the stream are mapped as a unary method's are: a panic is internal
// and logged, a plain error's text is withheld unless WithErrorText.
//
// The iterator runs on the request's goroutine and each item is written
// before the next is asked for, so a slow reader blocks the producer in
// yield once the socket buffers are full: nothing queues in memory. The
// method's context ends when the client goes away or the Stdrpc-Timeout-Ms
// deadline passes; an iterator that then returns ends the stream with the
// context's error (canceled or deadline_exceeded), not as complete. Server
// interceptors wrap the whole stream and see its final error.
//
// A client that stops reading without closing the connection blocks the
// producer in yield only until a write has waited for WithWriteTimeout (30
// seconds by default); the stream then ends, yield returns false, and the
// connection is closed. The bound is per write, so a stream lasts as long
// as it is read. An http.Server's WriteTimeout, by contrast, bounds a whole
// response, a stream included: leave it unset, as NewServer does.
//
// The generated Go client returns an iter.Seq2 that calls the method when
// the loop starts, over NDJSON, and yields each item as its line arrives:
//
//	for tick, err := range feed.Ticks(ctx, "hi") {
//		if err != nil {
//			return err // the server's error, or the call's
//		}
//		if tick.N == 10 {
//			break // closes the stream; the server's context is canceled
//		}
//	}
//
// See Stream for its errors, and WithMaxResponseBytes for the bound on one item.
//
// # Client and bidirectional streams
//
// A method whose one data parameter is an iter.Seq[T] is a client stream,
// and with an iter.Seq2[U, error] result a bidirectional stream:
//
//	Upload(ctx context.Context, readings iter.Seq[Reading]) (Summary, error)
//	Sync(ctx context.Context, in iter.Seq[Edit]) iter.Seq2[Edit, error]
//
// Both answer POST /{Service}/{Method} (HandleClientStream,
// HandleBidiStream). The request body is the caller's items as NDJSON,
// Content-Type application/x-ndjson: one JSON value per line (the item
// itself, not wrapped), each line at most WithMaxBodyBytes long, its \n or
// \r\n not counted; blank lines are skipped. The caller ends its side by
// ending the body: the last chunk of a chunked HTTP/1.1 body, the end of
// the stream in HTTP/2, or the end of a body sent with a Content-Length.
// The body as a whole has no limit, since a stream may last for ever; with
// WithCompression it may be gzip (Content-Encoding: gzip), as for a unary
// call.
//
// The server's method ranges over in as the lines arrive, each decoded when
// the loop asks for it, so a caller can send no faster than the method
// reads (the connection's buffers aside). A line that does not decode ends
// in and fails the call with 400 invalid_argument naming the line and the
// field ("request line 3 field \"n\": cannot use a JSON string as int"), a
// line over the limit with 413 resource_exhausted ("request line 2 is
// longer than this server's limit of 4194304 bytes"), whatever the method
// returns; its context is canceled, and the server goes on serving.
//
// A client stream is answered as a unary method is: 200 with the result as
// JSON, or the error's status and body. A bidirectional stream is answered
// with a server stream's NDJSON: {"result":item} lines, each flushed as the
// method yields it, while the request is still arriving, then {"end":true}
// or {"error":{...}}; an error before the first item is an ordinary error
// response with its status. Both directions are open at once: over HTTP/1.1
// the server reads the request while it writes the response
// (http.ResponseController.EnableFullDuplex), and the response says
// Connection: close if the request has not ended by then, since the
// connection's next bytes are the rest of it; HTTP/2 streams are always
// full duplex.
//
//	$ curl -sN -X POST -T - -H 'Content-Type: application/x-ndjson' http://localhost:8080/Dev/Echo
//	{"n":1}
//	{"result":{"n":2}}
//	^D
//	{"end":true}
//
// (-T - sends standard input as the body, chunked, as curl reads it, and
// -X POST is needed since -T alone sends a PUT.)
//
// Cancellation, deadlines, metadata, interceptors and observers are as for
// server streams: Stdrpc-Timeout-Ms bounds the whole call, and when it
// passes, or the caller goes away, the method's context ends and a range
// over in that waits for a line returns. One interceptor call wraps the
// whole stream; an Observer counts each stream as one call. The server's
// ReadTimeout (NewServer's DefaultReadTimeout) bounds a whole request, which
// here is the whole call, so it does not apply to these: a stream lasts as
// long as its caller keeps it open, unless the method or an interceptor
// sets a deadline. Over HTTP/1.1 a caller that goes away is noticed when
// the method next reads in or writes an item; over HTTP/2 at once.
//
// The generated Go client (ClientStream, BidiStream) sends the caller's
// iterator as the body, pulling it no more than a few items ahead of what
// the connection has taken (the items ready go out together, many to a
// write), and reads the response as it arrives:
//
//	sum, err := dev.Upload(ctx, slices.Values(readings))
//	for edit, err := range doc.Sync(ctx, edits) { ... }
//
// Breaking out of the loop, or ctx ending, ends the call on both sides.
//
// The same path answers a GET with Upgrade: websocket, for browsers, which
// cannot send a request body as a stream (see below); other GETs get 426
// Upgrade Required. JSON-RPC cannot carry these methods: a call of one is
// answered -32601, naming the route (HandleJSONRPCClientStream,
// HandleJSONRPCBidiStream).
//
// # WebSockets, for browsers
//
// A browser cannot stream a request body, so the route of a client or
// bidirectional stream (HandleClientStream, HandleBidiStream) also opens
// as a WebSocket (RFC 6455): a GET of the same path with Upgrade:
// websocket. Each item is one JSON text message, each way:
//
//	const ws = new WebSocket("wss://api.example.com/Editor/Sync");
//	ws.onopen = () => { ws.send(JSON.stringify(edit)); ... };
//	ws.onmessage = (e) => {
//		const m = JSON.parse(e.data);
//		if ("result" in m) apply(m.result);     // an item (or a client stream's result)
//		else if (m.end) { }                    // the stream is complete
//		else if (m.error) show(m.error.code, m.error.message);
//	};
//	ws.send("");                               // the page's side is done
//
// The page sends each item as the JSON value a line of an NDJSON request
// would hold, and ends its side with an empty text message; the method's
// in then ends. The server sends the frames of an NDJSON stream, one per
// message: {"result":…} for each item, or a client stream's result, then
// {"end":true}, or {"error":{"code":…,"message":…}} for an error, and then
// closes the WebSocket with 1000. The handshake's headers, cookies
// included, are the call's metadata.
//
// The page closing the WebSocket cancels the call, before or after its
// empty message, as a client going away does: a close ends the page's
// reading too (browsers drop messages that arrive once they have sent
// theirs), so end with the empty message to read the rest. A binary
// message, a blank one, an item that does not decode, or a message after
// the empty one fails the call with invalid_argument, sent as the last
// message. A message over WithMaxBodyBytes closes the WebSocket with 1009
// at once (its reason names the limit), as a frame that breaks the
// protocol does with 1002 and text that is not UTF-8 with 1007; the call
// fails with resource_exhausted or invalid_argument. A message is charged
// to WithBodyBudget while the method has it; one the budget has no room for
// closes the WebSocket with 1013 (try again later), and the call fails with
// unavailable. Writes are bounded by
// WithWriteTimeout, as a stream's are: a page that stops reading ends the
// call.
//
// A browser lets any page open a WebSocket to any server, with the user's
// cookies. The route accepts pages of its own origin (the Origin header
// names the host the request was sent to), requests without an Origin (not
// from a browser), and pages of the origins WithCORS lists ("*" for any);
// other pages are refused with 403. A page WithCORS allows without
// Credentials gets in without its cookies and Authorization: the method
// sees neither, as a fetch from that page would send neither.
package stdhttp
