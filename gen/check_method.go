package gen

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The rules of a method's signature checked while its model is built: its
// results and their error, the names that become envelope fields,
// out-parameters, and the //stdrpc:idempotent mark.

// outParam returns the parameter a method writes its result into, the
// shape of the net/rpc docs' Multiply(args *Args, reply *int) error and of
// go-micro's Hello(ctx, req *Req, rsp *Rsp) error, or nil: the last of two
// or more data parameters, a pointer named or typed as a reply, in a method
// whose only result is its error. (A pointer parameter otherwise is an
// input, as in Update(ctx, id int, u *User) error.)
func outParam(params []*types.Var, results *types.Tuple) *types.Var {
	if len(params) < 2 || results.Len() != 1 || !isError(results.At(0).Type()) {
		return nil
	}
	v := params[len(params)-1]
	p, ok := types.Unalias(v.Type()).(*types.Pointer)
	if !ok {
		return nil
	}
	if replyName(v.Name()) {
		return v
	}
	if n, ok := types.Unalias(p.Elem()).(*types.Named); ok {
		for _, suffix := range []string{"Reply", "Response", "Resp", "Rsp", "Result", "Output"} {
			if strings.HasSuffix(n.Obj().Name(), suffix) {
				return v
			}
		}
	}
	return nil
}

func replyName(name string) bool {
	switch strings.ToLower(name) {
	case "reply", "resp", "rsp", "response", "res", "result", "results", "out", "output":
		return true
	}
	return false
}

// resultForm writes fn's signature with its out-parameter out as a result:
// Hello(ctx context.Context, req *Req) (*Rsp, error); a pointer to a
// non-struct becomes the value, (int, error).
func (b *builder) resultForm(fn *types.Func, out *types.Var, self *types.Package) string {
	sig := fn.Type().(*types.Signature)
	var params []string
	for v := range sig.Params().Variables() {
		if v != out {
			params = append(params, strings.TrimSpace(v.Name()+" "+b.typeString(v.Type(), self)))
		}
	}
	result := out.Type()
	if p := types.Unalias(result).(*types.Pointer); !isStructParam(p) {
		result = p.Elem()
	}
	return fmt.Sprintf("%s(%s) (%s, error)", fn.Name(), strings.Join(params, ", "), b.typeString(result, self))
}

// idempotent reports whether a method is safe to call twice: marked
// //stdrpc:idempotent, or routed with GET or HEAD. It reports a mark with
// arguments, and a mark given twice.
func (b *builder) idempotent(sc *pkgScan, fn *types.Func, subject string) bool {
	marks := sc.idempotent[fn]
	for i, d := range marks {
		switch {
		case i > 0:
			b.d.at(d.pos, subject, "//stdrpc:idempotent is given twice: keep one")
		case d.dir.arg != "":
			b.d.at(d.pos+token.Pos(d.dir.argOff), subject, "//stdrpc:idempotent takes no arguments (the line alone marks the method): remove %q", d.dir.arg)
		}
	}
	if len(marks) > 0 {
		return true
	}
	for _, rd := range sc.routes[fn] {
		if rd.dir.method == "GET" || rd.dir.method == "HEAD" {
			return true
		}
	}
	return false
}

// jsonrpcAliases returns the method's //stdrpc:jsonrpc names, reporting one
// given twice.
func (b *builder) jsonrpcAliases(sc *pkgScan, fn *types.Func, subject string) []string {
	var names []string
	for _, d := range sc.jsonrpc[fn] {
		if slices.Contains(names, d.dir.arg) {
			b.d.at(d.pos+token.Pos(d.dir.argOff), subject, "//stdrpc:jsonrpc %s is given twice: keep one", d.dir.arg)
			continue
		}
		names = append(names, d.dir.arg)
	}
	return names
}

// checkJSONRPCAliases reports a JSON-RPC name two methods of a package
// share: one endpoint could serve only one of them.
func (b *builder) checkJSONRPCAliases(builds []*serviceBuild) {
	owner := map[string]string{}
	for _, sb := range builds {
		for _, m := range sb.svc.Methods {
			owner[sb.svc.WireName+"."+m.Name] = sb.svc.Name + "." + m.Name
		}
	}
	for _, sb := range builds {
		for _, mb := range sb.meth {
			m := mb.m
			for _, a := range m.JSONRPCAliases {
				subject := sb.svc.Name + "." + m.Name
				if other, dup := owner[a]; dup && other != subject {
					b.d.at(mb.site, subject, "the JSON-RPC name %q is also %s's: a JSON-RPC endpoint serves one method per name; choose another", a, other)
					continue
				}
				owner[a] = subject
			}
		}
	}
}

