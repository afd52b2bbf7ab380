package gen

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/token"
	"go/types"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/tools/go/packages"
)

// A builder turns loaded packages into the model, checking every rule of the
// design on the way; problems go to d and the run stops before emitting.
type builder struct {
	dir   string // paths in messages are relative to it
	fset  *token.FileSet
	d     *diags
	notes []Diagnostic // what the run leaves alone, and why
	wire  *wireChecker
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
}

// buildPackage returns the generated files of one package.
func (b *builder) buildPackage(sc *pkgScan) []*genFile {
	pkg := sc.pkg
	var builds []*serviceBuild
	failed := false
	for _, sd := range sc.services {
		if sb := b.buildService(sc, sd); sb != nil {
			builds = append(builds, sb)
			failed = failed || sb.failed
		} else {
			failed = true
		}
	}
	for fn, rds := range sc.routes {
		if !sc.served[fn] {
			for _, rd := range rds {
				b.d.at(rd.pos, "", "//stdrpc:http is on %s.%s, which is not a method of a //stdrpc:service interface: mark the interface, or move the route", recvName(fn), fn.Name())
			}
		}
	}
	for fn, ds := range sc.idempotent {
		if !sc.served[fn] {
			for _, d := range ds {
				b.d.at(d.pos, "", "//stdrpc:idempotent is on %s.%s, which is not a method of a //stdrpc:service interface: mark the interface, or remove the directive", recvName(fn), fn.Name())
			}
		}
	}
	generated := b.checkCollisions(pkg, builds)
	wireNames := map[string]*service{}
	for _, sb := range builds {
		if other, dup := wireNames[sb.svc.WireName]; dup {
			b.d.at(sb.decl.spec.Name.Pos(), sb.svc.Name, "the service name %q is also %s's (a server or mux can hold only one): set a different name= on one of them", sb.svc.WireName, other.Name)
			continue
		}
		wireNames[sb.svc.WireName] = sb.svc
	}

	if failed {
		return nil // reported; nothing is emitted
	}

	// One file per source file, services in source order.
	byFile := map[string][]*serviceBuild{}
	for _, sb := range builds {
		byFile[sb.decl.filename] = append(byFile[sb.decl.filename], sb)
	}
	var files []*genFile
	for name, sbs := range byFile {
		files = append(files, b.buildFile(pkg, name, sbs, generated))
	}
	slices.SortFunc(files, func(a, b *genFile) int { return cmp.Compare(a.Path, b.Path) })
	return files
}

