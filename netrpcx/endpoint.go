package netrpcx

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stdrpc/stdrpc"
)

// An endpoint is one address of a Client and its connection: dialed when
// a call needs it, redialed after it drops, left alone with backoff after a
// dial fails.
type endpoint struct {
	client *Client
	addr   string // empty for a Client made by NewClient, which never redials

	cur  atomic.Pointer[clientConn] // the live connection, or nil
	load atomic.Int32               // calls under way through this endpoint

	mu       sync.Mutex
	dialing  chan struct{} // closed when the dial in progress ends; nil if none
	failures int           // failed dials in a row
	retryAt  time.Time     // no dial before this
	lastErr  error         // why the last connection or dial failed
	closed   bool          // the Client closed, or the resolver dropped the address
	redial   *time.Timer   // the background redial after a failure, if any
}

// An endpoint's state, ranked for picking: a live connection beats one
// that may be dialed now, which beats one waiting out its backoff.
const (
	epClosed   = iota - 1 // the client closed, or the resolver dropped the address
	epWaiting             // no connection, and a backoff to wait out
	epDialable            // no connection, but one may be dialed now
	epLive                // a connection that takes calls
)

func (ep *endpoint) state(now time.Time) int {
	if cc := ep.cur.Load(); cc != nil && !cc.leaving.Load() {
		return epLive
	}
	ep.mu.Lock()
	defer ep.mu.Unlock()
	switch {
	case ep.closed:
		return epClosed
	case ep.dialing != nil || !now.Before(ep.retryAt):
		return epDialable
	}
	return epWaiting
}

// connect returns the live connection, dialing if there is none.
func (ep *endpoint) connect(ctx context.Context) (*clientConn, error) {
	for {
		if cc := ep.cur.Load(); cc != nil {
			return cc, nil
		}
		ep.mu.Lock()
		if cc := ep.cur.Load(); cc != nil {
			ep.mu.Unlock()
			return cc, nil
		}
		switch {
		case ep.closed:
			ep.mu.Unlock()
			return nil, stdrpc.NewError(stdrpc.Unavailable, errClientClosed)
		case ep.addr == "":
			err := ep.lastErr
			ep.mu.Unlock()
			return nil, stdrpc.Errorf(stdrpc.Unavailable, "netrpcx: the connection is gone and a client made by NewClient does not redial: %w", err)
		case ep.dialing != nil:
			ch := ep.dialing
			ep.mu.Unlock()
			select {
			case <-ch:
				continue // see how the dial went
			case <-ctx.Done():
				return nil, ctxError(ctx)
			}
		case time.Now().Before(ep.retryAt):
			err, wait := ep.lastErr, time.Until(ep.retryAt)
			ep.mu.Unlock()
			return nil, stdrpc.Errorf(stdrpc.Unavailable, "%w (next dial of %s in %v)", err, ep.addr, wait.Round(time.Millisecond))
		}
		// Dial apart from this caller, whose deadline may be short: the
		// connection serves every caller, and the dial's own timeout
		// bounds it. The caller waits for it, or for its ctx.
		ch := make(chan struct{})
		ep.dialing = ch
		ep.mu.Unlock()
		go ep.dialNow(ch)
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctxError(ctx)
		}
		ep.mu.Lock()
		cc, err := ep.cur.Load(), ep.lastErr
		ep.mu.Unlock()
		if cc == nil {
			return nil, stdrpc.NewError(stdrpc.Unavailable, err)
		}
		return cc, nil
	}
}

// dialNow dials, records the outcome and closes ch, which ep.dialing
// holds.
func (ep *endpoint) dialNow(ch chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), ep.client.opts.dialTimeout)
	cc, err := ep.dial(ctx)
	cancel()

	ep.mu.Lock()
	ep.dialing = nil
	close(ch)
	if err != nil {
		ep.failures++
		ep.retryAt = time.Now().Add(ep.backoff())
		ep.lastErr = err
		ep.scheduleRedial()
		ep.mu.Unlock()
		ep.client.resolveSoon()
		return
	}
	ep.failures, ep.retryAt = 0, time.Time{}
	if ep.closed {
		ep.mu.Unlock()
		cc.fail(errClientClosed)
		return
	}
	ep.cur.Store(cc)
	ep.mu.Unlock()
}

// scheduleRedial dials again in the background once the backoff has
// passed, so that an instance that comes back is in use again without a
// call paying for the dial. Only a Client of several addresses does this:
// with one, the next call dials. ep.mu must be held.
func (ep *endpoint) scheduleRedial() {
	if ep.closed || ep.redial != nil || !ep.client.balanced() {
		return
	}
	ep.redial = time.AfterFunc(time.Until(ep.retryAt), func() {
		ep.mu.Lock()
		ep.redial = nil
		if ep.closed || ep.dialing != nil || ep.cur.Load() != nil {
			ep.mu.Unlock()
			return
		}
		ch := make(chan struct{})
		ep.dialing = ch
		ep.mu.Unlock()
		ep.dialNow(ch)
	})
}

// backoff returns the wait after ep.failures failed dials: exponential,
// capped, with jitter so that many clients do not redial in step.
func (ep *endpoint) backoff() time.Duration {
	o := ep.client.opts
	d := o.backoffMin
	for i := 1; i < ep.failures && d < o.backoffMax; i++ {
		d *= 2
	}
	d = min(d, o.backoffMax)
	return d - time.Duration(rand.Int64N(int64(d)/5+1)) // up to 20% less
}

// dial makes a connection to ep.addr and says hello on it.
func (ep *endpoint) dial(ctx context.Context) (*clientConn, error) {
	o := ep.client.opts
	network := ep.client.network
	conn, err := o.dial(ctx, network, ep.addr)
	if err != nil {
		return nil, err
	}
	if cfg := o.tls; cfg != nil {
		if cfg.ServerName == "" {
			cfg = cfg.Clone()
			cfg.ServerName = ep.addr
			if host, _, err := net.SplitHostPort(ep.client.address); err == nil {
				cfg.ServerName = host
			}
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		conn = tc
	}
	cc := newClientConn(ep, conn)
	if err := cc.hello(ctx, o.dialTimeout); err != nil {
		conn.Close()
		return nil, fmt.Errorf("%s: %w", ep.addr, err)
	}
	cc.start()
	return cc, nil
}

// lost forgets cc after it failed or was told to go away, so that the next
// call redials.
func (ep *endpoint) lost(cc *clientConn, err error) {
	ep.mu.Lock()
	if ep.cur.CompareAndSwap(cc, nil) {
		ep.lastErr = err
		if errors.Is(err, errLeaving) {
			// The instance is shutting down: its listener is closing or
			// closed. Leave it alone for a while rather than race it.
			ep.failures++
			ep.retryAt = time.Now().Add(ep.backoff())
			ep.scheduleRedial()
		}
	}
	ep.mu.Unlock()
	ep.client.resolveSoon()
}

// close ends the endpoint: its connection is let go once the calls on it
// are answered (at once if now), and it dials no more.
func (ep *endpoint) close(err error, now bool) {
	ep.mu.Lock()
	ep.closed = true
	if ep.redial != nil {
		ep.redial.Stop()
		ep.redial = nil
	}
	cc := ep.cur.Swap(nil)
	ep.mu.Unlock()
	if cc == nil {
		return
	}
	if now {
		cc.fail(err)
	} else {
		cc.retire()
	}
}

var errLeaving = errors.New("the server is shutting down")
