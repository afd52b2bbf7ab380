package gen

import (
	"cmp"
	"go/types"
	"slices"
	"strings"
)

// codecPlanner is what a wire format's plan tells planCodecs: which
// structs get codecs and what a codec holds. planCodecs decides the rest,
// alike for every format: which generated file prints each codec.
type codecPlanner[B any] struct {
	// covered reports whether the named type gets methods.
	covered func(n *types.Named) bool
	// named returns the codec of a covered struct, and the types of its
	// fields.
	named func(n *types.Named) (B, []types.Type)
	// envelope returns the codec of an envelope named name, from its
	// parameters, and the types of its fields; ok is false when it gets
	// none.
	envelope func(name string, ps []*param, vars []*types.Var) (b B, fields []types.Type, ok bool)
	// structsIn returns the covered structs whose codecs the code for a
	// value of t calls.
	structsIn func(t types.Type) []*types.Named
	// items is set when a stream's items travel as themselves, and so
	// get codecs.
	items bool
}

// planCodecs returns the codecs each generated file (by source) prints, in
// order. A struct used by several files is printed by the first, in the
// order of their sources, and only from a file that builds everywhere: one
// built only on some platforms may be kept as it is by a run on another
// (see write), which would print the methods a second time.
func planCodecs[B any](builds []*serviceBuild, p codecPlanner[B]) map[string][]B {
	files := map[string][]B{}
	bySource := slices.Clone(builds)
	slices.SortStableFunc(bySource, func(x, y *serviceBuild) int {
		return cmp.Or(cmp.Compare(x.decl.filename, y.decl.filename), cmp.Compare(x.decl.spec.Pos(), y.decl.spec.Pos()))
	})
	claimed := map[*types.Named]bool{}
	for _, sb := range bySource {
		file := sb.decl.filename
		everywhere := buildConstraint(sb.decl.file) == "" && osArchSuffix(strings.TrimSuffix(file, ".go")) == ""
		var add func(n *types.Named)
		inner := func(fields []types.Type) {
			for _, t := range fields {
				for _, n := range p.structsIn(t) {
					add(n)
				}
			}
		}
		add = func(n *types.Named) {
			if !everywhere || claimed[n] || !p.covered(n) {
				return
			}
			claimed[n] = true
			b, fields := p.named(n)
			files[file] = append(files[file], b)
			inner(fields)
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
					b, fields, ok := p.envelope(sh.Type, ps, vars)
					if !ok {
						continue
					}
					files[file] = append(files[file], b)
					inner(fields)
				case direct:
					if n, ok := types.Unalias(t).(*types.Named); ok {
						add(n)
					}
				}
			}
			if p.items && mb.stream != nil {
				if n, ok := types.Unalias(mb.stream.TypeArgs().At(0)).(*types.Named); ok {
					add(n)
				}
			}
		}
	}
	return files
}

// pointerHas reports whether *t has a method (or, unless methodsOnly, a
// field) of one of the names, as seen from pkg, whatever its signature.
func pointerHas(t types.Type, pkg *types.Package, methodsOnly bool, names ...string) bool {
	for _, name := range names {
		obj, _, _ := types.LookupFieldOrMethod(types.NewPointer(t), true, pkg, name)
		if _, isFunc := obj.(*types.Func); isFunc || obj != nil && !methodsOnly {
			return true
		}
	}
	return false
}

// refersToItself reports whether a value of struct n holds, at any depth,
// another of its type: codecs, which call each other, would recurse.
func refersToItself(pkg *types.Package, n *types.Named) bool {
	seen := map[*types.Named]bool{}
	var reaches func(from *types.Named) bool
	reaches = func(from *types.Named) bool {
		if seen[from] {
			return false
		}
		seen[from] = true
		for f := range from.Underlying().(*types.Struct).Fields() {
			for _, in := range namedStructsIn(pkg, f.Type()) {
				if in == n || reaches(in) {
					return true
				}
			}
		}
		return false
	}
	return reaches(n)
}

// namedStructsIn returns the named structs of pkg a value of t holds,
// through pointers, slices, arrays and maps.
func namedStructsIn(pkg *types.Package, t types.Type) []*types.Named {
	switch u := types.Unalias(t).(type) {
	case *types.Named:
		if _, ok := u.Underlying().(*types.Struct); ok {
			if u.Obj().Pkg() == pkg {
				return []*types.Named{u}
			}
			return nil
		}
		return namedStructsIn(pkg, u.Underlying())
	case *types.Pointer:
		return namedStructsIn(pkg, u.Elem())
	case *types.Slice:
		return namedStructsIn(pkg, u.Elem())
	case *types.Array:
		return namedStructsIn(pkg, u.Elem())
	case *types.Map:
		return namedStructsIn(pkg, u.Elem())
	}
	return nil
}
