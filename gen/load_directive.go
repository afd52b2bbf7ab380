package gen

import (
	"fmt"
	"strings"
	"unicode"
)

// Directives are comment lines of the form //stdrpc:NAME args, written with
// no space after the slashes, like //go:generate, so that go/doc hides them.
//
//	//stdrpc:service [name=NAME]   in an interface's doc comment
//	//stdrpc:http METHOD PATTERN   in a method's doc comment
//	//stdrpc:idempotent            in a method's doc comment
//	//stdrpc:jsonrpc NAME          in a method's doc comment

const directivePrefix = "stdrpc"

// Directive names.
const (
	dirService    = "service"
	dirHTTP       = "http"
	dirIdempotent = "idempotent"
	dirJSONRPC    = "jsonrpc"
)

var directiveNames = []string{dirService, dirHTTP, dirIdempotent, dirJSONRPC}

// directiveList names the directives for a message.
const directiveList = "the directives are //stdrpc:service, //stdrpc:http, //stdrpc:idempotent and //stdrpc:jsonrpc"

// httpMethods are the verbs a //stdrpc:http route may use.
var httpMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE"}

// A directive is one parsed //stdrpc: comment.
type directive struct {
	name string // dirService, dirHTTP or dirIdempotent

	// service
	svcName    string // value of name=, or ""
	svcNameOff int    // byte offset of the value in the comment text

	// http
	method     string // "GET"
	pattern    string // "/users/{id}"
	methodOff  int    // byte offset of method in the comment text
	patternOff int    // byte offset of pattern in the comment text

	// idempotent: the first argument, which it does not take (reported
	// with the method it is on), and its offset
	// jsonrpc: the alias
	arg    string
	argOff int
}

// A directiveError is a problem with a directive, at a byte offset in the
// comment's text.
type directiveError struct {
	off int
	msg string
}

// parseDirective parses the text of one comment (with its slashes). It reports
// ok=false when the comment is neither a stdrpc directive nor close enough to
// one to be a likely mistake; otherwise it returns the directive or the
// problem with it.
func parseDirective(text string) (d directive, ok bool, derr *directiveError) {
	fail := func(off int, format string, args ...any) (directive, bool, *directiveError) {
		return directive{}, true, &directiveError{off: off, msg: fmt.Sprintf(format, args...)}
	}
	body, found := strings.CutPrefix(text, "//")
	if !found {
		return directive{}, false, nil
	}

	// "// stdrpc:service" is prose to go/doc and would be ignored silently.
	if trimmed := strings.TrimLeft(body, " \t"); trimmed != body {
		if rest, found := strings.CutPrefix(trimmed, directivePrefix+":"); found {
			name, _, _ := strings.Cut(rest, " ")
			if isDirectiveName(name) {
				return fail(0, "a space after // makes //stdrpc:%s a plain comment: write //stdrpc:%s", name, name)
			}
		}
		return directive{}, false, nil
	}

	colon := strings.IndexByte(body, ':')
	if colon <= 0 || !isLowerWord(body[:colon]) {
		return directive{}, false, nil
	}
	prefix := body[:colon]
	rest := body[colon+1:]
	name, args := rest, ""
	if i := strings.IndexAny(rest, " \t"); i >= 0 {
		name, args = rest[:i], rest[i:]
	}
	argsOff := 2 + colon + 1 + len(name)

	if prefix != directivePrefix {
		if editDistance(prefix, directivePrefix) > 2 {
			return directive{}, false, nil // another tool's directive, such as //go:generate
		}
		return fail(0, "unknown directive //%s:%s: did you mean //%s:%s?", prefix, name, directivePrefix, suggestOr(name, directiveNames, name))
	}
	switch name {
	case dirService:
		return parseService(args, argsOff)
	case dirHTTP:
		return parseHTTP(args, argsOff)
	case dirIdempotent:
		d := directive{name: dirIdempotent}
		if ws := fields(args, argsOff); len(ws) > 0 {
			d.arg, d.argOff = ws[0].text, ws[0].off
		}
		return d, true, nil
	case dirJSONRPC:
		ws := fields(args, argsOff)
		switch {
		case len(ws) == 0:
			return fail(0, "//stdrpc:jsonrpc needs a method name, as in //stdrpc:jsonrpc add")
		case len(ws) > 1:
			return fail(ws[1].off, "unexpected argument %q: //stdrpc:jsonrpc takes one name", ws[1].text)
		case !validJSONRPCName(ws[0].text):
			return fail(ws[0].off, "bad JSON-RPC method name %q: use letters, digits, '_', '.' and '-', not starting with \"rpc.\"", ws[0].text)
		}
		return directive{name: dirJSONRPC, arg: ws[0].text, argOff: ws[0].off}, true, nil
	case "":
		return fail(0, "empty directive //stdrpc: (%s)", directiveList)
	}
	if s := suggest(name, directiveNames); s != "" {
		return fail(0, "unknown directive //stdrpc:%s: did you mean //stdrpc:%s?", name, s)
	}
	return fail(0, "unknown directive //stdrpc:%s (%s)", name, directiveList)
}

