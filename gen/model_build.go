package gen

import (
	"cmp"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
)

// A builder turns loaded packages into the model, checking every rule of the
// design on the way; problems go to d and the run stops before emitting.
type builder struct {
	dir   string // paths in messages are relative to it
	fset  *token.FileSet
	d     *diags
	notes []Diagnostic // what the run leaves alone, and why
	wire  *wireChecker
	docs  []*apiDoc // the packages' OpenAPI documents
}

// A service under construction: the model and what was learnt on the way.
type serviceBuild struct {
	svc    *service
	decl   *serviceDecl
	meth   []*methodBuild
	failed bool // some method breaks a rule: check, but do not emit
}

type methodBuild struct {
	m       *rpcMethod
	fn      *types.Func
	site    token.Pos // where to report problems: the method, or the embedding of a foreign interface
	ctx     *types.Var
	errVar  *types.Var
	params  []*types.Var // data parameters, parallel to m.Params
	results []*types.Var // data results, parallel to m.Results
	// what travels, before rendering
	reqType  types.Type   // Direct request: the struct without its pointer
	respType types.Type   // Direct response
	stream   *types.Named // a stream's iter.Seq2[T, error]
	in       *types.Named // the iter.Seq[T] a client or bidirectional stream takes
	inVar    *types.Var   // the parameter of that type
}

// buildService checks a service's methods and computes their wire shapes.
func (b *builder) buildService(sc *pkgScan, sd *serviceDecl) *serviceBuild {
	name := sd.obj.Name()
	wire := name
	if sd.dir.svcName != "" {
		wire = sd.dir.svcName
	}
	exp, unexp := upperFirst(name), lowerFirst(name)
	svc := &service{
		Name:            name,
		WireName:        wire,
		Pos:             b.fset.Position(sd.spec.Name.Pos()),
		NetRPCServer:    exp + "NetRPC",
		RegisterNetRPC:  "Register" + exp + "NetRPC",
		NetRPCClient:    unexp + "NetRPCClient",
		NewNetRPCClient: "New" + exp + "NetRPCClient",
		RegisterHTTP:    "Register" + exp + "HTTP",
		NewHTTPHandler:  "New" + exp + "HTTPHandler",
		RegisterJSONRPC: "Register" + exp + "JSONRPC",
		HTTPClient:      unexp + "HTTPClient",
		OpenAPI:         unexp + "OpenAPI",
		NewHTTPClient:   "New" + exp + "HTTPClient",
	}
	sb := &serviceBuild{svc: svc, decl: sd}
	sites, ok := b.methodsOf(sc, sd)
	if len(sites) == 0 {
		if ok {
			b.d.at(sd.spec.Name.Pos(), name, "the service has no methods: add one")
		}
		return nil
	}
	for _, site := range sites {
		sc.served[site.fn] = true
		mb, methodOK := b.buildMethod(sc, svc, site)
		ok = ok && methodOK
		if mb == nil {
			continue
		}
		sb.meth = append(sb.meth, mb)
		svc.Methods = append(svc.Methods, mb.m)
	}
	// Routes are checked whatever the methods' other problems, so that
	// every problem shows in one run.
	b.checkRoutes(sc, sb)
	sb.failed = !ok
	return sb
}

// A methodSite is a method of a service and where to report its problems.
type methodSite struct {
	fn   *types.Func
	site token.Pos
}

