package stdhttp

import (
	"net/http"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/observe"
)

// WithObserver makes the service count its calls in o, per method, and log
// them when o has an access log (see package observe): a unary call from
// its request to its response, a stream from its request to its last
// frame, counting its items. Sizes are the request body's Content-Length
// and the response body's length.
func WithObserver(o *observe.Observer) ServerOption {
	return func(s *Service) { s.obs = o }
}

// logCall ends a call that net/http cut short (a panic with
// http.ErrAbortHandler), and writes its access log record.
func logCall(obs *observe.Call, r *http.Request) {
	obs.End(stdrpc.Canceled)
	obs.Log(r.Context(), r.RemoteAddr, stdrpc.Metadata(r.Header))
}

// WithClientObserver makes the client count its calls in o, per method: it
// adds o's interceptor where the option stands among
// WithClientInterceptors, so given first it counts each call as the caller
// sees it, retries included. A stream counts as one call. The client also
// counts in o the idempotent calls it sends again.
func WithClientObserver(o *observe.Observer) ClientOption {
	return func(c *clientConfig) {
		if o == nil {
			return
		}
		c.obs = o
		c.intercept = append(c.intercept, o.ClientInterceptor(observe.HTTP))
	}
}
