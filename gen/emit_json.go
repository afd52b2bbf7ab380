package gen

import (
	"fmt"
	"strconv"
	"strings"
)

// emitJSONCodecs prints the EncodeJSON and DecodeJSON methods of the
// file's codecs (see model_json.go).
func emitJSONCodecs(p *printer, f *genFile) {
	if len(f.JSONCodecs) == 0 {
		return
	}
	rt := f.Services[0].Runtime
	for _, c := range f.JSONCodecs {
		p.line("// EncodeJSON writes x as encoding/json does; stdhttp calls it in its place.")
		p.line("func (x *%s) EncodeJSON(e *%s.JSONEncoder) {", c.Type, rt.StdHTTP)
		emitEncodeFields(p, c)
		p.line("}")
		p.line("")
		p.line("// DecodeJSON reads x as encoding/json does; stdhttp calls it in its place.")
		p.line("func (x *%s) DecodeJSON(d *%s.JSONDecoder) {", c.Type, rt.StdHTTP)
		emitDecodeFields(p, c)
		p.line("}")
		p.line("")
	}
}

// emitEncodeFields prints the members of an object in order. While every
// member before is always written, the punctuation before a member is
// known and printed with its name; after an omitempty member, Key decides.
func emitEncodeFields(p *printer, c *jsonCodec) {
	known, written := true, 0
	for _, f := range c.Fields {
		expr := "x." + f.Path
		if !f.Omit || f.Empty == neverEmpty {
			switch {
			case known && written == 0:
				p.line("\te.Raw(%s)", rawString("{"+f.Key))
			case known:
				p.line("\te.Raw(%s)", rawString(","+f.Key))
			default:
				p.line("\te.Key(%s)", rawString(f.Key))
			}
			written++
			encodeValue(p, "\t", expr, f.Value, true, f.Quoted, 0)
			continue
		}
		if known && written == 0 {
			p.line("\te.Byte('{')")
		}
		known = false
		p.line("\tif %s {", nonEmpty(expr, f.Empty))
		p.line("\t\te.Key(%s)", rawString(f.Key))
		encodeValue(p, "\t\t", expr, f.Value, true, f.Quoted, 0)
		p.line("\t}")
	}
	if known && written == 0 {
		p.line("\te.Raw(\"{}\")")
	} else {
		p.line("\te.Byte('}')")
	}
}

