package gen

import (
	"fmt"
	"go/types"
)

// A value travels through encoding/gob over net/rpc and encoding/json over
// HTTP, and must arrive the same through both. A type that encodes itself
// for one codec only is encoded by the other from its structure; that is
// fine when the structure carries everything (a named int with MarshalJSON),
// and a loss the generator refuses when it does not (unexported fields gob
// skips, an any field gob cannot send). A marshaler without its
// unmarshaler cannot be read back. Unexported fields of structs that travel
// are sent by neither codec: a warning, since keeping a field local can be
// meant.

// A wireProblem says why a type cannot travel: both encoding/gob (net/rpc)
// and encoding/json (net/http) must be able to encode every value.
type wireProblem struct {
	path  string     // where inside the value: "" for the value itself, "Inner.Ch", "Items[i]"
	typ   types.Type // the offending type
	why   string     // why it cannot travel, and what to do
	field *types.Var // the struct field at fault, when path ends in one
}

// A wireWarning is an unexported field of a struct that travels.
type wireWarning struct {
	field    *types.Var
	owner    string // the struct's type name
	embedded bool
}

// A wireChecker finds the parts of types that gob or json cannot encode.
// It remembers, for the whole run, the named types found clean and the
// marshaler methods types have, so a type used by many methods is walked
// once, and it collects the warnings, each field once.
type wireChecker struct {
	clean      map[*types.Named]bool
	marshalers map[types.Type]marshalers
	warned     map[*types.Var]bool
	warnings   []wireWarning
}

func newWireChecker() *wireChecker {
	return &wireChecker{clean: map[*types.Named]bool{}, marshalers: map[types.Type]marshalers{}, warned: map[*types.Var]bool{}}
}

// check reports every part of t that gob or json cannot encode: each bad
// field of a struct, not only the first, and each field once however many
// paths lead to it.
func (c *wireChecker) check(t types.Type) []*wireProblem {
	w := wireWalker{c: c, active: map[*types.Named]bool{}, reported: map[wireKey]bool{}}
	w.walk(t, "", nil)
	return w.problems
}

type wireWalker struct {
	c        *wireChecker
	active   map[*types.Named]bool // named types being walked (recursive types)
	reported map[wireKey]bool
	problems []*wireProblem
	cycles   int // walks stopped at a type being walked
	// Set while walking the structure of a type that encodes itself for
	// one codec only: the codec that encodes the structure, and the fix
	// that spares the walk.
	codec, hint string
}

// A wireKey identifies a problem apart from the path that led to it.
type wireKey struct {
	field *types.Var
	typ   types.Type
	why   string
}

func (w *wireWalker) walk(t types.Type, path string, field *types.Var) {
	if named, ok := types.Unalias(t).(*types.Named); ok {
		if w.active[named] {
			w.cycles++
			return
		}
		if w.c.clean[named] {
			return
		}
		w.active[named] = true
		problems, cycles := len(w.problems), w.cycles
		defer func() {
			delete(w.active, named)
			// Clean for good only if it was walked to the end: a cycle
			// back to a type being walked left part of it unseen.
			if len(w.problems) == problems && w.cycles == cycles {
				w.c.clean[named] = true
			}
		}()
	}
	if _, isIface := types.Unalias(t).Underlying().(*types.Interface); !isIface {
		if w.marshaled(t, path, field) {
			return
		}
	}
	w.structure(t, path, field)
}

func (w *wireWalker) fail(t types.Type, path string, field *types.Var, why string) {
	if w.hint != "" {
		why += ", " + w.hint
	}
	if k := (wireKey{field, t, why}); !w.reported[k] {
		w.reported[k] = true
		w.problems = append(w.problems, &wireProblem{path: path, typ: t, why: why, field: field})
	}
}

