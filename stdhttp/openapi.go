package stdhttp

import (
	"net/http"
	"strconv"
)

// WithOpenAPI makes a service serve its package's OpenAPI 3.1 document, the
// <package>.openapi.json the generator writes beside the generated code and
// embeds in it, at GET /{service}/openapi.json (and HEAD). The document
// describes every service of the package, so any of them serves all of it;
// each serves it under its own name, so that several services, of one
// package or of many, share a mux. Off by default: a document lists every
// route, and a public server may not want to show them.
func WithOpenAPI() ServerOption {
	return func(s *Service) { s.openapi = true }
}

// ServeOpenAPI serves doc, the package's OpenAPI document, at GET
// /{service}/openapi.json when the service was given WithOpenAPI; otherwise
// it does nothing. Generated code calls it.
func (s *Service) ServeOpenAPI(doc string) {
	if !s.openapi || s.mux == nil || doc == "" {
		return
	}
	size := strconv.Itoa(len(doc))
	s.handle("GET /"+s.name+"/openapi.json", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", size)
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write([]byte(doc))
	}))
}
