package gen

import (
	"fmt"
	"go/token"
	"go/types"
	"reflect"
	"slices"
	"strings"
)

// checkRoutes turns a service's //stdrpc:http directives into routes: it
// validates each pattern as http.ServeMux does, binds its wildcards and the
// remaining parameters, and finds routes that collide.
func (b *builder) checkRoutes(sc *pkgScan, sb *serviceBuild) {
	svc := sb.svc
	// Every method answers POST /{Service}/{Method}; the routes must not
	// collide with those or with each other.
	var mux routeSet
	for _, mb := range sb.meth {
		if p, err := parsePattern("POST /" + svc.WireName + "/" + mb.m.Name); err == nil {
			mux.add(p, svc.Name+"."+mb.m.Name, false)
		}
	}
	for _, mb := range sb.meth {
		for _, rd := range sc.routes[mb.fn] {
			if k := mb.m.Kind; k.takesStream() {
				b.d.at(rd.pos, svc.Name+"."+mb.m.Name, "route %q cannot serve %s, which is served at POST /%s/%s alone (NDJSON, or a WebSocket on the same path): remove the route",
					rd.dir.method+" "+rd.dir.pattern, kindPhrase(k), svc.WireName, mb.m.Name)
				continue
			}
			r, p := b.buildRoute(svc, mb, rd)
			if r == nil {
				continue
			}
			mb.m.Routes = append(mb.m.Routes, r)
			svc.HasRoutes = true
			subject := svc.Name + "." + mb.m.Name
			earlier, why := mux.clash(p)
			if earlier == nil {
				mux.add(p, subject, true)
				continue
			}
			what := fmt.Sprintf("route %q of %s", earlier.p.text, earlier.owner)
			if earlier.owner == subject {
				what = fmt.Sprintf("route %q of the same method", earlier.p.text)
			}
			if !earlier.route {
				what = fmt.Sprintf("%q, which %s answers like every method", earlier.p.text, earlier.owner)
			}
			if why == "" {
				b.d.at(rd.pos, subject, "route %q matches the same requests as %s: change one of them", r.Pattern, what)
			} else {
				b.d.at(rd.pos, subject, "route %q conflicts with %s: %s; change one of them", r.Pattern, what, why)
			}
		}
	}
}

// A routeSet holds the patterns of one service's routes, as the mux the
// generated code registers them on would, to find the one a new route
// conflicts with.
type routeSet struct {
	all []registered
	// Two paths meet only if their first segments do: patterns starting
	// with a literal are indexed by it, the others (a wildcard first) are
	// candidates for every pattern.
	byFirst  map[string][]int // indexes in all
	anyFirst []int
}

type registered struct {
	p     *pattern
	owner string // "Test.Add"
	route bool   // a //stdrpc:http route, not the POST every method has
}

func (s *routeSet) add(p *pattern, owner string, route bool) {
	if first := p.segs[0]; first.wild {
		s.anyFirst = append(s.anyFirst, len(s.all))
	} else {
		if s.byFirst == nil {
			s.byFirst = map[string][]int{}
		}
		s.byFirst[first.text] = append(s.byFirst[first.text], len(s.all))
	}
	s.all = append(s.all, registered{p, owner, route})
}

// clash returns the earliest pattern of the set that p conflicts with, and
// why (see conflict), or nil.
func (s *routeSet) clash(p *pattern) (*registered, string) {
	try := func(i int) (*registered, string) {
		if ok, why := conflict(p, s.all[i].p); ok {
			return &s.all[i], why
		}
		return nil, ""
	}
	if first := p.segs[0]; first.wild {
		for i := range s.all {
			if r, why := try(i); r != nil {
				return r, why
			}
		}
		return nil, ""
	}
	// Merge the two candidate lists in the order the patterns came.
	lit, wild := s.byFirst[p.segs[0].text], s.anyFirst
	for len(lit) > 0 || len(wild) > 0 {
		var i int
		if len(wild) == 0 || len(lit) > 0 && lit[0] < wild[0] {
			i, lit = lit[0], lit[1:]
		} else {
			i, wild = wild[0], wild[1:]
		}
		if r, why := try(i); r != nil {
			return r, why
		}
	}
	return nil, ""
}

