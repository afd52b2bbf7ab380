package gen

import (
	"cmp"
	"fmt"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
)

// A Diagnostic is one problem found in the input (a load error, a
// malformed directive, a method that breaks a rule), or one warning or note
// of a Result, with where it is.
type Diagnostic struct {
	Pos     token.Position // where the problem is; Filename is relative to Config.Dir when possible
	Subject string         // "Service" or "Service.Method"; empty when no service is involved
	Message string         // what is wrong and how to fix it
}

func (d Diagnostic) String() string {
	var b strings.Builder
	if d.Pos.IsValid() {
		b.WriteString(d.Pos.String())
		b.WriteString(": ")
	} else if d.Pos.Filename != "" {
		b.WriteString(d.Pos.Filename)
		b.WriteString(": ")
	}
	if d.Subject != "" {
		b.WriteString(d.Subject)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics is the error Run returns when the input has problems. It holds
// every problem found in the run, sorted by position.
type Diagnostics []Diagnostic

func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// diags collects diagnostics while a run walks the input.
type diags struct {
	fset *token.FileSet
	list Diagnostics
}

func (ds *diags) at(pos token.Pos, subject, format string, args ...any) {
	ds.list = append(ds.list, Diagnostic{Pos: ds.fset.Position(pos), Subject: subject, Message: fmt.Sprintf(format, args...)})
}

// sorted returns the diagnostics in position order, without duplicates, with
// file names made relative to dir when they lie beneath it.
func (ds *diags) sorted(dir string) Diagnostics {
	out := relative(ds.list, dir)
	slices.SortStableFunc(out, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Subject, b.Subject),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return slices.Compact(out)
}

// relative returns ds with file names made relative to dir when they lie
// beneath it.
func relative(ds []Diagnostic, dir string) []Diagnostic {
	out := slices.Clone(ds)
	for i := range out {
		out[i].Pos.Filename = relPath(dir, out[i].Pos.Filename)
	}
	return out
}

// relPath returns path relative to dir if path lies beneath dir, else path.
func relPath(dir, path string) string {
	if dir == "" || path == "" || !filepath.IsAbs(path) {
		return path
	}
	rel, err := filepath.Rel(dir, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return path
	}
	return rel
}

// posOfFile is a position naming a whole file.
func posOfFile(name string) token.Position { return token.Position{Filename: name} }