func recvName(fn *types.Func) string {
	if sig, ok := fn.Type().(*types.Signature); ok && sig.Recv() != nil {
		if n, ok := types.Unalias(sig.Recv().Type()).(*types.Named); ok {
			return n.Obj().Name()
		}
	}
	return "?"
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
		HTTPClient:      unexp + "HTTPClient",
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

// warnings returns the wire checker's warnings, in position order.
func (b *builder) warnings() []Diagnostic {
	ds := &diags{fset: b.fset}
	for _, w := range b.wire.warnings {
		ds.at(w.field.Pos(), "", "%s", w.message())
	}
	return ds.sorted(b.dir)
}

// typeErrorAt returns the type checker's message for the error at pos, or "".
func typeErrorAt(pkg *packages.Package, pos token.Position) string {
	for _, e := range pkg.Errors {
		if p := parsePos(e.Pos); e.Kind == packages.TypeError && p.Line == pos.Line && p.Column == pos.Column && sameFile(p.Filename, pos.Filename) {
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
		if elem, isCallback := callbackElem(v.Type()); isCallback {
			bad(posOf(v), "%s", b.callbackMessage(label("parameter", v, i), v.Type(), elem, self))
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
	if seq, isStream := b.checkStream(mb, results, posOf, self, bad); isStream {
		if seq != nil {
			m.Kind, mb.stream = serverStream, seq
		}
	} else {
		b.checkResults(mb, results, posOf, self, bad)
	}

	// Request shape: a lone struct travels as itself, unless net/rpc would
	// refuse its unexported type; anything else travels in an envelope.
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
	if m.Request.Kind == envelope {
		v := mb.params[0]
		if _, _, isStruct := structType(v.Type()); len(mb.params) == 1 && !m.Params[0].Variadic && !named(v) && isStruct {
			bad(posOf(v), "the parameter's type %s is unexported, so it travels in an envelope (net/rpc refuses unexported types) and needs a name: name it, or export the type", b.typeString(v.Type(), self))
		} else {
			ok = b.checkNames(subject, "parameter", mb.params, m.Params, boolInt(m.HasContext), posOf, self) && ok
		}
	}

	// Response shape: a lone result travels as itself unless its type is
	// unexported; several travel in an envelope.
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
			bad(posOf(v), "the result's type %s is unexported, so it travels in an envelope (net/rpc refuses unexported types) and needs a name: name it, as in (v %s, err error), or export the type", t, t)
		} else {
			ok = b.checkNames(subject, "result", mb.results, m.Results, 0, posOf, self) && ok
		}
	}
	return mb, ok
}

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
		if rd.dir.method == http.MethodGet || rd.dir.method == http.MethodHead {
			return true
		}
	}
	return false
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

// isLoneStruct reports whether a lone parameter of type t travels as itself:
// a struct or pointer to struct whose type net/rpc accepts.
func isLoneStruct(t types.Type) bool {
	_, _, ok := structType(t)
	return ok && netRPCExported(t)
}

func named(v *types.Var) bool { return v.Name() != "" && v.Name() != "_" }

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

// checkCollisions reports generated package-level names that collide with the
// package's declarations or with each other, and returns them all.
func (b *builder) checkCollisions(pkg *packages.Package, builds []*serviceBuild) []string {
	type owner struct {
		subject string
		pos     token.Pos
	}
	scope := pkg.Types.Scope()
	owners := map[string]owner{}
	var names []string
	claim := func(name, what, subject string, pos token.Pos) {
		names = append(names, name)
		if obj := scope.Lookup(name); obj != nil {
			b.d.at(pos, subject, "the generated %s %s collides with the %s declared at %s: rename that one, or the %s",
				what, name, objKind(obj), b.relPos(obj.Pos()), strings.ToLower(kindOfSubject(subject)))
			return
		}
		if o, dup := owners[name]; dup {
			b.d.at(pos, subject, "the generated %s %s is also generated for %s: rename one of them", what, name, o.subject)
			return
		}
		owners[name] = owner{subject, pos}
	}
	for _, sb := range builds {
		s, pos := sb.svc, sb.decl.spec.Name.Pos()
		claim(s.NetRPCServer, "type", s.Name, pos)
		claim(s.RegisterNetRPC, "func", s.Name, pos)
		claim(s.NetRPCClient, "type", s.Name, pos)
		claim(s.NewNetRPCClient, "func", s.Name, pos)
		claim(s.RegisterHTTP, "func", s.Name, pos)
		claim(s.NewHTTPHandler, "func", s.Name, pos)
		claim(s.HTTPClient, "type", s.Name, pos)
		claim(s.NewHTTPClient, "func", s.Name, pos)
		for _, mb := range sb.meth {
			m := mb.m
			if m.Request.Kind == envelope {
				m.Request.Type = upperFirst(s.Name) + m.Name + "Request"
				claim(m.Request.Type, "type", s.Name+"."+m.Name, mb.site)
			}
			if m.Response.Kind == envelope {
				m.Response.Type = upperFirst(s.Name) + m.Name + "Response"
				claim(m.Response.Type, "type", s.Name+"."+m.Name, mb.site)
			}
		}
	}
	return names
}

func kindOfSubject(subject string) string {
	if strings.Contains(subject, ".") {
		return "method"
	}
	return "interface"
}

func objKind(obj types.Object) string {
	switch obj.(type) {
	case *types.TypeName:
		return "type"
	case *types.Func:
		return "func"
	case *types.Var:
		return "var"
	case *types.Const:
		return "const"
	}
	return "name"
}

// relPos formats a position with its file relative to the working directory.
func (b *builder) relPos(pos token.Pos) string {
	p := b.fset.Position(pos)
	p.Filename = relPath(b.dir, p.Filename)
	return p.String()
}

// buildFile renders the services of one source file: its import registry,
// the types as the generated file spells them, and every local name.
func (b *builder) buildFile(pkg *packages.Package, source string, sbs []*serviceBuild, generated []string) *genFile {
	slices.SortFunc(sbs, func(x, y *serviceBuild) int { return cmp.Compare(x.decl.spec.Pos(), y.decl.spec.Pos()) })

	// The file declaring the services decides import names first.
	files := slices.Clone(pkg.Syntax)
	slices.SortStableFunc(files, func(x, y *ast.File) int {
		return cmp.Or(
			-cmp.Compare(boolInt(x == sbs[0].decl.file), boolInt(y == sbs[0].decl.file)),
			cmp.Compare(b.sourceName(pkg, x), b.sourceName(pkg, y)))
	})
	taken := slices.Concat(pkg.Types.Scope().Names(), generated)
	reg := newImportRegistry(pkg.Types, files, taken)
	for _, sb := range sbs {
		for _, mb := range sb.meth {
			for _, v := range slices.Concat(mb.params, mb.results) {
				reg.addType(v.Type())
			}
			if mb.stream != nil {
				reg.addType(mb.stream) // iter and the element's packages
			}
		}
	}
	reg.resolve()
	rt := runtimeNames{
		Context: reg.name(pathContext),
		HTTP:    reg.name(pathHTTP),
		RPC:     reg.name(pathRPC),
		NetRPCX: reg.name(pathNetRPCX),
		StdHTTP: reg.name(pathStdHTTP),
		Iter:    reg.name(pathIter),
	}

	f := &genFile{
		Build:   buildConstraint(sbs[0].decl.file),
		Source:  source,
		Path:    outputPath(source),
		Package: pkg.Name,
		Imports: reg.imports(),
	}
	for _, sb := range sbs {
		sb.svc.Runtime = rt
		for _, mb := range sb.meth {
			b.renderMethod(sb.svc, mb, reg)
		}
		b.nameLocals(sb, reg)
		f.Services = append(f.Services, sb.svc)
	}
	f.Gofmt = !printsFormatted(f)
	return f
}

// printsFormatted reports whether the emitters print f exactly as gofmt
// would: they lay out every line themselves and align the envelopes'
// fields, which holds while each rendered type is a plain name, pointer,
// slice, array, map or instantiation written on one line, and each doc
// comment is of // lines (formatDoc has made them canonical). A type
// literal (struct{...}), which gofmt spaces out, needs gofmt.
func printsFormatted(f *genFile) bool {
	for _, s := range f.Services {
		for _, m := range s.Methods {
			for _, l := range m.Doc {
				if !strings.HasPrefix(l, "//") {
					return false
				}
			}
			types := []string{m.Request.Type, m.Response.Type, m.Elem, m.Stream}
			for _, p := range slices.Concat(m.Params, m.Results) {
				types = append(types, p.Type)
			}
			for _, t := range types {
				if !plainType(t) {
					return false
				}
			}
		}
	}
	return true
}

// plainType reports whether a rendered type holds only identifiers, dots,
// stars, brackets and ", " between type arguments: text gofmt leaves as it
// is.
func plainType(t string) bool {
	for i, r := range t {
		switch {
		case r == '_' || r == '.' || r == '*' || r == '[' || r == ']' || r == ',' || unicode.IsLetter(r) || unicode.IsDigit(r):
		case r == ' ' && i > 0 && t[i-1] == ',':
		default:
			return false
		}
	}
	return true
}

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}

