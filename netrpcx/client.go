package netrpcx

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/core"
	"github.com/stdrpc/stdrpc/internal/retry"
	"github.com/stdrpc/stdrpc/observe"
)

// A Client calls net/rpc services. It speaks the gob wire format of
// net/rpc, so it calls stock net/rpc servers too (without deadlines,
// cancellation, metadata or codes reaching them).
//
// A Client made by Dial keeps one connection per address of its service:
// one for an IP address, one per address a host name resolves to, or one
// per address a Resolver returns. Each call goes to the less loaded of two
// connections picked at random (the "power of two choices"), and calls on
// one connection share its writes. A connection that drops is redialed;
// an address whose dial failed is left alone for a backoff (WithBackoff)
// and redialed in the background. A Client is safe for concurrent use.
//
// Failover: a call that was not sent (its connection failed first, or the
// server said it was going away before reading it) goes to another
// connection, always. A call that was sent when its connection broke fails
// with stdrpc.Unavailable, since the server may have run it, unless it is
// Idempotent: then it is sent again elsewhere, while its deadline and the
// client's retry budget allow.
type Client struct {
	opts     *clientOptions
	network  string
	address  string   // as given to Dial, for TLS server names and errors
	resolver Resolver // nil: the address is used as it is
	budget   *retry.Budget

	eps atomic.Pointer[[]*endpoint] // the current addresses; never empty

	// observed is the method Call counted last, under WithClientObserver
	// alone: most often the next one, found without hashing its name.
	observed atomic.Pointer[observedMethodOf]

	mu        sync.Mutex
	closed    bool
	resolving bool
	resolved  time.Time     // when the last resolution began
	stop      chan struct{} // closed by Close: ends the resolver loop
}

// Dial returns a Client for the net/rpc servers at address (net.Dial's
// network and address forms). A TCP address whose host is a name is
// resolved with DNS, now and every WithResolveInterval; WithResolver
// replaces that. Dial connects to every address, checking that each
// speaks net/rpc, and fails only if none can be reached.
func Dial(network, address string, opts ...ClientOption) (*Client, error) {
	o := newClientOptions(opts)
	c := &Client{
		opts:     o,
		network:  network,
		address:  address,
		resolver: o.resolver,
		budget:   retry.NewBudget(o.retryTokens),
		stop:     make(chan struct{}),
	}
	if c.resolver == nil {
		c.resolver = defaultResolver(network, address)
	}
	addrs := []string{address}
	if c.resolver != nil {
		ctx, cancel := context.WithTimeout(context.Background(), o.dialTimeout)
		resolved, err := c.resolver.Resolve(ctx)
		cancel()
		if err != nil {
			return nil, stdrpc.Errorf(stdrpc.Unavailable, "netrpcx: resolving %s: %w", address, err)
		}
		if len(resolved) == 0 {
			return nil, stdrpc.Errorf(stdrpc.Unavailable, "netrpcx: %s resolved to no address", address)
		}
		addrs = resolved
		c.resolved = time.Now()
	}
	eps := make([]*endpoint, len(addrs))
	for i, a := range addrs {
		eps[i] = &endpoint{client: c, addr: a}
	}
	c.eps.Store(&eps)

	// Connect to every address at once; one is enough to begin.
	errs := make([]error, len(eps))
	var wg sync.WaitGroup
	for i, ep := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = ep.connect(context.Background())
		}()
	}
	wg.Wait()
	if !slices.Contains(errs, nil) {
		c.Close()
		return nil, stdrpc.NewError(stdrpc.Unavailable, errors.Join(errs...))
	}
	if c.resolver != nil {
		go c.resolveLoop()
	}
	return c, nil
}

// NewClient returns a Client that calls over conn, an established
// connection or any stream. It never redials: once conn fails, every call
// fails with stdrpc.Unavailable. TLS, dialer and resolver options do not
// apply, and no hello is exchanged, so any net/rpc peer will do.
func NewClient(conn io.ReadWriteCloser, opts ...ClientOption) *Client {
	c := &Client{opts: newClientOptions(opts), budget: retry.NewBudget(0), stop: make(chan struct{})}
	ep := &endpoint{client: c}
	cc := newClientConn(ep, conn)
	ep.cur.Store(cc)
	c.eps.Store(&[]*endpoint{ep})
	cc.start()
	return c
}

// balanced reports whether the client spreads calls over several
// addresses, or may come to.
func (c *Client) balanced() bool { return c.resolver != nil || len(*c.eps.Load()) > 1 }

