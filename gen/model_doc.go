package gen

import (
	"go/ast"
	"go/doc/comment"
	"strings"
)

// A method's doc comment moves from the interface onto the generated
// client methods, where it becomes a top-level doc comment, which gofmt
// rewrites into go/doc/comment's canonical form; the model holds it in that
// form already.

// docLines returns the lines of a doc comment with directives (and the blank
// comment lines that separated them) removed.
func docLines(cg *ast.CommentGroup) []string {
	if cg == nil {
		return nil
	}
	var lines []string
	for _, c := range cg.List {
		if isDirectiveComment(c.Text) {
			continue
		}
		lines = append(lines, c.Text)
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "//" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// isDirectiveComment reports whether a comment is a directive in go/doc's
// sense (//name:args, //line, //export, //extern).
func isDirectiveComment(text string) bool {
	body, ok := strings.CutPrefix(text, "//")
	if !ok {
		return false
	}
	for _, p := range []string{"line ", "extern ", "export "} {
		if strings.HasPrefix(body, p) {
			return true
		}
	}
	colon := strings.IndexByte(body, ':')
	return colon > 0 && colon+1 < len(body) && isLowerWord(body[:colon]) &&
		'a' <= body[colon+1] && body[colon+1] <= 'z'
}

// formatDoc returns doc comment lines (with their slashes) as gofmt prints
// a top-level doc comment: parsed and printed by go/doc/comment, as
// go/printer does. Lines of /* */ comments are returned as they are, and
// the file holding them is formatted by gofmt.
func formatDoc(lines []string) []string {
	var text strings.Builder
	for _, l := range lines {
		after, ok := strings.CutPrefix(l, "//")
		if !ok {
			return lines
		}
		text.WriteString(strings.TrimPrefix(after, " "))
		text.WriteString("\n")
	}
	if text.Len() == 0 {
		return lines
	}
	var p comment.Parser
	var pr comment.Printer
	var out []string
	for line := range strings.Lines(string(pr.Comment(p.Parse(text.String())))) {
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			out = append(out, "//")
		case strings.HasPrefix(line, "\t"):
			out = append(out, "//"+line)
		default:
			out = append(out, "// "+line)
		}
	}
	return out
}
