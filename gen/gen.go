// Package gen is stdrpc's code generator as a library: it loads Go packages,
// finds the interfaces marked //stdrpc:service, checks them against the rules
// of the wire, and writes beside each source file a <file>_stdrpc.go holding
// net/rpc and net/http servers and clients.
//
// A run is load → model → check → emit: one packages.Load over the
// patterns; a model (model.go: files, services, methods, wire shapes,
// routes) that holds every decision (names, import names, local names that
// never shadow the user's); emitters (emit_*.go) that print Go from the
// model alone. A new output is one more emitter. Problems are collected,
// never printed: Run returns them all at once as Diagnostics.
//
// A package that does not load is reported with the go command's reason and
// the fix (a go.mod that needs go mod tidy, an import whose module go.mod
// does not require, files all excluded by build constraints, a directory
// without Go files), and a pattern that matches nothing says so; "no
// service" is kept for packages that loaded and declare none. When go list
// fails as a whole, packages.Load returns nothing and drops its message, so
// on that failing path only the go command runs once more for its words.
//
// A method whose only result is iter.Seq2[T, error] is a server stream
// (stream.go): kind serverStream in the model, with its element type; its
// request and routes are built as a unary method's, and it has no response
// envelope. The net/rpc adapter hands the sequence to netrpcx.HandleStream,
// which answers each call with a batch of items, and the clients return
// netrpcx.Stream or stdhttp.Stream. Shapes that look like streams (a channel
// result, a callback parameter, iter.Seq, iter.Seq2[T, U] with U not error,
// a stream beside other results) are reported with the iter.Seq2 to write.
//
// Imports keep the name the user's own files give them. When two packages
// want one name (a/v1 and b/v1), or a name is taken in the package, each of
// them is aliased to its parent directory joined to its name (av1, bv1).
//
// Names the generator chooses are deterministic. Locals, parameters and
// receivers in generated code avoid every name the code spells where they
// are in scope, so a parameter named ctx, err, req, http or context keeps
// working (the generated local becomes err2), and so does a type of the
// package named like one (a stream of s, a Page[req]: the receiver becomes
// s2). A generated client method renames a user's parameter only when the
// parameter would hide something its body uses. Generated package-level names
// (<Service><Method>Request, Register<Service>HTTP, ...) that collide with a
// declaration of the package are reported, not renamed, because they are
// public API. A method named like a local (Impl, S, Mux, Opts) only moves
// the generated local aside (impl2).
//
// Packages are loaded with -tags=stdrpcgen and generated files carry
// //go:build !stdrpcgen, so a stale or broken generated file, or code that
// calls generated functions, never stops regeneration. The tag applies to
// dependencies too: a package whose own non-generated code calls its
// generated code cannot be imported by another service package while it
// is regenerated; keep such wiring in another package (usually main).
package gen

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go/token"
	"go/types"

	"golang.org/x/tools/go/packages"
)

// Config says what to generate.
type Config struct {
	// Dir is the directory patterns are relative to, and messages' paths
	// too. Empty means the current directory.
	Dir string
	// Patterns are go list package patterns. Empty means ".".
	Patterns []string
	// Check writes nothing: Result.Files says which files are stale.
	Check bool
}

// Result is what a successful run produced.
type Result struct {
	// Files are the generated files, sorted by path, and stale generated
	// files whose service is gone (Content nil).
	Files  []Output
	Timing Timing
}

// Output is one generated file.
type Output struct {
	Path    string // absolute
	Content []byte // nil for a generated file that is no longer generated
	// Changed reports whether the file on disk differs (was written, or
	// removed, unless Config.Check).
	Changed bool
}

// Stale returns the files that differ from the disk, relative to dir when
// possible.
func (r *Result) Stale(dir string) []string {
	var out []string
	for _, f := range r.Files {
		if f.Changed {
			out = append(out, relPath(dir, f.Path))
		}
	}
	return out
}

// Timing splits a run's wall time by phase.
type Timing struct {
	Load  time.Duration // packages.Load: go list, parsing, type-checking
	Check time.Duration // directives, model, rules
	Emit  time.Duration // printing and formatting
	Write time.Duration // comparing with the disk and writing
}

func (t Timing) String() string {
	return fmt.Sprintf("load %v, check %v, emit %v, write %v", t.Load.Round(time.Microsecond), t.Check.Round(time.Microsecond), t.Emit.Round(time.Microsecond), t.Write.Round(time.Microsecond))
}

