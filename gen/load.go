package gen

import (
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// buildTag is set while loading, and generated files carry //go:build
// !stdrpcgen, so a stale or broken generated file never stops regeneration.
const buildTag = "stdrpcgen"

// load loads the packages matching patterns in dir: one packages.Load, types
// and syntax for the matched packages only, dependencies from export data.
func load(dir string, patterns []string, fset *token.FileSet) ([]*packages.Package, error) {
	cfg := &packages.Config{
		Mode:       packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
		Dir:        dir,
		Fset:       fset,
		BuildFlags: []string{"-tags=" + buildTag},
	}
	return packages.Load(cfg, patterns...)
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
		if e.Kind == packages.TypeError {
			if !servicesBroken || undefinedGenerated(e.Msg, serviceNames) {
				continue
			}
		}
		out = append(out, Diagnostic{Pos: pos, Message: e.Msg})
	}
	return out
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
