package gen

import (
	"go/token"
	"go/types"
)

// The gob codecs: for each struct that travels over net/rpc (the
// envelopes, and the package's own structs that travel as themselves) and
// each struct of the package they hold, WriteGob and ReadGob methods that
// write and read it as encoding/gob does, without reflection. netrpcx
// finds the methods on a request or result and uses them where the bytes
// are gob's own; it checks them against gob once per process and type.
//
// A struct gets the methods only when gob sees it as the plan does: its
// exported fields, none embedded, each a bool, number, string, []byte,
// time.Time, struct of the package with methods of its own, pointer to
// one of those but time.Time, or slice of one of those but a pointer.
// Anything else (maps, interfaces, arrays, other packages' structs, types
// with their own GobEncode or marshalers) leaves the whole struct to gob.

// gobKind tells how a value is written and read.
type gobKind int

const (
	gobFallback gobKind = iota // left to encoding/gob
	gobBool
	gobInt
	gobUint
	gobFloat
	gobString
	gobBytes // a []byte
	gobTime  // a time.Time: its GobEncode's bytes
	gobStruct
	gobPointer
	gobSlice
)

// A gobValue is one value of a field, or inside one.
type gobValue struct {
	Kind gobKind
	Bits int // the size of an int, uint or float; 0 for int, uint and uintptr
	// Type is the type as the file spells it, where the code names it: a
	// conversion, new, a function literal's parameter.
	Type string
	Elem *gobValue // of a pointer or slice
	// Conv is set when the value's type is not the one GobWriter's and
	// GobReader's methods take and return, so that Go converts it.
	Conv bool

	t types.Type
}

// A gobCodec is the pair of methods of one struct type.
type gobCodec struct {
	Type   string // the receiver's type, as the file spells it
	Fields []*gobField
}

// A gobField is a field gob sends, numbered as gob numbers it.
type gobField struct {
	Num   int
	Path  string // the Go selector from the receiver
	Value *gobValue
}

// gobPlan is the package's gob codecs, and which file prints each.
type gobPlan struct {
	pkg     *types.Package
	structs map[*types.Named]*gobStructInfo
	files   map[string][]*gobCodecBuild
}

type gobStructInfo struct {
	ok     bool
	fields []gobFieldBuild
}

type gobFieldBuild struct {
	path string
	typ  types.Type
}

// gobCodecBuild is a codec before its types are spelled.
type gobCodecBuild struct {
	name   string
	fields []gobFieldBuild
	codec  *gobCodec
	values []*gobValue // every value whose Go is to be spelled
}

// planGob decides the gob codecs of a package and which file prints each
// (see planCodecs).
func planGob(pkg *types.Package, builds []*serviceBuild) *gobPlan {
	pl := &gobPlan{pkg: pkg, structs: map[*types.Named]*gobStructInfo{}, files: map[string][]*gobCodecBuild{}}
	if shadowsGobNames(pkg) {
		return pl // every value keeps encoding/gob
	}
	pl.files = planCodecs(builds, codecPlanner[*gobCodecBuild]{
		covered: pl.covered,
		named: func(n *types.Named) (*gobCodecBuild, []types.Type) {
			info := pl.structs[n]
			return &gobCodecBuild{name: n.Obj().Name(), fields: info.fields}, gobFieldTypes(info.fields)
		},
		envelope: func(name string, ps []*param, vars []*types.Var) (*gobCodecBuild, []types.Type, bool) {
			fields, ok := pl.envelopeFields(ps, vars)
			return &gobCodecBuild{name: name, fields: fields}, gobFieldTypes(fields), ok
		},
		structsIn: pl.structsIn,
	})
	return pl
}

func gobFieldTypes(fields []gobFieldBuild) []types.Type {
	ts := make([]types.Type, len(fields))
	for i, f := range fields {
		ts[i] = f.typ
	}
	return ts
}

// envelopeFields returns the fields of an envelope, if gob sees them as
// the plan does.
func (pl *gobPlan) envelopeFields(ps []*param, vars []*types.Var) ([]gobFieldBuild, bool) {
	var fields []gobFieldBuild
	for i, p := range ps {
		if p.Field == "WriteGob" || p.Field == "ReadGob" || !token.IsExported(p.Field) || pl.value(vars[i].Type(), nil).Kind == gobFallback {
			return nil, false
		}
		fields = append(fields, gobFieldBuild{path: p.Field, typ: vars[i].Type()})
	}
	return fields, len(fields) > 0
}

// covered reports whether the named type n gets gob methods.
func (pl *gobPlan) covered(n *types.Named) bool {
	if info, done := pl.structs[n]; done {
		return info.ok
	}
	info := &gobStructInfo{}
	pl.structs[n] = info
	st, isStruct := n.Underlying().(*types.Struct)
	if !isStruct || n.Obj().Pkg() != pl.pkg || n.TypeParams().Len() > 0 || n.TypeArgs().Len() > 0 || gobMarshals(n) {
		return false
	}
	if pointerHas(n, pl.pkg, false, "WriteGob", "ReadGob") || refersToItself(pl.pkg, n) {
		return false
	}
	var fields []gobFieldBuild
	for f := range st.Fields() {
		switch {
		case !f.Exported():
			continue // gob leaves it as it is
		case f.Embedded():
			return false // gob sends it as a field of the embedded type's name
		}
		if pl.value(f.Type(), nil).Kind == gobFallback {
			return false
		}
		fields = append(fields, gobFieldBuild{path: f.Name(), typ: f.Type()})
	}
	if len(fields) == 0 {
		return false // gob refuses a struct with fields but none exported
	}
	info.ok, info.fields = true, fields
	return true
}