// Run generates the code for the services in the packages cfg names. The
// error is Diagnostics when the input has problems, each with its position.
func Run(cfg Config) (*Result, error) {
	dir := cfg.Dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		dir = wd
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	res := &Result{}

	start := time.Now()
	fset := token.NewFileSet()
	pkgs, err := load(dir, patterns, fset)
	res.Timing.Load = time.Since(start)
	if ds, ok := err.(Diagnostics); ok {
		return res, ds
	}
	if err != nil {
		return nil, fmt.Errorf("loading %s: %v", strings.Join(patterns, " "), err)
	}

	start = time.Now()
	b := &builder{dir: dir, fset: fset, d: &diags{fset: fset}}
	files, loaded := b.build(pkgs)
	res.Timing.Check = time.Since(start)
	if len(b.d.list) > 0 {
		return res, b.d.sorted(dir)
	}

	start = time.Now()
	for _, f := range files {
		src, err := emitFile(f)
		if err != nil {
			return res, fmt.Errorf("stdrpc generated invalid Go (a bug in stdrpc; please report it): %v", err)
		}
		res.Files = append(res.Files, Output{Path: f.Path, Content: src})
	}
	res.Timing.Emit = time.Since(start)

	start = time.Now()
	err = write(res, loaded, dir, cfg.Check)
	res.Timing.Write = time.Since(start)
	return res, err
}

// build scans and models every loaded package and returns the files to
// generate and the loaded packages.
func (b *builder) build(pkgs []*packages.Package) ([]*genFile, []*packages.Package) {
	slices.SortFunc(pkgs, func(x, y *packages.Package) int { return cmp.Compare(x.PkgPath, y.PkgPath) })
	var files []*genFile
	var loadDiags []Diagnostic
	anyService := false
	for _, pkg := range pkgs {
		if len(pkg.Syntax) == 0 && len(pkg.Errors) > 0 {
			// Nothing of the package loaded (a directory without Go files,
			// files all excluded by build constraints): a pattern names
			// what is not there, which is an error beside other packages too.
			b.d.list = append(b.d.list, loadErrors(pkg, true, nil)...)
			continue
		}
		if pkg.Types == nil || pkg.TypesInfo == nil {
			loadDiags = append(loadDiags, loadErrors(pkg, true, nil)...)
			continue
		}
		before := len(b.d.list)
		sc := b.scan(pkg)
		if len(sc.services) == 0 {
			if len(b.d.list) > before {
				// Directive mistakes: the package was meant to have a service.
				b.d.list = append(b.d.list, loadErrors(pkg, false, nil)...)
			} else {
				loadDiags = append(loadDiags, loadErrors(pkg, true, nil)...)
			}
			continue
		}
		anyService = true
		var names []string
		broken := false
		for _, sd := range sc.services {
			names = append(names, sd.obj.Name())
			if hasInvalid(sd.obj.Type().Underlying(), map[types.Type]bool{}) {
				broken = true
			}
		}
		if errs := loadErrors(pkg, broken, names); len(errs) > 0 || broken {
			b.d.list = append(b.d.list, errs...)
			continue
		}
		files = append(files, b.buildPackage(sc)...)
	}
	if !anyService && len(b.d.list) == 0 {
		switch {
		case len(loadDiags) > 0:
			b.d.list = append(b.d.list, loadDiags...)
		case servicesElsewhere(pkgs):
			// Nothing to do on this platform; see write.
		default:
			var paths []string
			for _, pkg := range pkgs {
				paths = append(paths, pkg.PkgPath)
			}
			b.d.list = append(b.d.list, Diagnostic{Message: fmt.Sprintf(
				"no service in %s: mark an interface with a //stdrpc:service line in its doc comment", describePackages(paths))})
		}
	}
	return files, pkgs
}

// servicesElsewhere reports whether a source file the load left out, built
// only for another platform or other tags, marks a service.
func servicesElsewhere(pkgs []*packages.Package) bool {
	for _, pkg := range pkgs {
		for _, name := range pkg.IgnoredFiles {
			if _, generated := sourcePath(name); generated || !strings.HasSuffix(name, ".go") {
				continue
			}
			if src, err := os.ReadFile(name); err == nil && bytes.Contains(src, []byte("//"+directivePrefix+":service")) {
				return true
			}
		}
	}
	return false
}

func describePackages(paths []string) string {
	if len(paths) == 1 {
		return "package " + paths[0]
	}
	return "packages " + strings.Join(paths, ", ")
}
