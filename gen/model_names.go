package gen

import (
	"go/scanner"
	"go/token"
	"go/types"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A namespace hands out identifiers that collide neither with each other nor
// with the names it was told are taken. Generated code uses it for every local
// name, so a parameter called ctx, err, req or http never breaks the output.
type namespace map[string]bool

func newNamespace(taken ...string) namespace {
	ns := namespace{}
	for _, name := range taken {
		ns[name] = true
	}
	return ns
}

// take marks names as used.
func (ns namespace) take(names ...string) {
	for _, name := range names {
		ns[name] = true
	}
}

// fresh returns base, or base2, base3... if base is taken or a keyword, and
// marks the result as used.
func (ns namespace) fresh(base string) string {
	name := base
	for i := 2; ns[name] || token.IsKeyword(name); i++ {
		name = base + strconv.Itoa(i)
	}
	ns[name] = true
	return name
}

// identsIn returns the identifiers a rendered Go expression refers to in its
// scope: every identifier that is not a selector's field (after a dot).
// Struct field names inside type literals are included, which only makes the
// set larger than it need be.
func identsIn(expr string) []string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	src := []byte(expr)
	s.Init(fset.AddFile("", -1, len(src)), src, nil, 0)
	var ids []string
	prev := token.ILLEGAL
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return ids
		}
		if tok == token.IDENT && prev != token.PERIOD {
			ids = append(ids, lit)
		}
		prev = tok
	}
}

// upperFirst returns s with its first letter upper-cased: a -> A.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// lowerFirst returns s with its leading capital (or initialism) lower-cased,
// as Go names a local or unexported value: Add -> add, HTTPServer -> httpServer,
// ID -> id, IDs -> ids.
func lowerFirst(s string) string {
	runes := []rune(s)
	n := 0
	for n < len(runes) && unicode.IsUpper(runes[n]) {
		n++
	}
	switch {
	case n == 0:
		return s
	case n == len(runes), n > 1 && string(runes[n:]) == "s":
		n = len(runes)
	case n > 1:
		n-- // keep the capital that starts the next word: HTTPServer -> httpServer
	}
	for i := range n {
		runes[i] = unicode.ToLower(runes[i])
	}
	return string(runes)
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
		ns.take(identsIn(m.InSeq)...)
	}
	svc.NetRPCLocals = netRPCLocals{
		Recv: ns.fresh("s"), Req: ns.fresh("req"), Resp: ns.fresh("resp"),
		Ctx: ns.fresh("ctx"), Err: ns.fresh("err"), In: ns.fresh("in"),
	}
	// The adapter's unexported methods share its method set with the
	// exported ones (and its field impl), so two methods that lower-case
	// alike (ID, Id) get distinct names.
	ns = newNamespace("impl")
	for _, m := range svc.Methods {
		ns.take(m.Name)
	}
	for _, m := range svc.Methods {
		m.NetRPCCall = ns.fresh(lowerFirst(m.Name))
	}

	// Register<Service>HTTP: its body spells every request, response and
	// stream type in the closures' signatures, where its parameters, s and
	// the handler variables are in scope.
	ns = newNamespace("nil", "error", rt.Context, rt.HTTP, rt.StdHTTP)
	for _, m := range svc.Methods {
		ns.take(identsIn(m.Request.Type)...)
		ns.take(identsIn(m.Response.Type)...)
		ns.take(identsIn(m.Stream)...)
		ns.take(identsIn(m.InSeq)...)
	}
	h := httpLocals{Mux: ns.fresh("mux"), Impl: ns.fresh("impl"), Opts: ns.fresh("opts"), Svc: ns.fresh("s"), JSONRPC: ns.fresh("j")}
	for _, m := range svc.Methods {
		m.HTTPVar = ns.fresh(lowerFirst(m.Name))
	}
	// The closures' bodies refer to impl and stdhttp besides their own
	// parameters; their signatures are in the enclosing scope.
	ns = newNamespace("nil", "error", rt.StdHTTP, h.Impl)
	h.Ctx, h.Req, h.Resp, h.Err, h.R = ns.fresh("ctx"), ns.fresh("req"), ns.fresh("resp"), ns.fresh("err"), ns.fresh("r")
	h.In = ns.fresh("in")
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
	if m.Kind != unary || m.Idempotent {
		// The body calls netrpcx.Stream[T] or stdhttp.Stream[T] (or the
		// function for its kind of stream), or passes netrpcx.Idempotent()
		// or stdhttp.Idempotent().
		ns.take(rt.NetRPCX, rt.StdHTTP)
		ns.take(identsIn(m.Elem)...)
	}
	if m.Kind == bidiStream {
		ns.take(identsIn(m.InElem)...) // BidiStream[T, U] spells both
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
		switch {
		case named(v):
		case m.Kind.takesStream():
			name = "in"
		default:
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

	if m.Kind.returnsStream() {
		cf.Results = []clientParam{{Type: m.Stream}}
		cf.Recv = ns.fresh("c")
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

	m.Client = cf
}
