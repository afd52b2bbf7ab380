package stdhttp

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"
)

// A HealthHandler answers a load balancer's readiness checks and drains a
// server in the order balancers need (see Shutdown). Mount it where the
// balancer looks, and wrap the server's handler with it:
//
//	health := stdhttp.Health()
//	mux.Handle("GET /healthz", health)
//	srv := stdhttp.NewServer(":8080", health.Wrap(mux))
//	go srv.ListenAndServe()
//	<-sigterm
//	health.Shutdown(ctx, srv, 5*time.Second)
type HealthHandler struct {
	phase atomic.Int32 // serving, draining or refusing
	last  atomic.Int64 // when a request last arrived while refusing, in Unix nanoseconds
}

// The phases of a HealthHandler.
const (
	serving  = iota
	draining // readiness answers 503; requests are served, each closing its connection
	refusing // requests are refused unrun, so that proxies stop sending them
)

// RefusedHeader is the header of a 503 response to a request the server
// did not run because it is shutting down. The stdhttp client sends such a
// call again, idempotent or not, as netrpcx clients do after a go-away.
const RefusedHeader = "Stdrpc-Refused"

// Health returns a readiness handler that reports serving.
func Health() *HealthHandler { return new(HealthHandler) }

// ServeHTTP answers 200 "serving" or 503 "shutting down" as plain text;
// both say Cache-Control: no-store, so no proxy answers for the server.
func (h *HealthHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	if h.phase.Load() != serving {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("shutting down\n"))
		return
	}
	w.Write([]byte("serving\n"))
}

// Wrap returns next with the behaviour Shutdown needs: while draining, each
// response closes its connection, so that a proxy keeps no idle one to
// send a request on just as the server closes it; and in Shutdown's last
// phase each request is refused without running, with 503, code
// unavailable and RefusedHeader, which tells the stdhttp client that the
// call is safe to send again, and a passive proxy (nginx) to take the
// instance out of its rotation.
func (h *HealthHandler) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch h.phase.Load() {
		case draining:
			w.Header().Set("Connection", "close")
		case refusing:
			h.last.Store(time.Now().UnixNano())
			hdr := w.Header()
			hdr.Set("Connection", "close")
			hdr.Set("Retry-After", "0")
			hdr.Set(RefusedHeader, "shutdown")
			hdr.Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write(refusedBody)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Shutdown drains srv, then shuts it down:
//
//  1. readiness turns 503, and each response closes its connection;
//  2. srv serves on for delay, while balancers that probe readiness notice
//     (Kubernetes probes every few seconds: two or three periods suit);
//  3. requests are refused unrun (see Wrap) until none has come for
//     refuseQuiet, or for at most refuseMax: a proxy that does not probe
//     readiness takes the instance out of rotation on the first refusal;
//  4. srv.Shutdown(ctx) closes the listeners and waits for the requests
//     under way. Nothing is sending now, so no connection waits in the
//     listener's queue to be reset, and no idle connection is closed as a
//     request arrives on it: HTTP/1.1 has no go-away, and either race would
//     lose a request that a proxy cannot know is safe to send again.
//
// It returns srv.Shutdown's error; if ctx ends first, the phases left are
// cut short.
func (h *HealthHandler) Shutdown(ctx context.Context, srv *http.Server, delay time.Duration) error {
	h.phase.Store(draining)
	if sleep(ctx, delay) {
		h.last.Store(time.Now().UnixNano())
		h.phase.Store(refusing)
		for end := time.Now().Add(refuseMax); time.Now().Before(end); {
			if time.Since(time.Unix(0, h.last.Load())) >= refuseQuiet || !sleep(ctx, refuseQuiet/4) {
				break
			}
		}
	}
	return srv.Shutdown(ctx)
}

// refusedBody is the error body of a refused request.
var refusedBody = []byte(`{"code":"unavailable","message":"the server is shutting down and did not run the call; send it again"}` + "\n")

// How long Shutdown refuses requests: until none came for refuseQuiet, and
// at most refuseMax.
const (
	refuseQuiet = 100 * time.Millisecond
	refuseMax   = 2 * time.Second
)

// sleep waits d and reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
