package gen

import "go/token"

// The model holds every decision the emitters need: names, wire shapes,
// rendered types, routes, doc comments. Emitters print from it alone, so a new
// output (OpenAPI, a TypeScript client) is one more emitter over it.

// A genFile is one generated file: the services declared in one source file.
type genFile struct {
	Source  string // the source file declaring the services (absolute)
	Path    string // the generated file: see outputPath (absolute)
	Package string // package name
	// Build is the source file's //go:build expression, if any; the
	// generated file is built under the same condition.
	Build    string
	Imports  []genImport // sorted by path
	Services []*service
	// Gofmt is set when the printed file needs gofmt to be formatted: it
	// spells a type gofmt lays out differently (a struct literal) or holds
	// a /* */ doc comment. Otherwise the emitters print gofmt's output
	// themselves, which saves most of the time emitting takes.
	Gofmt bool
	// JSONCodecs are the JSON codecs the file prints (see model_json.go).
	JSONCodecs []*jsonCodec
	// GobCodecs are the gob codecs the file prints (see model_gob.go).
	GobCodecs []*gobCodec
}

// A genImport is one import of a generated file.
type genImport struct {
	Path string
	Name string // the name the generated code uses
	// Explicit reports whether the import spec needs Name written out
	// (an alias, or a package whose name is not its path's last element).
	Explicit bool
}

// Well-known names the generated code refers to through its import registry.
type runtimeNames struct {
	Context string // "context"
	HTTP    string // "http" (net/http)
	RPC     string // "rpc" (net/rpc)
	NetRPCX string // "netrpcx"
	StdHTTP string // "stdhttp"
	Iter    string // "iter", only in a file with a stream
}

// A service is one //stdrpc:service interface.
type service struct {
	Name     string // the interface's Go name: Calculator
	WireName string // net/rpc service name and HTTP path segment: Calculator or name=
	Pos      token.Position
	Methods  []*rpcMethod
	Runtime  runtimeNames

	// Generated identifiers.
	NetRPCServer    string // CalculatorNetRPC
	RegisterNetRPC  string // RegisterCalculatorNetRPC
	NetRPCClient    string // calculatorNetRPCClient
	NewNetRPCClient string // NewCalculatorNetRPCClient
	RegisterHTTP    string // RegisterCalculatorHTTP
	NewHTTPHandler  string // NewCalculatorHTTPHandler
	HTTPClient      string // calculatorHTTPClient
	NewHTTPClient   string // NewCalculatorHTTPClient
	RegisterJSONRPC string // RegisterCalculatorJSONRPC
	// OpenAPI is the variable holding the package's OpenAPI document,
	// embedded from OpenAPIFile: calculatorOpenAPI, calc.openapi.json.
	OpenAPI     string
	OpenAPIFile string

	HasRoutes bool // some method has a //stdrpc:http route

	// Locals of the generated server functions.
	NetRPCLocals netRPCLocals
	HTTPLocals   httpLocals
}

// netRPCLocals are the names inside the net/rpc adapter methods: the
// receiver and parameters (s, req, resp) and the handler closure's (ctx,
// err). One set serves every method of a service, so receivers agree.
type netRPCLocals struct {
	Recv, Req, Resp, Ctx, Err string
	In                        string // the stream a client or bidirectional stream takes
}

// httpLocals are the names inside Register<Service>HTTP: its parameters
// (mux, impl, opts), the stdhttp.Service (s), and the parameters of the
// closures it registers (ctx, req, resp, err; r for a route's binder).
type httpLocals struct {
	Mux, Impl, Opts, Svc   string
	JSONRPC                string // RegisterXJSONRPC's endpoint parameter: j
	Ctx, Req, Resp, Err, R string
	In                     string // the stream a client or bidirectional stream takes
}

// methodKind tells how a method exchanges messages.
type methodKind int

const (
	// unary methods take one request and return one response.
	unary methodKind = iota
	// serverStream methods take one request and return iter.Seq2[T, error]:
	// the server sends items until the sequence ends or fails.
	serverStream
	// clientStream methods take iter.Seq[T] as their only data parameter
	// and return as unary methods do: the caller sends items until its
	// sequence ends, and the server answers once.
	clientStream
	// bidiStream methods take iter.Seq[T] and return iter.Seq2[U, error]:
	// both sides send items as they have them.
	bidiStream
)