// renderMethod spells the method's types as the generated file writes them.
func (b *builder) renderMethod(svc *service, mb *methodBuild, reg *importRegistry) {
	m, q := mb.m, reg.qualifier
	for i, v := range mb.params {
		m.Params[i].Type = types.TypeString(v.Type(), q)
	}
	for i, v := range mb.results {
		m.Results[i].Type = types.TypeString(v.Type(), q)
	}
	if mb.stream != nil {
		m.Elem = types.TypeString(mb.stream.TypeArgs().At(0), q)
		m.Stream = types.TypeString(mb.stream, q)
	}
	switch m.Request.Kind {
	case direct:
		m.Request.Type = types.TypeString(mb.reqType, q)
	case envelope:
		m.Request.Fields = m.Params
		m.Request.Doc = fmt.Sprintf("%s is the wire shape of the parameters of %s.%s.", m.Request.Type, svc.Name, m.Name)
	}
	switch m.Response.Kind {
	case direct:
		m.Response.Type = types.TypeString(mb.respType, q)
	case envelope:
		m.Response.Fields = m.Results
		m.Response.Doc = fmt.Sprintf("%s is the wire shape of the results of %s.%s.", m.Response.Type, svc.Name, m.Name)
	}
}

// nameLocals chooses every local name of the generated functions of a
// service so that none hides a name the code spells where it is in scope:
// the package's own types (a stream of s, a Page[req]) and import names.
// Functions whose bodies spell only generated names and imports (which
// never take a fixed local's name) keep fixed names: NewXHTTPHandler, the
// client constructors, and RegisterXNetRPC, whose adapter is named as the
// adapter methods' receiver.
func (b *builder) nameLocals(sb *serviceBuild, reg *importRegistry) {
	svc := sb.svc
	rt := svc.Runtime

	// The net/rpc adapters: their bodies spell the runtime packages and a
	// stream's result type where the receiver, req and resp are in scope;
	// the closure refers to those, so its ctx and err avoid them too.
	ns := newNamespace("nil", "error", rt.Context, rt.NetRPCX)
	for _, m := range svc.Methods {
		ns.take(identsIn(m.Stream)...)
	}
	svc.NetRPCLocals = netRPCLocals{
		Recv: ns.fresh("s"), Req: ns.fresh("req"), Resp: ns.fresh("resp"),
		Ctx: ns.fresh("ctx"), Err: ns.fresh("err"),
	}

	// Register<Service>HTTP: its body spells every request, response and
	// stream type in the closures' signatures, where its parameters, s and
	// the handler variables are in scope.
	ns = newNamespace("nil", "error", rt.Context, rt.HTTP, rt.StdHTTP)
	for _, m := range svc.Methods {
		ns.take(identsIn(m.Request.Type)...)
		ns.take(identsIn(m.Response.Type)...)
		ns.take(identsIn(m.Stream)...)
	}
	h := httpLocals{Mux: ns.fresh("mux"), Impl: ns.fresh("impl"), Opts: ns.fresh("opts"), Svc: ns.fresh("s")}
	for _, m := range svc.Methods {
		m.HTTPVar = ns.fresh(lowerFirst(m.Name))
	}
	// The closures' bodies refer to impl and stdhttp besides their own
	// parameters; their signatures are in the enclosing scope.
	ns = newNamespace("nil", "error", rt.StdHTTP, h.Impl)
	h.Ctx, h.Req, h.Resp, h.Err, h.R = ns.fresh("ctx"), ns.fresh("req"), ns.fresh("resp"), ns.fresh("err"), ns.fresh("r")
	svc.HTTPLocals = h

	for _, mb := range sb.meth {
		b.nameClient(mb, rt)
	}
}