// structsIn returns the structs with codecs that code for a value of t
// calls.
func (pl *gobPlan) structsIn(t types.Type) []*types.Named {
	var out []*types.Named
	for v := pl.value(t, nil); v != nil; v = v.Elem {
		if v.Kind == gobStruct {
			out = append(out, types.Unalias(v.t).(*types.Named))
		}
	}
	return out
}

// isTime reports whether t is time.Time.
func isTime(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" && n.Obj().Name() == "Time"
}

// gobMarshals reports whether gob sends t, or a pointer to it, through a
// method of its own: GobEncode, MarshalBinary or MarshalText (or their
// decoding halves).
func gobMarshals(t types.Type) bool {
	return pointerHas(t, nil, true, "GobEncode", "GobDecode", "MarshalBinary", "UnmarshalBinary", "MarshalText", "UnmarshalText")
}

// value describes a value of t. codec, when not nil, collects the values
// whose types the code spells.
func (pl *gobPlan) value(t types.Type, codec *gobCodecBuild) *gobValue {
	v := &gobValue{t: t}
	spell := func(v *gobValue) {
		if codec != nil {
			codec.values = append(codec.values, v)
		}
	}
	if isTime(t) {
		v.Kind = gobTime
		return v
	}
	if gobMarshals(t) {
		return v
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsBoolean != 0:
			v.Kind = gobBool
		case u.Info()&types.IsInteger != 0 && u.Info()&types.IsUnsigned == 0:
			v.Kind, v.Bits = gobInt, intBits(u.Kind())
		case u.Info()&types.IsInteger != 0:
			v.Kind, v.Bits = gobUint, intBits(u.Kind())
		case u.Kind() == types.Float32:
			v.Kind, v.Bits = gobFloat, 32
		case u.Kind() == types.Float64:
			v.Kind, v.Bits = gobFloat, 64
		case u.Info()&types.IsString != 0:
			v.Kind = gobString
		default:
			return v // complex, unsafe.Pointer
		}
		if !types.Identical(t, gobMethodType(v)) {
			v.Conv = true
			spell(v)
		}
	case *types.Pointer:
		elem := pl.value(u.Elem(), codec)
		switch elem.Kind {
		case gobFallback, gobPointer, gobSlice, gobBytes, gobTime:
			return v
		}
		v.Kind, v.Elem = gobPointer, elem
		spell(elem)
	case *types.Slice:
		if types.Identical(u.Elem(), types.Typ[types.Uint8]) {
			v.Kind = gobBytes // any such slice is assignable to and from []byte
			return v
		}
		elem := pl.value(u.Elem(), codec)
		switch elem.Kind {
		case gobFallback, gobPointer, gobSlice:
			return v
		}
		v.Kind, v.Elem = gobSlice, elem
		spell(elem)
	case *types.Struct:
		if n, ok := types.Unalias(t).(*types.Named); ok && pl.covered(n) {
			v.Kind = gobStruct
		}
	}
	return v
}

// gobMethodType is the type GobWriter's method for v takes, and
// GobReader's returns.
func gobMethodType(v *gobValue) types.Type {
	switch v.Kind {
	case gobBool:
		return types.Typ[types.Bool]
	case gobInt:
		return types.Typ[types.Int64]
	case gobUint:
		return types.Typ[types.Uint64]
	case gobFloat:
		return types.Typ[types.Float64]
	}
	return types.Typ[types.String]
}

// shadowsGobNames reports whether the package declares a name the gob
// codecs' bodies spell for something else: their locals and parameters,
// or the builtins and types they name. Such a package gets no gob codecs,
// as with the JSON ones (see shadowsCodecNames).
func shadowsGobNames(pkg *types.Package) bool {
	for _, name := range pkg.Scope().Names() {
		switch name {
		case "x", "w", "r", "e", "f", "i", "outer", "len", "new", "nil",
			"bool", "int64", "uint64", "float64", "string", "byte":
			return true
		}
	}
	return false
}

// buildGobCodecs describes the gob codecs a file prints and records the
// packages their code names; spellGobCodecs spells the types once imports
// are named.
func (pl *gobPlan) buildGobCodecs(source string, reg *importRegistry) []*gobCodecBuild {
	cbs := pl.files[source]
	for _, cb := range cbs {
		cb.codec = &gobCodec{Type: cb.name}
		for i, f := range cb.fields {
			cb.codec.Fields = append(cb.codec.Fields, &gobField{Num: i, Path: f.path, Value: pl.value(f.typ, cb)})
		}
		for _, v := range cb.values {
			reg.addType(v.t)
		}
	}
	return cbs
}

func spellGobCodecs(cbs []*gobCodecBuild, q types.Qualifier) []*gobCodec {
	var out []*gobCodec
	for _, cb := range cbs {
		for _, v := range cb.values {
			v.Type = types.TypeString(v.t, q)
		}
		out = append(out, cb.codec)
	}
	return out
}
