package gen

import "go/types"

// A wireProblem says why a type cannot travel: both encoding/gob (net/rpc)
// and encoding/json (net/http) must be able to encode every value.
type wireProblem struct {
	path  string     // where inside the value: "" for the value itself, "Inner.Ch", "Items[i]"
	typ   types.Type // the offending type
	why   string     // why it cannot travel, and what to do
	field *types.Var // the struct field at fault, when path ends in one
}

// A wireChecker finds the parts of types that gob or json cannot encode.
// It remembers, for the whole run, the named types found clean and the
// marshaler methods types have, so a type used by many methods is walked
// once.
type wireChecker struct {
	clean      map[*types.Named]bool
	marshalers map[types.Type]bool
}

func newWireChecker() *wireChecker {
	return &wireChecker{clean: map[*types.Named]bool{}, marshalers: map[types.Type]bool{}}
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
	if _, isIface := types.Unalias(t).Underlying().(*types.Interface); !isIface && w.c.hasMarshaler(t) {
		return // the type encodes itself
	}
	fail := func(why string) {
		if k := (wireKey{field, t, why}); !w.reported[k] {
			w.reported[k] = true
			w.problems = append(w.problems, &wireProblem{path: path, typ: t, why: why, field: field})
		}
	}

	switch u := types.Unalias(t).Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Kind() == types.UnsafePointer:
			fail("unsafe.Pointer cannot travel over the wire")
		case u.Info()&types.IsComplex != 0:
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
		if !isStringOrInt(u.Key()) && !hasTextMarshaler(u.Key()) {
			fail("json can encode only string and integer map keys (or encoding.TextMarshalers); use string or integer keys")
		}
		w.walk(u.Elem(), join(path, "[k]"), field)
	case *types.Struct:
		exported := 0
		for f := range u.Fields() {
			if !f.Exported() {
				continue
			}
			exported++
			w.walk(f.Type(), join(path, "."+f.Name()), f)
		}
		if exported == 0 && u.NumFields() > 0 {
			fail("gob cannot encode a struct with no exported field; export its fields")
		}
	default:
		fail("unsupported type")
	}
}

func join(path, elem string) string {
	if path == "" && elem[0] == '.' {
		return elem[1:]
	}
	return path + elem
}

// hasMarshaler reports whether t (or *t) encodes itself for gob or json.
func (c *wireChecker) hasMarshaler(t types.Type) bool {
	has, ok := c.marshalers[t]
	if !ok {
		has = hasMethod(t, "MarshalJSON") || hasMethod(t, "MarshalText") ||
			hasMethod(t, "GobEncode") || hasMethod(t, "MarshalBinary")
		c.marshalers[t] = has
	}
	return has
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