// Call calls serviceMethod ("Service.Method"; the service part may hold
// dots) with args and decodes the result into reply, a pointer, or discards
// it if reply is nil.
//
// The call sends ctx's remaining time and stdrpc.Outgoing(ctx). It returns as
// soon as ctx is done, with an error matching context.DeadlineExceeded or
// context.Canceled under errors.Is, and forgets the call. If ctx was
// canceled, it tells the server to cancel the call; a deadline needs no
// message, as the server's context has the same one.
//
// Every error is a *stdrpc.Error: the code the server sent; Unknown with the
// text for a stock server's error; Unavailable when the connection failed or
// cannot be made (see Client for what is retried).
func (c *Client) Call(ctx context.Context, serviceMethod string, args, reply any, opts ...CallOption) error {
	idem := idempotent(opts)
	if o := c.opts.observerAlone; o != nil {
		// What the observer's interceptor does, without the closure the
		// chain needs: a unary call costs no more observed than it must.
		last := c.observed.Load()
		if last == nil || last.name != serviceMethod {
			last = &observedMethodOf{serviceMethod, o.Client(observe.NetRPC, core.ServiceMethod(serviceMethod))}
			c.observed.Store(last)
		}
		call := last.m.Start()
		_, err := c.callOn(ctx, serviceMethod, args, reply, idem)
		call.End(stdrpc.CodeOf(err))
		return err
	}
	in := c.opts.interceptor
	if in == nil {
		_, err := c.callOn(ctx, serviceMethod, args, reply, idem)
		return err
	}
	err := in(ctx, core.ServiceMethod(serviceMethod), func(ctx context.Context) error {
		_, err := c.callOn(ctx, serviceMethod, args, reply, idem)
		return err
	})
	if err != nil {
		return stdrpc.FromError(err) // an interceptor's own error gets a code too
	}
	return nil
}

type observedMethodOf struct {
	name string // "Service.Method"
	m    *observe.Method
}

// callOn makes a call and returns the connection it went on, where the
// later calls of a stream must go.
func (c *Client) callOn(ctx context.Context, serviceMethod string, args, reply any, idem bool) (*clientConn, error) {
	if _, err := timeLeft(ctx); err != nil {
		return nil, err
	}
	pres, args, err := outgoing(serviceMethod, args)
	if err != nil {
		return nil, err
	}
	md := stdrpc.Outgoing(ctx)
	var (
		last    *endpoint // where the last attempt went
		lastErr error
	)
	// Each attempt either was not sent, which happens at most once per
	// connection failure, or is a retry that took a token from the budget;
	// the bound only guards against a pathological resolver.
	for range maxAttempts {
		ep := c.pick(last)
		cc, err := ep.connect(ctx)
		if err != nil {
			if ctx.Err() != nil || !c.balanced() {
				return nil, err
			}
			// Not sent: try another address, unless every one has been
			// tried and failed.
			if lastErr = err; c.allDown() {
				return nil, err
			}
			c.opts.observer.FailedOver(observe.NetRPC, core.ServiceMethod(serviceMethod))
			last = ep
			continue
		}
		timeout, err := timeLeft(ctx)
		if err != nil {
			return nil, err
		}
		ep.load.Add(1)
		err = cc.call(ctx, serviceMethod, timeout, md, 0, pres, args, reply)
		ep.load.Add(-1)
		var lost *lostError
		switch {
		case err == nil:
			c.budget.Succeeded()
			return cc, nil
		case err == errNotSent:
			// Nothing was read by the server: sending it again is safe.
			if cause := cc.failure(); cause != nil {
				lastErr = unavailable(cause)
				ep.lost(cc, cause)
			} else {
				lastErr = unavailable(errLeaving)
			}
			c.opts.observer.FailedOver(observe.NetRPC, core.ServiceMethod(serviceMethod))
			last = ep
			continue
		case errors.As(err, &lost):
			if !idem || ctx.Err() != nil || !c.budget.Take() {
				return cc, unavailable(lost.err)
			}
			c.opts.observer.Retried(observe.NetRPC, core.ServiceMethod(serviceMethod))
			lastErr = unavailable(lost.err)
			last = ep
			continue
		default:
			return cc, err
		}
	}
	return nil, lastErr
}

// Health asks an instance of the service whether it serves, as a
// readiness probe or a CLI's status command would: nil if it does (a stock
// net/rpc server counts, as it answers), stdrpc.Unavailable if it is
// shutting down or cannot be reached. Like a call, it goes to one of the
// client's connections, dialing if need be.
func (c *Client) Health(ctx context.Context) error {
	var h hello
	_, err := c.callOn(ctx, helloMethod, struct{}{}, &h, false)
	switch {
	case stdrpc.CodeOf(err) == stdrpc.Unimplemented: // a stock server: it answers, so it serves
		return nil
	case err != nil:
		return err
	case h.Leaving:
		return stdrpc.NewError(stdrpc.Unavailable, errLeaving)
	}
	return nil
}

