package gen

import (
	"go/token"
	"go/types"
	"regexp"
	"strconv"
	"strings"
)

// Why a package did not load, in words that say what to do: the go
// command's errors with their fixes, and the type checker's kept to those
// that matter for the services.

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
func loadErrors(pkg *loadedPkg, servicesBroken bool, serviceNames []string) []Diagnostic {
	var out []Diagnostic
	parseErrs := map[string]bool{} // files with a parse error reported
	said := map[loadError]bool{}   // go list and the parser can say the same
	for _, e := range pkg.Errors {
		pos := e.Pos
		k := loadError{Pos: token.Position{Filename: pos.Filename, Line: pos.Line, Column: pos.Column}, Msg: e.Msg}
		if said[k] {
			continue
		}
		said[k] = true
		if e.Kind == parseError {
			// The parser's first complaint is the one to fix; the rest follow from it.
			if parseErrs[pos.Filename] {
				continue
			}
			parseErrs[pos.Filename] = true
		}
		if e.Kind == listError && strings.HasPrefix(e.Msg, "# ") {
			// The compiler's output for go list -export: the type errors
			// say the same with positions.
			continue
		}
		msg := e.Msg
		switch e.Kind {
		case typeError:
			if !servicesBroken || undefinedGenerated(msg, serviceNames) {
				continue
			}
			msg = importMessage(msg)
		case listError:
			msg = goListMessage(msg)
		}
		out = append(out, Diagnostic{Pos: pos, Message: msg})
	}
	return out
}

// onlyTypeErrors reports whether the package parsed and listed cleanly, so
// that its syntax is what the user wrote, whatever the type checker says.
func onlyTypeErrors(pkg *loadedPkg) bool {
	for _, e := range pkg.Errors {
		if e.Kind != typeError {
			return false
		}
	}
	return true
}

// notImported matches the type checker's complaint about an import whose
// export data the loader could not read, with the go command's reason.
var notImported = regexp.MustCompile(`(?s)^could not import (\S+) \((.*)\)$`)

// importMessage words the go command's reason for an import that did not
// load, with its fix: "no required module provides package m; to add it:
// go get m" becomes "...: run go get m".
func importMessage(msg string) string {
	m := notImported.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	return "could not import " + m[1] + ": " + goListMessage(m[2])
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

// parsePos parses the "file:line:col" form of go list's error positions.
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
