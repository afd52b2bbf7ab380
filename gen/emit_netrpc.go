package gen

import "fmt"

// emitNetRPC prints a service's net/rpc server adapter and client.
func emitNetRPC(p *printer, s *service) {
	rt := s.Runtime
	p.line("// %s serves a %s with the method shape net/rpc requires.", s.NetRPCServer, s.Name)
	p.line("// Register it with %s.", s.RegisterNetRPC)
	p.line("type %s struct {", s.NetRPCServer)
	p.line("\timpl %s", s.Name)
	p.line("}")
	p.line("")
	p.line("// %s registers impl on srv as the net/rpc service %q.", s.RegisterNetRPC, s.WireName)
	p.line("func %s(srv *%s.Server, impl %s) error {", s.RegisterNetRPC, rt.RPC, s.Name)
	recv := s.NetRPCLocals.Recv
	p.line("\t%s := &%s{impl: impl}", recv, s.NetRPCServer)
	p.line("\treturn %s.Register(srv, %q, %s,", rt.NetRPCX, s.WireName, recv)
	for _, m := range s.Methods {
		call := "Unary"
		switch m.Kind {
		case serverStream:
			call = "Streaming"
		case clientStream:
			call = "ClientStreaming"
		case bidiStream:
			call = "BidiStreaming"
		}
		opts := fmt.Sprintf("%s.%s(%s.%s)", rt.NetRPCX, call, recv, m.NetRPCCall)
		if m.Request.Kind == direct && m.Request.Pointer {
			opts += ", " + rt.NetRPCX + ".NilRequest()"
		}
		p.line("\t\t%s.NewMethod(%q, %s.%s, %s),", rt.NetRPCX, m.Name, recv, m.Name, opts)
	}
	p.line("\t)")
	p.line("}")
	for _, m := range s.Methods {
		p.line("")
		emitNetRPCMethod(p, s, m)
	}
	p.line("")

	p.line("type %s struct {", s.NetRPCClient)
	p.line("\tc *%s.Client", rt.NetRPCX)
	p.line("}")
	p.line("")
	p.line("// %s returns a %s that calls the net/rpc service %q through c.", s.NewNetRPCClient, s.Name, s.WireName)
	p.line("func %s(c *%s.Client) %s {", s.NewNetRPCClient, rt.NetRPCX, s.Name)
	p.line("\treturn %s{c: c}", s.NetRPCClient)
	p.line("}")
	for _, m := range s.Methods {
		emitClientMethod(p, m, s.NetRPCClient, s.WireName+"."+m.Name, rt, rt.NetRPCX)
	}
	p.line("")
}