func parseService(args string, off int) (directive, bool, *directiveError) {
	d := directive{name: dirService}
	seen := false
	for _, w := range fields(args, off) {
		key, value, isKV := strings.Cut(w.text, "=")
		if !isKV {
			if validServiceName(w.text) {
				return directive{}, true, &directiveError{w.off, fmt.Sprintf("unexpected argument %q: did you mean name=%s?", w.text, w.text)}
			}
			return directive{}, true, &directiveError{w.off, fmt.Sprintf("unexpected argument %q: //stdrpc:service takes only name=NAME", w.text)}
		}
		if key != "name" {
			if s := suggest(key, []string{"name"}); s != "" {
				return directive{}, true, &directiveError{w.off, fmt.Sprintf("unknown key %q in //stdrpc:service: did you mean %s?", key, s)}
			}
			return directive{}, true, &directiveError{w.off, fmt.Sprintf("unknown key %q in //stdrpc:service: the only key is name", key)}
		}
		if seen {
			return directive{}, true, &directiveError{w.off, "name is given twice: keep one"}
		}
		seen = true
		valueOff := w.off + len(key) + 1
		if value == "" {
			return directive{}, true, &directiveError{valueOff, "name has no value: write name=NAME, as in name=acme.v1.Calculator"}
		}
		if !validServiceName(value) {
			return directive{}, true, &directiveError{valueOff, fmt.Sprintf("bad service name %q: use Go identifiers joined by dots, as in acme.v1.Calculator", value)}
		}
		d.svcName, d.svcNameOff = value, valueOff
	}
	return d, true, nil
}

func parseHTTP(args string, off int) (directive, bool, *directiveError) {
	const example = "as in //stdrpc:http GET /users/{id}"
	ws := fields(args, off)
	switch {
	case len(ws) == 0:
		return directive{}, true, &directiveError{0, "//stdrpc:http needs a method and a pattern, " + example}
	case len(ws) == 1 && strings.Contains(ws[0].text, "/"):
		return directive{}, true, &directiveError{ws[0].off, fmt.Sprintf("route %s has no method: write one, %s", ws[0].text, example)}
	case len(ws) > 2:
		return directive{}, true, &directiveError{ws[2].off, fmt.Sprintf("unexpected argument %q after the pattern: a pattern has no spaces", ws[2].text)}
	}
	method := ws[0]
	if !isHTTPMethod(method.text) {
		if up := strings.ToUpper(method.text); isHTTPMethod(up) {
			return directive{}, true, &directiveError{method.off, fmt.Sprintf("unknown HTTP method %q: did you mean %s?", method.text, up)}
		}
		if s := suggest(strings.ToUpper(method.text), httpMethods); s != "" {
			return directive{}, true, &directiveError{method.off, fmt.Sprintf("unknown HTTP method %q: did you mean %s?", method.text, s)}
		}
		return directive{}, true, &directiveError{method.off, fmt.Sprintf("unknown HTTP method %q: use one of %s", method.text, strings.Join(httpMethods, ", "))}
	}
	if len(ws) == 1 {
		return directive{}, true, &directiveError{0, fmt.Sprintf("//stdrpc:http %s needs a pattern, %s", method.text, example)}
	}
	return directive{name: dirHTTP, method: method.text, methodOff: method.off, pattern: ws[1].text, patternOff: ws[1].off}, true, nil
}

// A word is a whitespace-separated field and its byte offset.
type word struct {
	text string
	off  int
}

// fields splits s into words; off is the offset of s in the comment text.
func fields(s string, off int) []word {
	var ws []word
	start := -1
	for i, r := range s {
		if unicode.IsSpace(r) {
			if start >= 0 {
				ws = append(ws, word{s[start:i], off + start})
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		ws = append(ws, word{s[start:], off + start})
	}
	return ws
}

func isDirectiveName(s string) bool {
	for _, n := range directiveNames {
		if s == n {
			return true
		}
	}
	return false
}

func isHTTPMethod(s string) bool {
	for _, m := range httpMethods {
		if s == m {
			return true
		}
	}
	return false
}

// isLowerWord reports whether s looks like a directive prefix (go, nolint, stdrpc).
func isLowerWord(s string) bool {
	for _, r := range s {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return s != ""
}

// validServiceName reports whether s is Go identifiers joined by dots: a valid
// net/rpc service name and HTTP path segment.
func validServiceName(s string) bool {
	for part := range strings.SplitSeq(s, ".") {
		if !isIdent(part) {
			return false
		}
	}
	return true
}

func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}

// suggest returns the candidate closest to s if it is a likely misspelling of
// it (an edit distance of at most 2, and less than s's length), else "".
func suggest(s string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if d < bestDist && d < len(s) {
			best, bestDist = c, d
		}
	}
	return best
}

func suggestOr(s string, candidates []string, fallback string) string {
	if s := suggest(s, candidates); s != "" {
		return s
	}
	return fallback
}

// editDistance is the Levenshtein distance between a and b, counted in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// validJSONRPCName reports whether s may name a JSON-RPC method: a word of
// letters, digits, '_', '.' and '-', not in the "rpc." namespace the
// specification reserves.
func validJSONRPCName(s string) bool {
	if s == "" || strings.HasPrefix(s, "rpc.") {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '.' && r != '-' {
			return false
		}
	}
	return true
}
