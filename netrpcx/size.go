package netrpcx

import (
	"reflect"
	"sync"
)

// What a value a server holds costs in memory, for the memory budget: the
// server charges what it holds for a peer that has not taken it yet (stream
// items produced ahead of their consumer, replies waiting for a stalled
// writer) before it knows their size on the wire, so it estimates their size
// in memory instead: the value itself and what it points to (strings,
// slices, maps, pointers, interface values), each counted once per path.
// Values that point to nothing cost their type's size, found once per type.

// maxSizeDepth is how deep sizeOf follows pointers: a value nested deeper
// is rare, and no longer costs a walk (gob refuses it anyway).
const maxSizeDepth = 100

// sizeOf estimates the memory v holds, v included.
func sizeOf(v reflect.Value) int64 {
	if !v.IsValid() {
		return 0
	}
	t := v.Type()
	if flat(t) {
		return int64(t.Size())
	}
	return int64(t.Size()) + beyond(v, 0)
}

var flatTypes sync.Map // reflect.Type → bool

// flat reports whether a value of t holds nothing outside itself.
func flat(t reflect.Type) bool {
	if f, ok := flatTypes.Load(t); ok {
		return f.(bool)
	}
	f := computeFlat(t)
	flatTypes.Store(t, f)
	return f
}

func computeFlat(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Array:
		return t.Len() == 0 || computeFlat(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !computeFlat(t.Field(i).Type) {
				return false
			}
		}
		return true
	case reflect.String, reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface,
		reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return false
	}
	return true
}

// beyond is the memory v refers to outside itself.
func beyond(v reflect.Value, depth int) int64 {
	if depth > maxSizeDepth {
		return 0
	}
	switch v.Kind() {
	case reflect.String:
		return int64(v.Len())
	case reflect.Slice:
		if v.IsNil() {
			return 0
		}
		et := v.Type().Elem()
		n := int64(v.Cap()) * int64(et.Size())
		if !flat(et) {
			for i := range v.Len() {
				n += beyond(v.Index(i), depth+1)
			}
		}
		return n
	case reflect.Array:
		var n int64
		if !flat(v.Type().Elem()) {
			for i := range v.Len() {
				n += beyond(v.Index(i), depth+1)
			}
		}
		return n
	case reflect.Struct:
		var n int64
		for i := range v.NumField() {
			if f := v.Field(i); !flat(f.Type()) {
				n += beyond(f, depth+1)
			}
		}
		return n
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return 0
		}
		e := v.Elem()
		return int64(e.Type().Size()) + beyond(e, depth+1)
	case reflect.Map:
		if v.IsNil() {
			return 0
		}
		kt, vt := v.Type().Key(), v.Type().Elem()
		n := int64(v.Len()) * int64(kt.Size()+vt.Size())
		if !flat(kt) || !flat(vt) {
			for it := v.MapRange(); it.Next(); {
				n += beyond(it.Key(), depth+1) + beyond(it.Value(), depth+1)
			}
		}
		return n
	}
	return 0
}
