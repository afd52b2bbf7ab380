package gen

import (
	"cmp"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"slices"
	"strings"
)

// The JSON Schemas of the Go types that travel, as encoding/json sees
// them: json tags, omitempty, pointers as null, nil slices and maps as
// empty (stdhttp writes a result's nil slice or map as [] or {}, a nil
// []byte as ""; a request may still send null), time.Time and time.Duration, []byte as base64, marshalers, embedded
// structs' promoted fields, and named types as components.

// collect records the named types t refers to.
func (d *apiDoc) collect(t types.Type, seen map[types.Type]bool) {
	t = types.Unalias(t)
	if seen[t] {
		return
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Named:
		if special(t) != nil {
			return
		}
		key := types.TypeString(t, nil)
		if _, ok := d.schemaKeys[key]; !ok {
			d.schemaKeys[key] = &apiNamed{t: t, base: baseName(t)}
		}
		if marshals(t) != nil {
			return
		}
		if args := t.TypeArgs(); args != nil {
			for a := range args.Types() {
				d.collect(a, seen)
			}
		}
		d.collect(t.Underlying(), seen)
	case *types.Pointer:
		d.collect(t.Elem(), seen)
	case *types.Slice:
		d.collect(t.Elem(), seen)
	case *types.Array:
		d.collect(t.Elem(), seen)
	case *types.Map:
		d.collect(t.Elem(), seen)
	case *types.Struct:
		for f := range t.Fields() {
			d.collect(f.Type(), seen)
		}
	}
}

// baseName is a named type's component name before qualification: its Go
// name, with its type arguments' names after underscores (Page_User).
func baseName(t *types.Named) string {
	name := t.Obj().Name()
	if args := t.TypeArgs(); args != nil {
		for a := range args.Types() {
			name += "_" + argName(a)
		}
	}
	return name
}

func argName(t types.Type) string {
	switch t := types.Unalias(t).(type) {
	case *types.Named:
		return baseName(t)
	case *types.Basic:
		return t.Name()
	case *types.Pointer:
		return "Ptr" + argName(t.Elem())
	case *types.Slice:
		return "List" + argName(t.Elem())
	case *types.Map:
		return "Map" + argName(t.Key()) + argName(t.Elem())
	}
	return "T"
}

// nameComponents names each named type after itself, qualified by its
// package's name where two types share a name, and by its package's path
// where that is not enough.
func (d *apiDoc) nameComponents() {
	byBase := map[string][]*apiNamed{}
	for _, n := range d.schemaKeys {
		byBase[n.base] = append(byBase[n.base], n)
	}
	for base, ns := range byBase {
		if len(ns) == 1 && base != "Error" {
			ns[0].name = base
			continue
		}
		byPkg := map[string]int{}
		for _, n := range ns {
			byPkg[n.t.Obj().Pkg().Name()]++
		}
		for _, n := range ns {
			p := n.t.Obj().Pkg()
			if byPkg[p.Name()] == 1 {
				n.name = p.Name() + "." + base
			} else {
				n.name = strings.NewReplacer("/", ".", "~", ".").Replace(p.Path()) + "." + base
			}
		}
	}
}

// A schemaCtx computes the schemas of a package's types.
type schemaCtx struct {
	scan *pkgScan
	d    *apiDoc
	docs map[token.Pos]string
}

func (sc *schemaCtx) fnDoc(mb *methodBuild) *ast.CommentGroup {
	return sc.scan.docs[mb.fn]
}

// special returns the schema of a type encoding/json treats on its own.
func special(t *types.Named) *jsonSchema {
	obj := t.Obj()
	if obj.Pkg() == nil || obj.Pkg().Path() != "time" {
		return nil
	}
	switch obj.Name() {
	case "Time":
		return &jsonSchema{Type: "string", Format: "date-time"}
	case "Duration":
		return &jsonSchema{Type: "integer", Format: "int64", Description: "A duration in nanoseconds."}
	}
	return nil
}

