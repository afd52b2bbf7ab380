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
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
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
	Files []Output
	// Notes say what the run left alone and why, such as a file of
	// services that build constraints exclude for this GOOS and GOARCH.
	// They are not problems: stdrpc -v prints them.
	Notes []Diagnostic
	// Warnings are what is generated but likely not meant, such as
	// unexported fields of structs that travel, which neither codec
	// sends. stdrpc prints them and still exits 0.
	Warnings []Diagnostic
	Timing   Timing

	dir string // the directory of the run, absolute
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
// possible; "" means the directory of the run (Config.Dir, or the current
// directory).
func (r *Result) Stale(dir string) []string {
	if dir == "" {
		dir = r.dir
	}
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
	res := &Result{dir: dir}

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
	b := &builder{dir: dir, fset: fset, d: &diags{fset: fset}, wire: newWireChecker()}
	files, loaded := b.build(pkgs)
	res.Notes = relative(b.notes, dir)
	res.Warnings = b.warnings()
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
		var sound []*serviceDecl // the services whose types compile
		for _, sd := range sc.services {
			names = append(names, sd.obj.Name())
			if !hasInvalid(sd.obj.Type().Underlying(), map[types.Type]bool{}) {
				sound = append(sound, sd)
			}
		}
		broken := len(sound) < len(sc.services)
		errs := loadErrors(pkg, broken, names)
		b.d.list = append(b.d.list, errs...)
		if broken && len(errs) == 0 {
			for _, sd := range sc.services {
				if !slices.Contains(sound, sd) {
					b.d.at(sd.spec.Name.Pos(), sd.obj.Name(), "the service's types do not compile: go build says why")
				}
			}
		}
		if len(errs) > 0 && !onlyTypeErrors(pkg) {
			continue // what was parsed may lack what was meant
		}
		// The type checker's errors are reported with the services they
		// break; the other services are checked all the same, so that
		// every problem shows in one run.
		sc.services = sound
		files = append(files, b.buildPackage(sc)...)
	}
	// Files of services built only for another platform or other tags are
	// left alone (see write); say so.
	elsewhere := servicesElsewhere(pkgs)
	for _, name := range elsewhere {
		b.notes = append(b.notes, Diagnostic{Pos: posOfFile(name), Message: "build constraints exclude this file for this GOOS and GOARCH, so its services are not generated; their generated file is kept as it is (generate where the file builds, or set GOOS and GOARCH)"})
	}
	if !anyService && len(b.d.list) == 0 {
		switch {
		case len(loadDiags) > 0:
			b.d.list = append(b.d.list, loadDiags...)
		case len(elsewhere) > 0:
			// Nothing to do on this platform.
		default:
			if tests := servicesInTests(pkgs); len(tests) > 0 {
				for _, pos := range tests {
					b.d.list = append(b.d.list, Diagnostic{Pos: pos, Message: "this //stdrpc:service is in a _test.go file, which stdrpc does not read (the package's other files cannot refer to a test file's types): move the interface to a file whose name does not end in _test.go"})
				}
				break
			}
			var paths []string
			for _, pkg := range pkgs {
				paths = append(paths, pkg.PkgPath)
			}
			b.d.list = append(b.d.list, Diagnostic{Message: fmt.Sprintf(
				"no service in %s: mark an interface with a //stdrpc:service line in its doc comment", describePackages(paths))})
		}
	}
	b.workspaceHint()
	return files, pkgs
}

// servicesElsewhere returns the source files the load left out, built only
// for another platform or other tags, that mark a service.
func servicesElsewhere(pkgs []*packages.Package) []string {
	var out []string
	for _, pkg := range pkgs {
		for _, name := range pkg.IgnoredFiles {
			if _, generated := sourcePath(name); generated || !strings.HasSuffix(name, ".go") {
				continue
			}
			if src, err := os.ReadFile(name); err == nil && serviceLine(src) > 0 {
				out = append(out, name)
			}
		}
	}
	return out
}

// servicesInTests returns where the _test.go files of pkgs mark services:
// the load reads no test file, so they are never generated.
func servicesInTests(pkgs []*packages.Package) []token.Position {
	var out []token.Position
	for _, pkg := range pkgs {
		if pkg.Dir == "" {
			continue
		}
		names, _ := filepath.Glob(filepath.Join(pkg.Dir, "*_test.go"))
		for _, name := range names {
			if src, err := os.ReadFile(name); err == nil {
				if line := serviceLine(src); line > 0 {
					out = append(out, token.Position{Filename: name, Line: line, Column: 1})
				}
			}
		}
	}
	return out
}

// serviceLine returns the number of the first line of src that is a
// //stdrpc:service directive, or 0.
func serviceLine(src []byte) int {
	mark := []byte("//" + directivePrefix + ":" + dirService)
	if !bytes.Contains(src, mark) {
		return 0
	}
	n := 0
	for line := range bytes.Lines(src) {
		n++
		rest, ok := bytes.CutPrefix(bytes.TrimLeft(line, " \t"), mark)
		if ok && (len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\r' || rest[0] == '\n') {
			return n
		}
	}
	return 0
}

func describePackages(paths []string) string {
	if len(paths) == 1 {
		return "package " + paths[0]
	}
	return "packages " + strings.Join(paths, ", ")
}

// workspaceHint adds the fix to the go command's complaint about a pattern
// at the root of a go.work workspace, which lies in no module: the
// patterns of the modules beneath it.
func (b *builder) workspaceHint() {
	for i, d := range b.d.list {
		if !strings.Contains(d.Message, "does not contain modules listed in go.work") {
			continue
		}
		var patterns []string
		for _, m := range workModules(b.dir) {
			if rel := relPath(b.dir, m); rel != m {
				patterns = append(patterns, "./"+filepath.ToSlash(rel)+"/...")
			}
		}
		hint := "run stdrpc in a module's directory, or name the modules' packages"
		if len(patterns) > 0 {
			hint = "at the root of a workspace, name the modules' packages, as in stdrpc " + strings.Join(patterns, " ")
		}
		b.d.list[i].Message += ": " + hint
	}
}

// workModules returns the directories of the modules the go.work of dir
// uses.
func workModules(dir string) []string {
	cmd := exec.Command("go", "work", "edit", "-json")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil
	}
	var work struct {
		Use []struct{ DiskPath string }
	}
	if json.Unmarshal(out, &work) != nil {
		return nil
	}
	gowork, err := exec.Command("go", "env", "-C", dir, "GOWORK").Output()
	if err != nil {
		return nil
	}
	root := filepath.Dir(strings.TrimSpace(string(gowork)))
	var dirs []string
	for _, u := range work.Use {
		p := filepath.FromSlash(u.DiskPath)
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		dirs = append(dirs, filepath.Clean(p))
	}
	return dirs
}
