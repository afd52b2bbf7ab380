package gen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
)

// buildTag is set while loading, and generated files carry //go:build
// !stdrpcgen, so a stale or broken generated file never stops regeneration.
const buildTag = "stdrpcgen"

// A loadedPkg is a package as the generator reads it. For the packages the
// patterns match, it has syntax and types from source; their dependencies'
// types come from the export data the go command compiled for them.
type loadedPkg struct {
	PkgPath string
	Name    string
	Dir     string
	// GoFiles are the Go files the user wrote, cgo's among them;
	// OtherFiles, the package's other sources (C, assembly); IgnoredFiles,
	// those build constraints exclude here, the generated files among them
	// (they carry !stdrpcgen). All paths are absolute.
	GoFiles, OtherFiles, IgnoredFiles []string
	Syntax                            []*ast.File // of the compiled files: cgo's output for a file importing "C"
	Types                             *types.Package
	TypesInfo                         *types.Info
	Errors                            []loadError
}

// A loadError is a reason a package did not load cleanly.
type loadError struct {
	Pos  token.Position
	Msg  string
	Kind errorKind
}

type errorKind int

const (
	listError  errorKind = iota + 1 // the go command's: go.mod, imports, build constraints
	parseError                      // the parser's
	typeError                       // the type checker's
)

// A listedPkg is what go list -json says of a package.
type listedPkg struct {
	ImportPath, Name, Dir, Export                    string
	DepOnly                                          bool
	GoFiles, CgoFiles, CompiledGoFiles               []string
	IgnoredGoFiles, IgnoredOtherFiles                []string
	CFiles, CXXFiles, MFiles, HFiles, FFiles, SFiles []string
	SwigFiles, SwigCXXFiles, SysoFiles               []string
	ImportMap                                        map[string]string
	Module                                           *struct{ GoVersion string }
	Error                                            *struct {
		Pos, Err    string
		ImportStack []string
	}
}

// listFields asks go list -json for the fields of listedPkg alone.
func listFields() string {
	var names []string
	for _, f := range reflect.VisibleFields(reflect.TypeFor[listedPkg]()) {
		names = append(names, f.Name)
	}
	return strings.Join(names, ",")
}

// load loads the packages matching patterns in dir with one go list: the
// matched packages parsed and type-checked, their dependencies read from
// export data. When nothing loads, the error is Diagnostics saying why.
func load(dir string, patterns []string, fset *token.FileSet) ([]*loadedPkg, error) {
	listed, err := list(dir, patterns)
	if err != nil {
		return nil, err
	}
	imp := &sharedImporter{
		deps:    make(map[string]*listedPkg, len(listed)),
		checked: map[string]*types.Package{},
	}
	imp.gc = importer.ForCompiler(fset, "gc", imp.exportData)
	var pkgs []*loadedPkg
	for _, lp := range listed { // dependencies first
		imp.deps[lp.ImportPath] = lp
		switch {
		case !lp.DepOnly:
			pkg := typeCheck(dir, lp, fset, imp, true)
			imp.checked[lp.ImportPath] = pkg.Types
			pkgs = append(pkgs, pkg)
		case lp.Export == "" && lp.ImportPath != "unsafe":
			// A dependency that did not compile, as a package of the
			// module that calls its own generated code does while that
			// is left out: its types as far as its source gives them.
			if pkg := typeCheck(dir, lp, fset, imp, false); pkg.Types != nil {
				imp.checked[lp.ImportPath] = pkg.Types
			}
		}
	}
	return pkgs, nil
}

// A sharedImporter gives the packages of one load their imports: those it
// type-checked from source (the matched packages, and dependencies that did
// not compile), and any other from the export data go list compiled for
// it. A package that compiled imports only packages that did.
type sharedImporter struct {
	deps    map[string]*listedPkg
	checked map[string]*types.Package
	gc      types.Importer
}

func (imp *sharedImporter) importFor(lp *listedPkg) types.Importer {
	return importerFunc(func(path string) (*types.Package, error) {
		if resolved, ok := lp.ImportMap[path]; ok { // vendored
			path = resolved
		}
		if p := imp.checked[path]; p != nil {
			return p, nil
		}
		return imp.gc.Import(path)
	})
}