// marshaled checks a type's own marshalers and reports whether they decide
// how it travels, so that its structure need not be walked again.
func (w *wireWalker) marshaled(t types.Type, path string, field *types.Var) bool {
	m := w.c.marshalersOf(t)
	if !m.any() {
		return false
	}
	name := typeName(t)
	for _, p := range []struct {
		has, un  bool
		enc, dec string
	}{
		{m.json, m.unjson, "MarshalJSON", "UnmarshalJSON"},
		{m.text, m.untext, "MarshalText", "UnmarshalText"},
		{m.gob, m.ungob, "GobEncode", "GobDecode"},
		{m.binary, m.unbinary, "MarshalBinary", "UnmarshalBinary"},
	} {
		if p.has && !p.un {
			w.fail(t, path, field, fmt.Sprintf("%s has %s but no %s: the receiver could not decode what it sends; add %s", name, p.enc, p.dec, p.dec))
			return true
		}
	}
	jsonOwn, gobOwn := m.json || m.text, m.gob || m.binary || m.text
	switch {
	case jsonOwn && gobOwn:
		return true
	case jsonOwn:
		w.oneCodec(t, path, field, name+" has MarshalJSON but no GobEncode", "gob",
			"add GobEncode and GobDecode, or MarshalBinary and UnmarshalBinary",
			"give "+name+" GobEncode and GobDecode (gob does not use its MarshalJSON)")
	default:
		have := "GobEncode"
		if !m.gob {
			have = "MarshalBinary"
		}
		w.oneCodec(t, path, field, name+" has "+have+" but no MarshalJSON", "json",
			"add MarshalJSON and UnmarshalJSON, or MarshalText and UnmarshalText",
			"give "+name+" MarshalJSON and UnmarshalJSON (json does not use its "+have+")")
	}
	return true
}

// oneCodec checks the structure of a type that encodes itself for one codec
// only, as the other codec sees it.
func (w *wireWalker) oneCodec(t types.Type, path string, field *types.Var, what, codec, fix, hint string) {
	if s, ok := types.Unalias(t).Underlying().(*types.Struct); ok {
		exported, unexported := 0, 0
		for f := range s.Fields() {
			if f.Exported() {
				exported++
			} else {
				unexported++
			}
		}
		switch {
		case unexported > 0 && exported == 0:
			w.fail(t, path, field, fmt.Sprintf("%s: %s would send its fields, which are unexported; %s", what, codec, fix))
			return
		case unexported > 0:
			w.fail(t, path, field, fmt.Sprintf("%s: %s would send only its exported fields, and it has unexported ones; %s", what, codec, fix))
			return
		}
	}
	outerCodec, outerHint := w.codec, w.hint
	w.codec, w.hint = codec, "or "+hint
	w.structure(t, path, field)
	w.codec, w.hint = outerCodec, outerHint
}

// structure checks how a type travels when no marshaler of its own decides.
func (w *wireWalker) structure(t types.Type, path string, field *types.Var) {
	fail := func(why string) { w.fail(t, path, field, why) }
	switch u := types.Unalias(t).Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Kind() == types.UnsafePointer:
			fail("unsafe.Pointer cannot travel over the wire")
		case u.Info()&types.IsComplex != 0 && w.codec != "gob":
			fail("json cannot encode complex numbers; use two float64 values")
		case u.Kind() == types.Invalid:
			fail("the type does not compile")
		}
	case *types.Chan:
		fail("channels cannot travel over the wire; send the values as a slice")
	case *types.Signature:
		fail("functions cannot travel over the wire")
	case *types.Interface:
		if isError(t) {
			fail("an error can only be the last result; return the value's fields instead")
		} else {
			fail("interface types cannot travel (the receiver cannot know the concrete type); use a concrete type")
		}
	case *types.TypeParam:
		fail("type parameters cannot travel; use a concrete type")
	case *types.Pointer:
		w.walk(u.Elem(), path, field)
	case *types.Slice:
		w.walk(u.Elem(), join(path, "[i]"), field)
	case *types.Array:
		w.walk(u.Elem(), join(path, "[i]"), field)
	case *types.Map:
		if w.codec != "gob" && !isStringOrInt(u.Key()) && !hasTextMarshaler(u.Key()) {
			fail("json can encode only string and integer map keys (or encoding.TextMarshalers); use string or integer keys")
		}
		w.walk(u.Elem(), join(path, "[k]"), field)
	case *types.Struct:
		exported := 0
		for f := range u.Fields() {
			if !f.Exported() {
				w.c.warn(f, typeName(t))
				continue
			}
			exported++
			w.walk(f.Type(), join(path, "."+f.Name()), f)
		}
		if exported == 0 && u.NumFields() > 0 {
			switch w.codec {
			case "json":
				fail("json sends a struct with no exported field as {}; export its fields")
			default:
				fail("gob cannot encode a struct with no exported field; export its fields")
			}
		}
	default:
		fail("unsupported type")
	}
}

// warn records an unexported field of a struct that travels.
func (c *wireChecker) warn(f *types.Var, owner string) {
	if c.warned[f] || !f.Pos().IsValid() {
		return
	}
	c.warned[f] = true
	c.warnings = append(c.warnings, wireWarning{field: f, owner: owner, embedded: f.Embedded()})
}