// marshals returns the schema of a type with a JSON or text marshaler,
// which encoding/json uses in place of its structure.
func marshals(t types.Type) *jsonSchema {
	ms := types.NewMethodSet(types.NewPointer(t))
	if ms.Lookup(nil, "MarshalJSON") != nil {
		return &jsonSchema{Description: "Encoded by its MarshalJSON method."}
	}
	if ms.Lookup(nil, "MarshalText") != nil {
		return &jsonSchema{Type: "string"}
	}
	return nil
}

func isBytes(t types.Type) bool {
	s, ok := types.Unalias(t).Underlying().(*types.Slice)
	if !ok {
		return false
	}
	b, ok := types.Unalias(s.Elem()).(*types.Basic)
	return ok && b.Kind() == types.Byte && marshals(s.Elem()) == nil
}

// namedSchema is the schema of a component: a named type's.
func (sc *schemaCtx) namedSchema(t *types.Named) *jsonSchema {
	s := marshals(t)
	if s == nil {
		s = sc.structural(t.Underlying())
	}
	text := sc.docs[t.Obj().Pos()]
	if s.Description == "" {
		s.Description = strings.TrimSpace(text)
	}
	s.Deprecated = deprecated(text)
	return s
}

// schemaOf returns the schema of a value of type t: a reference for a named
// type, the structure otherwise.
func (sc *schemaCtx) schemaOf(t types.Type) *jsonSchema {
	t = types.Unalias(t)
	if n, ok := t.(*types.Named); ok {
		if s := special(n); s != nil {
			return s
		}
		if c, ok := sc.d.schemaKeys[types.TypeString(n, nil)]; ok {
			s := ref(c.name)
			if nullable(n.Underlying()) && marshals(n) == nil {
				return orNull(s)
			}
			return s
		}
		return sc.structural(n.Underlying())
	}
	return sc.structural(t)
}

// nullable reports whether stdhttp may write null for a value of a type
// with underlying type u: a nil pointer. A nil slice or map is written
// empty.
func nullable(u types.Type) bool {
	_, ok := u.(*types.Pointer)
	return ok
}

func orNull(s *jsonSchema) *jsonSchema {
	switch t := s.Type.(type) {
	case string:
		s.Type = []string{t, "null"}
		return s
	case nil:
		if s.Ref == "" && len(s.AnyOf) == 0 {
			return s // anything, null included
		}
	}
	return &jsonSchema{AnyOf: []*jsonSchema{s, {Type: "null"}}}
}

// notNull returns s without null.
func notNull(s *jsonSchema) *jsonSchema {
	if ts, ok := s.Type.([]string); ok {
		c := *s
		c.Type = ts[0]
		return &c
	}
	if len(s.AnyOf) == 2 && s.AnyOf[1].Type == "null" {
		return s.AnyOf[0]
	}
	return s
}

// structural returns the schema of an unnamed type.
func (sc *schemaCtx) structural(t types.Type) *jsonSchema {
	switch t := types.Unalias(t).(type) {
	case *types.Named:
		return sc.schemaOf(t)
	case *types.Basic:
		return basicSchema(t)
	case *types.Pointer:
		return orNull(sc.schemaOf(t.Elem()))
	case *types.Slice:
		if isBytes(t) {
			return &jsonSchema{Type: "string", ContentEncoding: "base64"}
		}
		return &jsonSchema{Type: "array", Items: sc.schemaOf(t.Elem())}
	case *types.Array:
		n := int(t.Len())
		return &jsonSchema{Type: "array", Items: sc.schemaOf(t.Elem()), MinItems: &n, MaxItems: &n}
	case *types.Map:
		return &jsonSchema{Type: "object", AdditionalProperties: sc.schemaOf(t.Elem())}
	case *types.Struct:
		return sc.structSchema(t)
	}
	return &jsonSchema{}
}

func basicSchema(t *types.Basic) *jsonSchema {
	info := t.Info()
	switch {
	case info&types.IsBoolean != 0:
		return &jsonSchema{Type: "boolean"}
	case info&types.IsString != 0:
		return &jsonSchema{Type: "string"}
	case info&types.IsInteger != 0:
		s := &jsonSchema{Type: "integer", Format: "int64"}
		switch t.Kind() {
		case types.Int8, types.Int16, types.Int32, types.Uint8, types.Uint16:
			s.Format = "int32"
		}
		if info&types.IsUnsigned != 0 {
			s.Minimum = new(int)
		}
		return s
	case info&types.IsFloat != 0:
		if t.Kind() == types.Float32 {
			return &jsonSchema{Type: "number", Format: "float"}
		}
		return &jsonSchema{Type: "number", Format: "double"}
	}
	return &jsonSchema{}
}

