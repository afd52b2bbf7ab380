package gen

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseDirective(t *testing.T) {
	tests := []struct {
		text    string
		ok      bool
		want    directive
		wantErr string
		errOff  int
	}{
		{text: "// Add returns a+b.", ok: false},
		{text: "//go:generate go tool stdrpc", ok: false},
		{text: "/* stdrpc:service */", ok: false},
		{text: "// stdrpc:services are great", ok: false},
		{text: "//stdrpc:service", ok: true, want: directive{name: dirService}},
		{text: "//stdrpc:service name=acme.v1.Calculator", ok: true, want: directive{name: dirService, svcName: "acme.v1.Calculator", svcNameOff: 22}},
		{text: "//stdrpc:http GET /users/{id}", ok: true, want: directive{name: dirHTTP, method: "GET", methodOff: 14, pattern: "/users/{id}", patternOff: 18}},
		{text: "//stdrpc:http  DELETE\t/x", ok: true, want: directive{name: dirHTTP, method: "DELETE", methodOff: 15, pattern: "/x", patternOff: 22}},
		{text: "//stdrpc:idempotent", ok: true, want: directive{name: dirIdempotent}},
		{text: "//stdrpc:idempotent yes please", ok: true, want: directive{name: dirIdempotent, arg: "yes", argOff: 20}},
		{text: "//stdrpc:idempotnet", ok: true, wantErr: "unknown directive //stdrpc:idempotnet: did you mean //stdrpc:idempotent?"},
		{text: "//stdrpc:Service", ok: true, wantErr: "unknown directive //stdrpc:Service: did you mean //stdrpc:service?"},
		{text: "//stdrpx:http GET /", ok: true, wantErr: "unknown directive //stdrpx:http: did you mean //stdrpc:http?"},
		{text: "//stdrpc:service name=a name=b", ok: true, wantErr: "name is given twice: keep one", errOff: 24},
		{text: "//stdrpc:service =x", ok: true, wantErr: `unknown key "" in //stdrpc:service: the only key is name`, errOff: 17},
		{text: "//stdrpc:http Get /x", ok: true, wantErr: `unknown HTTP method "Get": did you mean GET?`, errOff: 14},
		{text: "//stdrpc:http BREW /coffee", ok: true, wantErr: `unknown HTTP method "BREW": use one of GET, HEAD, POST, PUT, PATCH, DELETE, CONNECT, OPTIONS, TRACE`, errOff: 14},
	}
	for _, tt := range tests {
		d, ok, derr := parseDirective(tt.text)
		if ok != tt.ok {
			t.Errorf("parseDirective(%q) ok = %v; want %v", tt.text, ok, tt.ok)
			continue
		}
		if tt.wantErr != "" {
			if derr == nil || derr.msg != tt.wantErr || derr.off != tt.errOff {
				t.Errorf("parseDirective(%q) error = %+v; want %q at %d", tt.text, derr, tt.wantErr, tt.errOff)
			}
			continue
		}
		if derr != nil || d != tt.want {
			t.Errorf("parseDirective(%q) = %+v, %+v; want %+v", tt.text, d, derr, tt.want)
		}
	}
}

// FuzzParseDirective checks that any comment parses without panicking, that
// errors point inside the comment, and that what parses reads back the same.
func FuzzParseDirective(f *testing.F) {
	for _, s := range []string{
		"//stdrpc:service", "//stdrpc:service name=acme.v1.X", "//stdrpc:http GET /users/{id}",
		"//stdrpc:http", "// stdrpc:service", "//stdrcp:service", "//stdrpc:", "//:", "//stdrpc:service name=",
		"//stdrpc:http get /x extra", "//go:generate x", "//stdrpc:service\u00a0name=x",
		"//stdrpc:idempotent", "//stdrpc:idempotent x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d, ok, derr := parseDirective(text)
		if !ok {
			if derr != nil {
				t.Fatalf("not a directive but an error: %+v", derr)
			}
			return
		}
		if derr != nil {
			if derr.off < 0 || derr.off > len(text) {
				t.Fatalf("error offset %d outside %q", derr.off, text)
			}
			if derr.msg == "" {
				t.Fatal("empty error message")
			}
			return
		}
		switch d.name {
		case dirService:
			if d.svcName != "" && (!validServiceName(d.svcName) || !strings.HasPrefix(text[d.svcNameOff:], d.svcName)) {
				t.Fatalf("service name %q at %d does not match %q", d.svcName, d.svcNameOff, text)
			}
		case dirHTTP:
			if !isHTTPMethod(d.method) || !strings.HasPrefix(text[d.methodOff:], d.method) || !strings.HasPrefix(text[d.patternOff:], d.pattern) {
				t.Fatalf("route %+v does not match %q", d, text)
			}
			if d.pattern == "" || strings.ContainsFunc(d.pattern, func(r rune) bool { return r == ' ' || r == '\t' }) {
				t.Fatalf("pattern %q is empty or has spaces", d.pattern)
			}
		case dirIdempotent:
			if d.arg != "" && !strings.HasPrefix(text[d.argOff:], d.arg) {
				t.Fatalf("argument %q at %d does not match %q", d.arg, d.argOff, text)
			}
		default:
			t.Fatalf("unknown directive name %q accepted", d.name)
		}
		if !utf8.ValidString(text) {
			return
		}
		// What parsed, re-printed, parses the same.
		var again string
		switch d.name {
		case dirService:
			again = "//stdrpc:service"
			if d.svcName != "" {
				again += " name=" + d.svcName
			}
		case dirHTTP:
			again = "//stdrpc:http " + d.method + " " + d.pattern
		case dirIdempotent:
			again = "//stdrpc:idempotent"
			if d.arg != "" {
				again += " " + d.arg
			}
		}
		d2, ok2, derr2 := parseDirective(again)
		if !ok2 || derr2 != nil || d2.name != d.name || d2.svcName != d.svcName || d2.method != d.method || d2.pattern != d.pattern || d2.arg != d.arg {
			t.Fatalf("%q parsed as %+v; reprinted %q parses as %+v, %+v", text, d, again, d2, derr2)
		}
	})
}

func TestLowerFirst(t *testing.T) {
	for in, want := range map[string]string{
		"Add": "add", "HTTPServer": "httpServer", "ID": "id", "IDs": "ids", "X": "x", "already": "already", "URLPath": "urlPath",
	} {
		if got := lowerFirst(in); got != want {
			t.Errorf("lowerFirst(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"service", "servce", 1}, {"stdrpc", "stdrcp", 2}, {"http", "htp", 1}, {"abc", "", 3}} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d; want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
