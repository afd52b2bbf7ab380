package gen

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// A pkgScan is what the directives of one package say: its services and the
// routes, idempotent marks and doc comments of its interface methods.
type pkgScan struct {
	pkg        *loadedPkg
	services   []*serviceDecl
	docs       map[*types.Func]*ast.CommentGroup
	routes     map[*types.Func][]placedDirective // //stdrpc:http lines
	idempotent map[*types.Func][]placedDirective // //stdrpc:idempotent lines
	jsonrpc    map[*types.Func][]placedDirective // //stdrpc:jsonrpc lines
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
func (b *builder) scan(pkg *loadedPkg) *pkgScan {
	sc := &pkgScan{
		pkg:        pkg,
		docs:       map[*types.Func]*ast.CommentGroup{},
		routes:     map[*types.Func][]placedDirective{},
		idempotent: map[*types.Func][]placedDirective{},
		jsonrpc:    map[*types.Func][]placedDirective{},
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
			if len(gd.Specs) > 1 {
				b.scanGroupDoc(gd, parsed, used)
			}
		}
		if len(used) < len(parsed) {
			b.scanLocalTypes(f, parsed, used)
		}
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if d, ok := parsed[c]; ok && !used[c] {
					switch d.name {
					case dirService:
						b.d.at(c.Slash, "", "//stdrpc:service must be in the doc comment of an interface type declaration")
					case dirHTTP, dirIdempotent, dirJSONRPC:
						b.d.at(c.Slash, "", "//stdrpc:%s must be in the doc comment of a method of a //stdrpc:service interface", d.name)
					}
				}
			}
		}
	}
	return sc
}

// scanGroupDoc reports a //stdrpc:service above a type ( ... ) group, which
// go/doc gives to no type of the group.
func (b *builder) scanGroupDoc(gd *ast.GenDecl, parsed map[*ast.Comment]directive, used map[*ast.Comment]bool) {
	if gd.Doc == nil {
		return
	}
	for _, c := range gd.Doc.List {
		if d, ok := parsed[c]; !ok || d.name != dirService {
			continue
		}
		used[c] = true
		var names []string
		for _, spec := range gd.Specs {
			if ts := spec.(*ast.TypeSpec); isInterfaceExpr(ts.Type) {
				names = append(names, ts.Name.Name)
			}
		}
		where := "onto the line above the interface to serve"
		if len(names) > 0 {
			where += " (" + strings.Join(names, ", ") + ")"
		} else {
			where += " (the group declares none)"
		}
		b.d.at(c.Slash, "", "//stdrpc:service is above a type ( ... ) group, so it marks none of its types: move it inside the group, %s", where)
	}
}

func isInterfaceExpr(e ast.Expr) bool {
	_, ok := e.(*ast.InterfaceType)
	return ok
}

// scanLocalTypes reports //stdrpc:service on types declared inside
// functions, where generated code, at package level, cannot refer to them.
func (b *builder) scanLocalTypes(f *ast.File, parsed map[*ast.Comment]directive, used map[*ast.Comment]bool) {
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			gd, ok := n.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				return true
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				if doc == nil {
					continue
				}
				for _, c := range doc.List {
					if d, ok := parsed[c]; ok && d.name == dirService && !used[c] {
						used[c] = true
						b.d.at(c.Slash, ts.Name.Name, "//stdrpc:service is on %s, which is declared inside func %s: declare the service at package level, where generated code can refer to it", ts.Name.Name, funcName(fd))
					}
				}
			}
			return true
		})
	}
}

// funcName names a function declaration as a reader finds it: F, or T.M.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + fd.Name.Name
	}
	return fd.Name.Name
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
					case ok && d.name == dirJSONRPC:
						sc.jsonrpc[fn] = append(sc.jsonrpc[fn], placedDirective{dir: d, pos: c.Slash})
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
			filename: b.sourceName(sc.pkg, f),
			spec:     ts,
			obj:      obj,
			dir:      d,
		})
	}
}

// sourceName returns the name of the file the user wrote for a parsed
// file. For a file that imports "C", the go command hands the loader cgo's
// output, named for its hash in the build cache, which begins with a //line
// comment naming the source: the generated file goes beside the source.
func (b *builder) sourceName(pkg *loadedPkg, f *ast.File) string {
	name := b.fset.File(f.FileStart).Name()
	if slices.Contains(pkg.GoFiles, name) {
		return name
	}
	if src := b.fset.Position(f.Package).Filename; slices.Contains(pkg.GoFiles, src) {
		return src
	}
	return name
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