// nameClient decides the signature and locals of a generated client method.
// The user's parameter and result names are kept unless they would shadow a
// name the body refers to.
func (b *builder) nameClient(mb *methodBuild, rt runtimeNames) {
	m := mb.m
	cf := clientFunc{}
	// Names the body refers to: the response type, the envelope, and
	// context.Background when the method takes no context.
	ns := newNamespace("nil")
	ns.take(identsIn(m.Response.Type)...)
	if m.Request.Kind == envelope {
		ns.take(m.Request.Type)
	}
	if !m.HasContext {
		ns.take(rt.Context)
	}
	if m.Kind == serverStream || m.Idempotent {
		// The body calls netrpcx.Stream[T] or stdhttp.Stream[T], or passes
		// netrpcx.Idempotent() or stdhttp.Idempotent().
		ns.take(rt.NetRPCX, rt.StdHTTP)
		ns.take(identsIn(m.Elem)...)
	}

	if m.HasContext {
		name := mb.ctx.Name()
		if !named(mb.ctx) {
			name = "ctx"
		}
		cf.Ctx = ns.fresh(name)
		cf.Params = append(cf.Params, clientParam{Name: cf.Ctx, Type: rt.Context + ".Context"})
	}
	for i, v := range mb.params {
		p := m.Params[i]
		name := v.Name()
		if !named(v) {
			name = "req"
			if n, ok := types.Unalias(mb.reqType).(*types.Named); ok && mb.reqType != nil {
				name = lowerFirst(n.Obj().Name())
			}
		}
		cp := clientParam{Name: ns.fresh(name), Type: p.Type, Variadic: p.Variadic}
		if p.Variadic {
			cp.Type = strings.TrimPrefix(p.Type, "[]")
		}
		cf.Params = append(cf.Params, cp)
	}
	if !m.HasContext {
		cf.Ctx = rt.Context + ".Background()"
	}

	if m.Kind == serverStream {
		cf.Results = []clientParam{{Type: m.Stream}}
		cf.Recv = ns.fresh("c")
		cf.Args = requestArgs(m, cf)
		m.Client = cf
		return
	}

	cf.ResultsNamed = mb.errVar != nil && mb.errVar.Name() != ""
	for i, v := range mb.results {
		cp := clientParam{Type: m.Results[i].Type}
		if cf.ResultsNamed {
			cp.Name = v.Name()
			if cp.Name != "_" {
				cp.Name = ns.fresh(cp.Name)
			}
		}
		cf.Results = append(cf.Results, cp)
	}
	errResult := clientParam{Type: "error"}
	if cf.ResultsNamed && named(mb.errVar) {
		errResult.Name = ns.fresh(mb.errVar.Name())
		cf.Err, cf.ErrDeclared = errResult.Name, true
	} else if cf.ResultsNamed {
		errResult.Name = "_"
	}
	cf.Results = append(cf.Results, errResult)

	cf.Recv = ns.fresh("c")
	if m.Response.Kind != noShape {
		cf.Resp = ns.fresh("resp")
	}
	if cf.Err == "" {
		cf.Err = ns.fresh("err")
	}

	cf.Args = requestArgs(m, cf)
	m.Client = cf
}

// requestArgs returns the expressions for a client's request: envelope
// field values by field, or the lone value.
func requestArgs(m *rpcMethod, cf clientFunc) []string {
	var args []string
	for i, p := range m.Params {
		arg := cf.Params[i+boolInt(m.HasContext)].Name
		switch {
		case m.Request.Kind == envelope:
			args = append(args, p.Field+": "+arg)
		case m.Request.Pointer:
			args = append(args, arg)
		default:
			args = append(args, "&"+arg)
		}
	}
	return args
}

// buildConstraint returns the //go:build expression of a file, or "".
func buildConstraint(f *ast.File) string {
	for _, cg := range f.Comments {
		if cg.Pos() >= f.Package {
			break
		}
		for _, c := range cg.List {
			if constraint.IsGoBuild(c.Text) {
				if expr, err := constraint.Parse(c.Text); err == nil {
					return expr.String()
				}
			}
		}
	}
	return ""
}