// exportData opens the export data of the package path.
func (imp *sharedImporter) exportData(path string) (io.ReadCloser, error) {
	dep := imp.deps[path]
	switch {
	case dep == nil:
		return nil, fmt.Errorf("go list did not list it")
	case dep.Export != "":
		return os.Open(dep.Export)
	case dep.Error != nil: // the go command's reason, which the type error carries
		return nil, errors.New(strings.TrimSpace(dep.Error.Err))
	}
	return nil, fmt.Errorf("it did not compile: go build %s says why", path)
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// list runs go list over patterns in dir and returns the packages it lists,
// dependencies first, each with the export data it compiled for it.
func list(dir string, patterns []string) ([]*listedPkg, error) {
	args := []string{"list", "-e", "-json=" + listFields(), "-compiled", "-export", "-deps", "-pgo=off", tagsFlag(), "--"}
	cmd := exec.Command("go", append(args, patterns...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		return nil, fmt.Errorf("running go list: %v", err)
	}
	var listed []*listedPkg
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		lp := new(listedPkg)
		if derr := dec.Decode(lp); derr == io.EOF {
			break
		} else if derr != nil {
			return nil, fmt.Errorf("reading go list's output: %v", derr)
		}
		listed = append(listed, lp)
	}
	// go list -export exits 1 when a listed package does not compile, and
	// lists every package all the same: the type checker words those
	// errors, with positions.
	if len(listed) > 0 {
		return listed, nil
	}
	if err != nil { // go list failed as a whole: no go.mod, go.mod needs go mod tidy
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, Diagnostics{{Message: "loading " + strings.Join(patterns, " ") + ": " + goListMessage(msg)}}
	}
	what := "the pattern " + patterns[0] + " matches"
	if len(patterns) > 1 {
		what = "the patterns " + strings.Join(patterns, " ") + " match"
	}
	return nil, Diagnostics{{Message: what + " no packages: give the directory of the package declaring the service, as in ./api or ./... (the default is the package in the current directory)"}}
}

// typeCheck parses a listed package's compiled files and type-checks them
// with imports from imp: a matched package wholly, a dependency without its
// function bodies or a record of its syntax's types. dir is where go list
// ran, which its error positions are relative to.
func typeCheck(dir string, lp *listedPkg, fset *token.FileSet, imp *sharedImporter, matched bool) *loadedPkg {
	pkg := fromListing(dir, lp)
	compiled := lp.CompiledGoFiles
	if len(compiled) == 0 { // go list compiles nothing for a package whose imports fail
		compiled = slices.Concat(lp.GoFiles, lp.CgoFiles)
	}
	pkg.parse(fset, inDir(lp.Dir, compiled))
	if len(pkg.Syntax) == 0 {
		return pkg
	}
	conf := types.Config{
		Importer:         imp.importFor(lp),
		IgnoreFuncBodies: !matched,
		Error: func(err error) {
			e := err.(types.Error)
			pkg.Errors = append(pkg.Errors, loadError{Pos: fset.Position(e.Pos), Msg: e.Msg, Kind: typeError})
		},
		Sizes: types.SizesFor("gc", goarch()),
	}
	if lp.Module != nil && lp.Module.GoVersion != "" {
		conf.GoVersion = "go" + lp.Module.GoVersion
	}
	if matched {
		pkg.TypesInfo = &types.Info{
			Types: map[ast.Expr]types.TypeAndValue{},
			Defs:  map[*ast.Ident]types.Object{},
			Uses:  map[*ast.Ident]types.Object{},
		}
	}
	pkg.Types, _ = conf.Check(lp.ImportPath, fset, pkg.Syntax, pkg.TypesInfo) // its errors went to conf.Error
	return pkg
}

// fromListing returns the package go list listed as lp, with its files and
// go list's error, if any.
func fromListing(dir string, lp *listedPkg) *loadedPkg {
	pkg := &loadedPkg{
		PkgPath:      lp.ImportPath,
		Name:         lp.Name,
		Dir:          lp.Dir,
		GoFiles:      inDir(lp.Dir, lp.GoFiles, lp.CgoFiles),
		OtherFiles:   inDir(lp.Dir, lp.CFiles, lp.CXXFiles, lp.MFiles, lp.HFiles, lp.FFiles, lp.SFiles, lp.SwigFiles, lp.SwigCXXFiles, lp.SysoFiles),
		IgnoredFiles: inDir(lp.Dir, lp.IgnoredGoFiles, lp.IgnoredOtherFiles),
	}
	if e := lp.Error; e != nil {
		msg := strings.TrimSpace(e.Err)
		if msg == "import cycle not allowed" && len(e.ImportStack) > 1 { // it has no position
			msg += ": " + strings.Join(e.ImportStack, " imports ")
		}
		pos := parsePos(e.Pos)
		if pos.Filename != "" && !filepath.IsAbs(pos.Filename) {
			pos.Filename = filepath.Join(dir, pos.Filename)
		}
		pkg.Errors = append(pkg.Errors, loadError{Pos: pos, Msg: msg, Kind: listError})
	}
	return pkg
}

// parse parses the files names into pkg.Syntax, recording the parser's
// errors; a file that parses in part is kept.
func (pkg *loadedPkg) parse(fset *token.FileSet, names []string) {
	for _, name := range names {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		if f != nil {
			pkg.Syntax = append(pkg.Syntax, f)
		}
		if list, ok := err.(scanner.ErrorList); ok {
			for _, e := range list {
				pkg.Errors = append(pkg.Errors, loadError{Pos: e.Pos, Msg: e.Msg, Kind: parseError})
			}
		} else if err != nil {
			pkg.Errors = append(pkg.Errors, loadError{Pos: token.Position{Filename: name}, Msg: err.Error(), Kind: parseError})
		}
	}
}

// inDir returns the names of lists, joined to dir unless absolute.
func inDir(dir string, lists ...[]string) []string {
	var out []string
	for _, names := range lists {
		for _, name := range names {
			if !filepath.IsAbs(name) {
				name = filepath.Join(dir, name)
			}
			out = append(out, name)
		}
	}
	return out
}

// goarch returns the architecture the go command builds for.
func goarch() string {
	if a := os.Getenv("GOARCH"); a != "" {
		return a
	}
	return runtime.GOARCH
}

// tagsFlag returns the -tags flag to load with: buildTag, after the tags a
// -tags in GOFLAGS sets, which a -tags flag on the command line would
// otherwise replace.
func tagsFlag() string {
	tags := []string{}
	for _, f := range strings.Fields(goflags()) {
		v, ok := strings.CutPrefix(f, "-tags=")
		if !ok {
			v, ok = strings.CutPrefix(f, "--tags=")
		}
		if ok && v != "" {
			tags = append(tags, strings.Split(v, ",")...)
		}
	}
	return "-tags=" + strings.Join(append(tags, buildTag), ",")
}

// goflags returns GOFLAGS as the go command sees it: from the environment,
// or else from the file go env -w writes.
func goflags() string {
	if v, ok := os.LookupEnv("GOFLAGS"); ok {
		return v
	}
	file := os.Getenv("GOENV")
	if file == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			return ""
		}
		file = filepath.Join(dir, "go", "env")
	}
	if file == "off" {
		return ""
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "GOFLAGS="); ok {
			return v
		}
	}
	return ""
}
