package gen

import (
	"fmt"
	"slices"
	"strings"
)

// emitJSONRPC prints a service's JSON-RPC 2.0 registration: each method
// under "Service.Method" and its //stdrpc:jsonrpc aliases, on a
// stdhttp.JSONRPC endpoint.
func emitJSONRPC(p *printer, s *service) {
	rt, l := s.Runtime, s.HTTPLocals
	p.line("// %s registers impl's methods on the JSON-RPC endpoint %s, each named", s.RegisterJSONRPC, l.JSONRPC)
	p.line("// %q and by its //stdrpc:jsonrpc aliases.", s.WireName+".Method")
	p.line("func %s(%s *%s.JSONRPC, %s %s, %s ...%s.ServerOption) {", s.RegisterJSONRPC, l.JSONRPC, rt.StdHTTP, l.Impl, s.Name, l.Opts, rt.StdHTTP)
	svc := l.Svc + " := "
	if !slices.ContainsFunc(s.Methods, func(m *rpcMethod) bool { return !m.Kind.takesStream() }) {
		svc = "" // nothing registers on it yet
	}
	p.line("\t%s%s.NewJSONRPCService(%s, %q, %s...)", svc, rt.StdHTTP, l.JSONRPC, s.WireName, l.Opts)
	for _, m := range s.Methods {
		if m.Kind.takesStream() {
			// TODO(issue 18): register client and bidirectional streams
			// here, so that the endpoint answers them with a clear error,
			// once stdhttp names the function that does.
			continue
		}
		emitCallClosure(p, s, m)
		handle := "HandleJSONRPC"
		if m.Kind == serverStream {
			handle = "HandleJSONRPCStream"
		}
		opts := ""
		if m.Request.Kind == direct && m.Request.Pointer {
			opts = ", " + rt.StdHTTP + ".NilRequest()" // a nil argument arrives as nil, as in a local call
		}
		p.line("\t%s.%s(%s, %s, %s%s)", rt.StdHTTP, handle, l.Svc, jsonrpcMethodLit(m, rt), m.HTTPVar, opts)
	}
	p.line("}")
	p.line("")
}

// jsonrpcMethodLit renders the stdhttp.JSONRPCMethod describing m.
func jsonrpcMethodLit(m *rpcMethod, rt runtimeNames) string {
	fields := []string{fmt.Sprintf("Name: %q", m.Name)}
	var names []string
	for _, prm := range m.Params {
		if prm.Name != "" && prm.Name != "_" {
			names = append(names, fmt.Sprintf("%q", prm.Name))
		}
	}
	if len(names) > 0 {
		fields = append(fields, "Params: []string{"+strings.Join(names, ", ")+"}")
	}
	if m.Request.Kind == direct {
		fields = append(fields, "Lone: true")
	}
	if n := len(m.Params); n > 0 && m.Params[n-1].Variadic {
		fields = append(fields, "Variadic: true")
	}
	if len(m.JSONRPCAliases) > 0 {
		var as []string
		for _, a := range m.JSONRPCAliases {
			as = append(as, fmt.Sprintf("%q", a))
		}
		fields = append(fields, "Aliases: []string{"+strings.Join(as, ", ")+"}")
	}
	return rt.StdHTTP + ".JSONRPCMethod{" + strings.Join(fields, ", ") + "}"
}
