package gen

import (
	"go/token"
	"go/types"
	"strings"
)

// Generated package-level names are public API: a collision is reported,
// never renamed around.

// checkCollisions reports generated package-level names that collide with the
// package's declarations or with each other, and returns them all.
func (b *builder) checkCollisions(pkg *loadedPkg, builds []*serviceBuild) []string {
	type owner struct {
		subject string
		pos     token.Pos
	}
	scope := pkg.Types.Scope()
	owners := map[string]owner{}
	var names []string
	claim := func(name, what, subject string, pos token.Pos) {
		names = append(names, name)
		if obj := scope.Lookup(name); obj != nil {
			b.d.at(pos, subject, "the generated %s %s collides with the %s declared at %s: rename that one, or the %s",
				what, name, objKind(obj), b.relPos(obj.Pos()), strings.ToLower(kindOfSubject(subject)))
			return
		}
		if o, dup := owners[name]; dup {
			b.d.at(pos, subject, "the generated %s %s is also generated for %s: rename one of them", what, name, o.subject)
			return
		}
		owners[name] = owner{subject, pos}
	}
	for _, sb := range builds {
		s, pos := sb.svc, sb.decl.spec.Name.Pos()
		claim(s.NetRPCServer, "type", s.Name, pos)
		claim(s.RegisterNetRPC, "func", s.Name, pos)
		claim(s.NetRPCClient, "type", s.Name, pos)
		claim(s.NewNetRPCClient, "func", s.Name, pos)
		claim(s.RegisterHTTP, "func", s.Name, pos)
		claim(s.NewHTTPHandler, "func", s.Name, pos)
		claim(s.RegisterJSONRPC, "func", s.Name, pos)
		claim(s.HTTPClient, "type", s.Name, pos)
		claim(s.NewHTTPClient, "func", s.Name, pos)
		claim(s.OpenAPI, "var", s.Name, pos)
		for _, mb := range sb.meth {
			m := mb.m
			if m.Request.Kind == envelope {
				m.Request.Type = upperFirst(s.Name) + m.Name + "Request"
				claim(m.Request.Type, "type", s.Name+"."+m.Name, mb.site)
			}
			if m.Response.Kind == envelope {
				m.Response.Type = upperFirst(s.Name) + m.Name + "Response"
				claim(m.Response.Type, "type", s.Name+"."+m.Name, mb.site)
			}
		}
	}
	return names
}

func kindOfSubject(subject string) string {
	if strings.Contains(subject, ".") {
		return "method"
	}
	return "interface"
}

func objKind(obj types.Object) string {
	switch obj.(type) {
	case *types.TypeName:
		return "type"
	case *types.Func:
		return "func"
	case *types.Var:
		return "var"
	case *types.Const:
		return "const"
	}
	return "name"
}

// relPos formats a position with its file relative to the working directory.
func (b *builder) relPos(pos token.Pos) string {
	p := b.fset.Position(pos)
	p.Filename = relPath(b.dir, p.Filename)
	return p.String()
}