// emitNetRPCMethod prints a method's two adapter methods. The unexported
// one runs the call with its context: netrpcx servers call it directly
// (NewMethod's Unary or Streaming option). The exported one has the shape
// net/rpc requires, for stock codecs, which have no context to give: it runs
// the other under netrpcx.Run (or RunStream), with context.Background().
func emitNetRPCMethod(p *printer, s *service, m *rpcMethod) {
	if m.Kind.takesStream() {
		emitNetRPCInStream(p, s, m)
		return
	}
	rt := s.Runtime
	req := m.Request.Type
	if m.Request.Kind == noShape {
		req = rt.NetRPCX + ".Empty"
	}
	resp := m.Response.Type
	if m.Response.Kind == noShape {
		resp = "struct{}"
	}
	l := s.NetRPCLocals
	impl := l.Recv + ".impl." + m.Name + "(" + callArgs(m, l.Ctx, l.Req) + ")"
	inner := l.Recv + "." + m.NetRPCCall
	if m.Kind == serverStream {
		p.line("// %s serves %s.%s, a stream, one batch of items per call, to stock", m.Name, s.Name, m.Name)
		p.line("// codecs; netrpcx servers call %s.", m.NetRPCCall)
		p.line("func (%s *%s) %s(%s *%s, %s *%s.Batch[%s]) error {", l.Recv, s.NetRPCServer, m.Name, l.Req, req, l.Resp, rt.NetRPCX, m.Elem)
		p.line("\treturn %s.RunStream(%s, %s, func(%s %s.Context) %s { return %s(%s, %s) })", rt.NetRPCX, l.Req, l.Resp, l.Ctx, rt.Context, m.Stream, inner, l.Ctx, l.Req)
		p.line("}")
		p.line("")
		p.line("func (%s *%s) %s(%s %s.Context, %s *%s) %s {", l.Recv, s.NetRPCServer, m.NetRPCCall, l.Ctx, rt.Context, l.Req, req, m.Stream)
		p.line("\treturn %s", impl)
		p.line("}")
		return
	}
	p.line("// %s serves %s.%s to stock codecs; netrpcx servers call %s.", m.Name, s.Name, m.Name, m.NetRPCCall)
	p.line("func (%s *%s) %s(%s *%s, %s *%s) error {", l.Recv, s.NetRPCServer, m.Name, l.Req, req, l.Resp, resp)
	p.line("\treturn %s.Run(%s, func(%s %s.Context) error { return %s(%s, %s, %s) })", rt.NetRPCX, l.Req, l.Ctx, rt.Context, inner, l.Ctx, l.Req, l.Resp)
	p.line("}")
	p.line("")
	if m.Response.Kind == noShape {
		p.line("func (%s *%s) %s(%s %s.Context, %s *%s, _ *%s) error {", l.Recv, s.NetRPCServer, m.NetRPCCall, l.Ctx, rt.Context, l.Req, req, resp)
		p.line("\treturn %s", impl)
		p.line("}")
		return
	}
	p.line("func (%s *%s) %s(%s %s.Context, %s *%s, %s *%s) (%s error) {", l.Recv, s.NetRPCServer, m.NetRPCCall, l.Ctx, rt.Context, l.Req, req, l.Resp, resp, l.Err)
	p.line("\t%s = %s", assignResults(m, l.Resp, l.Err), impl)
	p.line("\treturn %s", l.Err)
	p.line("}")
}

// emitNetRPCInStream prints the adapter methods of a client or
// bidirectional stream. Stock codecs cannot carry the caller's items, so
// the exported method, their only way in, answers unimplemented; netrpcx
// servers call the unexported one (NewMethod's ClientStreaming or
// BidiStreaming option) with the items as they arrive.
func emitNetRPCInStream(p *printer, s *service, m *rpcMethod) {
	rt, l := s.Runtime, s.NetRPCLocals
	req := rt.NetRPCX + ".Batch[" + m.InElem + "]"
	impl := l.Recv + ".impl." + m.Name + "(" + callArgs(m, l.Ctx, l.In) + ")"
	head := fmt.Sprintf("func (%s *%s) %s(%s %s.Context, %s %s", l.Recv, s.NetRPCServer, m.NetRPCCall, l.Ctx, rt.Context, l.In, m.InSeq)
	resp := rt.NetRPCX + ".Batch[" + m.Elem + "]"
	if m.Kind == clientStream {
		resp = m.Response.Type
		if m.Response.Kind == noShape {
			resp = "struct{}"
		}
	}
	p.line("// %s answers stock codecs, which cannot carry %s, %s, with", m.Name, s.Name+"."+m.Name, kindPhrase(m.Kind))
	p.line("// unimplemented; netrpcx servers call %s.", m.NetRPCCall)
	p.line("func (%s *%s) %s(%s *%s, %s *%s) error {", l.Recv, s.NetRPCServer, m.Name, l.Req, req, l.Resp, resp)
	p.line("\treturn %s.RunClientStream(%s)", rt.NetRPCX, l.Req)
	p.line("}")
	p.line("")
	switch {
	case m.Kind == bidiStream:
		p.line("%s) %s {", head, m.Stream)
		p.line("\treturn %s", impl)
	case m.Response.Kind == noShape:
		p.line("%s, _ *%s) error {", head, resp)
		p.line("\treturn %s", impl)
	default:
		p.line("%s, %s *%s) (%s error) {", head, l.Resp, resp, l.Err)
		p.line("\t%s = %s", assignResults(m, l.Resp, l.Err), impl)
		p.line("\treturn %s", l.Err)
	}
	p.line("}")
}
