package gen

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/packages"
)

// A pkgScan is what the directives of one package say: its services and the
// routes, idempotent marks and doc comments of its interface methods.
type pkgScan struct {
	pkg        *packages.Package
	services   []*serviceDecl
	docs       map[*types.Func]*ast.CommentGroup
	routes     map[*types.Func][]placedDirective // //stdrpc:http lines
	idempotent map[*types.Func][]placedDirective // //stdrpc:idempotent lines
	// served records the methods a service serves; a method directive on
	// any other method is misplaced.
	served map[*types.Func]bool
}

// A serviceDecl is an interface type marked //stdrpc:service.
type serviceDecl struct {
	file     *ast.File
	filename string
	spec     *ast.TypeSpec
	obj      *types.TypeName
	dir      directive
}

// A placedDirective is a directive of a method and where it is.
type placedDirective struct {
	dir directive
	pos token.Pos // the comment's start
}

// scan reads the directives of pkg's files, reports malformed or misplaced
// ones, and returns the services they mark.
func (b *builder) scan(pkg *packages.Package) *pkgScan {
	sc := &pkgScan{
		pkg:        pkg,
		docs:       map[*types.Func]*ast.CommentGroup{},
		routes:     map[*types.Func][]placedDirective{},
		idempotent: map[*types.Func][]placedDirective{},
		served:     map[*types.Func]bool{},
	}
	for _, f := range pkg.Syntax {
		parsed := map[*ast.Comment]directive{}
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				d, ok, derr := parseDirective(c.Text)
				switch {
				case !ok:
				case derr != nil:
					b.d.at(c.Slash+token.Pos(derr.off), "", "%s", derr.msg)
				default:
					parsed[c] = d
				}
			}
		}
		used := map[*ast.Comment]bool{}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				b.scanType(sc, f, ts, doc, parsed, used)
			}
		}
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if d, ok := parsed[c]; ok && !used[c] {
					switch d.name {
					case dirService:
						b.d.at(c.Slash, "", "//stdrpc:service must be in the doc comment of an interface type declaration")
					case dirHTTP, dirIdempotent:
						b.d.at(c.Slash, "", "//stdrpc:%s must be in the doc comment of a method of a //stdrpc:service interface", d.name)
					}
				}
			}
		}
	}
	return sc
}

// scanType records the service directive of one type declaration and the
// docs and routes of its methods if it is an interface.
func (b *builder) scanType(sc *pkgScan, f *ast.File, ts *ast.TypeSpec, doc *ast.CommentGroup, parsed map[*ast.Comment]directive, used map[*ast.Comment]bool) {
	info := sc.pkg.TypesInfo
	if it, ok := ts.Type.(*ast.InterfaceType); ok {
		for _, field := range it.Methods.List {
			for _, name := range field.Names {
				fn, ok := info.Defs[name].(*types.Func)
				if !ok {
					continue
				}
				sc.docs[fn] = field.Doc
				if field.Doc == nil {
					continue
				}
				for _, c := range field.Doc.List {
					d, ok := parsed[c]
					switch {
					case ok && d.name == dirHTTP:
						sc.routes[fn] = append(sc.routes[fn], placedDirective{dir: d, pos: c.Slash})
						used[c] = true
					case ok && d.name == dirIdempotent:
						sc.idempotent[fn] = append(sc.idempotent[fn], placedDirective{dir: d, pos: c.Slash})
						used[c] = true
					}
				}
			}
		}
	}
	if doc == nil {
		return
	}
	var marked *ast.Comment
	for _, c := range doc.List {
		d, ok := parsed[c]
		if ok && d.name == dirIdempotent {
			used[c] = true
			b.d.at(c.Slash, ts.Name.Name, "//stdrpc:idempotent marks a method, not a type: put it in the doc comment of each method that is safe to call twice")
			continue
		}
		if !ok || d.name != dirService {
			continue
		}
		used[c] = true
		if marked != nil {
			b.d.at(c.Slash, ts.Name.Name, "//stdrpc:service is given twice: keep one")
			continue
		}
		marked = c
		obj, _ := info.Defs[ts.Name].(*types.TypeName)
		if obj == nil {
			continue
		}
		if ts.TypeParams != nil {
			b.d.at(ts.Name.Pos(), ts.Name.Name, "a service cannot have type parameters (net/rpc and the generated code need concrete types): declare an interface without them")
			continue
		}
		iface, ok := types.Unalias(obj.Type()).Underlying().(*types.Interface)
		if !ok {
			b.d.at(ts.Name.Pos(), ts.Name.Name, "//stdrpc:service marks interface types, and %s is %s: declare an interface with the methods to serve", ts.Name.Name, describeKind(obj.Type()))
			continue
		}
		if !iface.IsMethodSet() {
			b.d.at(ts.Name.Pos(), ts.Name.Name, "an interface with type constraints cannot be a service: list only methods")
			continue
		}
		sc.services = append(sc.services, &serviceDecl{
			file:     f,
			filename: b.fset.File(f.FileStart).Name(),
			spec:     ts,
			obj:      obj,
			dir:      d,
		})
	}
}

// describeKind names the kind of a non-interface type for a diagnostic.
func describeKind(t types.Type) string {
	switch u := types.Unalias(t).Underlying().(type) {
	case *types.Struct:
		return "a struct type"
	case *types.Signature:
		return "a func type"
	case *types.Map:
		return "a map type"
	case *types.Slice:
		return "a slice type"
	case *types.Array:
		return "an array type"
	case *types.Pointer:
		return "a pointer type"
	case *types.Chan:
		return "a channel type"
	case *types.Basic:
		return "a " + u.Name() + " type"
	}
	return "not an interface"
}
