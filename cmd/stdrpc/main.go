// Stdrpc generates net/rpc and net/http servers and clients for Go
// interfaces.
//
// Usage:
//
//	stdrpc [-check] [-v] [packages]
//
// Mark an interface in its doc comment, and give methods HTTP routes if you
// like:
//
//	//stdrpc:service
//	type Calculator interface {
//		// Add returns a+b.
//		Add(ctx context.Context, a, b int) (int, error)
//
//		// Divide returns the quotient and remainder of a/b.
//		//stdrpc:http GET /divide/{a}/{b}
//		Divide(ctx context.Context, a, b int) (quo, rem int, err error)
//	}
//
// then run stdrpc through go generate, with one directive in a file at the
// module root that covers every package of the module:
//
//	//go:generate go tool stdrpc ./...
//
// One run loads all the packages at once; a directive in each package
// works too (//go:generate go tool stdrpc, for the package's directory),
// but costs a start of the tool and a load per package. From a package
// below the root, the module's import path pattern (example.com/m/...)
// names the same packages.
//
// For each source file declaring services, stdrpc writes <file>_stdrpc.go
// beside it (<file>_stdrpc_linux.go for <file>_linux.go: a file named for
// an OS or architecture keeps its name's constraint, as it keeps its
// //go:build line) with, per service S:
//
//	func RegisterSNetRPC(srv *rpc.Server, impl S) error
//	func NewSNetRPCClient(c *netrpcx.Client) S
//	func RegisterSHTTP(mux *http.ServeMux, impl S, opts ...stdhttp.ServerOption)
//	func NewSHTTPHandler(impl S, opts ...stdhttp.ServerOption) http.Handler
//	func NewSHTTPClient(baseURL string, opts ...stdhttp.ClientOption) S
//
// and the request and response envelopes <S><Method>Request and
// <S><Method>Response where several values travel together. For each
// package it also writes <package>.openapi.json, an OpenAPI 3.1 document of
// its services' HTTP routes and the types they carry, which the generated
// code embeds and stdhttp.WithOpenAPI serves at GET /{Service}/openapi.json.
//
// # Directives
//
//	//stdrpc:service [name=NAME]
//
// marks an interface as a service. NAME (default: the interface's name) is
// the net/rpc service name and the HTTP path segment; it may hold dots, as
// in acme.v1.Calculator.
//
//	//stdrpc:http METHOD PATTERN
//
// gives a method a REST route, an http.ServeMux pattern such as
// GET /users/{id}. Wildcards bind to the parameters of the same name; for
// GET, HEAD and DELETE the other parameters come from the query string,
// otherwise from a JSON body. A lone struct parameter's wildcards bind its
// own fields by JSON name: PUT /items/{key} on Put(ctx, item Item) decodes
// the body into item, then sets item.Key (tagged json:"key") from the path.
// Every method also answers POST /{Service}/{Method}.
//
//	//stdrpc:idempotent
//
// declares that calling a method twice has the effect of calling it once; a
// method with a GET or HEAD route is idempotent without it. Its generated
// clients pass netrpcx.Idempotent() or stdhttp.Idempotent() on each call
// (not on a stream's), so the runtime may send it again after a connection
// breaks.
//
//	//stdrpc:jsonrpc NAME
//
// gives a method another JSON-RPC 2.0 name besides "Service.Method" (such
// as add), on the stdhttp.JSONRPC endpoint Register<Service>JSONRPC
// registers it on.
//
// # Methods
//
// The first parameter may be a context.Context and the last result must be
// error (a stream, below, is the one exception). Parameters and results must be types both encoding/gob and
// encoding/json can encode: no channels, funcs, interfaces or complex
// numbers. Names are the wire contract: name the parameters, and the
// results when there are two or more (a lone struct parameter travels as
// itself and needs no name).
//
// A type with a marshaler for one codec only (MarshalJSON without
// GobEncode or MarshalBinary, or the reverse) is rejected when the other
// codec would lose part of it, as it does a struct's unexported fields, and
// each marshaler needs its unmarshaler; MarshalText serves both codecs. A
// pointer parameter written into as a result (Multiply(args *Args, reply
// *int) error) is rejected with the method to write instead. Unexported
// fields of structs that travel get a warning: neither codec sends them.
//
// # Streams
//
// A method whose only result is iter.Seq2[T, error] is a server stream:
// the server sends items as the sequence yields them, and a yielded error
// ends the stream with its code. It takes a context.Context first (the
// stream lasts until the context is done) and its parameters travel as any
// method's, routes included:
//
//	// Ticks yields a Tick each time there is news, until ctx is done.
//	//stdrpc:http GET /ticks/{note}
//	Ticks(ctx context.Context, note string) iter.Seq2[Tick, error]
//
// T follows the rules of any result. The generated clients return an
// iter.Seq2[T, error] too: each range over it is a new call, items arrive
// in order, and breaking out of the loop ends the call and cancels the
// server's context. Over net/rpc the items come in batches, one per call of
// the adapter method (netrpcx.HandleStream, netrpcx.Stream); over HTTP, as
// Server-Sent Events or NDJSON (stdhttp.HandleStream, stdhttp.Stream).
// A channel result, a func(T) or func(T) error callback, or iter.Seq[T] is
// reported with the iter.Seq2 to write instead.
//
// A method whose one data parameter, after the context.Context it needs,
// is iter.Seq[T] takes a stream from the caller: a client stream, whose
// results follow any method's rules, or, with iter.Seq2[U, error] as its
// only result, a bidirectional stream:
//
//	// Upload stores chunks as they arrive and sums them up.
//	Upload(ctx context.Context, chunks iter.Seq[Chunk]) (Summary, error)
//
//	// Sync applies each edit and sends everyone's edits back.
//	Sync(ctx context.Context, in iter.Seq[Edit]) iter.Seq2[Edit, error]
//
// The server ranges over the items as they arrive; the generated clients
// pull the caller's iterator as the transport can send. Over HTTP the call
// is POST /{Service}/{Method}, NDJSON both ways (stdhttp.HandleClientStream,
// stdhttp.HandleBidiStream), and a WebSocket on the same path; over
// net/rpc, netrpcx on both ends (a stock peer gets unimplemented). Nothing
// travels beside the items, and they cannot be sent twice, so such a method
// takes no other data parameter, no //stdrpc:http route and no
// //stdrpc:idempotent. A channel parameter or an iter.Seq2 parameter is
// reported with the iter.Seq to write.
//
// # Flags
//
//	-check  write nothing; list the generated files (Go and OpenAPI) that
//	        are stale and exit 1 if there are any (for CI)
//	-v      print how long loading, checking, emitting and writing took, and
//	        what the run left alone and why (files of services that build
//	        constraints exclude for this GOOS and GOARCH)
//
// Packages are go list patterns; the default is the package in the current
// directory. Exit status: 0 when done, 1 when the input has problems (each
// printed as file:line:col: Service.Method: problem), a package does not
// load (printed with the go command's reason and the fix, such as
// "loading .: updates to go.mod needed: run go mod tidy"), a pattern
// matches no package, or -check found stale files; 2 for bad usage.
//
// Generated files carry //go:build !stdrpcgen and stdrpc loads packages with
// the tag stdrpcgen, added to those a -tags in GOFLAGS sets, so a stale or
// broken generated file never stops regeneration.
package main