// methodsOf lists a service's methods in source order: its own methods and,
// at the place of each embedded interface, that interface's methods in their
// source order. It reports an embedded interface that does not compile; ok
// is false then.
func (b *builder) methodsOf(sc *pkgScan, sd *serviceDecl) (sites []methodSite, ok bool) {
	var out []methodSite
	seen := map[string]bool{}
	add := func(fn *types.Func, site token.Pos) {
		if !seen[fn.Name()] {
			seen[fn.Name()] = true
			out = append(out, methodSite{fn, site})
		}
	}
	addAll := func(iface *types.Interface, site token.Pos) {
		for _, fn := range b.sortedMethods(iface) {
			if fn.Pkg() == sc.pkg.Types && fn.Pos().IsValid() {
				add(fn, fn.Pos())
			} else {
				add(fn, site)
			}
		}
	}
	it, isLit := sd.spec.Type.(*ast.InterfaceType)
	if !isLit { // an alias of an interface
		addAll(types.Unalias(sd.obj.Type()).Underlying().(*types.Interface), sd.spec.Name.Pos())
		return out, true
	}
	ok = true
	for _, field := range it.Methods.List {
		if len(field.Names) > 0 {
			for _, n := range field.Names {
				if fn, ok := sc.pkg.TypesInfo.Defs[n].(*types.Func); ok {
					add(fn, n.Pos())
				}
			}
			continue
		}
		t := sc.pkg.TypesInfo.TypeOf(field.Type)
		if basic, isBasic := t.(*types.Basic); t == nil || isBasic && basic.Kind() == types.Invalid {
			// The type checker's complaint, without the service, would
			// pass for an unrelated mistake and be left to the compiler.
			why := typeErrorAt(sc.pkg, b.fset.Position(field.Type.Pos()))
			if why == "" {
				why = "it does not type-check"
			}
			b.d.at(field.Type.Pos(), sd.obj.Name(), "the embedded interface %s does not compile (%s): fix it, or remove the line", types.ExprString(field.Type), why)
			ok = false
			continue
		}
		if emb, isIface := t.Underlying().(*types.Interface); isIface {
			addAll(emb, field.Type.Pos())
		}
	}
	return out, ok
}

// typeErrorAt returns the type checker's message for the error at pos, or "".
func typeErrorAt(pkg *loadedPkg, pos token.Position) string {
	for _, e := range pkg.Errors {
		if p := e.Pos; e.Kind == typeError && p.Line == pos.Line && p.Column == pos.Column && sameFile(p.Filename, pos.Filename) {
			return e.Msg
		}
	}
	return ""
}

func sameFile(a, b string) bool { return filepath.Clean(a) == filepath.Clean(b) }

// sortedMethods returns all methods of iface in source order.
func (b *builder) sortedMethods(iface *types.Interface) []*types.Func {
	fns := slices.Collect(iface.Methods())
	slices.SortStableFunc(fns, func(x, y *types.Func) int {
		px, py := b.fset.Position(x.Pos()), b.fset.Position(y.Pos())
		return cmp.Or(cmp.Compare(px.Filename, py.Filename), cmp.Compare(px.Offset, py.Offset), cmp.Compare(x.Name(), y.Name()))
	})
	return fns
}

// buildMethod checks one method against the rules of the design and decides
// its wire shapes. It reports every rule the method breaks; ok is false if it
// breaks any. mb is nil only when nothing about the method can be used (it
// is unexported); otherwise its request shape is known, so its routes can
// be checked too.
func (b *builder) buildMethod(sc *pkgScan, svc *service, ms methodSite) (mb *methodBuild, ok bool) {
	fn := ms.fn
	subject := svc.Name + "." + fn.Name()
	bad := func(pos token.Pos, format string, args ...any) {
		b.d.at(pos, subject, format, args...)
		ok = false
	}
	if !fn.Exported() {
		bad(ms.site, "net/rpc serves only exported methods: export %s, or move it out of the service", fn.Name())
		return nil, false
	}
	ok = true
	self := sc.pkg.Types
	posOf := func(v *types.Var) token.Pos {
		if v.Pkg() == self && v.Pos().IsValid() {
			return v.Pos()
		}
		return ms.site
	}

	m := &rpcMethod{Name: fn.Name(), Kind: unary, Pos: b.fset.Position(ms.site), Doc: formatDoc(docLines(sc.docs[fn]))}
	m.Idempotent = b.idempotent(sc, fn, subject)
	m.JSONRPCAliases = b.jsonrpcAliases(sc, fn, subject)
	mb = &methodBuild{m: m, fn: fn, site: ms.site}
	sig := fn.Type().(*types.Signature)

	params := sig.Params()
	for i := range params.Len() {
		v := params.At(i)
		if isContext(v.Type()) {
			if i == 0 {
				m.HasContext, mb.ctx = true, v
				continue
			}
			bad(posOf(v), "%s: context.Context must be the first parameter", label("parameter", v, i))
			continue
		}
		if seq, kind := iterSeq(v.Type()); seq != nil {
			b.checkInStream(mb, v, i, seq, kind, posOf, self, bad)
		} else if elem, isCallback := callbackElem(v.Type()); isCallback {
			bad(posOf(v), "%s", b.callbackMessage(label("parameter", v, i), v.Type(), elem, self))
		} else if ch, isChan := types.Unalias(v.Type()).Underlying().(*types.Chan); isChan {
			bad(posOf(v), "%s", b.chanParamMessage(label("parameter", v, i), v.Type(), ch.Elem(), self))
		} else {
			for _, p := range b.wire.check(v.Type()) {
				bad(b.wirePos(p, posOf(v), self), "%s", b.wireMessage(label("parameter", v, i), p, self))
			}
		}
		mb.params = append(mb.params, v)
		m.Params = append(m.Params, &param{Name: v.Name(), Variadic: sig.Variadic() && i == params.Len()-1, Pos: b.fset.Position(posOf(v))})
	}

	results := sig.Results()
	if v := outParam(mb.params, results); v != nil {
		bad(posOf(v), "parameter %s (%s) is an out-parameter: a remote call cannot fill in the caller's value, so it would come back empty; return the value instead, as in %s", v.Name(), b.typeString(v.Type(), self), b.resultForm(fn, v, self))
	}
	seq, isStream := b.checkStream(mb, results, posOf, self, bad)
	switch {
	case isStream && seq != nil:
		m.Kind, mb.stream = serverStream, seq
	case !isStream:
		b.checkResults(mb, results, posOf, self, bad)
	}
	if mb.inVar != nil {
		b.checkTakesStream(sc, mb, isStream, posOf, self, bad) // nothing but its items travels to the server
	} else {
		ok = b.requestShape(mb, subject, posOf, self) && ok
	}
	ok = b.responseShape(mb, subject, posOf, self) && ok
	return mb, ok
}

