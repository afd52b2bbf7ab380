package stdhttp

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Compression over HTTP is the standard one: a response is compressed
// with gzip when the request's Accept-Encoding allows it and the service
// has WithCompression; such a service says so with Accept-Encoding: gzip
// in its responses (RFC 7694), and only then does a client with
// WithClientCompression compress its requests, with Content-Encoding:
// gzip. Limits hold for the decompressed size.

// WithCompression compresses with gzip each result of at least minBytes
// bytes of JSON for a client whose Accept-Encoding allows it, and accepts
// request bodies so compressed (Content-Encoding: gzip); WithMaxBodyBytes
// holds for the decompressed body, which is read no further than the
// limit. Without it a compressed request is refused with 415. It pays where
// the network is slower than compressing (gzip's fastest level, some
// 100 MB/s a core) and results repeat themselves; on a fast local network
// it costs time. minBytes <= 0 turns it off, the default.
func WithCompression(minBytes int) ServerOption {
	return func(s *Service) { s.gzip = max(minBytes, 0) }
}

// WithClientCompression asks servers for compressed results (Accept-Encoding:
// gzip) and decompresses them with pooled readers, WithMaxResponseBytes
// holding for the decompressed size; and, once a server said it accepts
// them (a service with WithCompression says so in every response), it
// compresses request bodies of at least minBytes bytes. minBytes <= 0
// turns it off, the default; results are then still asked for compressed
// where net/http's transport would ask (unless its DisableCompression is
// set), and decompressed.
func WithClientCompression(minBytes int) ClientOption {
	return func(c *clientConfig) { c.gzip = max(minBytes, 0) }
}

var (
	gzipEncoding  = []string{"gzip"}
	varyEncoding  = []string{"Accept-Encoding"}
	gzipWriters   = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}
	gzipReaders   sync.Pool // of *gzip.Reader
	errNoEncoding = unsupported("Content-Encoding gzip is not accepted by this server (see stdhttp.WithCompression); send the body as it is")
)

// acceptsGzip reports whether r's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header["Accept-Encoding"] {
		for part := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(name), "gzip") {
				q := strings.ReplaceAll(params, " ", "")
				return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
			}
		}
	}
	return false
}

// compress returns body compressed with gzip, appended to dst.
func compress(dst *buffer, body []byte) error {
	w := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(w)
	w.Reset(&dst.Buffer)
	if _, err := w.Write(body); err != nil {
		return err
	}
	return w.Close()
}

// requestBody returns the source of r's body, decompressed if it says it
// is compressed, and what gives back the reader. A compression the service
// does not take is refused.
func (s *Service) requestBody(r *http.Request) (io.Reader, func(), error) {
	ce := r.Header["Content-Encoding"]
	if len(ce) == 0 || ce[0] == "" || strings.EqualFold(ce[0], "identity") {
		return r.Body, func() {}, nil
	}
	if len(ce) > 1 || !strings.EqualFold(strings.TrimSpace(ce[0]), "gzip") {
		return nil, nil, unsupported("Content-Encoding " + strings.Join(ce, ", ") + " is not supported; send gzip or nothing")
	}
	if s.gzip == 0 {
		return nil, nil, errNoEncoding
	}
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(r.Body)
	} else {
		err = zr.Reset(r.Body)
	}
	if err != nil {
		return nil, nil, readError(err)
	}
	return zr, func() { gzipReaders.Put(zr) }, nil
}
