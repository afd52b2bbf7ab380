package gen

import (
	"cmp"
	"go/ast"
	"go/token"
	"go/types"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Import paths of the packages every generated file uses.
const (
	pathContext = "context"
	pathHTTP    = "net/http"
	pathRPC     = "net/rpc"
	pathNetRPCX = "github.com/stdrpc/stdrpc/netrpcx"
	pathStdHTTP = "github.com/stdrpc/stdrpc/stdhttp"
	pathIter    = "iter" // only in a file with a stream
)

// fixedLocals are the names generated code gives its own parameters and
// locals where a package may also be referred to; imports never take them.
var fixedLocals = []string{"baseURL", "c", "ctx", "err", "impl", "mux", "opts", "r", "req", "resp", "s", "srv",
	"d", "e", "elem", "i", "k", "keys", "more", "ok", "val", "x"} // the JSON codecs'

// An importRegistry decides the import names of one generated file. Packages
// keep the name the user's own file gives them; when two packages would share
// a name, or a name is taken in the package, each of them gets a
// deterministic alias: its parent directory joined to its name (av1, bv1),
// then a number.
type importRegistry struct {
	self    *types.Package
	pkgs    map[string]*types.Package // by path, for the packages referenced by types
	names   map[string]string         // path -> import name, once resolved
	aliases map[string]string         // path -> name the user's files import it as
	taken   namespace                 // names imports cannot use
}

// newImportRegistry returns a registry for a file in package self. files are
// the package's files, the one declaring the services first: the first
// import of a path found in them decides the name the user chose for it.
// taken holds the package-scope names of the package, generated ones included.
func newImportRegistry(self *types.Package, files []*ast.File, taken []string) *importRegistry {
	r := &importRegistry{
		self:    self,
		pkgs:    map[string]*types.Package{},
		aliases: map[string]string{},
		taken:   newNamespace(taken...),
	}
	r.taken.take(fixedLocals...)
	r.taken.take(types.Universe.Names()...)
	for _, f := range files {
		for _, spec := range f.Imports {
			p, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				continue
			}
			if _, seen := r.aliases[p]; seen {
				continue
			}
			if spec.Name != nil && spec.Name.Name != "_" && spec.Name.Name != "." {
				r.aliases[p] = spec.Name.Name
			} else {
				r.aliases[p] = "" // imported under its own name
			}
		}
	}
	for _, p := range []string{pathContext, pathHTTP, pathRPC, pathNetRPCX, pathStdHTTP} {
		r.pkgs[p] = types.NewPackage(p, path.Base(p))
	}
	return r
}

// addType records the packages the rendering of t refers to.
func (r *importRegistry) addType(t types.Type) {
	switch t := t.(type) {
	case *types.Named:
		r.addObj(t.Obj())
		for a := range t.TypeArgs().Types() {
			r.addType(a)
		}
	case *types.Alias:
		r.addObj(t.Obj())
		for a := range t.TypeArgs().Types() {
			r.addType(a)
		}
	case *types.Pointer:
		r.addType(t.Elem())
	case *types.Slice:
		r.addType(t.Elem())
	case *types.Array:
		r.addType(t.Elem())
	case *types.Chan:
		r.addType(t.Elem())
	case *types.Map:
		r.addType(t.Key())
		r.addType(t.Elem())
	case *types.Struct:
		for f := range t.Fields() {
			r.addType(f.Type())
		}
	case *types.Signature:
		for v := range t.Params().Variables() {
			r.addType(v.Type())
		}
		for v := range t.Results().Variables() {
			r.addType(v.Type())
		}
	}
}

func (r *importRegistry) addObj(obj types.Object) {
	if p := obj.Pkg(); p != nil && p != r.self {
		r.pkgs[p.Path()] = p
	}
}

// resolve names every recorded package. Call it once, after the last addType.
func (r *importRegistry) resolve() {
	paths := make([]string, 0, len(r.pkgs))
	for p := range r.pkgs {
		paths = append(paths, p)
	}
	slices.Sort(paths)

	want := map[string]string{} // path -> wanted name
	count := map[string]int{}   // wanted name -> number of paths wanting it
	for _, p := range paths {
		name := r.pkgs[p].Name()
		if alias := r.aliases[p]; alias != "" {
			name = alias
		}
		want[p] = name
		count[name]++
	}
	r.names = map[string]string{}
	var clashing []string
	for _, p := range paths {
		if name := want[p]; count[name] == 1 && !r.taken[name] {
			r.names[p] = name
			r.taken.take(name)
		} else {
			clashing = append(clashing, p)
		}
	}
	for _, p := range clashing {
		name := want[p]
		if parent := identPart(path.Base(path.Dir(p))); parent != "" && parent != "." {
			if alias := parent + name; !r.taken[alias] && !token.IsKeyword(alias) {
				r.names[p] = alias
				r.taken.take(alias)
				continue
			}
		}
		r.names[p] = r.taken.fresh(name)
	}
}

// name returns the import name of path.
func (r *importRegistry) name(path string) string { return r.names[path] }

// qualifier is the types.Qualifier of the generated file.
func (r *importRegistry) qualifier(p *types.Package) string {
	if p == r.self {
		return ""
	}
	return r.names[p.Path()]
}

// imports lists the resolved imports, sorted by path.
func (r *importRegistry) imports() []genImport {
	var out []genImport
	for p, name := range r.names {
		out = append(out, genImport{Path: p, Name: name, Explicit: name != path.Base(p)})
	}
	slices.SortFunc(out, func(a, b genImport) int { return cmp.Compare(a.Path, b.Path) })
	return out
}

// identPart reduces a path element to the letters and digits an identifier
// may hold, lower-cased: "go-yaml" -> "goyaml".
func identPart(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) && b.Len() > 0 {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
