package gen

import (
	"fmt"
	"path"
	"strings"
	"unicode"
)

// The generator checks routes against the rules of http.ServeMux (Go 1.22
// patterns) with its own parser instead of registering them on a mux: the
// command then does not link net/http, crypto/tls and the rest, which the go
// command would otherwise hash on every `go tool stdrpc`, a start per
// package for a directive in each. check_pattern_test.go holds the two to
// the same verdicts.

// A pattern is a parsed ServeMux pattern, [METHOD ][HOST]/[PATH].
type pattern struct {
	text   string
	method string // "" matches every method, GET also HEAD
	host   string // "" matches every host
	segs   []segment
}

// A segment matches part of a request path. A literal matches one path
// segment spelled so (after unescaping); the literal "/" stands for a final
// {$} and matches the trailing slash. A wildcard matches one non-empty
// segment, a multi wildcard (also the one a trailing slash implies, with no
// name) the rest of the path.
type segment struct {
	text  string // the literal, or the wildcard's name
	wild  bool
	multi bool
}

// A patternError says why a pattern is not valid, at a byte offset into it.
type patternError struct {
	off    int
	reason string
}

// parsePattern parses s as http.ServeMux does, and refuses what it refuses.
// The reasons say what to change.
func parsePattern(s string) (*pattern, *patternError) {
	if s == "" {
		return nil, &patternError{0, "empty pattern: write a path, as in GET /users/{id}"}
	}
	p := &pattern{text: s}
	rest := s
	off := 0 // of rest in s, as far as the errors report it
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		p.method, rest = s[:i], strings.TrimLeft(s[i+1:], " \t")
		if p.method != "" && !isToken(p.method) {
			return nil, &patternError{0, fmt.Sprintf("invalid method %q: write an HTTP method, as in GET or POST", p.method)}
		}
		off = len(p.method) + 1
	}
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return nil, &patternError{off, fmt.Sprintf("%q has no /: a path starts with /, as in /users/{id}", rest)}
	}
	p.host, rest = rest[:slash], rest[slash:]
	if j := strings.IndexByte(p.host, '{'); j >= 0 {
		return nil, &patternError{off + j, fmt.Sprintf("the host %q holds a '{' (wildcards belong in the path): start the path with /", p.host)}
	}
	off += slash
	// Requests are matched by their cleaned path, so only CONNECT (which is
	// not cleaned) can match an unclean one.
	if p.method != "" && p.method != "CONNECT" {
		if clean := cleanPath(rest); clean != rest {
			return nil, &patternError{off, fmt.Sprintf("path %s can never match, as request paths are cleaned first: write %s", rest, clean)}
		}
	}

	seen := map[string]bool{}
	for rest != "" {
		rest = rest[1:] // the '/'
		off = len(s) - len(rest)
		if rest == "" {
			p.segs = append(p.segs, segment{wild: true, multi: true})
			break
		}
		seg := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			seg = rest[:i]
		}
		rest = rest[len(seg):]
		brace := strings.IndexByte(seg, '{')
		if brace < 0 {
			p.segs = append(p.segs, segment{text: unescapePath(seg)})
			continue
		}
		fail := func(format string, args ...any) (*pattern, *patternError) {
			return nil, &patternError{off, fmt.Sprintf(format, args...)}
		}
		switch {
		case brace > 0:
			return fail("bad wildcard segment (must start with '{'): a wildcard is a whole segment, as in /users/{id}")
		case seg[len(seg)-1] != '}':
			return fail("bad wildcard segment (must end with '}'): close it, as in {id}")
		}
		name := seg[1 : len(seg)-1]
		if name == "$" {
			if rest != "" {
				return fail("{$} not at end: it can only end the path")
			}
			p.segs = append(p.segs, segment{text: "/"})
			break
		}
		name, multi := strings.CutSuffix(name, "...")
		switch {
		case multi && rest != "":
			return fail("{%s...} wildcard not at end: it can only end the path", name)
		case name == "":
			return fail("empty wildcard: name it, as in {id}")
		case !isWildcardName(name):
			return fail("bad wildcard name %q: use a Go identifier", name)
		case seen[name]:
			return fail("duplicate wildcard name %q: give each wildcard a name of its own", name)
		}
		seen[name] = true
		p.segs = append(p.segs, segment{text: name, wild: true, multi: multi})
	}
	return p, nil
}

// isWildcardName reports whether s is a Go identifier, as a wildcard's
// name must be.
func isWildcardName(s string) bool {
	for i, r := range s {
		if !unicode.IsLetter(r) && r != '_' && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}

// isToken reports whether s is an HTTP token (RFC 9110), as a method must be.
func isToken(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return s != ""
}

// cleanPath is the path ServeMux matches for the request path p: rooted,
// without . and .. segments or doubled slashes, and keeping a trailing
// slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean
}

// unescapePath decodes a literal segment's %XX escapes, or, if one is
// malformed, leaves the segment as written, as ServeMux does.
func unescapePath(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return s
		}
		b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
		i += 2
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// wildcards returns the names of the pattern's wildcards in order: {id}
// and {path...} give id and path; {$} and a trailing slash give nothing.
func (p *pattern) wildcards() []string {
	var names []string
	for _, s := range p.segs {
		if s.wild && s.text != "" {
			names = append(names, s.text)
		}
	}
	return names
}
