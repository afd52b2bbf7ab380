package netrpcx

import (
	"github.com/stdrpc/stdrpc/observe"
)

// WithObserver makes the server count its calls in o, per method, and log
// them when o has an access log (see package observe). It observes the
// methods of generated adapters, which Register recorded: a unary call from
// its request's header to its response, a stream from its first request to
// its end, counting the items its batches carry. Calls of other methods,
// including names the server does not have, are not counted.
func WithObserver(o *observe.Observer) ServerOption {
	return func(opts *serverOptions) { opts.observer = o }
}

// WithClientObserver makes the client count its calls in o, per method:
// it adds o's interceptor where the option stands among
// WithClientInterceptors, so given first it counts each call as the caller
// sees it, retries included. A stream counts as one call. The client also
// counts in o the idempotent calls it retries and the calls it moves to
// another address.
func WithClientObserver(o *observe.Observer) ClientOption {
	return func(opts *clientOptions) {
		if o == nil {
			return
		}
		opts.observer = o
		opts.interceptors = append(opts.interceptors, o.ClientInterceptor(observe.NetRPC))
		opts.observerAt = len(opts.interceptors)
	}
}