// rawString quotes s for Go, as a raw string where it can be one.
func rawString(s string) string {
	if !strings.ContainsAny(s, "`\r") && strconv.CanBackquote(s) {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// nonEmpty is the condition under which omitempty writes expr.
func nonEmpty(expr string, t emptyTest) string {
	switch t {
	case emptyFalse:
		return expr
	case emptyZero:
		return expr + " != 0"
	case emptyFloat:
		return "!e.FloatEmpty(float64(" + expr + "))"
	case emptyString:
		return expr + ` != ""`
	case emptyLen:
		return "len(" + expr + ") != 0"
	case emptyNil:
		return expr + " != nil"
	}
	return "true"
}

// suffix tells apart the locals of nested loops.
func suffix(depth int) string {
	if depth == 0 {
		return ""
	}
	return strconv.Itoa(depth)
}

// conv returns expr converted to typ, when typ is not empty.
func conv(typ, expr string) string {
	if typ == "" {
		return expr
	}
	return typ + "(" + expr + ")"
}

// deref returns the value expr points to, parenthesized where an index or
// a selector follows.
func deref(expr string, elem *jsonValue) string {
	switch elem.Kind {
	case jsonSlice, jsonArray, jsonMap, jsonPointer:
		return "(*" + expr + ")"
	}
	return "*" + expr
}

// encodeValue prints the code writing the value expr. addr tells whether
// expr is addressable, as encoding/json sees it; quoted is the ",string"
// option.
func encodeValue(p *printer, in, expr string, v *jsonValue, addr, quoted bool, depth int) {
	sfx := suffix(depth)
	switch v.Kind {
	case jsonBool, jsonInt, jsonUint, jsonFloat:
		method := map[jsonKind]string{jsonBool: "Bool", jsonInt: "Int", jsonUint: "Uint", jsonFloat: "Float64"}[v.Kind]
		if v.Kind == jsonFloat && v.Bits == 32 {
			method = "Float32"
		}
		if quoted {
			p.line("%se.Byte('\"')", in)
		}
		p.line("%se.%s(%s)", in, method, conv(v.EncConv, expr))
		if quoted {
			p.line("%se.Byte('\"')", in)
		}
	case jsonString:
		method := "String"
		if quoted {
			method = "QuotedString"
		}
		p.line("%se.%s(%s)", in, method, conv(v.EncConv, expr))
	case jsonBytes:
		p.line("%se.Base64(%s)", in, conv(map[bool]string{true: "[]byte"}[v.DecConv], expr))
	case jsonPointer:
		p.line("%sif %s == nil {", in, expr)
		p.line("%s\te.Null()", in)
		p.line("%s} else {", in)
		if v.Elem.Kind == jsonStruct {
			p.line("%s\t%s.EncodeJSON(e)", in, expr)
		} else {
			encodeValue(p, in+"\t", deref(expr, v.Elem), v.Elem, true, false, depth)
		}
		p.line("%s}", in)
	case jsonSlice, jsonArray:
		if v.Kind == jsonSlice {
			p.line("%sif %s == nil {", in, expr)
			p.line("%s\te.Null()", in)
			p.line("%s} else {", in)
			in += "\t"
		}
		i := "i" + sfx
		p.line("%se.Byte('[')", in)
		p.line("%sfor %s := range %s {", in, i, expr)
		p.line("%s\tif %s > 0 {", in, i)
		p.line("%s\t\te.Byte(',')", in)
		p.line("%s\t}", in)
		encodeValue(p, in+"\t", expr+"["+i+"]", v.Elem, addr || v.Kind == jsonSlice, false, depth+1)
		p.line("%s}", in)
		p.line("%se.Byte(']')", in)
		if v.Kind == jsonSlice {
			in = in[:len(in)-1]
			p.line("%s}", in)
		}
	case jsonMap:
		keys, k, i, elem := "keys"+sfx, "k"+sfx, "i"+sfx, "elem"+sfx
		p.line("%sif %s == nil {", in, expr)
		p.line("%s\te.Null()", in)
		p.line("%s} else {", in)
		p.line("%s\t%s := make([]string, 0, len(%s))", in, keys, expr)
		p.line("%s\tfor %s := range %s {", in, k, expr)
		p.line("%s\t\t%s = append(%s, %s)", in, keys, keys, conv(map[bool]string{true: "string"}[v.Key != ""], k))
		p.line("%s\t}", in)
		p.line("%s\te.Sort(%s)", in, keys)
		p.line("%s\te.Byte('{')", in)
		p.line("%s\tfor %s, %s := range %s {", in, i, k, keys)
		p.line("%s\t\tif %s > 0 {", in, i)
		p.line("%s\t\t\te.Byte(',')", in)
		p.line("%s\t\t}", in)
		p.line("%s\t\te.String(%s)", in, k)
		p.line("%s\t\te.Byte(':')", in)
		p.line("%s\t\t%s := %s[%s]", in, elem, expr, conv(v.Key, k))
		encodeValue(p, in+"\t\t", elem, v.Elem, false, false, depth+1)
		p.line("%s\t}", in)
		p.line("%s\te.Byte('}')", in)
		p.line("%s}", in)
	case jsonStruct:
		p.line("%s%s.EncodeJSON(e)", in, expr)
	default:
		switch {
		case addr && v.Marshals:
			p.line("%se.Marshaler(&%s)", in, expr)
		case addr:
			p.line("%se.Value(&%s)", in, expr)
		default:
			p.line("%se.Value(%s)", in, expr)
		}
	}
}

// emitDecodeFields prints the loop over an object's members.
func emitDecodeFields(p *printer, c *jsonCodec) {
	var names []string
	for _, f := range c.Fields {
		names = append(names, strconv.Quote(f.WireName))
	}
	p.line("\tfor more := d.Object(); more; more = d.NextMember() {")
	if len(c.Fields) == 0 {
		p.line("\t\td.Key()")
		p.line("\t\td.Skip()")
		p.line("\t}")
		return
	}
	p.line("\t\tswitch d.Key(%s) {", strings.Join(names, ", "))
	for i, f := range c.Fields {
		p.line("\t\tcase %d:", i)
		decodeValue(p, "\t\t\t", "x."+f.Path, f.Value, f.Quoted, 0)
	}
	p.line("\t\tdefault:")
	p.line("\t\t\td.Skip()")
	p.line("\t\t}")
	p.line("\t}")
}

// decodeValue prints the code reading a value into target, which is
// addressable.
func decodeValue(p *printer, in, target string, v *jsonValue, quoted bool, depth int) {
	sfx := suffix(depth)
	decConv := func() string {
		if v.DecConv {
			return v.Type
		}
		return ""
	}
	scalar := func(call string) {
		p.line("%sif val, ok := d.%s; ok {", in, call)
		p.line("%s\t%s = %s", in, target, conv(decConv(), "val"))
		p.line("%s}", in)
	}
	q := ""
	if quoted {
		q = "Quoted"
	}
	switch v.Kind {
	case jsonBool:
		scalar(q + "Bool()")
	case jsonInt:
		scalar(fmt.Sprintf("%sInt(%d)", q, v.Bits))
	case jsonUint:
		scalar(fmt.Sprintf("%sUint(%d)", q, v.Bits))
	case jsonFloat:
		scalar(fmt.Sprintf("%sFloat(%d)", q, v.Bits))
	case jsonString:
		scalar(q + "String()")
	case jsonBytes:
		scalar("Bytes()")
	case jsonPointer:
		p.line("%sif d.Null() {", in)
		p.line("%s\t%s = nil", in, target)
		p.line("%s} else {", in)
		p.line("%s\tif %s == nil {", in, target)
		p.line("%s\t\t%s = new(%s)", in, target, v.Elem.Type)
		p.line("%s\t}", in)
		if v.Elem.Kind == jsonStruct {
			p.line("%s\t%s.DecodeJSON(d)", in, target)
		} else {
			decodeValue(p, in+"\t", deref(target, v.Elem), v.Elem, false, depth)
		}
		p.line("%s}", in)
	case jsonSlice:
		elem := "elem" + sfx
		p.line("%sif d.Null() {", in)
		p.line("%s\t%s = nil", in, target)
		p.line("%s} else {", in)
		// encoding/json decodes into the elements already there (of a
		// member repeated), where a null leaves one as it is.
		p.line("%s\tif %s != nil {", in, target)
		p.line("%s\t\td.Unsupported()", in)
		p.line("%s\t}", in)
		p.line("%s\t%s = make(%s, 0, d.ArrayLen())", in, target, v.Type)
		p.line("%s\tfor more := d.Array(); more; more = d.NextElem() {", in)
		p.line("%s\t\tvar %s %s", in, elem, v.Elem.Type)
		decodeValue(p, in+"\t\t", elem, v.Elem, false, depth+1)
		p.line("%s\t\t%s = append(%s, %s)", in, target, target, elem)
		p.line("%s\t}", in)
		p.line("%s}", in)
	case jsonArray:
		i := "i" + sfx
		p.line("%sif !d.Null() {", in)
		p.line("%s\t%s := 0", in, i)
		p.line("%s\tfor more := d.Array(); more; more = d.NextElem() {", in)
		p.line("%s\t\tif %s < len(%s) {", in, i, target)
		decodeValue(p, in+"\t\t\t", target+"["+i+"]", v.Elem, false, depth+1)
		p.line("%s\t\t} else {", in)
		p.line("%s\t\t\td.Skip()", in)
		p.line("%s\t\t}", in)
		p.line("%s\t\t%s++", in, i)
		p.line("%s\t}", in)
		p.line("%s\tif %s < len(%s) {", in, i, target)
		p.line("%s\t\tclear(%s[%s:])", in, target, i)
		p.line("%s\t}", in)
		p.line("%s}", in)
	case jsonMap:
		k, elem := "k"+sfx, "elem"+sfx
		p.line("%sif d.Null() {", in)
		p.line("%s\t%s = nil", in, target)
		p.line("%s} else {", in)
		p.line("%s\tif %s == nil {", in, target)
		p.line("%s\t\t%s = %s{}", in, target, v.Type)
		p.line("%s\t}", in)
		p.line("%s\tfor more := d.Object(); more; more = d.NextMember() {", in)
		p.line("%s\t\t%s := d.MapKey()", in, k)
		p.line("%s\t\tvar %s %s", in, elem, v.Elem.Type)
		decodeValue(p, in+"\t\t", elem, v.Elem, false, depth+1)
		p.line("%s\t\t%s[%s] = %s", in, target, conv(v.Key, k), elem)
		p.line("%s\t}", in)
		p.line("%s}", in)
	case jsonStruct:
		p.line("%s%s.DecodeJSON(d)", in, target)
	default:
		if v.Unmarshals {
			p.line("%sd.Unmarshaler(&%s)", in, target)
		} else {
			p.line("%sd.Value(&%s)", in, target)
		}
	}
}
