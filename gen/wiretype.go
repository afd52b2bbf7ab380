package gen

import "go/types"

// A wireProblem says why a type cannot travel: both encoding/gob (net/rpc)
// and encoding/json (net/http) must be able to encode every value.
type wireProblem struct {
	path string     // where inside the value: "" for the value itself, "Inner.Ch", "Items[i]"
	typ  types.Type // the offending type
	why  string     // why it cannot travel, and what to do
}

// checkWire reports the first part of t that gob or json cannot encode, or nil.
func checkWire(t types.Type) *wireProblem {
	w := wireWalker{seen: map[string]bool{}}
	return w.walk(t, "")
}

type wireWalker struct {
	seen map[string]bool // named types already checked (recursive types)
}

func (w *wireWalker) walk(t types.Type, path string) *wireProblem {
	if named, ok := types.Unalias(t).(*types.Named); ok {
		key := types.TypeString(named, nil)
		if w.seen[key] {
			return nil
		}
		w.seen[key] = true
	}
	if _, isIface := types.Unalias(t).Underlying().(*types.Interface); !isIface && hasMarshaler(t) {
		return nil // the type encodes itself
	}
	fail := func(why string) *wireProblem { return &wireProblem{path: path, typ: t, why: why} }

	switch u := types.Unalias(t).Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Kind() == types.UnsafePointer:
			return fail("unsafe.Pointer cannot travel over the wire")
		case u.Info()&types.IsComplex != 0:
			return fail("json cannot encode complex numbers; use two float64 values")
		case u.Kind() == types.Invalid:
			return fail("the type does not compile")
		}
		return nil
	case *types.Chan:
		return fail("channels cannot travel over the wire; send the values as a slice")
	case *types.Signature:
		return fail("functions cannot travel over the wire")
	case *types.Interface:
		if isError(t) {
			return fail("an error can only be the last result; return the value's fields instead")
		}
		return fail("interface types cannot travel (the receiver cannot know the concrete type); use a concrete type")
	case *types.TypeParam:
		return fail("type parameters cannot travel; use a concrete type")
	case *types.Pointer:
		return w.walk(u.Elem(), path)
	case *types.Slice:
		return w.walk(u.Elem(), join(path, "[i]"))
	case *types.Array:
		return w.walk(u.Elem(), join(path, "[i]"))
	case *types.Map:
		if !isStringOrInt(u.Key()) && !hasTextMarshaler(u.Key()) {
			return &wireProblem{path: path, typ: t, why: "json can encode only string and integer map keys (or encoding.TextMarshalers); use string or integer keys"}
		}
		return w.walk(u.Elem(), join(path, "[k]"))
	case *types.Struct:
		exported := 0
		for f := range u.Fields() {
			if !f.Exported() {
				continue
			}
			exported++
			if p := w.walk(f.Type(), join(path, "."+f.Name())); p != nil {
				return p
			}
		}
		if exported == 0 && u.NumFields() > 0 {
			return fail("gob cannot encode a struct with no exported field; export its fields")
		}
		return nil
	}
	return fail("unsupported type")
}

func join(path, elem string) string {
	if path == "" && elem[0] == '.' {
		return elem[1:]
	}
	return path + elem
}

// hasMarshaler reports whether t (or *t) encodes itself for gob or json.
func hasMarshaler(t types.Type) bool {
	return hasMethod(t, "MarshalJSON") || hasMethod(t, "MarshalText") ||
		hasMethod(t, "GobEncode") || hasMethod(t, "MarshalBinary")
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