// maxAttempts bounds the attempts of one call.
const maxAttempts = 16

// pick returns the endpoint for the next call: the better of two picked at
// random, not avoid (the one the call just failed on) if there is a choice.
func (c *Client) pick(avoid *endpoint) *endpoint {
	eps := *c.eps.Load()
	n := len(eps)
	if n == 1 {
		return eps[0]
	}
	now := time.Now()
	i := rand.IntN(n)
	j := rand.IntN(n - 1)
	if j >= i {
		j++
	}
	a, b := eps[i], eps[j]
	if a == avoid {
		a, b = b, a // at most one of two is avoid
	}
	sa := a.state(now)
	if b != avoid {
		// A live connection over none, then fewer calls under way.
		if sb := b.state(now); sb > sa || sb == sa && b.load.Load() < a.load.Load() {
			a, sa = b, sb
		}
	}
	if sa == epLive {
		return a
	}
	// Neither has a live connection: look for one that has, then for one
	// that may be dialed.
	start := rand.IntN(n)
	var dialable *endpoint
	for k := range n {
		ep := eps[(start+k)%n]
		if ep == avoid {
			continue
		}
		switch ep.state(now) {
		case epLive:
			return ep
		case epDialable:
			if dialable == nil {
				dialable = ep
			}
		}
	}
	if dialable != nil {
		return dialable
	}
	return a
}

// allDown reports whether no address has a connection or may be dialed
// now: every one waits out a backoff.
func (c *Client) allDown() bool {
	now := time.Now()
	for _, ep := range *c.eps.Load() {
		if ep.state(now) > epWaiting {
			return false
		}
	}
	return true
}

// timeLeft returns the time ctx has left, zero for no deadline, or the
// error of a call whose ctx is already done.
func timeLeft(ctx context.Context) (time.Duration, error) {
	if ctx.Done() == nil {
		return 0, nil
	}
	if ctx.Err() != nil {
		return 0, ctxError(ctx)
	}
	dl, ok := ctx.Deadline()
	if !ok {
		return 0, nil
	}
	timeout := time.Until(dl)
	if timeout <= 0 {
		return 0, core.ContextError(context.DeadlineExceeded)
	}
	return timeout, nil
}

// ctxError is the error of a call whose ctx ended first. It wraps ctx.Err(),
// so that errors.Is finds it.
func ctxError(ctx context.Context) error { return core.ContextError(ctx.Err()) }

// Close closes the connections. Calls in flight and later calls fail with
// stdrpc.Unavailable.
func (c *Client) Close() error {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.stop)
	}
	c.mu.Unlock()
	for _, ep := range *c.eps.Load() {
		ep.close(errClientClosed, true)
	}
	return nil
}

var errClientClosed = errors.New("netrpcx: the client is closed")

// resolveLoop asks the resolver again every interval until Close.
func (c *Client) resolveLoop() {
	t := time.NewTicker(c.opts.resolveInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			c.resolve()
		case <-c.stop:
			return
		}
	}
}

// resolveSoon asks the resolver again after a connection failed, at most
// once per resolveAfterFailure.
func (c *Client) resolveSoon() {
	if c.resolver == nil {
		return
	}
	c.mu.Lock()
	due := !c.closed && !c.resolving && time.Since(c.resolved) >= resolveAfterFailure
	c.mu.Unlock()
	if due {
		go c.resolve()
	}
}

// resolve asks the resolver for the addresses and keeps the endpoints of
// those that remain, adds the new ones and lets the others go once their
// calls are answered.
func (c *Client) resolve() {
	c.mu.Lock()
	if c.closed || c.resolving {
		c.mu.Unlock()
		return
	}
	c.resolving, c.resolved = true, time.Now()
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.resolving = false
		c.mu.Unlock()
	}()

	ctx, cancel := context.WithTimeout(context.Background(), c.opts.dialTimeout)
	addrs, err := c.resolver.Resolve(ctx)
	cancel()
	if err != nil || len(addrs) == 0 {
		return // keep what we have: a resolver's hiccup is no reason to stop calling
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	old := *c.eps.Load()
	next := make([]*endpoint, 0, len(addrs))
	for _, a := range addrs {
		i := slices.IndexFunc(old, func(ep *endpoint) bool { return ep.addr == a })
		if i >= 0 {
			next = append(next, old[i])
		} else if !slices.ContainsFunc(next, func(ep *endpoint) bool { return ep.addr == a }) {
			next = append(next, &endpoint{client: c, addr: a})
		}
	}
	c.eps.Store(&next)
	for _, ep := range old {
		if !slices.Contains(next, ep) {
			ep.close(errClientClosed, false)
		}
	}
}
