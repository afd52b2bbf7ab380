package stdhttp

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
)

// A result's nil slices and maps are written as [] and {} (a nil []byte as
// ""), as encoding/json/v2 does, rather than as null: a client in another
// language cannot tell nil from empty, and its types say list, not
// "list or null". This holds for the whole result, its fields, and the
// elements and values of its slices and maps, at any depth. A Go caller of
// the generated client reads an empty slice or map where the
// implementation returned nil; README's Fidelity section says so.
//
// An emptyPlan, built once per method from the result's type, says where
// such a nil can be. The value the implementation returned is never
// changed: what holds a nil is copied first, and only that.
type emptyPlan struct {
	typ    reflect.Type
	elem   *emptyPlan   // a slice's, array's or map's element, a pointer's target
	fields []emptyField // a struct's
}

// An emptyField is a struct field whose value can hold such a nil.
type emptyField struct {
	i int
	// leave is set for omitempty and omitzero: a nil slice or map there
	// is left out, and an empty one would not be (omitzero).
	leave bool
	p     *emptyPlan
}

// maxEmptyDepth bounds the walk of a cyclic value; encoding/json refuses
// such a value at about the same depth.
const maxEmptyDepth = 1000

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// newEmptyPlan returns the plan for values of t, or nil when no value of t
// can hold a nil slice or map that encoding/json would write as null.
func newEmptyPlan(t reflect.Type) *emptyPlan {
	return (&emptyBuilder{plans: map[reflect.Type]*emptyPlan{}}).plan(t)
}

type emptyBuilder struct {
	plans map[reflect.Type]*emptyPlan // built, or being built (recursive types)
}

// opaque reports whether encoding/json writes t with its own method, or
// writes what a plan cannot see into (an interface's dynamic value).
func opaque(t reflect.Type) bool {
	if t.Kind() == reflect.Interface {
		return true
	}
	for _, m := range []reflect.Type{jsonMarshaler, textMarshaler} {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return true
		}
	}
	return false
}

// holds reports whether a value of t can hold a slice or a map that JSON
// writes.
func holds(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] || opaque(t) {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Slice, reflect.Map:
		return true
	case reflect.Pointer, reflect.Array:
		return holds(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); written(f) && holds(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

// written reports whether encoding/json writes f and reflection can set
// it: exported (an embedded struct type too, whose fields JSON promotes)
// and not tagged "-". The promoted fields of an unexported embedded struct
// are written but cannot be set, and are left as they are.
func written(f reflect.StructField) bool {
	return f.IsExported() && f.Tag.Get("json") != "-"
}

func (b *emptyBuilder) plan(t reflect.Type) *emptyPlan {
	if p, ok := b.plans[t]; ok {
		return p
	}
	if !holds(t, map[reflect.Type]bool{}) {
		return nil
	}
	p := &emptyPlan{typ: t}
	b.plans[t] = p
	switch t.Kind() {
	case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Array:
		p.elem = b.plan(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !written(f) {
				continue
			}
			if fp := b.plan(f.Type); fp != nil {
				opts := f.Tag.Get("json")
				_, opts, _ = strings.Cut(opts, ",")
				leave := false
				for o := range strings.SplitSeq(opts, ",") {
					leave = leave || o == "omitempty" || o == "omitzero"
				}
				p.fields = append(p.fields, emptyField{i: i, leave: leave, p: fp})
			}
		}
	}
	return p
}

// apply gives v, a settable value the caller owns (the local copy of a
// result), empty slices and maps where it holds nil ones, copying what
// it shares with the implementation before changing it. p may be nil.
func (p *emptyPlan) apply(v reflect.Value) {
	if p != nil && p.needs(v, 0) {
		p.fill(v, 0)
	}
}

// needs reports whether v holds a nil that fill would replace.
func (p *emptyPlan) needs(v reflect.Value, depth int) bool {
	if depth > maxEmptyDepth {
		return false
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Map:
		if v.IsNil() {
			return true
		}
		if p.elem == nil {
			return false
		}
		if v.Kind() == reflect.Map {
			for it := v.MapRange(); it.Next(); {
				if p.elem.needs(it.Value(), depth+1) {
					return true
				}
			}
			return false
		}
		fallthrough
	case reflect.Array:
		for i := range v.Len() {
			if p.elem.needs(v.Index(i), depth+1) {
				return true
			}
		}
	case reflect.Pointer:
		return !v.IsNil() && p.elem.needs(v.Elem(), depth+1)
	case reflect.Struct:
		for _, f := range p.fields {
			fv := v.Field(f.i)
			if f.leave && isNilCollection(fv) {
				continue
			}
			if f.p.needs(fv, depth+1) {
				return true
			}
		}
	}
	return false
}

func isNilCollection(v reflect.Value) bool {
	k := v.Kind()
	return (k == reflect.Slice || k == reflect.Map) && v.IsNil()
}

// fill replaces the nils in v, which is settable and not shared: a slice,
// map or pointer target that holds a nil further down is copied, and the
// copy changed.
func (p *emptyPlan) fill(v reflect.Value, depth int) {
	if depth > maxEmptyDepth {
		return
	}
	switch v.Kind() {
	case reflect.Slice:
		if v.IsNil() {
			v.Set(reflect.MakeSlice(p.typ, 0, 0))
			return
		}
		copied := false
		for i := range v.Len() {
			if p.elem == nil || !p.elem.needs(v.Index(i), depth+1) {
				continue
			}
			if !copied {
				c := reflect.MakeSlice(p.typ, v.Len(), v.Len())
				reflect.Copy(c, v)
				v.Set(c)
				copied = true
			}
			p.elem.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		if v.IsNil() {
			v.Set(reflect.MakeMapWithSize(p.typ, 0))
			return
		}
		if p.elem == nil {
			return
		}
		var c reflect.Value
		for it := v.MapRange(); it.Next(); {
			if !p.elem.needs(it.Value(), depth+1) {
				continue
			}
			if !c.IsValid() {
				c = reflect.MakeMapWithSize(p.typ, v.Len())
				for all := v.MapRange(); all.Next(); {
					c.SetMapIndex(all.Key(), all.Value())
				}
			}
			e := reflect.New(p.elem.typ).Elem()
			e.Set(it.Value())
			p.elem.fill(e, depth+1)
			c.SetMapIndex(it.Key(), e)
		}
		if c.IsValid() {
			v.Set(c)
		}
	case reflect.Pointer:
		if v.IsNil() || !p.elem.needs(v.Elem(), depth+1) {
			return
		}
		c := reflect.New(p.elem.typ)
		c.Elem().Set(v.Elem())
		p.elem.fill(c.Elem(), depth+1)
		v.Set(c)
	case reflect.Array:
		for i := range v.Len() {
			if p.elem.needs(v.Index(i), depth+1) {
				p.elem.fill(v.Index(i), depth+1)
			}
		}
	case reflect.Struct:
		for _, f := range p.fields {
			fv := v.Field(f.i)
			if f.leave && isNilCollection(fv) {
				continue
			}
			if f.p.needs(fv, depth+1) {
				f.p.fill(fv, depth+1)
			}
		}
	}
}
