package gen

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
)

// The generator's pattern parser and conflict rule stand in for
// http.ServeMux's; these tests hold them to the same verdicts, on tricky
// cases and on random and fuzzed ones.

// muxParse registers s on a fresh ServeMux and returns whether it took it
// and, if not, the offset its message gives.
func muxParse(s string) (ok bool, off int) {
	problem := muxRegister(http.NewServeMux(), s)
	if problem == "" {
		return true, 0
	}
	_, msg, _ := strings.Cut(problem, ": at offset ")
	fmt.Sscanf(msg, "%d:", &off)
	return false, off
}

// muxConflict reports whether a ServeMux holding a refuses b.
func muxConflict(a, b string) bool {
	mux := http.NewServeMux()
	if p := muxRegister(mux, a); p != "" {
		panic(p)
	}
	return muxRegister(mux, b) != ""
}

func muxRegister(mux *http.ServeMux, pattern string) (problem string) {
	defer func() {
		if v := recover(); v != nil {
			problem = fmt.Sprint(v)
		}
	}()
	mux.Handle(pattern, http.NotFoundHandler())
	return ""
}

// samePatternVerdict fails t unless parsePattern and ServeMux agree on s.
func samePatternVerdict(t *testing.T, s string) bool {
	t.Helper()
	p, err := parsePattern(s)
	ok, off := muxParse(s)
	switch {
	case ok && err != nil:
		t.Errorf("%q: ServeMux takes it, parsePattern refuses it: %s", s, err.reason)
	case !ok && err == nil:
		t.Errorf("%q: ServeMux refuses it, parsePattern takes it", s)
	case !ok && err.off != off:
		t.Errorf("%q: refused at offset %d, ServeMux says %d", s, err.off, off)
	case err != nil && (err.off < 0 || err.off > len(s) || err.reason == ""):
		t.Errorf("%q: error %+v", s, err)
	case p != nil && p.text != s:
		t.Errorf("%q: text %q", s, p.text)
	default:
		return true
	}
	return false
}

// sameConflictVerdict fails t unless conflict and ServeMux agree on the
// valid patterns a and b, and checks the examples of the reason.
func sameConflictVerdict(t *testing.T, a, b string) {
	t.Helper()
	pa, _ := parsePattern(a)
	pb, _ := parsePattern(b)
	got, why := conflict(pb, pa)
	if want := muxConflict(a, b); got != want {
		t.Errorf("%q then %q: conflict = %v, ServeMux says %v", a, b, got, want)
		return
	}
	if !got {
		return
	}
	if back, _ := conflict(pa, pb); !back {
		t.Errorf("%q conflicts with %q but not the other way round", b, a)
	}
	checkExamples(t, pb, pa, why)
}

// plainPattern reports whether every literal and name of p is one a URL
// spells as is, so that its example paths can be tried on a ServeMux.
func plainPattern(p *pattern) bool {
	plain := func(s string) bool {
		for _, c := range []byte(s) {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
				return false
			}
		}
		return true
	}
	if p.method == "CONNECT" || strings.Contains(p.text, "%") || !plain(strings.ReplaceAll(p.host, ".", "")) {
		return false
	}
	for _, s := range p.segs {
		if !plain(s.text) && s.text != "/" || !s.wild && s.text == "" { // "/" is {$}
			return false
		}
	}
	return true
}

