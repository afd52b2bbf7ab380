package gen

import (
	"cmp"
	"go/ast"
	"go/build/constraint"
	"go/types"
	"slices"
	"strings"
	"unicode"
)

// The model of one generated file: the services of one source file, their
// types spelled as the file writes them (import names decided), and whether
// printing alone lays the file out as gofmt does.

// buildFile renders the services of one source file: its import registry,
// the types as the generated file spells them, and every local name.
func (b *builder) buildFile(pkg *loadedPkg, source string, sbs []*serviceBuild, generated []string, codecs *jsonPlan, gobs *gobPlan) *genFile {
	slices.SortFunc(sbs, func(x, y *serviceBuild) int { return cmp.Compare(x.decl.spec.Pos(), y.decl.spec.Pos()) })

	// The file declaring the services decides import names first.
	files := slices.Clone(pkg.Syntax)
	slices.SortStableFunc(files, func(x, y *ast.File) int {
		return cmp.Or(
			-cmp.Compare(boolInt(x == sbs[0].decl.file), boolInt(y == sbs[0].decl.file)),
			cmp.Compare(b.sourceName(pkg, x), b.sourceName(pkg, y)))
	})
	taken := slices.Concat(pkg.Types.Scope().Names(), generated)
	reg := newImportRegistry(pkg.Types, files, taken)
	for _, sb := range sbs {
		for _, mb := range sb.meth {
			for _, v := range slices.Concat(mb.params, mb.results) {
				reg.addType(v.Type())
			}
			if mb.stream != nil {
				reg.addType(mb.stream) // iter and the element's packages
			}
			if mb.in != nil {
				reg.addType(mb.in)
			}
		}
	}
	cbs := codecs.buildCodecs(source, reg)
	gcbs := gobs.buildGobCodecs(source, reg)
	reg.resolve()
	rt := runtimeNames{
		Context: reg.name(pathContext),
		HTTP:    reg.name(pathHTTP),
		RPC:     reg.name(pathRPC),
		NetRPCX: reg.name(pathNetRPCX),
		StdHTTP: reg.name(pathStdHTTP),
		Iter:    reg.name(pathIter),
	}

	f := &genFile{
		Build:   buildConstraint(sbs[0].decl.file),
		Source:  source,
		Path:    outputPath(source),
		Package: pkg.Name,
		Imports: withEmbed(reg.imports()),
	}
	for _, sb := range sbs {
		sb.svc.Runtime = rt
		for _, mb := range sb.meth {
			b.renderMethod(mb, reg)
		}
		b.nameLocals(sb, reg)
		f.Services = append(f.Services, sb.svc)
	}
	f.JSONCodecs = spellCodecs(cbs, reg.qualifier)
	f.GobCodecs = spellGobCodecs(gcbs, reg.qualifier)
	f.Gofmt = !printsFormatted(f)
	return f
}

// withEmbed adds the blank import of embed, which the //go:embed of the
// package's OpenAPI document needs, to imports sorted by path.
func withEmbed(imps []genImport) []genImport {
	i, found := slices.BinarySearchFunc(imps, "embed", func(imp genImport, path string) int { return cmp.Compare(imp.Path, path) })
	if found {
		return imps
	}
	return slices.Insert(imps, i, genImport{Path: "embed", Name: "_", Explicit: true})
}

// printsFormatted reports whether the emitters print f exactly as gofmt
// would: they lay out every line themselves and align the envelopes'
// fields, which holds while each rendered type is a plain name, pointer,
// slice, array, map or instantiation written on one line, and each doc
// comment is of // lines (formatDoc has made them canonical). A type
// literal (struct{...}), which gofmt spaces out, needs gofmt.
func printsFormatted(f *genFile) bool {
	for _, s := range f.Services {
		for _, m := range s.Methods {
			for _, l := range m.Doc {
				if !strings.HasPrefix(l, "//") {
					return false
				}
			}
			types := []string{m.Request.Type, m.Response.Type, m.Elem, m.Stream, m.InElem, m.InSeq}
			for _, p := range slices.Concat(m.Params, m.Results) {
				types = append(types, p.Type)
			}
			for _, t := range types {
				if !plainType(t) {
					return false
				}
			}
		}
	}
	return true
}

// plainType reports whether a rendered type holds only identifiers, dots,
// stars, brackets and ", " between type arguments: text gofmt leaves as it
// is.
func plainType(t string) bool {
	for i, r := range t {
		switch {
		case r == '_' || r == '.' || r == '*' || r == '[' || r == ']' || r == ',' || unicode.IsLetter(r) || unicode.IsDigit(r):
		case r == ' ' && i > 0 && t[i-1] == ',':
		default:
			return false
		}
	}
	return true
}

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}

// renderMethod spells the method's types as the generated file writes them.
func (b *builder) renderMethod(mb *methodBuild, reg *importRegistry) {
	m, q := mb.m, reg.qualifier
	for i, v := range mb.params {
		m.Params[i].Type = types.TypeString(v.Type(), q)
	}
	for i, v := range mb.results {
		m.Results[i].Type = types.TypeString(v.Type(), q)
	}
	if mb.stream != nil {
		m.Elem = types.TypeString(mb.stream.TypeArgs().At(0), q)
		m.Stream = types.TypeString(mb.stream, q)
	}
	if mb.in != nil {
		m.InElem = types.TypeString(mb.in.TypeArgs().At(0), q)
		m.InSeq = types.TypeString(mb.in, q)
	}
	switch m.Request.Kind {
	case direct:
		m.Request.Type = types.TypeString(mb.reqType, q)
	case envelope:
		m.Request.Fields = m.Params
	}
	switch m.Response.Kind {
	case direct:
		m.Response.Type = types.TypeString(mb.respType, q)
	case envelope:
		m.Response.Fields = m.Results
	}
}

// buildConstraint returns the //go:build expression of a file, or "".
func buildConstraint(f *ast.File) string {
	for _, cg := range f.Comments {
		if cg.Pos() >= f.Package {
			break
		}
		for _, c := range cg.List {
			if constraint.IsGoBuild(c.Text) {
				if expr, err := constraint.Parse(c.Text); err == nil {
					return expr.String()
				}
			}
		}
	}
	return ""
}
