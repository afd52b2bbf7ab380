package gen

import (
	"cmp"
	"go/types"
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// The fields of a struct as encoding/json sees them, and what it asks of a
// type: its rules, ported to go/types for the JSON codecs (model_json.go).

// emptyTest is how omitempty tells an empty value, by its kind.
type emptyTest int

const (
	neverEmpty emptyTest = iota // a struct
	emptyFalse
	emptyZero   // a number
	emptyFloat  // a float: 0 (and -0, as the Go release decides)
	emptyString // ""
	emptyLen    // an array, slice or map of length 0
	emptyNil    // a pointer or interface
)

// emptyOf is encoding/json's isEmptyValue for a value of t.
func emptyOf(t types.Type) emptyTest {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsBoolean != 0:
			return emptyFalse
		case u.Info()&types.IsFloat != 0:
			return emptyFloat
		case u.Info()&types.IsNumeric != 0:
			return emptyZero
		case u.Info()&types.IsString != 0:
			return emptyString
		}
	case *types.Array, *types.Slice, *types.Map:
		return emptyLen
	case *types.Pointer, *types.Interface:
		return emptyNil
	}
	return neverEmpty
}

// marshalsItself reports whether t or *t has a method encoding/json calls
// instead of looking inside: MarshalJSON, UnmarshalJSON, MarshalText or
// UnmarshalText.
func marshalsItself(t types.Type) bool {
	if _, isPtr := t.Underlying().(*types.Pointer); isPtr {
		t = t.Underlying().(*types.Pointer).Elem()
	}
	if _, isIface := t.Underlying().(*types.Interface); isIface {
		return true // what it holds decides
	}
	return pointerHas(t, nil, true, "MarshalJSON", "UnmarshalJSON", "MarshalText", "UnmarshalText")
}

// implementsJSON reports whether *t implements json.Marshaler (name
// MarshalJSON) or json.Unmarshaler (UnmarshalJSON).
func implementsJSON(t types.Type, name string) bool {
	sel := types.NewMethodSet(types.NewPointer(t)).Lookup(nil, name)
	if sel == nil {
		return false
	}
	sig, ok := sel.Obj().Type().(*types.Signature)
	if !ok || sig.Variadic() {
		return false
	}
	bytes := types.NewSlice(types.Typ[types.Uint8])
	res, params := sig.Results(), sig.Params()
	if name == "MarshalJSON" {
		return params.Len() == 0 && res.Len() == 2 && types.Identical(res.At(0).Type(), bytes) && isError(res.At(1).Type())
	}
	return params.Len() == 1 && types.Identical(params.At(0).Type(), bytes) && res.Len() == 1 && isError(res.At(0).Type())
}