// checkResults checks the results of a unary method: data results, then
// error. A channel result gets the stream to write instead; it needs no
// error result of its own, since the stream's error is in the fix.
func (b *builder) checkResults(mb *methodBuild, results *types.Tuple, posOf func(*types.Var) token.Pos, self *types.Package, bad func(token.Pos, string, ...any)) {
	m := mb.m
	data := results.Len()
	hasErr := data > 0 && isError(results.At(data-1).Type())
	if hasErr {
		data--
		mb.errVar = results.At(data)
	}
	chanResult := false
	for i := range data {
		v := results.At(i)
		if ch, ok := types.Unalias(v.Type()).Underlying().(*types.Chan); ok {
			ts := func(t types.Type) string { return b.typeString(t, self) }
			bad(posOf(v), "%s has type %s: channels cannot travel over the wire; to stream the values, return iter.Seq2[%s, error] as the only result", label("result", v, i), ts(v.Type()), ts(ch.Elem()))
			chanResult = true
		} else {
			for _, p := range b.wire.check(v.Type()) {
				bad(b.wirePos(p, posOf(v), self), "%s", b.wireMessage(label("result", v, i), p, self))
			}
		}
		mb.results = append(mb.results, v)
		m.Results = append(m.Results, &param{Name: v.Name(), Pos: b.fset.Position(posOf(v))})
	}
	if !hasErr && !chanResult {
		bad(mb.site, "the last result must be error (a remote call can always fail): add one")
	}
}

// label names a parameter or result in a diagnostic: "parameter p", or
// "parameter 2" when it has no name.
func label(kind string, v *types.Var, i int) string {
	if named(v) {
		return kind + " " + v.Name()
	}
	return fmt.Sprintf("%s %d", kind, i+1)
}

// checkNames checks that values travelling in an envelope are named, and
// that their field names are exported and distinct, reporting each value at
// fault where it is. It sets the Field of each Param. skip is the number of
// values before vars in the signature (a context), for the numbers in
// messages.
func (b *builder) checkNames(subject, kind string, vars []*types.Var, ps []*param, skip int, posOf func(*types.Var) token.Pos, self *types.Package) bool {
	unnamed := false
	for i, v := range vars {
		if named(v) {
			continue
		}
		unnamed = true
		what := fmt.Sprintf("%s (%s)", label(kind, v, skip+i), b.typeString(v.Type(), self))
		if kind == "parameter" {
			b.d.at(posOf(v), subject, "%s needs a name, which is the wire contract: name the parameters in the interface", what)
		} else {
			b.d.at(posOf(v), subject, "%s needs a name when there are two or more results (names are the wire contract): name them, as in (quo, rem int, err error)", what)
		}
	}
	if unnamed {
		return false
	}
	ok := true
	byField := map[string]string{}
	for i, v := range vars {
		field := upperFirst(v.Name())
		if !token.IsExported(field) {
			if r, _ := utf8.DecodeRuneInString(v.Name()); unicode.IsLetter(r) {
				b.d.at(posOf(v), subject, "%s %s cannot become an exported field of the envelope: its first letter, %c, has no upper case, and only a name that starts with an upper-case letter is exported; rename it to start with a letter that has one", kind, v.Name(), r)
			} else {
				b.d.at(posOf(v), subject, "%s %s cannot become an exported field of the envelope: start its name with a letter", kind, v.Name())
			}
			ok = false
			continue
		}
		if other, dup := byField[field]; dup {
			b.d.at(posOf(v), subject, "%ss %s and %s both travel as field %s: rename one", kind, other, v.Name(), field)
			ok = false
			continue
		}
		byField[field] = v.Name()
		ps[i].Field = field
	}
	return ok
}

// wireMessage words a wireProblem of a parameter or result.
func (b *builder) wireMessage(what string, p *wireProblem, self *types.Package) string {
	if p.path == "" {
		return fmt.Sprintf("%s has type %s: %s", what, b.typeString(p.typ, self), p.why)
	}
	return fmt.Sprintf("%s: field %s has type %s: %s", what, p.path, b.typeString(p.typ, self), p.why)
}

// wirePos is where to report a wireProblem: at the struct field at fault
// when the package declares it, else at the value's own position.
func (b *builder) wirePos(p *wireProblem, at token.Pos, self *types.Package) token.Pos {
	if f := p.field; f != nil && f.Pkg() == self && f.Pos().IsValid() {
		return f.Pos()
	}
	return at
}

func (b *builder) typeString(t types.Type, self *types.Package) string {
	return types.TypeString(t, types.RelativeTo(self))
}