// buildRoute validates one route and binds its parameters.
func (b *builder) buildRoute(svc *service, mb *methodBuild, rd placedDirective) (*route, *pattern) {
	m, d := mb.m, rd.dir
	subject := svc.Name + "." + m.Name
	full := d.method + " " + d.pattern
	r := &route{Method: d.method, Pattern: full, Pos: b.fset.Position(rd.pos)}

	p, err := parsePattern(full)
	if err != nil {
		// Point at the offending byte of the pattern in the comment.
		pos := rd.pos + token.Pos(d.patternOff+max(0, err.off-len(d.method)-1))
		b.d.at(pos, subject, "route %q is not a valid ServeMux pattern: %s", full, err.reason)
		return nil, nil
	}

	params := map[string]int{}
	var names []string
	for i, p := range m.Params {
		if p.Name != "" && p.Name != "_" {
			params[p.Name] = i
			names = append(names, p.Name)
		}
	}
	// A lone struct parameter is the request itself: a wildcard binds its
	// field of that JSON name, and the body still decodes into the whole.
	var lone map[string]*types.Var
	var loneNames []string
	if m.Request.Kind == direct && len(mb.params) == 1 {
		lone, loneNames = ownJSONFields(mb.params[0].Type())
	}
	bound := map[int]bool{}
	ok := true
	for _, w := range p.wildcards() {
		if f, found := lone[w]; found {
			if !isScalar(f.Type()) {
				b.d.at(rd.pos, subject, "route %q: wildcard {%s} cannot carry field %s of type %s: path values bind to strings, bools, numbers and encoding.TextUnmarshalers", full, w, f.Name(), types.TypeString(f.Type(), types.RelativeTo(mb.fn.Pkg())))
				ok = false
				continue
			}
			r.Path = append(r.Path, binding{Key: w, Field: f.Name()})
			continue
		}
		i, found := params[w]
		if !found && lone != nil {
			fields := "it has none"
			if len(loneNames) > 0 {
				fields = "they are " + strings.Join(loneNames, ", ")
			}
			b.d.at(rd.pos, subject, "route %q: wildcard {%s} names no field of the lone struct parameter (%s): rename the wildcard, or give a field that JSON name", full, w, fields)
			ok = false
			continue
		}
		if !found {
			list := "it has none"
			if len(names) > 0 {
				list = "they are " + strings.Join(names, ", ")
			}
			b.d.at(rd.pos, subject, "route %q: wildcard {%s} names no parameter (%s): rename the wildcard or the parameter", full, w, list)
			ok = false
			continue
		}
		t := mb.params[i].Type()
		if !isScalar(t) || m.Request.Kind != envelope {
			b.d.at(rd.pos, subject, "route %q: wildcard {%s} cannot carry parameter %s of type %s: path values bind to strings, bools, numbers and encoding.TextUnmarshalers", full, w, w, types.TypeString(t, types.RelativeTo(mb.fn.Pkg())))
			ok = false
			continue
		}
		bound[i] = true
		r.Path = append(r.Path, binding{Key: w, Field: m.Params[i].Field})
	}
	if !ok {
		return nil, nil
	}

	var rest []int
	for i := range m.Params {
		if !bound[i] {
			rest = append(rest, i)
		}
	}
	switch d.method {
	case "GET", "HEAD", "DELETE":
		for _, i := range rest {
			t := mb.params[i].Type()
			if m.Request.Kind != envelope || !isScalarOrSlice(t) {
				b.d.at(rd.pos, subject, "route %q: %s of type %s cannot come from the query string of a %s request: pass strings, bools, numbers or slices of them, or use a POST route", full, label("parameter", mb.params[i], i), types.TypeString(t, types.RelativeTo(mb.fn.Pkg())), d.method)
				ok = false
				continue
			}
			r.Query = append(r.Query, binding{Key: m.Params[i].Name, Field: m.Params[i].Field})
		}
	default:
		switch {
		case len(rest) == 0:
			r.Body = noBody
		case m.Request.Kind == direct:
			r.Body = wholeBody
		case len(rest) == 1 && isStructParam(mb.params[rest[0]].Type()):
			r.Body, r.BodyField = fieldBody, m.Params[rest[0]].Field
		default:
			r.Body = wholeBody
		}
	}
	if !ok {
		return nil, nil
	}
	return r, p
}

// ownJSONFields returns the exported fields a struct (or pointer to struct)
// t declares itself, not promoted ones, by the name encoding/json gives
// each, and those names in order. Of several fields of one name, the one
// tagged with it is the field; of none or several tagged, none is.
func ownJSONFields(t types.Type) (map[string]*types.Var, []string) {
	elem, _, ok := structType(t)
	if !ok {
		return nil, nil
	}
	st := types.Unalias(elem).Underlying().(*types.Struct)
	type candidate struct {
		v      *types.Var
		tagged bool
	}
	byName := map[string][]candidate{}
	var order []string
	for i := range st.NumFields() {
		f := st.Field(i)
		tag := reflect.StructTag(st.Tag(i)).Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if tag == "-" || !f.Exported() || f.Embedded() && name == "" {
			continue
		}
		c := candidate{v: f, tagged: name != ""}
		if name == "" {
			name = f.Name()
		}
		if byName[name] == nil {
			order = append(order, name)
		}
		byName[name] = append(byName[name], c)
	}
	fields := map[string]*types.Var{}
	var names []string
	for _, name := range order {
		cs := byName[name]
		if len(cs) > 1 {
			cs = slices.DeleteFunc(cs, func(c candidate) bool { return !c.tagged })
		}
		if len(cs) == 1 {
			fields[name] = cs[0].v
			names = append(names, name)
		}
	}
	return fields, names
}

func isStructParam(t types.Type) bool {
	_, _, ok := structType(t)
	return ok
}