// addrSensitive reports whether a value of t holds, not behind a pointer,
// a value whose encoding depends on whether it is addressable: one whose
// MarshalJSON or MarshalText has a pointer receiver. A map's values are
// not addressable; the codec's local copy would be.
func addrSensitive(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	for _, name := range []string{"MarshalJSON", "MarshalText"} {
		onValue, _, _ := types.LookupFieldOrMethod(t, true, nil, name)
		onPtr, _, _ := types.LookupFieldOrMethod(types.NewPointer(t), true, nil, name)
		if onValue == nil && onPtr != nil {
			return true
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Array:
		return addrSensitive(u.Elem(), seen)
	case *types.Struct:
		for f := range u.Fields() {
			if addrSensitive(f.Type(), seen) {
				return true
			}
		}
	}
	return false
}

// A tfField is a field as encoding/json's typeFields finds it.
type tfField struct {
	name      string
	tagged    bool
	index     []int
	path      string // Go selector
	typ       types.Type
	omitEmpty bool
	quoted    bool
}

// typeFields returns the fields encoding/json encodes for struct st, in
// its order, by its rules: exported fields, and those of embedded structs
// promoted (the shallowest, or the tagged one, winning a name; a tie
// dropping the name). ok is false when a field needs what the codecs do
// not do: an embedded pointer, omitzero, or ",string" on other than a
// basic value.
func typeFields(st *types.Struct) (_ []tfField, ok bool) {
	type level struct {
		st    *types.Struct
		key   types.Type
		index []int
		path  string
	}
	var current []level
	next := []level{{st: st}}
	var count, nextCount map[types.Type]int
	visited := map[types.Type]bool{}
	var fields []tfField
	for len(next) > 0 {
		current, next = next, nil
		count, nextCount = nextCount, map[types.Type]int{}
		for _, f := range current {
			if f.key != nil {
				if visited[f.key] {
					continue
				}
				visited[f.key] = true
			}
			for i := range f.st.NumFields() {
				sf := f.st.Field(i)
				if sf.Embedded() {
					t := types.Unalias(sf.Type())
					if p, isPtr := t.(*types.Pointer); isPtr {
						t = p.Elem()
					}
					_, isStruct := t.Underlying().(*types.Struct)
					if !sf.Exported() && !isStruct {
						continue
					}
				} else if !sf.Exported() {
					continue
				}
				tag := reflect.StructTag(f.st.Tag(i)).Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				index := append(slices.Clone(f.index), i)
				path := sf.Name()
				if f.path != "" {
					path = f.path + "." + path
				}
				ft := types.Unalias(sf.Type())
				if p, isPtr := ft.(*types.Pointer); isPtr {
					ft = p.Elem()
				}
				hasOpt := func(o string) bool { return slices.Contains(strings.Split(opts, ","), o) }
				quoted := false
				if hasOpt("string") {
					if b, isBasic := ft.Underlying().(*types.Basic); isBasic && b.Info()&(types.IsBoolean|types.IsInteger|types.IsFloat|types.IsString) != 0 {
						quoted = true
					}
				}
				if hasOpt("omitzero") {
					return nil, false
				}
				_, isStruct := ft.Underlying().(*types.Struct)
				if name != "" || !sf.Embedded() || !isStruct {
					if quoted && (types.Unalias(sf.Type()) != ft || marshalsItself(ft)) {
						return nil, false // a pointer, or a type with its own methods
					}
					tagged := name != ""
					if name == "" {
						name = sf.Name()
					}
					fields = append(fields, tfField{name: name, tagged: tagged, index: index, path: path, typ: sf.Type(), omitEmpty: hasOpt("omitempty"), quoted: quoted})
					if count[f.key] > 1 {
						fields = append(fields, fields[len(fields)-1])
					}
					continue
				}
				if _, isPtr := types.Unalias(sf.Type()).(*types.Pointer); isPtr {
					return nil, false // an embedded pointer: allocated on the way in, skipped when nil
				}
				nextCount[ft]++
				if nextCount[ft] == 1 {
					next = append(next, level{st: ft.Underlying().(*types.Struct), key: ft, index: index, path: path})
				}
			}
		}
	}
	slices.SortStableFunc(fields, func(a, b tfField) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := cmp.Compare(len(a.index), len(b.index)); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	var out []tfField
	for i := 0; i < len(fields); {
		j := i + 1
		for j < len(fields) && fields[j].name == fields[i].name {
			j++
		}
		group := fields[i:j]
		if len(group) == 1 || len(group[0].index) != len(group[1].index) || group[0].tagged != group[1].tagged {
			out = append(out, group[0])
		}
		i = j
	}
	slices.SortFunc(out, func(a, b tfField) int { return slices.Compare(a.index, b.index) })
	return out, true
}

// validTagName is encoding/json's isValidTag.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// decodedAs is the type the decoder's method for v returns.
func decodedAs(v *jsonValue) types.Type {
	switch v.Kind {
	case jsonBool:
		return types.Typ[types.Bool]
	case jsonInt:
		return types.Typ[types.Int64]
	case jsonUint:
		return types.Typ[types.Uint64]
	case jsonFloat:
		return types.Typ[types.Float64]
	}
	return types.Typ[types.String]
}

// encodedAs is the type the encoder's method for v takes.
func encodedAs(v *jsonValue) types.Type {
	if v.Kind == jsonFloat && v.Bits == 32 {
		return types.Typ[types.Float32]
	}
	return decodedAs(v)
}

func intBits(k types.BasicKind) int {
	switch k {
	case types.Int8, types.Uint8:
		return 8
	case types.Int16, types.Uint16:
		return 16
	case types.Int32, types.Uint32:
		return 32
	case types.Int64, types.Uint64:
		return 64
	}
	return 0 // int, uint, uintptr: the platform's size
}
