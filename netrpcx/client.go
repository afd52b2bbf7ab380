package netrpcx

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stdrpc/stdrpc"
)

// A Client calls net/rpc services over one connection at a time. It speaks
// the gob wire format of net/rpc, so it calls stock net/rpc servers too
// (without deadlines, cancellation, metadata or codes reaching them).
//
// A Client is safe for concurrent use; calls share its connection. A Client
// made by Dial redials after its connection drops: the next call dials, and
// after a failed dial calls fail at once with stdrpc.Unavailable until a
// backoff has passed (see WithBackoff).
type Client struct {
	opts    *clientOptions
	network string
	address string // empty for a Client made by NewClient, which never redials

	cur atomic.Pointer[clientConn] // the live connection, or nil

	mu       sync.Mutex
	dialing  chan struct{} // closed when the dial in progress ends; nil if none
	failures int           // failed dials in a row
	retryAt  time.Time     // no dial before this
	lastErr  error         // why the last connection or dial failed
	closed   bool
}

// Dial connects to the net/rpc server at address (net.Dial's network and
// address forms) and returns a Client for it, or an error if it cannot
// connect now.
func Dial(network, address string, opts ...ClientOption) (*Client, error) {
	c := &Client{opts: newClientOptions(opts), network: network, address: address}
	cc, err := c.dial(context.Background())
	if err != nil {
		return nil, stdrpc.NewError(stdrpc.Unavailable, err)
	}
	c.cur.Store(cc)
	return c, nil
}

// NewClient returns a Client that calls over conn, an established
// connection or any stream. It never redials: once conn fails, every call
// fails with stdrpc.Unavailable. TLS and dialer options do not apply.
func NewClient(conn io.ReadWriteCloser, opts ...ClientOption) *Client {
	c := &Client{opts: newClientOptions(opts)}
	c.cur.Store(newClientConn(c, conn))
	return c
}

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
// cannot be made.
func (c *Client) Call(ctx context.Context, serviceMethod string, args, reply any, opts ...CallOption) error {
	in := c.opts.interceptor
	if in == nil {
		return c.call(ctx, serviceMethod, args, reply)
	}
	err := in(ctx, callInfo(serviceMethod), func(ctx context.Context) error {
		return c.call(ctx, serviceMethod, args, reply)
	})
	if err != nil {
		return stdrpc.FromError(err) // an interceptor's own error gets a code too
	}
	return nil
}

func (c *Client) call(ctx context.Context, serviceMethod string, args, reply any) error {
	_, err := c.callOn(ctx, serviceMethod, args, reply)
	return err
}

// callOn makes a call and returns the connection it went on, where the
// later calls of a stream must go.
func (c *Client) callOn(ctx context.Context, serviceMethod string, args, reply any) (*clientConn, error) {
	timeout, err := timeLeft(ctx)
	if err != nil {
		return nil, err
	}
	cc := c.cur.Load()
	if cc == nil {
		if cc, err = c.connect(ctx); err != nil {
			return nil, err
		}
	}
	md := stdrpc.Outgoing(ctx)
	err = cc.call(ctx, serviceMethod, timeout, md, 0, args, reply)
	if err == errNotSent {
		// The connection failed before this request went out: nothing was
		// sent, so trying once more on a fresh connection is safe.
		cause := cc.failure()
		c.lost(cc, cause)
		if cc, err = c.connect(ctx); err != nil {
			return nil, err
		}
		if err = cc.call(ctx, serviceMethod, timeout, md, 0, args, reply); err == errNotSent {
			return cc, unavailable(cause)
		}
	}
	return cc, err
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
		return 0, stdrpc.NewError(stdrpc.DeadlineExceeded, context.DeadlineExceeded)
	}
	return timeout, nil
}

// ctxError is the error of a call whose ctx ended first. It wraps ctx.Err(),
// so that errors.Is finds it.
func ctxError(ctx context.Context) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return stdrpc.NewError(stdrpc.DeadlineExceeded, err)
	}
	return stdrpc.NewError(stdrpc.Canceled, err)
}

// Close closes the connection. Calls in flight and later calls fail with
// stdrpc.Unavailable.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	c.lastErr = errClientClosed
	cc := c.cur.Swap(nil)
	c.mu.Unlock()
	if cc != nil {
		return cc.fail(errClientClosed)
	}
	return nil
}

var errClientClosed = errors.New("netrpcx: the client is closed")

// connect returns the live connection, dialing if there is none.
func (c *Client) connect(ctx context.Context) (*clientConn, error) {
	for {
		c.mu.Lock()
		if cc := c.cur.Load(); cc != nil {
			c.mu.Unlock()
			return cc, nil
		}
		switch {
		case c.closed:
			c.mu.Unlock()
			return nil, stdrpc.NewError(stdrpc.Unavailable, errClientClosed)
		case c.address == "":
			err := c.lastErr
			c.mu.Unlock()
			return nil, stdrpc.Errorf(stdrpc.Unavailable, "netrpcx: the connection is gone and a client made by NewClient does not redial: %w", err)
		case c.dialing != nil:
			ch := c.dialing
			c.mu.Unlock()
			select {
			case <-ch:
				continue // see how the dial went
			case <-ctx.Done():
				return nil, ctxError(ctx)
			}
		case time.Now().Before(c.retryAt):
			err, wait := c.lastErr, time.Until(c.retryAt)
			c.mu.Unlock()
			return nil, stdrpc.Errorf(stdrpc.Unavailable, "%w (next dial in %v)", err, wait.Round(time.Millisecond))
		}
		ch := make(chan struct{})
		c.dialing = ch
		c.mu.Unlock()

		cc, err := c.dial(ctx)

		c.mu.Lock()
		c.dialing = nil
		close(ch)
		if err != nil {
			if ctx.Err() == nil { // the dial failed, not the caller's patience
				c.failures++
				c.retryAt = time.Now().Add(c.backoff())
				c.lastErr = err
			}
			c.mu.Unlock()
			return nil, stdrpc.NewError(stdrpc.Unavailable, err)
		}
		c.failures, c.retryAt = 0, time.Time{}
		if c.closed {
			c.mu.Unlock()
			cc.fail(errClientClosed)
			return nil, stdrpc.NewError(stdrpc.Unavailable, errClientClosed)
		}
		c.cur.Store(cc)
		c.mu.Unlock()
		return cc, nil
	}
}

// backoff returns the wait after c.failures failed dials: exponential,
// capped, with jitter so that many clients do not redial in step.
func (c *Client) backoff() time.Duration {
	d := c.opts.backoffMin
	for i := 1; i < c.failures && d < c.opts.backoffMax; i++ {
		d *= 2
	}
	d = min(d, c.opts.backoffMax)
	return d - time.Duration(rand.Int64N(int64(d)/5+1)) // up to 20% less
}

// dial makes a connection to c.address.
func (c *Client) dial(ctx context.Context) (*clientConn, error) {
	conn, err := c.opts.dial(ctx, c.network, c.address)
	if err != nil {
		return nil, err
	}
	if cfg := c.opts.tls; cfg != nil {
		if cfg.ServerName == "" {
			cfg = cfg.Clone()
			cfg.ServerName = c.address
			if host, _, err := net.SplitHostPort(c.address); err == nil {
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
	return newClientConn(c, conn), nil
}

// lost forgets cc after it failed, so that the next call redials.
func (c *Client) lost(cc *clientConn, err error) {
	c.mu.Lock()
	if c.cur.CompareAndSwap(cc, nil) {
		c.lastErr = err
	}
	c.mu.Unlock()
}