// takesStream reports whether the caller sends a stream of items.
func (k methodKind) takesStream() bool { return k == clientStream || k == bidiStream }

// returnsStream reports whether the server answers with a stream of items.
func (k methodKind) returnsStream() bool { return k == serverStream || k == bidiStream }

// An rpcMethod is one method of a service.
type rpcMethod struct {
	Name string
	Kind methodKind
	Pos  token.Position
	Doc  []string // the method's doc comment lines ("// Add returns a+b."), directives removed

	HasContext bool     // the first parameter is a context.Context
	Params     []*param // data parameters, in order
	Results    []*param // data results, in order (the final error excluded)

	Request  shape // how the parameters travel; noShape when the caller sends a stream
	Response shape // how the results travel; noShape when the server answers with a stream

	// A stream's rendered element type (T) and result type (iter.Seq2[T, error]).
	Elem   string
	Stream string
	// The rendered element type (T) and type (iter.Seq[T]) of the stream a
	// client or bidirectional stream takes: its one data parameter.
	InElem string
	InSeq  string

	Routes []*route // the method's //stdrpc:http routes

	// JSONRPCAliases are the method's //stdrpc:jsonrpc names, besides
	// "Service.Method".
	JSONRPCAliases []string

	// Idempotent reports that the method is safe to call twice: it is
	// marked //stdrpc:idempotent, or has a GET or HEAD route. A unary
	// method's clients pass the runtime's Idempotent call option.
	Idempotent bool

	Client  clientFunc // the generated client method
	HTTPVar string     // the handler's local variable in Register<Service>HTTP

	// NetRPCCall is the net/rpc adapter's unexported method that runs the
	// call with its context (add for Add): what netrpcx servers call.
	NetRPCCall string
}

// A param is a data parameter or result.
type param struct {
	Name     string // as written; "" when unnamed
	Field    string // its field in an envelope: Name capitalised
	Type     string // rendered type; for a variadic parameter, the slice type
	Variadic bool
	Pos      token.Position
}

// shapeKind tells how a request or response travels.
type shapeKind int

const (
	// noShape: nothing travels (no parameters, or no results).
	noShape shapeKind = iota
	// direct: a lone value travels as itself.
	direct
	// envelope: the values travel as fields of a generated struct.
	envelope
)

// A shape is the wire form of a request or a response.
type shape struct {
	Kind shapeKind
	// Type is the rendered type that travels: the envelope's name, or the
	// lone value's type (without its pointer for a *struct parameter).
	Type string
	// Pointer is set for a Direct *struct parameter: the value is already a pointer.
	Pointer bool
	// Fields are the envelope's fields: the Params or Results.
	Fields []*param
}

// A route is a //stdrpc:http route.
type route struct {
	Method  string // GET
	Pattern string // the full ServeMux pattern: "GET /users/{id}"
	Pos     token.Position
	Path    []binding // path wildcards
	Query   []binding // query parameters (GET, HEAD, DELETE)
	Body    bodyKind
	// BodyField names the envelope field the body decodes into when Body is fieldBody.
	BodyField string
}

// A binding binds a wildcard or query key to an envelope field.
type binding struct {
	Key   string // wildcard name or query key: the parameter name
	Field string // envelope field
}

// bodyKind tells what a route's request body decodes into.
type bodyKind int

const (
	// noBody: the route reads no body.
	noBody bodyKind = iota
	// wholeBody: the body is the whole request (envelope or lone struct).
	wholeBody
	// fieldBody: the body is one struct field of the envelope.
	fieldBody
)

// A clientFunc is the signature and locals of a generated client method.
type clientFunc struct {
	Recv    string        // receiver name: c
	Ctx     string        // the context parameter's name; "" when the method takes none
	Params  []clientParam // the whole parameter list, context included
	Results []clientParam // data results then the error; names empty when unnamed
	// ResultsNamed reports whether Results carry names.
	ResultsNamed bool
	Resp         string // local holding the response: resp
	Err          string // the error variable: err
	ErrDeclared  bool   // Err is a named result (assign with =, not :=)
}

// A clientParam is one entry of a generated signature.
type clientParam struct {
	Name     string
	Type     string // rendered; the element type for a variadic parameter
	Variadic bool
}
