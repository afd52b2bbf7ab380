package gen

import "fmt"

// emitGobCodecs prints the WriteGob and ReadGob methods of the file's gob
// codecs (see model_gob.go).
func emitGobCodecs(p *printer, f *genFile) {
	if len(f.GobCodecs) == 0 {
		return
	}
	rt := f.Services[0].Runtime.NetRPCX
	for _, c := range f.GobCodecs {
		p.line("// WriteGob writes x as encoding/gob does; netrpcx calls it in its place.")
		p.line("func (x *%s) WriteGob(w *%s.GobWriter) {", c.Type, rt)
		p.line("\touter := w.Begin()")
		for _, f := range c.Fields {
			writeGobField(p, f.Num, "x."+f.Path, f.Value)
		}
		p.line("\tw.End(outer)")
		p.line("}")
		p.line("")
		p.line("// ReadGob reads x as encoding/gob does; netrpcx calls it in its place.")
		p.line("func (x *%s) ReadGob(r *%s.GobReader) {", c.Type, rt)
		n := len(c.Fields)
		p.line("\tfor f := r.Field(-1, %d); f >= 0; f = r.Field(f, %d) {", n, n)
		p.line("\t\tswitch f {")
		for _, f := range c.Fields {
			p.line("\t\tcase %d:", f.Num)
			readGobField(p, "x."+f.Path, f.Value, rt)
		}
		p.line("\t\t}")
		p.line("\t}")
		p.line("}")
		p.line("")
	}
}

// gobMethod is the name of GobWriter's method for a field of v, and of
// its Put method for an element.
func gobMethod(v *gobValue) string {
	switch v.Kind {
	case gobBool:
		return "Bool"
	case gobInt:
		return "Int"
	case gobUint:
		return "Uint"
	case gobFloat:
		return "Float"
	case gobString:
		return "String"
	case gobBytes:
		return "Bytes"
	}
	return "Time"
}

// gobArg returns expr as GobWriter's methods take it.
func gobArg(v *gobValue, expr string) string {
	if v.Conv {
		return conv(gobMethodType(v).String(), expr)
	}
	return expr
}

// writeGobField prints the code writing field num, of value expr.
func writeGobField(p *printer, num int, expr string, v *gobValue) {
	switch v.Kind {
	case gobStruct:
		p.line("\tw.Field(%d)", num)
		p.line("\t%s.WriteGob(w)", expr)
	case gobPointer:
		p.line("\tif %s != nil {", expr)
		if v.Elem.Kind == gobStruct {
			p.line("\t\tw.Field(%d)", num)
			p.line("\t\t%s.WriteGob(w)", expr)
		} else {
			p.line("\t\tw.%s(%d, %s)", gobMethod(v.Elem), num, gobArg(v.Elem, "*"+expr))
		}
		p.line("\t}")
	case gobSlice:
		p.line("\tif len(%s) != 0 {", expr)
		p.line("\t\tw.Field(%d)", num)
		p.line("\t\tw.Len(len(%s))", expr)
		p.line("\t\tfor i := range %s {", expr)
		if elem := expr + "[i]"; v.Elem.Kind == gobStruct {
			p.line("\t\t\t%s.WriteGob(w)", elem)
		} else {
			p.line("\t\t\tw.Put%s(%s)", gobMethod(v.Elem), gobArg(v.Elem, elem))
		}
		p.line("\t\t}")
		p.line("\t}")
	default:
		p.line("\tw.%s(%d, %s)", gobMethod(v), num, gobArg(v, expr))
	}
}

// gobRead returns the expression reading a basic value v.
func gobRead(v *gobValue) string {
	var call string
	switch v.Kind {
	case gobBool:
		call = "r.Bool()"
	case gobInt:
		call = fmt.Sprintf("r.Int(%d)", v.Bits)
	case gobUint:
		call = fmt.Sprintf("r.Uint(%d)", v.Bits)
	case gobFloat:
		call = fmt.Sprintf("r.Float(%d)", v.Bits)
	default:
		call = "r.String()"
	}
	if v.Conv {
		return conv(v.Type, call)
	}
	return call
}

// readGobField prints the code reading a field into target, which is
// addressable.
func readGobField(p *printer, target string, v *gobValue, rt string) {
	const in = "\t\t\t"
	switch v.Kind {
	case gobStruct:
		p.line("%s%s.ReadGob(r)", in, target)
	case gobBytes:
		p.line("%s%s = r.Bytes(%s)", in, target, target)
	case gobTime:
		p.line("%sr.Time(&%s)", in, target)
	case gobPointer:
		p.line("%sif %s == nil {", in, target)
		p.line("%s\t%s = new(%s)", in, target, v.Elem.Type)
		p.line("%s}", in)
		if v.Elem.Kind == gobStruct {
			p.line("%s%s.ReadGob(r)", in, target)
		} else {
			p.line("%s*%s = %s", in, target, gobRead(v.Elem))
		}
	case gobSlice:
		var elem string
		switch e := v.Elem; e.Kind {
		case gobStruct:
			elem = "(*" + e.Type + ").ReadGob"
		case gobBytes:
			elem = fmt.Sprintf("func(e *%s, r *%s.GobReader) { *e = r.Bytes(*e) }", e.Type, rt)
		case gobTime:
			elem = fmt.Sprintf("func(e *%s, r *%s.GobReader) { r.Time(e) }", e.Type, rt)
		default:
			elem = fmt.Sprintf("func(e *%s, r *%s.GobReader) { *e = %s }", e.Type, rt, gobRead(e))
		}
		p.line("%s%s = %s.ReadGobSlice(r, %s, %s)", in, target, rt, target, elem)
	default:
		p.line("%s%s = %s", in, target, gobRead(v))
	}
}
