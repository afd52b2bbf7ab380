// Package observe makes stdrpc's servers and clients watchable with the
// tools operators already run: metrics that Prometheus scrapes (and that
// expvar serves), an access log through log/slog, and W3C trace context
// (see stdrpc.Trace), on every transport alike. Like the rest of the
// runtime it imports only the standard library.
//
// One Observer serves a process:
//
//	obs := observe.New(observe.WithAccessLog(slog.Default(), nil))
//	mux.Handle("GET /metrics", obs) // Prometheus's text format
//	expvar.Publish("stdrpc", obs)   // JSON at /debug/vars
//
//	netrpcx.NewServer(srv, netrpcx.WithObserver(obs))
//	RegisterCalculatorHTTP(mux, impl, stdhttp.WithObserver(obs))
//	netrpcx.Dial("tcp", addr, netrpcx.WithClientObserver(obs))
//	NewCalculatorHTTPClient(url, stdhttp.WithClientObserver(obs))
//
// # Metrics
//
// Every series has the labels transport ("netrpc", "http", "jsonrpc"), service and
// method; calls_finished also has code, the stdrpc code the call ended with
// ("ok", "not_found", ...). A stream counts as one call, from its request
// to its end.
//
//	stdrpc_server_calls_started_total        counter    calls the server began to serve
//	stdrpc_server_calls_finished_total       counter    calls it finished, by code
//	stdrpc_server_calls_in_flight            gauge      unary calls being served
//	stdrpc_server_streams_open               gauge      streams open (stream methods)
//	stdrpc_server_stream_items_sent_total    counter    items streams sent (stream methods)
//	stdrpc_server_call_duration_seconds      histogram  request to response; a stream's whole life
//	stdrpc_server_request_bytes              histogram  request sizes
//	stdrpc_server_response_bytes             histogram  unary response sizes
//	stdrpc_client_calls_started_total        counter    calls the client began
//	stdrpc_client_calls_finished_total       counter    calls it finished, by code
//	stdrpc_client_calls_in_flight            gauge      calls (streams too) under way
//	stdrpc_client_call_duration_seconds      histogram  as the caller saw it, retries included
//	stdrpc_client_retries_total              counter    idempotent calls sent again
//	stdrpc_client_failovers_total            counter    calls moved to another server unsent
//
// Durations have buckets from 5µs (a small call's time in its server; over
// loopback a client sees 20µs and more) to 10s; sizes
// from 64 B to 16 MiB, in steps of four. Sizes are as on the wire: the body
// over HTTP, the body's gob message over net/rpc.
//
// A method's counters are found once, when it is registered (a server) or
// first called (a client); after that a call costs a clock reading at each
// end and a few atomic additions, with no lock, map or allocation.
// Servers count only the methods they have, so a caller cannot make series
// up by calling names the server lacks.
//
// # Access log
//
// With WithAccessLog, a server writes one record per call when the call
// ends (a stream: once, at its end), at a level chosen from its code
// (DefaultLevel, or a function of your own):
//
//	{"time":"...","level":"INFO","msg":"call","service":"Calculator","method":"Add",
//	 "transport":"http","code":"ok","duration":183042,"peer":"127.0.0.1:52414",
//	 "request_bytes":13,"response_bytes":2,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}
//
// duration is in nanoseconds with slog's JSON handler, and reads like
// "183.042µs" with its text handler.
//
// # Transports
//
// Server, Client, Method and Call are what a transport uses to report its
// calls; a new transport (JSON-RPC) reports through them the same way, and
// its calls join the same metrics under its own transport label.
package observe
