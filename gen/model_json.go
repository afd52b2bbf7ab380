package gen

import (
	"cmp"
	"encoding/json"
	"go/types"
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// The JSON codecs: for each struct that travels over HTTP (the envelopes,
// and the package's own structs that travel as themselves) and each struct
// of the package they hold, EncodeJSON and DecodeJSON methods that write
// and read it as encoding/json does, without reflection. stdhttp finds the
// methods on a request or response and uses them in place of
// encoding/json.
//
// The model spells out the fields as encoding/json sees them (its rules for
// names, tags, embedded structs and conflicts, ported from its typeFields)
// and what each value is. Whatever it does not describe exactly is left to
// encoding/json for that value (jsonFallback): types with their own
// marshalers, interfaces, other packages' structs, recursive types.

// A jsonCodec is the pair of methods of one struct type.
type jsonCodec struct {
	Type   string // the receiver's type, as the file spells it
	Fields []*codecField
}

// A codecField is a member of the struct's JSON object.
type codecField struct {
	Name   string    // the member's name: what DecodeJSON matches keys against
	Key    string    // the member's name as encoding/json writes it, quoted, with the colon
	Path   string    // the Go selector from the receiver: ID, or Inner.ID for a promoted field
	Omit   bool      // omitempty
	Quoted bool      // the ",string" option, on a basic value
	Empty  emptyTest // what omitempty tests
	Value  *jsonValue
}

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

// jsonKind tells how a value is written and read.
type jsonKind int

const (
	jsonFallback jsonKind = iota // left to encoding/json
	jsonBool
	jsonInt
	jsonUint
	jsonFloat
	jsonString
	jsonBytes // a []byte: base64
	jsonPointer
	jsonSlice
	jsonArray
	jsonMap    // with string keys
	jsonStruct // a struct of the package with its own codec
)

// A jsonValue is one value of a field, or inside one.
type jsonValue struct {
	Kind jsonKind
	Bits int // the size of an int, uint or float; 0 for int, uint and uintptr
	// Go is the type as the file spells it, where the code names it: a
	// conversion, a composite literal, new, a local's declaration. Empty
	// where nothing names it, or for the basic type a decoder method
	// returns (no conversion).
	Go   string
	Elem *jsonValue // of a pointer, slice, array or map
	// Key is a map's key type as the file spells it, when it is not
	// string.
	Key string
	// EncConv is the conversion a basic value or []byte needs to be
	// passed to the encoder's method ("int64"), if any.
	EncConv string
	// Marshals and Unmarshals tell, for a value left to encoding/json,
	// that its pointer has MarshalJSON or UnmarshalJSON, which the codec
	// calls itself where the value is addressable: all encoding/json would
	// do.
	Marshals, Unmarshals bool
	// DecConv is set when the decoder's method returns another type
	// than the value's, which Go converts to.
	DecConv bool

	t types.Type
}

// jsonPlan is the package's codecs, and which file prints each.
type jsonPlan struct {
	pkg     *types.Package
	structs map[*types.Named]*jsonStructInfo
	// files: the codecs of each generated file (by source), in order.
	files map[string][]*jsonCodecBuild
}

// jsonStructInfo is what the plan learnt of a named struct.
type jsonStructInfo struct {
	ok     bool // it gets a codec
	fields []tfField
}

// jsonCodecBuild is a codec before its types are spelled.
type jsonCodecBuild struct {
	name   string // the type's name (an envelope's, or the struct's)
	fields []tfField
	codec  *jsonCodec
	values []*jsonValue // every value whose Go is to be spelled
}

// planJSON decides the codecs of a package: what each service's file
// prints. A struct used by several files is printed by the first, in the
// order of their sources.
func planJSON(pkg *types.Package, builds []*serviceBuild) *jsonPlan {
	pl := &jsonPlan{pkg: pkg, structs: map[*types.Named]*jsonStructInfo{}, files: map[string][]*jsonCodecBuild{}}
	bySource := slices.Clone(builds)
	slices.SortStableFunc(bySource, func(x, y *serviceBuild) int {
		return cmp.Or(cmp.Compare(x.decl.filename, y.decl.filename), cmp.Compare(x.decl.spec.Pos(), y.decl.spec.Pos()))
	})
	claimed := map[*types.Named]bool{}
	for _, sb := range bySource {
		file := sb.decl.filename
		var add func(n *types.Named)
		add = func(n *types.Named) {
			if claimed[n] || !pl.covered(n) {
				return
			}
			claimed[n] = true
			info := pl.structs[n]
			cb := &jsonCodecBuild{name: n.Obj().Name(), fields: info.fields}
			pl.files[file] = append(pl.files[file], cb)
			for _, f := range info.fields {
				for _, inner := range pl.structsIn(f.typ) {
					add(inner)
				}
			}
		}
		for _, mb := range sb.meth {
			m := mb.m
			for i, sh := range []shape{m.Request, m.Response} {
				ps, vars, t := m.Params, mb.params, mb.reqType
				if i == 1 {
					ps, vars, t = m.Results, mb.results, mb.respType
				}
				switch sh.Kind {
				case envelope:
					fields := pl.envelopeFields(ps, vars)
					if fields == nil {
						continue
					}
					pl.files[file] = append(pl.files[file], &jsonCodecBuild{name: sh.Type, fields: fields})
					for _, f := range fields {
						for _, inner := range pl.structsIn(f.typ) {
							add(inner)
						}
					}
				case direct:
					if n, ok := types.Unalias(t).(*types.Named); ok {
						add(n)
					}
				}
			}
		}
	}
	return pl
}

// envelopeFields returns the fields of an envelope, or nil when a field's
// name would collide with the methods.
func (pl *jsonPlan) envelopeFields(ps []*param, vars []*types.Var) []tfField {
	var fields []tfField
	for i, p := range ps {
		if p.Field == "EncodeJSON" || p.Field == "DecodeJSON" {
			return nil
		}
		fields = append(fields, tfField{name: p.Name, tagged: true, index: []int{i}, path: p.Field, typ: vars[i].Type()})
	}
	return fields
}

// structsIn returns the structs with codecs that code for a value of t
// calls.
func (pl *jsonPlan) structsIn(t types.Type) []*types.Named {
	var out []*types.Named
	var walk func(v *jsonValue)
	walk = func(v *jsonValue) {
		if v == nil {
			return
		}
		if v.Kind == jsonStruct {
			out = append(out, types.Unalias(v.t).(*types.Named))
		}
		walk(v.Elem)
	}
	walk(pl.value(t, nil))
	return out
}

// covered reports whether the named type n gets a codec: a struct of the
// package, not generic, without JSON or text methods of its own or a member
// named as the codec's methods, whose fields encoding/json reads as the
// plan describes, and not inside a cycle of types (whose depth only
// encoding/json's cycle check bounds).
func (pl *jsonPlan) covered(n *types.Named) bool {
	if info, done := pl.structs[n]; done {
		return info.ok
	}
	info := &jsonStructInfo{}
	pl.structs[n] = info
	st, isStruct := n.Underlying().(*types.Struct)
	if !isStruct || n.Obj().Pkg() != pl.pkg || n.TypeParams().Len() > 0 || n.TypeArgs().Len() > 0 || marshalsItself(n) {
		return false
	}
	for _, name := range []string{"EncodeJSON", "DecodeJSON"} {
		if obj, _, _ := types.LookupFieldOrMethod(types.NewPointer(n), true, pl.pkg, name); obj != nil {
			return false
		}
	}
	fields, ok := typeFields(st)
	if !ok || pl.reaches(n, n, map[*types.Named]bool{}) {
		return false
	}
	info.ok, info.fields = true, fields
	return true
}

// namedStructsIn returns the named structs of the package a value of t
// holds, through pointers, slices, arrays and maps.
func (pl *jsonPlan) namedStructsIn(t types.Type) []*types.Named {
	switch u := types.Unalias(t).(type) {
	case *types.Named:
		if _, ok := u.Underlying().(*types.Struct); ok {
			if u.Obj().Pkg() == pl.pkg {
				return []*types.Named{u}
			}
			return nil
		}
		return pl.namedStructsIn(u.Underlying())
	case *types.Pointer:
		return pl.namedStructsIn(u.Elem())
	case *types.Slice:
		return pl.namedStructsIn(u.Elem())
	case *types.Array:
		return pl.namedStructsIn(u.Elem())
	case *types.Map:
		return pl.namedStructsIn(u.Elem())
	}
	return nil
}

// reaches reports whether a value of struct from holds, at any depth, a
// value of struct to.
func (pl *jsonPlan) reaches(from, to *types.Named, seen map[*types.Named]bool) bool {
	if seen[from] {
		return false
	}
	seen[from] = true
	st := from.Underlying().(*types.Struct)
	for f := range st.Fields() {
		for _, n := range pl.namedStructsIn(f.Type()) {
			if n == to || pl.reaches(n, to, seen) {
				return true
			}
		}
	}
	return false
}

// value describes a value of t. codec, when not nil, collects the values
// whose types the code spells.
func (pl *jsonPlan) value(t types.Type, codec *jsonCodecBuild) *jsonValue {
	v := &jsonValue{t: t}
	spell := func(v *jsonValue) {
		if codec != nil {
			codec.values = append(codec.values, v)
		}
	}
	if marshalsItself(t) {
		if _, isIface := t.Underlying().(*types.Interface); !isIface {
			if _, isPtr := t.Underlying().(*types.Pointer); !isPtr {
				v.Marshals = implementsJSON(t, "MarshalJSON")
				v.Unmarshals = implementsJSON(t, "UnmarshalJSON")
			}
		}
		return v
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsBoolean != 0:
			v.Kind = jsonBool
		case u.Info()&types.IsInteger != 0 && u.Info()&types.IsUnsigned == 0:
			v.Kind, v.Bits = jsonInt, intBits(u.Kind())
		case u.Info()&types.IsInteger != 0:
			v.Kind, v.Bits = jsonUint, intBits(u.Kind())
		case u.Kind() == types.Float32:
			v.Kind, v.Bits = jsonFloat, 32
		case u.Kind() == types.Float64:
			v.Kind, v.Bits = jsonFloat, 64
		case u.Info()&types.IsString != 0:
			v.Kind = jsonString
		default:
			return v // complex, unsafe.Pointer: encoding/json's error
		}
		if !types.Identical(t, decodedAs(v)) {
			spell(v)
			v.DecConv = true
		}
		if p := encodedAs(v); !types.Identical(t, p) {
			v.EncConv = p.String()
		}
	case *types.Pointer:
		elem := pl.value(u.Elem(), codec)
		if elem.Kind == jsonFallback {
			return v
		}
		v.Kind, v.Elem = jsonPointer, elem
		spell(elem)
	case *types.Slice:
		if types.Identical(u.Elem(), types.Typ[types.Uint8]) {
			v.Kind = jsonBytes
			if !types.Identical(t, types.NewSlice(types.Typ[types.Uint8])) {
				spell(v)
				v.EncConv, v.DecConv = "[]byte", true
			}
			return v
		}
		elem := pl.value(u.Elem(), codec)
		if elem.Kind == jsonFallback {
			return v
		}
		v.Kind, v.Elem = jsonSlice, elem
		spell(v)
		spell(elem)
	case *types.Array:
		elem := pl.value(u.Elem(), codec)
		if elem.Kind == jsonFallback {
			return v
		}
		v.Kind, v.Elem = jsonArray, elem
	case *types.Map:
		key, isBasic := u.Key().Underlying().(*types.Basic)
		if !isBasic || key.Info()&types.IsString == 0 || marshalsItself(u.Key()) || addrSensitive(u.Elem(), map[types.Type]bool{}) {
			return v
		}
		elem := pl.value(u.Elem(), codec)
		if elem.Kind == jsonFallback {
			return v
		}
		v.Kind, v.Elem = jsonMap, elem
		spell(v)
		spell(elem)
		if !types.Identical(u.Key(), types.Typ[types.String]) {
			v.Key = "?" // spelled with the rest
		}
	case *types.Struct:
		if n, ok := types.Unalias(t).(*types.Named); ok && pl.covered(n) {
			v.Kind = jsonStruct
		}
	}
	return v
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
	for _, name := range []string{"MarshalJSON", "UnmarshalJSON", "MarshalText", "UnmarshalText"} {
		if obj, _, _ := types.LookupFieldOrMethod(types.NewPointer(t), true, nil, name); obj != nil {
			if _, isFunc := obj.(*types.Func); isFunc {
				return true
			}
		}
	}
	return false
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

// buildCodecs describes the codecs a file prints and records the packages
// their code names; spellCodecs spells the types once imports are named.
func (pl *jsonPlan) buildCodecs(source string, reg *importRegistry) []*jsonCodecBuild {
	cbs := pl.files[source]
	for _, cb := range cbs {
		cb.codec = &jsonCodec{Type: cb.name}
		for _, f := range cb.fields {
			key, _ := json.Marshal(f.name) // a name is valid UTF-8: this cannot fail
			jf := &codecField{Name: f.name, Key: string(key) + ":", Path: f.path, Omit: f.omitEmpty, Quoted: f.quoted, Empty: emptyOf(f.typ)}
			jf.Value = pl.value(f.typ, cb)
			cb.codec.Fields = append(cb.codec.Fields, jf)
		}
		for _, v := range cb.values {
			reg.addType(v.t)
			if m, isMap := v.t.Underlying().(*types.Map); isMap && v.Key != "" {
				reg.addType(m.Key())
			}
		}
	}
	return cbs
}

func spellCodecs(cbs []*jsonCodecBuild, q types.Qualifier) []*jsonCodec {
	var out []*jsonCodec
	for _, cb := range cbs {
		for _, v := range cb.values {
			v.Go = types.TypeString(v.t, q)
			if m, isMap := v.t.Underlying().(*types.Map); isMap && v.Key != "" {
				v.Key = types.TypeString(m.Key(), q)
			}
		}
		out = append(out, cb.codec)
	}
	return out
}
