package stdhttp

import (
	"net/http"
	"time"
)

// The timeouts and bounds NewServer sets. Each is a field of the
// *http.Server it returns, which a program may change before serving.
const (
	// DefaultReadHeaderTimeout bounds the wait for a request's headers,
	// from its first byte (or the connection's opening) to the blank line
	// that ends them. A client that sends them slower (slowloris) has its
	// connection closed.
	DefaultReadHeaderTimeout = 10 * time.Second

	// DefaultReadTimeout bounds the wait for a whole request, headers and
	// body. It ends once the body is read to its end, so the method that
	// follows, a long call or a stream, may run for as long as it needs.
	DefaultReadTimeout = 60 * time.Second

	// DefaultIdleTimeout bounds how long a connection waits for its next
	// request. It is longer than the 90 seconds the stdhttp client keeps
	// an idle connection, so that the client, not the server, closes it.
	DefaultIdleTimeout = 120 * time.Second

	// DefaultMaxHeaderBytes bounds the size of a request's headers, the
	// request line included (net/http allows 4 KiB more). Larger ones
	// get 431 Request Header Fields Too Large.
	DefaultMaxHeaderBytes = 64 << 10
)

// NewServer returns an *http.Server for h on addr with timeouts that keep a
// slow or hostile client from holding a connection, or a goroutine, for
// ever; http.ListenAndServe and a bare http.Server have none.
//
//	srv := stdhttp.NewServer(":8080", calc.NewCalculatorHTTPHandler(impl))
//	log.Fatal(srv.ListenAndServe())
//
// It sets ReadHeaderTimeout (DefaultReadHeaderTimeout), ReadTimeout
// (DefaultReadTimeout), IdleTimeout (DefaultIdleTimeout) and
// MaxHeaderBytes (DefaultMaxHeaderBytes). It leaves WriteTimeout zero:
// net/http applies it to a whole response, so it would cut off every stream
// and every call longer than it. A Service bounds each write it makes
// instead (WithWriteTimeout), so a client that stops reading a response,
// or a stream, releases the method writing it. A handler of your own on the
// same server that writes large responses should bound its writes too, with
// http.ResponseController.SetWriteDeadline.
//
// Serve it with ListenAndServe, ListenAndServeTLS or Serve, and stop it with
// Shutdown, as any *http.Server.
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		ReadTimeout:       DefaultReadTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		MaxHeaderBytes:    DefaultMaxHeaderBytes,
	}
}
