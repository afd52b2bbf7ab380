package gen

import (
	"bytes"
	"fmt"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// buildTag is set while loading, and generated files carry //go:build
// !stdrpcgen, so a stale or broken generated file never stops regeneration.
const buildTag = "stdrpcgen"

// load loads the packages matching patterns in dir: one packages.Load, types
// and syntax for the matched packages only, dependencies from export data.
// When nothing loads, the error is Diagnostics saying why.
func load(dir string, patterns []string, fset *token.FileSet) ([]*packages.Package, error) {
	cfg := &packages.Config{
		Mode:       packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
		Dir:        dir,
		Fset:       fset,
		BuildFlags: []string{tagsFlag()},
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err == nil && len(pkgs) == 0 {
		err = whyNothingLoaded(dir, patterns)
	}
	return pkgs, err
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

// whyNothingLoaded asks go list why patterns matched nothing. Reading
// export data, packages.Load drops go list's complaint when go list fails
// as a whole (a go.mod that needs go mod tidy, no go.mod at all) and
// returns no packages and no error; so, on this failing path only, the go
// command runs once more for its words.
func whyNothingLoaded(dir string, patterns []string) error {
	cmd := exec.Command("go", append([]string{"list", "-e", tagsFlag(), "-f", "{{.ImportPath}}", "--"}, patterns...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		return fmt.Errorf("running go list: %v", err)
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return Diagnostics{{Message: "loading " + strings.Join(patterns, " ") + ": " + goListMessage(msg)}}
	}
	if listed := strings.Fields(string(out)); len(listed) > 0 {
		// go list sees packages packages.Load did not return: say what it saw.
		return fmt.Errorf("go list found %s, but none loaded: %s", strings.Join(listed, " "), strings.TrimSpace(stderr.String()))
	}
	what := "the pattern " + patterns[0] + " matches"
	if len(patterns) > 1 {
		what = "the patterns " + strings.Join(patterns, " ") + " match"
	}
	return Diagnostics{{Message: what + " no packages: give the directory of the package declaring the service, as in ./api or ./... (the default is the package in the current directory)"}}
}

// goHint matches the go command's way of giving a fix on the next line:
// "; to update it:\n\tgo mod tidy", "; to add:\n\tgo get m".
var goHint = regexp.MustCompile(`;\s*to (?:update|add)(?: it)?:\s+`)

// goListMessage words an error of the go command on one line, with the fix:
// "go: updates to go.mod needed; to update it:\n\tgo mod tidy" becomes
// "updates to go.mod needed: run go mod tidy".
func goListMessage(msg string) string {
	var lines []string
	for _, l := range strings.Split(goHint.ReplaceAllString(strings.TrimSpace(msg), ": run "), "\n") {
		if l = strings.TrimPrefix(strings.TrimSpace(l), "go: "); l != "" {
			lines = append(lines, l)
		}
	}
	msg = strings.Join(lines, "; ")
	for _, f := range listFixes {
		if strings.Contains(msg, f.symptom) && !strings.Contains(msg, ": run ") {
			return strings.TrimSuffix(msg, f.trim) + ": " + f.fix
		}
	}
	return msg
}

// listFixes say what to do about the go command's errors that say only what
// is wrong.
var listFixes = []struct{ symptom, trim, fix string }{
	{"go.mod file not found", "; see 'go help modules'", "run stdrpc in a module (go mod init creates one)"},
	{"build constraints exclude all Go files", "", "check the files' //go:build lines (stdrpc loads for this GOOS and GOARCH, with the tag " + buildTag + ")"},
	{"no Go files in", "", "give the directory of the package declaring the service"},
	{"directory not found", "", "give the directory of the package declaring the service"},
	{"no such file or directory", "", "give the directory of the package declaring the service"},
	{"is not in std", "", "check the import path"},
	{"cannot find module providing package", "", "check the import path, or go get its module"},
}

// loadErrors turns a package's errors into diagnostics. Type errors are
// reported only when the services' own types are broken (an unrelated
// mistake elsewhere in the package does not block generation), and
// "undefined" errors naming code stdrpc generates are dropped: the generated
// file is left out while loading, so code that calls it cannot resolve.
func loadErrors(pkg *packages.Package, servicesBroken bool, serviceNames []string) []Diagnostic {
	var out []Diagnostic
	parseErrs := map[string]bool{} // files with a parse error reported
	for _, e := range pkg.Errors {
		pos := parsePos(e.Pos)
		if e.Kind == packages.ParseError {
			// The parser's first complaint is the one to fix; the rest follow from it.
			if parseErrs[pos.Filename] {
				continue
			}
			parseErrs[pos.Filename] = true
		}
		if e.Kind == packages.ListError && strings.HasPrefix(e.Msg, "# ") {
			// The compiler's output for go list -export: the type errors
			// say the same with positions.
			continue
		}
		msg := e.Msg
		switch e.Kind {
		case packages.TypeError:
			if !servicesBroken || undefinedGenerated(msg, serviceNames) {
				continue
			}
			msg = importMessage(msg)
		case packages.ListError, packages.UnknownError:
			msg = goListMessage(msg)
		}
		out = append(out, Diagnostic{Pos: pos, Message: msg})
	}
	return out
}

// onlyTypeErrors reports whether the package parsed and listed cleanly, so
// that its syntax is what the user wrote, whatever the type checker says.
func onlyTypeErrors(pkg *packages.Package) bool {
	for _, e := range pkg.Errors {
		if e.Kind != packages.TypeError {
			return false
		}
	}
	return true
}

// notLoaded matches the type checker's complaint about an import go list
// could not provide, which happens when go.mod does not require its module.
var notLoaded = regexp.MustCompile(`^could not import (\S+) \(invalid package name: ""\)$`)

// importMessage adds the fix to an import that did not load.
func importMessage(msg string) string {
	m := notLoaded.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	return "could not import " + m[1] + ", which did not load: if go.mod does not require its module, run go mod tidy (go build " + m[1] + " says why)"
}

func undefinedGenerated(msg string, serviceNames []string) bool {
	name, ok := strings.CutPrefix(msg, "undefined: ")
	if !ok {
		return false
	}
	for _, s := range serviceNames {
		if strings.Contains(name, upperFirst(s)) || strings.HasPrefix(name, lowerFirst(s)) {
			return true
		}
	}
	return false
}

// parsePos parses the "file:line:col" form of packages.Error.Pos.
func parsePos(s string) token.Position {
	var p token.Position
	if s == "" || s == "-" {
		return p
	}
	parts := strings.Split(s, ":")
	nums := []*int{&p.Column, &p.Line}
	for len(parts) > 1 && len(nums) > 0 {
		n, err := strconv.Atoi(parts[len(parts)-1])
		if err != nil {
			break
		}
		parts = parts[:len(parts)-1]
		*nums[0] = n
		nums = nums[1:]
	}
	if p.Line == 0 && p.Column != 0 { // only a line was given
		p.Line, p.Column = p.Column, 0
	}
	p.Filename = strings.Join(parts, ":")
	return p
}

// hasInvalid reports whether t, or a type it is built from, did not
// type-check.
func hasInvalid(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t := types.Unalias(t).(type) {
	case *types.Basic:
		return t.Kind() == types.Invalid
	case *types.Named:
		for a := range t.TypeArgs().Types() {
			if hasInvalid(a, seen) {
				return true
			}
		}
		return hasInvalid(t.Underlying(), seen)
	case *types.Pointer:
		return hasInvalid(t.Elem(), seen)
	case *types.Slice:
		return hasInvalid(t.Elem(), seen)
	case *types.Array:
		return hasInvalid(t.Elem(), seen)
	case *types.Chan:
		return hasInvalid(t.Elem(), seen)
	case *types.Map:
		return hasInvalid(t.Key(), seen) || hasInvalid(t.Elem(), seen)
	case *types.Struct:
		for f := range t.Fields() {
			if hasInvalid(f.Type(), seen) {
				return true
			}
		}
	case *types.Interface:
		for fn := range t.Methods() {
			if hasInvalid(fn.Type(), seen) {
				return true
			}
		}
	case *types.Signature:
		for v := range t.Params().Variables() {
			if hasInvalid(v.Type(), seen) {
				return true
			}
		}
		for v := range t.Results().Variables() {
			if hasInvalid(v.Type(), seen) {
				return true
			}
		}
	}
	return false
}