// checkExamples tries the paths conflict gives for a and b on a ServeMux
// holding either alone.
func checkExamples(t *testing.T, a, b *pattern, why string) {
	t.Helper()
	if !plainPattern(a) || !plainPattern(b) {
		return
	}
	method := "HEAD" // matched by "", GET and HEAD
	for _, m := range []string{a.method, b.method} {
		if m != "" && m != "GET" && m != "HEAD" {
			method = m
		}
	}
	matches := func(p *pattern, path string) bool {
		mux := http.NewServeMux()
		mux.Handle(p.text, http.NotFoundHandler())
		host := p.host
		if host == "" {
			host = "example.com"
		}
		r, err := http.NewRequest(method, "http://"+host+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, pat := mux.Handler(r)
		return pat == p.text
	}
	if why == "" {
		return
	}
	both := examplePath(a.segs, b.segs)
	if !matches(a, both) || !matches(b, both) {
		t.Errorf("%q and %q: example %q does not match both (%s)", a.text, b.text, both, why)
	}
	if !strings.Contains(why, "path") || strings.Contains(why, "more paths") {
		return
	}
	if only := onlyPath(a.segs, b.segs); !matches(a, only) || matches(b, only) {
		t.Errorf("%q and %q: %q does not match the first alone (%s)", a.text, b.text, only, why)
	}
	if only := onlyPath(b.segs, a.segs); !matches(b, only) || matches(a, only) {
		t.Errorf("%q and %q: %q does not match the second alone (%s)", a.text, b.text, only, why)
	}
}

// trickyPatterns probe every rule of the syntax.
var trickyPatterns = []string{
	"", "/", "GET /", "GET", "GET ", " /", "\t/x", "GET  /x", "GET\t/x", "GET \t /x",
	"get /x", "G(T /x", "GÉT /x", "M-SEARCH /x", "x", "GET x", "GET users/{id}",
	"h/", "example.com/x", "GET example.com/x/{y}", "h{x}/", "{h}/x", "GET h:80/x", "GET h}/x",
	"GET /users/{id}", "GET /users/{id}/", "GET /users/{id...}", "GET /users/{id...}/x", "GET /users/{$}",
	"GET /{$}", "GET /{$}/x", "GET /x/{$}/", "/{$}", "GET /{}", "GET /{...}", "GET /{...}/x", "GET /{$...}",
	"GET /x{y}", "GET /{x}y", "GET /{x", "GET /x}", "GET /{x}}", "GET /{{x}}", "GET /{1x}", "GET /{x1}",
	"GET /{_}", "GET /{é}", "GET /{名前}", "GET /{x-y}", "GET /{x y}", "GET /{\xff}", "GET /{x}/{x}",
	"GET /{x}/{x...}", "GET /a//b", "GET /a/./b", "GET /a/../b", "GET /a/.", "GET /..", "GET /a/b/..",
	"CONNECT /a//b", "CONNECT /a/../b", "/a//b", "/a/../{x}", "GET //", "GET /%61", "GET /%2F", "GET /%2f/x",
	"GET /%", "GET /%6", "GET /%zz", "GET /a%20b", "GET /a b", "GET /{x}/%7Bx%7D", "POST /Svc.v1/Method",
	"GET /users/{id}/{id...}", "GET /x/{y}/{$}", "GET /a/{b}/{c...}", "GET /\x00", "GET /é/{x}",
}

func TestParsePatternAsServeMux(t *testing.T) {
	for _, s := range trickyPatterns {
		samePatternVerdict(t, s)
	}
}

// trickyPairs are pairs of valid patterns on the edges of the conflict
// rule; each is tried in both orders.
var trickyPairs = [][2]string{
	{"GET /a", "GET /a"}, {"GET /a", "HEAD /a"}, {"GET /a", "POST /a"}, {"/a", "GET /a"},
	{"GET /a/{x}", "GET /a/{y}"}, {"GET /a/{x}", "GET /{y}/b"}, {"GET /a/{x}", "HEAD /a/b"},
	{"HEAD /a/{x}", "GET /a/b"}, {"/a/{x}", "GET /a/b"}, {"/a/b", "GET /a/{x}"}, {"GET /a/", "GET /a/{x...}"},
	{"GET /a/", "GET /a/{$}"}, {"GET /a/{x...}", "GET /a/{$}"}, {"GET /{x}/{$}", "GET /a/{y...}"},
	{"GET /{x}", "GET /{$}"}, {"GET /{x}/", "GET /a/{$}"}, {"GET /a/{x}", "GET /a/{$}"},
	{"GET /{x}/b/", "GET /a/{y}/c"}, {"GET /{x...}", "GET /a/{y}"}, {"GET /", "GET /{x}"},
	{"GET /{x}/{y}", "GET /a/b/c"}, {"GET /{x}/b/{z...}", "GET /a/{y}/c"}, {"GET /{x}/b", "GET /a/{y...}"},
	{"GET h/a", "GET /a"}, {"GET h/a", "GET h/a"}, {"GET h/a", "GET g/a"}, {"GET h/{x}", "GET h/{y}"},
	{"GET /a/%2F", "GET /a/{$}"}, {"GET /%61", "GET /a"}, {"GET /a/%2F", "GET /a/{x}"}, {"GET /a/b%", "GET /a/b%"},
	{"CONNECT /a//b", "CONNECT /a/{x}/b"}, {"CONNECT /a//b", "CONNECT /a//{x}"}, {"CONNECT /a/", "CONNECT /a/{x}"},
	{"GET /x/{a}/", "GET /{b}/y/"}, {"/x/{a}", "GET /{b}/y"}, {"/{$}", "GET /{x...}"}, {"GET /{a}/{b}/", "GET /{c}/x/{d}/"},
	{"POST /Svc/Add", "POST /Svc/{m}"}, {"POST /Svc/{m}", "POST /{s}/Add"},
}

func TestConflictAsServeMux(t *testing.T) {
	for _, pair := range trickyPairs {
		for _, p := range pair {
			if _, err := parsePattern(p); err != nil {
				t.Fatalf("%q: %s", p, err.reason)
			}
		}
		sameConflictVerdict(t, pair[0], pair[1])
		sameConflictVerdict(t, pair[1], pair[0])
	}
}

// randomPattern builds a pattern of pieces that mostly make valid,
// often overlapping patterns, with a few that break each rule.
func randomPattern(r *rand.Rand) string {
	pick := func(pieces ...string) string { return pieces[r.IntN(len(pieces))] }
	var b strings.Builder
	b.WriteString(pick("", "", "GET ", "GET ", "HEAD ", "POST ", "CONNECT ", " ", "get ", "GET\t"))
	b.WriteString(pick("", "", "", "", "", "h", "g", "{h}"))
	for range r.IntN(4) {
		b.WriteString("/" + pick("a", "a", "b", "{x}", "{y}", "{x}", "{z...}", "{x...}", "{$}", "", "%61", "%2F", "%", ".", "..", "{}", "a{x}", "{x", "{1}"))
	}
	if b.Len() == 0 || r.IntN(4) == 0 {
		b.WriteString("/")
	}
	return b.String()
}

func TestRandomPatternsAsServeMux(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var valid []string
	for range 20000 {
		s := randomPattern(r)
		if samePatternVerdict(t, s) {
			if _, err := parsePattern(s); err == nil {
				valid = append(valid, s)
			}
		}
	}
	conflicts := 0
	for range 20000 {
		a, b := valid[r.IntN(len(valid))], valid[r.IntN(len(valid))]
		sameConflictVerdict(t, a, b)
		if muxConflict(a, b) {
			conflicts++
		}
	}
	if conflicts < 1000 {
		t.Errorf("only %d of the random pairs conflict: the pieces test too little", conflicts)
	}
}

func FuzzPatternAsServeMux(f *testing.F) {
	for _, pair := range trickyPairs {
		f.Add(pair[0], pair[1])
	}
	for i, s := range trickyPatterns {
		f.Add(s, trickyPatterns[(i+1)%len(trickyPatterns)])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if !samePatternVerdict(t, a) || !samePatternVerdict(t, b) {
			return
		}
		if _, err := parsePattern(a); err != nil {
			return
		}
		if _, err := parsePattern(b); err != nil {
			return
		}
		sameConflictVerdict(t, a, b)
	})
}

