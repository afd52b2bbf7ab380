package gen

// emitEnvelopes prints the request and response envelopes of a service.
func emitEnvelopes(p *printer, s *service) {
	for _, m := range s.Methods {
		for _, sh := range []shape{m.Request, m.Response} {
			if sh.Kind != envelope {
				continue
			}
			p.line("// %s", sh.Doc)
			p.line("type %s struct {", sh.Type)
			for _, f := range sh.Fields {
				p.line("\t%s %s `json:%q`", f.Field, f.Type, f.Name)
			}
			p.line("}")
			p.line("")
		}
	}
}
