package gen

import (
	"fmt"
	"strings"
)

// emitHTTP prints a service's net/http registration, handler and client.
func emitHTTP(p *printer, s *service) {
	rt := s.Runtime
	if s.HasRoutes {
		p.line("// %s registers impl's routes on mux: POST /%s/{Method} for every method,", s.RegisterHTTP, s.WireName)
		p.line("// and each method's own //stdrpc:http route.")
	} else {
		p.line("// %s registers impl's routes on mux: POST /%s/{Method} for every method.", s.RegisterHTTP, s.WireName)
	}
	l := s.HTTPLocals
	p.line("func %s(%s *%s.ServeMux, %s %s, %s ...%s.ServerOption) {", s.RegisterHTTP, l.Mux, rt.HTTP, l.Impl, s.Name, l.Opts, rt.StdHTTP)
	p.line("\t%s := %s.NewService(%s, %q, %s...)", l.Svc, rt.StdHTTP, l.Mux, s.WireName, l.Opts)
	p.line("\t%s.ServeOpenAPI(%s)", l.Svc, s.OpenAPI)
	for _, m := range s.Methods {
		emitHTTPHandler(p, s, m)
	}
	p.line("}")
	p.line("")

	p.line("// %s returns an http.Handler serving impl's routes (see %s).", s.NewHTTPHandler, s.RegisterHTTP)
	p.line("func %s(impl %s, opts ...%s.ServerOption) %s.Handler {", s.NewHTTPHandler, s.Name, rt.StdHTTP, rt.HTTP)
	p.line("\tmux := %s.NewServeMux()", rt.HTTP)
	p.line("\t%s(mux, impl, opts...)", s.RegisterHTTP)
	p.line("\treturn mux")
	p.line("}")
	p.line("")

	p.line("type %s struct {", s.HTTPClient)
	p.line("\tc *%s.Client", rt.StdHTTP)
	p.line("}")
	p.line("")
	p.line("// %s returns a %s that calls the HTTP service at baseURL", s.NewHTTPClient, s.Name)
	p.line("// (such as \"http://localhost:8080\"; a path prefix is kept).")
	p.line("func %s(baseURL string, opts ...%s.ClientOption) %s {", s.NewHTTPClient, rt.StdHTTP, s.Name)
	p.line("\treturn %s{c: %s.NewClient(baseURL, opts...)}", s.HTTPClient, rt.StdHTTP)
	p.line("}")
	for _, m := range s.Methods {
		emitClientMethod(p, m, s.HTTPClient, "/"+s.WireName+"/"+m.Name, rt, rt.StdHTTP)
	}
	p.line("")
	p.line("// %s is the package's OpenAPI document, which %s serves at", s.OpenAPI, s.RegisterHTTP)
	p.line("// GET /%s/openapi.json when given stdhttp.WithOpenAPI().", s.WireName)
	p.line("//")
	p.line("//go:embed %s", s.OpenAPIFile)
	p.line("var %s string", s.OpenAPI)
	p.line("")
}

// emitHTTPHandler prints a method's handler function, its POST
// /{Service}/{Method} registration and its own routes.
func emitHTTPHandler(p *printer, s *service, m *rpcMethod) {
	rt, l := s.Runtime, s.HTTPLocals
	req := emitCallClosure(p, s, m)
	handle, handleRoute := "Handle", "HandleRoute"
	switch m.Kind {
	case serverStream:
		handle, handleRoute = "HandleStream", "HandleStreamRoute"
	case clientStream:
		handle = "HandleClientStream" // takes no routes
	case bidiStream:
		handle = "HandleBidiStream"
	}
	opts := ""
	if m.Request.Kind == direct && m.Request.Pointer {
		opts = ", " + rt.StdHTTP + ".NilRequest()" // a nil argument arrives as nil, as in a local call
	}
	p.line("\t%s.%s(%s, %q, %s%s)", rt.StdHTTP, handle, l.Svc, m.Name, m.HTTPVar, opts)
	for _, r := range m.Routes {
		p.line("\t%s.%s(%s, %q, %q, func(%s *%s.Request, %s *%s) error {", rt.StdHTTP, handleRoute, l.Svc, m.Name, r.Pattern, l.R, rt.HTTP, l.Req, req)
		args := []string{l.R, bodyArg(r, l.Req)}
		for _, b := range r.Path {
			args = append(args, fmt.Sprintf("%s.Path(%q, &%s.%s)", rt.StdHTTP, b.Key, l.Req, b.Field))
		}
		for _, b := range r.Query {
			args = append(args, fmt.Sprintf("%s.Query(%q, &%s.%s)", rt.StdHTTP, b.Key, l.Req, b.Field))
		}
		p.line("\t\treturn %s.Bind(%s)", rt.StdHTTP, strings.Join(args, ", "))
		p.line("\t}, %s)", m.HTTPVar)
	}
}

// emitCallClosure prints the local function, named m.HTTPVar, that calls
// the implementation with a decoded request (or the stream of items the
// caller sends), and returns the request type.
func emitCallClosure(p *printer, s *service, m *rpcMethod) string {
	rt, l := s.Runtime, s.HTTPLocals
	req := m.Request.Type
	if m.Request.Kind == noShape {
		req = "struct{}"
	}
	param, arg := l.Req+" *"+req, l.Req
	if m.Kind.takesStream() {
		param, arg = l.In+" "+m.InSeq, l.In
	}
	call := l.Impl + "." + m.Name + "(" + callArgs(m, l.Ctx, arg) + ")"
	head := fmt.Sprintf("\t%s := func(%s %s.Context, %s)", m.HTTPVar, l.Ctx, rt.Context, param)
	switch {
	case m.Kind.returnsStream():
		p.line("%s %s {", head, m.Stream)
		p.line("\t\treturn %s", call)
	case m.Response.Kind == noShape:
		p.line("%s (struct{}, error) {", head)
		p.line("\t\treturn struct{}{}, %s", call)
	case m.Response.Kind == direct:
		p.line("%s (%s, error) {", head, m.Response.Type)
		p.line("\t\treturn %s", call)
	default:
		p.line("%s (%s %s, %s error) {", head, l.Resp, m.Response.Type, l.Err)
		p.line("\t\t%s = %s", assignResults(m, l.Resp, l.Err), call)
		p.line("\t\treturn %s, %s", l.Resp, l.Err)
	}
	p.line("\t}")
	return req
}

// bodyArg is what Bind decodes the request body into: the request req, or
// one of its fields.
func bodyArg(r *route, req string) string {
	switch r.Body {
	case wholeBody:
		return req
	case fieldBody:
		return "&" + req + "." + r.BodyField
	}
	return "nil"
}