// TestConflictReasons pins the words a user reads after "route A
// conflicts with B: ".
func TestConflictReasons(t *testing.T) {
	for _, tt := range []struct{ a, b, want string }{
		{"GET /e/{name}", "GET /e/{id}", ""},
		{"GET /a/{x}", "GET /{y}/b", `both match the path "/a/b", and neither is more specific ("/a/x" matches only the first, "/y/b" only the second)`},
		{"GET /a/b", "HEAD /a/{x}", `both match a HEAD request for "/a/b", and neither is more specific (the first matches more methods, the second more paths)`},
		{"HEAD /a/{x}", "GET /a/b", `both match a HEAD request for "/a/b", and neither is more specific (the first matches more paths, the second more methods)`},
		{"CONNECT /a//b", "CONNECT /a/{x}/b", "ServeMux cannot hold both, as it files the empty segment (//) of one under the wildcard of the other"},
	} {
		a, _ := parsePattern(tt.a)
		b, _ := parsePattern(tt.b)
		if ok, why := conflict(a, b); !ok || why != tt.want {
			t.Errorf("conflict(%q, %q) = %v, %q; want %q", tt.a, tt.b, ok, why, tt.want)
		}
	}
}

// TestPatternReasons pins the words a user reads after "route A is not a
// valid ServeMux pattern: ".
func TestPatternReasons(t *testing.T) {
	for _, tt := range []struct {
		s    string
		off  int
		want string
	}{
		{"GET /f/{", 7, "bad wildcard segment (must end with '}'): close it, as in {id}"},
		{"GET /a/../b", 4, "path /a/../b can never match, as request paths are cleaned first: write /b"},
		{"GET users", 4, `"users" has no /: a path starts with /, as in /users/{id}`},
		{"GET /{1x}", 5, `bad wildcard name "1x": use a Go identifier`},
		{"GE(T /a", 0, `invalid method "GE(T": write an HTTP method, as in GET or POST`},
		{"GET /{a}/{a}", 9, `duplicate wildcard name "a": give each wildcard a name of its own`},
	} {
		_, err := parsePattern(tt.s)
		if err == nil || err.off != tt.off || err.reason != tt.want {
			t.Errorf("parsePattern(%q) = %+v; want %d, %q", tt.s, err, tt.off, tt.want)
		}
	}
	if _, err := parsePattern("GET /users/{id}"); err != nil {
		t.Errorf("valid pattern refused: %s", err.reason)
	}
}

// TestRouteSetFindsTheFirstClash holds the route set's index to a plain
// scan of every pattern in order.
func TestRouteSetFindsTheFirstClash(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		var set routeSet
		for range 30 {
			p, err := parsePattern(randomPattern(r))
			if err != nil {
				continue
			}
			want := -1
			for i, reg := range set.all {
				if ok, _ := conflict(p, reg.p); ok {
					want = i
					break
				}
			}
			got, _ := set.clash(p)
			switch {
			case want < 0 && got != nil:
				t.Fatalf("%q: clash with %q, but it conflicts with none", p.text, got.p.text)
			case want >= 0 && (got == nil || got.p != set.all[want].p):
				t.Fatalf("%q: clash %v, want %q", p.text, got, set.all[want].p.text)
			case got == nil:
				set.add(p, "", true)
			}
		}
	}
}