// A jsonField is a field as encoding/json encodes it.
type jsonField struct {
	name     string
	v        *types.Var
	depth    int
	tagged   bool
	omit     bool // omitempty or omitzero: may be absent
	quoted   bool // the ,string option
	sequence int
}

// structSchema follows encoding/json: json tags, "-", omitempty, ,string,
// and the fields of embedded structs promoted by its rule of dominance.
func (sc *schemaCtx) structSchema(st *types.Struct) *jsonSchema {
	var all []jsonField
	var walk func(st *types.Struct, depth int, seen map[*types.Struct]bool)
	walk = func(st *types.Struct, depth int, seen map[*types.Struct]bool) {
		if seen[st] {
			return
		}
		seen[st] = true
		defer delete(seen, st)
		for f := range st.Fields() {
			tag := reflect.StructTag(st.Tag(indexOf(st, f))).Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Embedded() && name == "" {
				ft := types.Unalias(f.Type())
				if p, ok := ft.(*types.Pointer); ok {
					ft = types.Unalias(p.Elem())
				}
				if s, ok := ft.Underlying().(*types.Struct); ok && marshals(ft) == nil {
					if _, isNamed := ft.(*types.Named); !isNamed || special(ft.(*types.Named)) == nil {
						walk(s, depth+1, seen)
						continue
					}
				}
				if !f.Exported() {
					continue
				}
			} else if !f.Exported() {
				continue
			}
			jf := jsonField{name: f.Name(), v: f, depth: depth, sequence: len(all)}
			if name != "" {
				jf.name, jf.tagged = name, true
			}
			for o := range strings.SplitSeq(opts, ",") {
				switch o {
				case "omitempty", "omitzero":
					jf.omit = true
				case "string":
					jf.quoted = true
				}
			}
			all = append(all, jf)
		}
	}
	walk(st, 0, map[*types.Struct]bool{})

	// Dominance: the shallowest field of a name wins, or the one tagged
	// among the shallowest; otherwise none.
	byName := map[string][]jsonField{}
	var order []string
	for _, f := range all {
		if _, ok := byName[f.name]; !ok {
			order = append(order, f.name)
		}
		byName[f.name] = append(byName[f.name], f)
	}
	s := &jsonSchema{Type: "object"}
	for _, name := range order {
		fs := byName[name]
		minDepth := slices.MinFunc(fs, func(a, b jsonField) int { return cmp.Compare(a.depth, b.depth) }).depth
		var top []jsonField
		for _, f := range fs {
			if f.depth == minDepth {
				top = append(top, f)
			}
		}
		if len(top) > 1 {
			var tagged []jsonField
			for _, f := range top {
				if f.tagged {
					tagged = append(tagged, f)
				}
			}
			if len(tagged) != 1 {
				continue
			}
			top = tagged
		}
		f := top[0]
		fs2 := sc.schemaOf(f.v.Type())
		if f.quoted {
			if b, ok := types.Unalias(f.v.Type()).Underlying().(*types.Basic); ok && b.Info()&(types.IsNumeric|types.IsBoolean|types.IsString) != 0 {
				fs2 = &jsonSchema{Type: "string", Description: "A " + b.Name() + ", written as a JSON string."}
			}
		}
		if text := sc.docs[f.v.Pos()]; text != "" {
			c := *fs2
			fs2 = &c
			fs2.Description = strings.TrimSpace(text)
			fs2.Deprecated = deprecated(text)
		}
		s.Properties.set(name, fs2)
		if !f.omit {
			s.Required = append(s.Required, name)
		}
	}
	return s
}

func indexOf(st *types.Struct, f *types.Var) int {
	for i := range st.NumFields() {
		if st.Field(i) == f {
			return i
		}
	}
	return -1
}
