package gen

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
		p.line("\t\t%s.NewMethod(%q, %s.%s),", rt.NetRPCX, m.Name, recv, m.Name)
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

// emitNetRPCMethod prints the adapter method net/rpc calls: it unpacks the
// request, calls the implementation under netrpcx.Handle (which supplies the
// call's context) and packs the results. A stream's adapter hands the
// sequence to netrpcx.HandleStream, which answers each call with the next
// batch of items.
func emitNetRPCMethod(p *printer, s *service, m *rpcMethod) {
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
	call := l.Recv + ".impl." + m.Name + "(" + callArgs(m, l.Ctx, l.Req) + ")"
	if m.Kind == serverStream {
		p.line("// %s serves %s.%s, a stream, one batch of items per call.", m.Name, s.Name, m.Name)
		p.line("func (%s *%s) %s(%s *%s, %s *%s.Batch[%s]) error {", l.Recv, s.NetRPCServer, m.Name, l.Req, req, l.Resp, rt.NetRPCX, m.Elem)
		p.line("\treturn %s.HandleStream(%s, %s, func(%s %s.Context) %s {", rt.NetRPCX, l.Req, l.Resp, l.Ctx, rt.Context, m.Stream)
		p.line("\t\treturn %s", call)
		p.line("\t})")
		p.line("}")
		return
	}
	p.line("// %s serves %s.%s.", m.Name, s.Name, m.Name)
	p.line("func (%s *%s) %s(%s *%s, %s *%s) error {", l.Recv, s.NetRPCServer, m.Name, l.Req, req, l.Resp, resp)
	if m.Response.Kind == noShape {
		p.line("\treturn %s.Handle(%s, func(%s %s.Context) error {", rt.NetRPCX, l.Req, l.Ctx, rt.Context)
		p.line("\t\treturn %s", call)
	} else {
		p.line("\treturn %s.Handle(%s, func(%s %s.Context) (%s error) {", rt.NetRPCX, l.Req, l.Ctx, rt.Context, l.Err)
		p.line("\t\t%s = %s", assignResults(m, l.Resp, l.Err), call)
		p.line("\t\treturn %s", l.Err)
	}
	p.line("\t})")
	p.line("}")
}
