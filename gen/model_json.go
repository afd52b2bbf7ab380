package gen

import (
	"encoding/json"
	"go/types"
)

// The JSON codecs: for each struct that travels over HTTP (the envelopes,
// and the package's own structs that travel as themselves or as a stream's
// items) and each struct
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
	WireName string    // the member's name: what DecodeJSON matches keys against
	Key      string    // the member's name as encoding/json writes it, quoted, with the colon
	Path     string    // the Go selector from the receiver: ID, or Inner.ID for a promoted field
	Omit     bool      // omitempty
	Quoted   bool      // the ",string" option, on a basic value
	Empty    emptyTest // what omitempty tests
	Value    *jsonValue
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
	// Type is the type as the file spells it, where the code names it: a
	// conversion, a composite literal, new, a local's declaration. Empty
	// where nothing names it, or for the basic type a decoder method
	// returns (no conversion).
	Type string
	Elem *jsonValue // of a pointer, slice, array or map
	// Key is a map's key type as the file spells it, when it is not
	// string.
	Key string
	// EncConv is the conversion a basic value needs to be passed to the
	// encoder's method ("int64"), if any. (A []byte of another name is
	// converted when DecConv is set.)
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

// planJSON decides the codecs of a package and which file prints each
// (see planCodecs).
func planJSON(pkg *types.Package, builds []*serviceBuild) *jsonPlan {
	pl := &jsonPlan{pkg: pkg, structs: map[*types.Named]*jsonStructInfo{}, files: map[string][]*jsonCodecBuild{}}
	if shadowsCodecNames(pkg) {
		return pl // every value keeps encoding/json
	}
	pl.files = planCodecs(builds, codecPlanner[*jsonCodecBuild]{
		covered: pl.covered,
		named: func(n *types.Named) (*jsonCodecBuild, []types.Type) {
			info := pl.structs[n]
			return &jsonCodecBuild{name: n.Obj().Name(), fields: info.fields}, jsonFieldTypes(info.fields)
		},
		envelope: func(name string, ps []*param, vars []*types.Var) (*jsonCodecBuild, []types.Type, bool) {
			fields := pl.envelopeFields(ps, vars)
			return &jsonCodecBuild{name: name, fields: fields}, jsonFieldTypes(fields), fields != nil
		},
		structsIn: pl.structsIn,
		items:     true, // a stream's items travel as themselves
	})
	return pl
}

func jsonFieldTypes(fields []tfField) []types.Type {
	ts := make([]types.Type, len(fields))
	for i, f := range fields {
		ts[i] = f.typ
	}
	return ts
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
	if pointerHas(n, pl.pkg, false, "EncodeJSON", "DecodeJSON") {
		return false
	}
	fields, ok := typeFields(st)
	if !ok || refersToItself(pl.pkg, n) {
		return false
	}
	info.ok, info.fields = true, fields
	return true
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
				v.DecConv = true
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

// buildCodecs describes the codecs a file prints and records the packages
// their code names; spellCodecs spells the types once imports are named.
func (pl *jsonPlan) buildCodecs(source string, reg *importRegistry) []*jsonCodecBuild {
	cbs := pl.files[source]
	for _, cb := range cbs {
		cb.codec = &jsonCodec{Type: cb.name}
		for _, f := range cb.fields {
			key, _ := json.Marshal(f.name) // a name is valid UTF-8: this cannot fail
			jf := &codecField{WireName: f.name, Key: string(key) + ":", Path: f.path, Omit: f.omitEmpty, Quoted: f.quoted, Empty: emptyOf(f.typ)}
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
			v.Type = types.TypeString(v.t, q)
			if m, isMap := v.t.Underlying().(*types.Map); isMap && v.Key != "" {
				v.Key = types.TypeString(m.Key(), q)
			}
		}
		out = append(out, cb.codec)
	}
	return out
}
