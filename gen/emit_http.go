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
	p.line("func %s(mux *%s.ServeMux, impl %s, opts ...%s.ServerOption) {", s.RegisterHTTP, rt.HTTP, s.Name, rt.StdHTTP)
	p.line("\ts := %s.NewService(mux, %q, opts...)", rt.StdHTTP, s.WireName)
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
		emitClientMethod(p, m, s.HTTPClient, "/"+s.WireName+"/"+m.Name, rt.StdHTTP)
	}
	p.line("")
}

// emitHTTPHandler prints a method's handler function, its POST
// /{Service}/{Method} registration and its own routes.
func emitHTTPHandler(p *printer, s *service, m *rpcMethod) {
	rt := s.Runtime
	req := m.Request.Type
	if m.Request.Kind == noShape {
		req = "struct{}"
	}
	call := "impl." + m.Name + "(" + callArgs(m, "ctx") + ")"
	head := fmt.Sprintf("\t%s := func(ctx %s.Context, req *%s)", m.HTTPVar, rt.Context, req)
	handle, handleRoute := "Handle", "HandleRoute"
	switch {
	case m.Kind == serverStream:
		p.line("%s %s {", head, m.Stream)
		p.line("\t\treturn %s", call)
		handle, handleRoute = "HandleStream", "HandleStreamRoute"
	case m.Response.Kind == noShape:
		p.line("%s (struct{}, error) {", head)
		p.line("\t\treturn struct{}{}, %s", call)
	case m.Response.Kind == direct:
		p.line("%s (%s, error) {", head, m.Response.Type)
		p.line("\t\treturn %s", call)
	default:
		p.line("%s (resp %s, err error) {", head, m.Response.Type)
		p.line("\t\t%s = %s", assignResults(m), call)
		p.line("\t\treturn resp, err")
	}
	p.line("\t}")
	p.line("\t%s.%s(s, %q, %s)", rt.StdHTTP, handle, m.Name, m.HTTPVar)
	for _, r := range m.Routes {
		p.line("\t%s.%s(s, %q, %q, func(r *%s.Request, req *%s) error {", rt.StdHTTP, handleRoute, m.Name, r.Pattern, rt.HTTP, req)
		args := []string{"r", bodyArg(r)}
		for _, b := range r.Path {
			args = append(args, fmt.Sprintf("%s.Path(%q, &req.%s)", rt.StdHTTP, b.Key, b.Field))
		}
		for _, b := range r.Query {
			args = append(args, fmt.Sprintf("%s.Query(%q, &req.%s)", rt.StdHTTP, b.Key, b.Field))
		}
		p.line("\t\treturn %s.Bind(%s)", rt.StdHTTP, strings.Join(args, ", "))
		p.line("\t}, %s)", m.HTTPVar)
	}
}

// bodyArg is what Bind decodes the request body into.
func bodyArg(r *route) string {
	switch r.Body {
	case wholeBody:
		return "req"
	case fieldBody:
		return "&req." + r.BodyField
	}
	return "nil"
}
