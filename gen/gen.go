// Package gen is stdrpc's code generator as a library, for tools that
// generate as part of their own work; the stdrpc command is a thin wrapper
// around Run.
//
// For every interface marked //stdrpc:service in the packages it is given,
// Run writes beside the source file declaring it a <file>_stdrpc.go
// holding the interface's net/rpc and net/http servers and clients:
//
//	res, err := gen.Run(gen.Config{Dir: moduleRoot, Patterns: []string{"./..."}})
//	var problems gen.Diagnostics
//	switch {
//	case errors.As(err, &problems):
//		for _, d := range problems {
//			fmt.Println(d) // api/calc.go:12:2: Calculator.Add: what is wrong (and the fix)
//		}
//	case err != nil:
//		return err // the go command could not run, or a file could not be written
//	default:
//		fmt.Println("written:", res.Stale(""))
//	}
//
// One run loads every package the patterns name at once; a file is written
// only when its bytes change, and a generated file whose service is gone is
// removed. With Config.Check, Run writes nothing and Result.Stale names the
// files that differ, which is what CI wants.
//
// The input's problems all come back at once, as Diagnostics sorted by
// position, and nothing is written then. Warnings (generated, but likely
// not meant) and notes (what the run left alone, and why) come back in the
// Result. Run prints nothing.
//
// The directives, the rules a method must follow and the code generated are
// described in the stdrpc command's documentation
// (go doc github.com/stdrpc/stdrpc/cmd/stdrpc).
package gen

import (
	"fmt"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// How the generator works, for its maintainers (the package doc above is
// for its users).
//
// A run is load → model → check → emit, and the files are named for the
// phases: load*.go runs one go list over the patterns, type-checks the
// packages it names from source (their dependencies from the export data
// go list compiled) and finds the directives; model*.go builds the model
// (model.go: files, services, methods, wire shapes, routes), which holds
// every decision (names, import names, local names that never shadow the
// user's, rendered types) and no Go expressions; check*.go holds the rules the model is checked against
// on the way; emit*.go prints Go from the model alone, and write.go
// compares with the disk. A new output is one more emitter. Problems are
// collected, never printed: Run returns them all at once as Diagnostics.
//
// A package that does not load is reported with the go command's reason and
// the fix (a go.mod that needs go mod tidy, an import whose module go.mod
// does not require, files all excluded by build constraints, a directory
// without Go files), and a pattern that matches nothing says so; "no
// service" is kept for packages that loaded and declare none.
//
// A method whose only result is iter.Seq2[T, error] is a server stream
// (check_stream.go): kind serverStream in the model, with its element
// type; its request and routes are built as a unary method's, and it has
// no response envelope. netrpcx servers take the sequence from the net/rpc
// adapter's unexported method (netrpcx.Streaming) and answer each call with
// a batch of items; stock codecs reach it through the exported method and
// netrpcx.RunStream. Unary methods have the same pair (netrpcx.Unary,
// netrpcx.Run), so a netrpcx server hands the call its context directly.
// The clients return
// netrpcx.Stream or stdhttp.Stream. Shapes that look like streams (a channel
// result, a callback parameter, iter.Seq, iter.Seq2[T, U] with U not error,
// a stream beside other results) are reported with the iter.Seq2 to write.
//
// A method whose one data parameter is iter.Seq[T] takes a stream of items
// from the caller (check_instream.go): a client stream (kind clientStream,
// results as a unary method's) or, returning iter.Seq2[U, error], a
// bidirectional one (bidiStream). The items are the whole request, so it
// has no request shape, routes or idempotent mark. netrpcx servers hand the
// items to the adapter's unexported method (netrpcx.ClientStreaming or
// BidiStreaming); stock codecs, which cannot carry them, reach the exported
// method and get netrpcx.RunClientStream's unimplemented. The clients call
// ClientStream or BidiStream of either runtime, and the HTTP service
// registers them with HandleClientStream or HandleBidiStream.
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

// Config says what to generate.
type Config struct {
	// Dir is the directory patterns are relative to, and messages' paths
	// too. Empty means the current directory.
	Dir string
	// Patterns are go list package patterns. Empty means ".".
	Patterns []string
	// Check writes nothing: Result.Stale says which files differ.
	Check bool
}

// Result is what a run produced, and what it noticed on the way.
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

	dir    string // the directory of the run, absolute
	timing timing
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

// PhaseTimes says how long the run's phases took: loading (the go command,
// parsing and type-checking), checking, emitting and writing, as stdrpc -v
// prints it.
func (r *Result) PhaseTimes() string {
	t := r.timing
	return fmt.Sprintf("load %v, check %v, emit %v, write %v", t.load.Round(time.Microsecond), t.check.Round(time.Microsecond), t.emit.Round(time.Microsecond), t.write.Round(time.Microsecond))
}

// timing splits a run's wall time by phase.
type timing struct {
	load  time.Duration // go list, parsing, type-checking
	check time.Duration // directives, model, rules
	emit  time.Duration // printing and formatting
	write time.Duration // comparing with the disk and writing
}

// Run generates the code for the services in the packages cfg names. The
// error is Diagnostics when the input has problems, each with its position
// and the fix; the Result then still holds the notes and warnings.
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
	res.timing.load = time.Since(start)
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
	res.timing.check = time.Since(start)
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
	for _, d := range b.docs {
		src, err := emitOpenAPI(d)
		if err != nil {
			return res, fmt.Errorf("stdrpc could not print the OpenAPI document %s (a bug in stdrpc; please report it): %v", d.Path, err)
		}
		res.Files = append(res.Files, Output{Path: d.Path, Content: src})
	}
	res.timing.emit = time.Since(start)

	start = time.Now()
	err = write(res, loaded, dir, cfg.Check)
	res.timing.write = time.Since(start)
	return res, err
}
