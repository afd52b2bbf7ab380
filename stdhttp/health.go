package stdhttp

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"
)

// A HealthHandler answers a load balancer's readiness checks: 200 while
// the server serves, 503 from the moment its Shutdown begins, so that the
// balancer sends new requests elsewhere before the server stops taking
// them. Mount it where the balancer looks:
//
//	health := stdhttp.Health()
//	mux.Handle("GET /healthz", health)
//	srv := stdhttp.NewServer(":8080", mux)
//	go srv.ListenAndServe()
//	<-sigterm
//	health.Shutdown(ctx, srv, 5*time.Second)
type HealthHandler struct {
	leaving atomic.Bool
}

// Health returns a readiness handler that reports serving.
func Health() *HealthHandler { return new(HealthHandler) }

// ServeHTTP answers 200 "serving" or 503 "shutting down" as plain text;
// both say Cache-Control: no-store, so no proxy answers for the server.
func (h *HealthHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	if h.leaving.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("shutting down\n"))
		return
	}
	w.Write([]byte("serving\n"))
}

// Shutdown drains srv in the order balancers need, then shuts it down:
//
//  1. readiness turns 503 and srv stops keeping connections alive, so that
//     every response closes its connection: a proxy (nginx's upstream
//     keepalive pool) holds no idle connection to srv that a request could
//     be sent on just as srv closes it;
//  2. srv serves on for delay, while balancers notice (Kubernetes probes
//     every few seconds: a delay of two or three probe periods suits);
//  3. srv.Shutdown(ctx) closes the listeners, so that new connections are
//     refused (which proxies retry on another upstream, POST included) and
//     waits for the requests under way.
//
// It returns srv.Shutdown's error; if ctx ends during the delay, Shutdown
// begins at once.
func (h *HealthHandler) Shutdown(ctx context.Context, srv *http.Server, delay time.Duration) error {
	h.leaving.Store(true)
	srv.SetKeepAlivesEnabled(false)
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	return srv.Shutdown(ctx)
}
