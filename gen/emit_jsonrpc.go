package gen

import (
	"fmt"
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
	p.line("\t%s := %s.NewJSONRPCService(%s, %q, %s...)", l.Svc, rt.StdHTTP, l.JSONRPC, s.WireName, l.Opts)
	for _, m := range s.Methods {
		if m.Kind.takesStream() {
			// JSON-RPC cannot carry the caller's items: the endpoint
			// answers with an error naming the route that can.
			handle := "HandleJSONRPCClientStream"
			if m.Kind == bidiStream {
				handle = "HandleJSONRPCBidiStream"
			}
			p.line("\t%s.%s(%s, %s)", rt.StdHTTP, handle, l.Svc, jsonrpcMethodLit(m, rt))
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
		if m.Kind.takesStream() {
			break // the caller's items, which JSON-RPC does not carry
		}
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