// message words a warning.
func (w wireWarning) message() string {
	if w.embedded {
		return fmt.Sprintf("warning: embedded field %s.%s has an unexported type: gob does not send it (json sends its exported fields), so over net/rpc it arrives empty; export the type, or give the field an exported name", w.owner, w.field.Name())
	}
	return fmt.Sprintf("warning: field %s.%s is unexported: neither gob nor json sends it, so the receiver gets its zero value; export it if it should travel", w.owner, w.field.Name())
}

// typeName names a type in a message: a named type by its name, any other
// by its spelling.
func typeName(t types.Type) string {
	if n, ok := types.Unalias(t).(*types.Named); ok {
		return n.Obj().Name()
	}
	return types.TypeString(t, func(*types.Package) string { return "" })
}

func join(path, elem string) string {
	if path == "" && elem[0] == '.' {
		return elem[1:]
	}
	return path + elem
}

// marshalers are the encoding methods a type (or its pointer) has.
type marshalers struct {
	json, text, gob, binary         bool
	unjson, untext, ungob, unbinary bool
}

func (m marshalers) any() bool { return m.json || m.text || m.gob || m.binary }

// marshalersOf returns the encoding methods of t or *t.
func (c *wireChecker) marshalersOf(t types.Type) marshalers {
	m, ok := c.marshalers[t]
	if !ok {
		m = marshalers{
			json: hasMethod(t, "MarshalJSON"), text: hasMethod(t, "MarshalText"),
			gob: hasMethod(t, "GobEncode"), binary: hasMethod(t, "MarshalBinary"),
		}
		if m.any() {
			m.unjson, m.untext = hasMethod(t, "UnmarshalJSON"), hasMethod(t, "UnmarshalText")
			m.ungob, m.unbinary = hasMethod(t, "GobDecode"), hasMethod(t, "UnmarshalBinary")
		}
		c.marshalers[t] = m
	}
	return m
}

func hasTextMarshaler(t types.Type) bool { return hasMethod(t, "MarshalText") }

// hasTextUnmarshaler reports whether *t has UnmarshalText, so a string can set it.
func hasTextUnmarshaler(t types.Type) bool { return hasMethod(t, "UnmarshalText") }

// hasMethod reports whether t or *t has a method name of shape
// func(...) (..., error), as the marshaler interfaces do.
func hasMethod(t types.Type, name string) bool {
	if _, isPtr := t.(*types.Pointer); !isPtr {
		t = types.NewPointer(t)
	}
	sel := types.NewMethodSet(t).Lookup(nil, name)
	if sel == nil {
		return false
	}
	sig, ok := sel.Obj().Type().(*types.Signature)
	return ok && sig.Results().Len() >= 1 && isError(sig.Results().At(sig.Results().Len()-1).Type())
}

func isStringOrInt(t types.Type) bool {
	b, ok := types.Unalias(t).Underlying().(*types.Basic)
	return ok && b.Info()&(types.IsString|types.IsInteger) != 0
}

// isScalar reports whether a string from a URL can set a t: strings, bools,
// numbers, and encoding.TextUnmarshalers.
func isScalar(t types.Type) bool {
	if hasTextUnmarshaler(t) {
		return true
	}
	b, ok := types.Unalias(t).Underlying().(*types.Basic)
	return ok && b.Info()&(types.IsString|types.IsBoolean|types.IsInteger|types.IsFloat) != 0 && b.Kind() != types.UnsafePointer
}

// isScalarOrSlice reports whether query values (a key given zero or more
// times) can set a t.
func isScalarOrSlice(t types.Type) bool {
	if isScalar(t) {
		return true
	}
	s, ok := types.Unalias(t).Underlying().(*types.Slice)
	return ok && isScalar(s.Elem())
}

var errorType = types.Universe.Lookup("error").Type()

func isError(t types.Type) bool { return types.Identical(t, errorType) }

func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

// structType reports whether t is a struct or a pointer to one, and the
// struct's type without the pointer.
func structType(t types.Type) (elem types.Type, ptr, ok bool) {
	if p, isPtr := types.Unalias(t).(*types.Pointer); isPtr {
		elem, ptr = p.Elem(), true
	} else {
		elem = t
	}
	_, ok = types.Unalias(elem).Underlying().(*types.Struct)
	return elem, ptr, ok
}

// netRPCExported reports whether net/rpc accepts t as an argument or reply
// type: after pointers, a named type must be exported; unnamed types are fine.
func netRPCExported(t types.Type) bool {
	for {
		p, ok := types.Unalias(t).(*types.Pointer)
		if !ok {
			break
		}
		t = p.Elem()
	}
	if n, ok := types.Unalias(t).(*types.Named); ok {
		return n.Obj().Exported() || n.Obj().Pkg() == nil
	}
	return true
}