// requestShape decides how a method's parameters travel: a lone struct as
// itself, unless net/rpc would refuse its unexported type; anything else in
// an envelope. It reports parameters that need names.
func (b *builder) requestShape(mb *methodBuild, subject string, posOf func(*types.Var) token.Pos, self *types.Package) bool {
	m := mb.m
	switch {
	case len(mb.params) == 0:
		m.Request.Kind = noShape
	case len(mb.params) == 1 && !m.Params[0].Variadic && isLoneStruct(mb.params[0].Type()):
		elem, ptr, _ := structType(mb.params[0].Type())
		m.Request = shape{Kind: direct, Pointer: ptr}
		mb.reqType = elem
	default:
		m.Request.Kind = envelope
	}
	if m.Request.Kind != envelope {
		return true
	}
	v := mb.params[0]
	if _, _, isStruct := structType(v.Type()); len(mb.params) == 1 && !m.Params[0].Variadic && !named(v) && isStruct {
		b.d.at(posOf(v), subject, "the parameter's type %s is unexported, so it travels in an envelope (net/rpc refuses unexported types) and needs a name: name it, or export the type", b.typeString(v.Type(), self))
		return false
	}
	return b.checkNames(subject, "parameter", mb.params, m.Params, boolInt(m.HasContext), posOf, self)
}

// responseShape decides how a method's results travel: a lone result as
// itself unless its type is unexported; several in an envelope. It reports
// results that need names.
func (b *builder) responseShape(mb *methodBuild, subject string, posOf func(*types.Var) token.Pos, self *types.Package) bool {
	m := mb.m
	switch {
	case len(mb.results) == 0:
		m.Response.Kind = noShape
	case len(mb.results) == 1 && netRPCExported(mb.results[0].Type()):
		m.Response.Kind = direct
		mb.respType = mb.results[0].Type()
	default:
		m.Response.Kind = envelope
		if v := mb.results[0]; len(mb.results) == 1 && !named(v) {
			t := b.typeString(v.Type(), self)
			b.d.at(posOf(v), subject, "the result's type %s is unexported, so it travels in an envelope (net/rpc refuses unexported types) and needs a name: name it, as in (v %s, err error), or export the type", t, t)
			return false
		}
		return b.checkNames(subject, "result", mb.results, m.Results, 0, posOf, self)
	}
	return true
}

// isLoneStruct reports whether a lone parameter of type t travels as itself:
// a struct or pointer to struct whose type net/rpc accepts.
func isLoneStruct(t types.Type) bool {
	_, _, ok := structType(t)
	return ok && netRPCExported(t)
}

func named(v *types.Var) bool { return v.Name() != "" && v.Name() != "_" }