import (
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"

	"github.com/stdrpc/stdrpc/gen"
)

// source is this file: -h prints its package doc, the manual.
//
//go:embed main.go
var source string

func main() {
	os.Exit(run(os.Args[1:], "", os.Stdout, os.Stderr))
}

// run is the command with its environment passed in: args without the
// program name, the working directory ("" for the current one), and where
// to print. It returns the exit status.
func run(args []string, dir string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("stdrpc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.Bool("check", false, "write nothing; list stale generated files and exit 1 if there are any")
	verbose := fs.Bool("v", false, "print the time each phase took")
	fs.Usage = func() {} // the flag package has printed what is wrong; see below
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, manual())
			return 0
		}
		fmt.Fprint(stderr, usage, "Run stdrpc -h for the manual.\n")
		return 2
	}

	res, err := gen.Run(gen.Config{Dir: dir, Patterns: fs.Args(), Check: *check})
	if *verbose && res != nil {
		fmt.Fprintf(stderr, "stdrpc: %s\n", res.PhaseTimes())
		for _, n := range res.Notes {
			fmt.Fprintln(stderr, n)
		}
	}
	if res != nil {
		for _, w := range res.Warnings {
			fmt.Fprintln(stderr, w)
		}
	}
	var diags gen.Diagnostics
	switch {
	case errors.As(err, &diags):
		for _, d := range diags {
			if d.Pos.Filename == "" {
				fmt.Fprint(stderr, "stdrpc: ")
			}
			fmt.Fprintln(stderr, d)
		}
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "stdrpc: %v\n", err)
		return 1
	}
	if *check {
		if stale := res.Stale(dir); len(stale) > 0 {
			for _, name := range stale {
				fmt.Fprintf(stderr, "%s: stale: run go generate (or stdrpc) to update it\n", name)
			}
			return 1
		}
	}
	return 0
}

// usage is the command's synopsis.
const usage = "usage: stdrpc [-check] [-v] [packages]\n"

// manual returns the package doc of this file as plain text.
func manual() string {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", source, parser.PackageClauseOnly|parser.ParseComments)
	if err != nil || f.Doc == nil {
		return usage
	}
	return f.Doc.Text()
}
