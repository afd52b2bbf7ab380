package stdhttp_test

import (
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

type (
	userID  int64
	color   string
	enabled bool
	ratio   float32
	port    uint16
)

// request returns a request to target whose wildcards hold the values in
// path (name, value pairs).
func request(target string, path ...string) *http.Request {
	r := httptest.NewRequest("GET", target, nil)
	for i := 0; i < len(path); i += 2 {
		r.SetPathValue(path[i], path[i+1])
	}
	return r
}

func TestBindScalars(t *testing.T) {
	var (
		s   string
		b   bool
		i   int
		i8  int8
		i64 int64
		u   uint
		u8  uint8
		f   float64
		f32 float32
		id  userID
		c   color
		on  enabled
		r   ratio
		p   port
		at  time.Time
	)
	req := request("/x?b=true&u8=255&id=7&c=red&on=1&r=0.5&p=8080&at=2026-11-22T10:00:00Z&at=ignored",
		"s", "héllo", "i", "-42", "i8", "-128", "i64", "9223372036854775807", "u", "18", "f", "1e3", "f32", "2.5")
	err := stdhttp.Bind(req, nil,
		stdhttp.Path("s", &s), stdhttp.Path("i", &i), stdhttp.Path("i8", &i8), stdhttp.Path("i64", &i64),
		stdhttp.Path("u", &u), stdhttp.Path("f", &f), stdhttp.Path("f32", &f32),
		stdhttp.Query("b", &b), stdhttp.Query("u8", &u8), stdhttp.Query("id", &id), stdhttp.Query("c", &c),
		stdhttp.Query("on", &on), stdhttp.Query("r", &r), stdhttp.Query("p", &p), stdhttp.Query("at", &at),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s != "héllo" || !b || i != -42 || i8 != -128 || i64 != math.MaxInt64 || u != 18 || u8 != 255 ||
		f != 1000 || f32 != 2.5 || id != 7 || c != "red" || !bool(on) || r != 0.5 || p != 8080 ||
		!at.Equal(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("bound %v %v %v %v %v %v %v %v %v %v %v %v %v %v %v", s, b, i, i8, i64, u, u8, f, f32, id, c, on, r, p, at)
	}
}

func TestBindQuerySlicesAndAbsence(t *testing.T) {
	var (
		tags   []string
		ns     []int
		ids    []userID
		times  []time.Time
		absent = 99
	)
	req := request("/x?tag=a&tag=b&n=1&n=2&n=3&id=5&id=6&t=2026-01-02T00:00:00Z")
	err := stdhttp.Bind(req, nil, stdhttp.Query("tag", &tags), stdhttp.Query("n", &ns),
		stdhttp.Query("id", &ids), stdhttp.Query("t", &times), stdhttp.Query("absent", &absent))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tags, []string{"a", "b"}) || !slices.Equal(ns, []int{1, 2, 3}) ||
		!slices.Equal(ids, []userID{5, 6}) || len(times) != 1 || times[0].Year() != 2026 || absent != 99 {
		t.Errorf("bound %v %v %v %v %v", tags, ns, ids, times, absent)
	}
	if err := stdhttp.Bind(request("/x"), nil, stdhttp.Query("absent", &absent)); err != nil || absent != 99 {
		t.Errorf("no query string: %v, absent = %d", err, absent)
	}
}

func TestBindErrors(t *testing.T) {
	var (
		i   int
		u8  uint8
		b   bool
		id  userID
		ns  []int
		at  time.Time
		bad struct{}
	)
	for _, tc := range []struct {
		req   *http.Request
		param stdhttp.Param
		code  stdrpc.Code
		want  string
	}{
		{request("/", "a", "seven"), stdhttp.Path("a", &i), stdrpc.InvalidArgument, `path parameter a: "seven" is not a valid int`},
		{request("/", "a", ""), stdhttp.Path("a", &i), stdrpc.InvalidArgument, `path parameter a: "" is not a valid int`},
		{request("/?n=256"), stdhttp.Query("n", &u8), stdrpc.InvalidArgument, `query parameter n: "256" is out of range for uint8`},
		{request("/?n=-1"), stdhttp.Query("n", &u8), stdrpc.InvalidArgument, `query parameter n: "-1" is not a valid uint8`},
		{request("/?ok=yes"), stdhttp.Query("ok", &b), stdrpc.InvalidArgument, `query parameter ok: "yes" is not a valid bool`},
		{request("/", "id", "x"), stdhttp.Path("id", &id), stdrpc.InvalidArgument, `path parameter id: "x" is not a valid stdhttp_test.userID`},
		{request("/?n=1&n=two"), stdhttp.Query("n", &ns), stdrpc.InvalidArgument, `query parameter n: "two" is not a valid int`},
		{request("/", "at", "noon"), stdhttp.Path("at", &at), stdrpc.InvalidArgument,
			`path parameter at: "noon" is not a valid time.Time: parsing time "noon" as "2006-01-02T15:04:05Z07:00": cannot parse "noon" as "2006"`},
		{request("/", "a", strings.Repeat("9", 100)), stdhttp.Path("a", &i), stdrpc.InvalidArgument,
			`path parameter a: "` + strings.Repeat("9", 64) + `..." is out of range for int`},
		{request("/", "a", "1"), stdhttp.Path("a", &bad), stdrpc.Internal,
			`path parameter a: cannot bind into *struct {}: want a pointer to a string, bool, number or encoding.TextUnmarshaler (or, for Query, a slice of them)`},
		{request("/", "a", "1"), stdhttp.Path("a", i), stdrpc.Internal,
			`path parameter a: cannot bind into int: want a pointer to a string, bool, number or encoding.TextUnmarshaler (or, for Query, a slice of them)`},
	} {
		err := stdhttp.Bind(tc.req, nil, tc.param)
		var e *stdrpc.Error
		if !errors.As(err, &e) || e.Code() != tc.code || e.Message() != tc.want {
			t.Errorf("Bind(%s) = %v, want %v: %s", tc.req.URL, err, tc.code, tc.want)
		}
	}
}

func TestBindBody(t *testing.T) {
	var req struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	r := httptest.NewRequest("PUT", "/users/7", strings.NewReader(`{"id":1,"name":"ann"}`))
	r.SetPathValue("id", "7")
	// The path wins over the body: it is bound after.
	if err := stdhttp.Bind(r, &req, stdhttp.Path("id", &req.ID)); err != nil || req.ID != 7 || req.Name != "ann" {
		t.Errorf("Bind = %v, %+v; want id 7 name ann", err, req)
	}
	r = httptest.NewRequest("PUT", "/users/7", strings.NewReader(`{"name":`))
	if err := stdhttp.Bind(r, &req); stdrpc.CodeOf(err) != stdrpc.InvalidArgument {
		t.Errorf("Bind(truncated body) = %v, want invalid_argument", err)
	}
}

// FuzzBind checks the string-to-value parsing against strconv: a value
// binds exactly when strconv parses it, to the same value, and a refusal
// names the parameter.
func FuzzBind(f *testing.F) {
	for _, s := range []string{"0", "-1", "42", "255", "256", "-129", "1e3", "0x1F", "+7", "1_000",
		"9223372036854775808", "NaN", "-Inf", "true", "T", "yes", "", " 1", "1 ", "\x00", "é", "2026-11-22T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var (
			i   int
			i8  int8
			u8  uint8
			f64 float64
			b   bool
			id  userID
			str string
			at  time.Time
		)
		check := func(name string, err error, parseErr error, same bool) {
			t.Helper()
			if (err == nil) != (parseErr == nil) {
				t.Fatalf("%s %q: Bind error %v, strconv error %v", name, s, err, parseErr)
			}
			if err == nil {
				if !same {
					t.Fatalf("%s %q: bound a different value than strconv parses", name, s)
				}
				return
			}
			var e *stdrpc.Error
			if !errors.As(err, &e) || e.Code() != stdrpc.InvalidArgument ||
				!strings.HasPrefix(e.Message(), "path parameter "+name+": ") {
				t.Fatalf("%s %q: error %v does not say which parameter", name, s, err)
			}
		}
		r := request("/", "v", s)
		bind := func(dst any) error { return stdhttp.Bind(r, nil, stdhttp.Path("v", dst)) }

		err := bind(&i)
		n, perr := strconv.ParseInt(s, 10, strconv.IntSize)
		check("v", err, perr, int64(i) == n)
		err = bind(&i8)
		n, perr = strconv.ParseInt(s, 10, 8)
		check("v", err, perr, int64(i8) == n)
		err = bind(&id)
		n, perr = strconv.ParseInt(s, 10, 64)
		check("v", err, perr, int64(id) == n)
		err = bind(&u8)
		un, perr := strconv.ParseUint(s, 10, 8)
		check("v", err, perr, uint64(u8) == un)
		err = bind(&f64)
		fl, perr := strconv.ParseFloat(s, 64)
		check("v", err, perr, f64 == fl || math.IsNaN(f64) && math.IsNaN(fl))
		err = bind(&b)
		bo, perr := strconv.ParseBool(s)
		check("v", err, perr, b == bo)
		if err := bind(&str); err != nil || str != s {
			t.Fatalf("string %q: %v, bound %q", s, err, str)
		}
		err = bind(&at)
		var want time.Time
		perr = want.UnmarshalText([]byte(s))
		check("v", err, perr, at.Equal(want))

		// The same values as a repeated query parameter.
		var ns []int
		q := url.Values{"n": {s, "1"}}
		err = stdhttp.Bind(httptest.NewRequest("GET", "/?"+q.Encode(), nil), nil, stdhttp.Query("n", &ns))
		n, perr = strconv.ParseInt(s, 10, strconv.IntSize)
		if (err == nil) != (perr == nil) || err == nil && (len(ns) != 2 || int64(ns[0]) != n || ns[1] != 1) {
			t.Fatalf("query %q: Bind = %v, %v; strconv = %v, %v", s, ns, err, n, perr)
		}
	})
}
