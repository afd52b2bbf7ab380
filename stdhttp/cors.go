package stdhttp

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/observe"
)

// CORS says which pages on other origins may call a service from a browser
// (Cross-Origin Resource Sharing). See WithCORS.
type CORS struct {
	// Origins are the origins allowed, such as "https://app.example.com";
	// "*" allows any. An origin not listed gets no CORS headers, so the
	// browser refuses its page the call.
	Origins []string
	// Headers are request headers a page may send besides those every call
	// may carry (Content-Type, Accept, Stdrpc-Timeout-Ms): the metadata
	// the service reads, such as "Authorization".
	Headers []string
	// Credentials lets pages send cookies and HTTP authentication
	// (Access-Control-Allow-Credentials). It needs listed origins: with
	// "*" it is ignored.
	Credentials bool
	// MaxAge is how long a browser may remember a preflight's answer
	// (default 10 minutes).
	MaxAge time.Duration
}

// corsHeaders are the request headers every call may carry.
var corsHeaders = []string{"Content-Type", "Accept", TimeoutHeader}

// WithCORS lets pages on the origins cfg allows call the service from a
// browser: each route answers the browser's preflight (an OPTIONS request
// asking whether it may send JSON) for the methods it serves and the
// headers cfg allows, and its answers carry Access-Control-Allow-Origin.
// It is off by default, and then a browser refuses every page on another
// origin a call that sends JSON. On a JSONRPC endpoint it allows POST.
// The origins it allows may also open client and bidirectional streams as
// WebSockets, which otherwise only the service's own origin may (see
// the package documentation).
func WithCORS(cfg CORS) ServerOption {
	c := &corsPolicy{cfg: cfg, any: slices.Contains(cfg.Origins, "*")}
	c.headers = strings.Join(append(slices.Clone(corsHeaders), cfg.Headers...), ", ")
	age := cfg.MaxAge
	if age <= 0 {
		age = 10 * time.Minute
	}
	c.maxAge = strconv.Itoa(int(age / time.Second))
	return func(s *Service) { s.cors = c }
}

// corsPolicy is a WithCORS configuration, ready to answer.
type corsPolicy struct {
	cfg     CORS
	any     bool
	headers string
	maxAge  string

	mu      sync.Mutex
	methods map[string][]string // path pattern → the methods its routes serve
}

// allow returns the value of Access-Control-Allow-Origin for origin, or "".
func (c *corsPolicy) allow(origin string) string {
	switch {
	case origin == "":
		return ""
	case c.any && !c.cfg.Credentials:
		return "*"
	case c.any || slices.Contains(c.cfg.Origins, origin):
		return origin
	}
	return ""
}

// wrap adds CORS headers to the answers of h.
func (c *corsPolicy) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.headersFor(w, r)
		h.ServeHTTP(w, r)
	})
}

func (c *corsPolicy) headersFor(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	allowed := c.allow(origin)
	h := w.Header()
	h.Add("Vary", "Origin")
	if allowed == "" {
		return false
	}
	h.Set("Access-Control-Allow-Origin", allowed)
	if c.cfg.Credentials && allowed != "*" {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	return true
}

// preflight answers an OPTIONS request for a path whose routes serve
// methods.
func (c *corsPolicy) preflight(w http.ResponseWriter, r *http.Request, methods []string) {
	w.Header()["Allow"] = []string{strings.Join(append(slices.Clone(methods), http.MethodOptions), ", ")}
	want := r.Header.Get("Access-Control-Request-Method")
	if !c.headersFor(w, r) || want == "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if slices.Contains(methods, want) || want == http.MethodHead && slices.Contains(methods, http.MethodGet) {
		h := w.Header()
		h.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
		h.Set("Access-Control-Allow-Headers", c.headers)
		h.Set("Access-Control-Max-Age", c.maxAge)
	}
	w.WriteHeader(http.StatusNoContent)
}

// handle registers h at pattern on s's mux, and with WithCORS also its
// headers, and the preflight of pattern's path.
func (s *Service) handle(pattern string, h http.Handler) {
	c := s.cors
	if c == nil {
		s.mux.Handle(pattern, h)
		return
	}
	s.mux.Handle(pattern, c.wrap(h))
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.methods == nil {
		c.methods = map[string][]string{}
	}
	known := c.methods[path] != nil
	if !slices.Contains(c.methods[path], method) {
		c.methods[path] = append(c.methods[path], method)
	}
	if known {
		return
	}
	s.mux.HandleFunc(http.MethodOptions+" "+path, func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		methods := slices.Clone(c.methods[path])
		c.mu.Unlock()
		c.preflight(w, r, methods)
	})
}

// handleUnrouted registers unrouted under the service's prefix for every
// verb, so that an unknown method or a wrong verb gets a JSON error rather
// than net/http's text; where the mux already holds a pattern it would
// conflict with (a catch-all of the program's own), it is left out.
func (s *Service) handleUnrouted() {
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		func() {
			defer func() { _ = recover() }() // a conflicting pattern: keep the program's
			s.mux.HandleFunc(m+" /"+s.name+"/", s.unrouted)
		}()
	}
}

// unrouted answers a request under the service's prefix that no route
// takes: 405 with Allow when the path has routes for other verbs, else 404
// with code unimplemented; both with the JSON error body.
func (s *Service) unrouted(w http.ResponseWriter, r *http.Request) {
	var obs observe.Call // none: no method was called
	prefix := "/" + s.name + "/"
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := *r
		probe.Method = m
		if _, pattern := s.mux.Handler(&probe); pattern != "" && !strings.HasSuffix(pattern, " "+prefix) {
			allow = append(allow, m)
		}
	}
	info := stdrpc.CallInfo{Service: s.name, Method: strings.TrimPrefix(r.URL.Path, prefix)}
	if len(allow) > 0 {
		w.Header()["Allow"] = []string{strings.Join(allow, ", ")}
		s.writeError(w, info, stdrpc.NewError(stdrpc.Unimplemented, &statusError{status: http.StatusMethodNotAllowed,
			msg: r.Method + " " + truncate(r.URL.Path) + " is not served; use " + strings.Join(allow, " or ")}), &obs)
		return
	}
	s.writeError(w, info, stdrpc.NewError(stdrpc.Unimplemented, &statusError{status: http.StatusNotFound,
		msg: "service " + s.name + " has no method " + strconv.Quote(truncate(info.Method))}), &obs)
}
