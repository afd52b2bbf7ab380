package netrpcx

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/rpc"
	"sync"
	"sync/atomic"
	"time"
)

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("netrpcx: server closed")

// A Server serves a stock *rpc.Server over connections with netrpcx's codec.
// It is safe for concurrent use. Its zero value is not usable; call NewServer.
type Server struct {
	rpc  *rpc.Server
	opts *serverOptions

	leaving atomic.Bool // Shutdown began: hellos answer so
	budget  *memBudget  // shared by its connections

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	codecs    map[*serverCodec]struct{}
	closing   bool
	drained   chan struct{} // closed once closing and no codec is left
}

// NewServer returns a Server that serves the services registered on srv.
// Register services (with the generated RegisterXNetRPC functions or
// srv.Register) before serving.
func NewServer(srv *rpc.Server, opts ...ServerOption) *Server {
	o := newServerOptions(opts)
	return &Server{
		rpc:       srv,
		opts:      o,
		budget:    newMemBudget(o.memoryBudget),
		listeners: make(map[net.Listener]struct{}),
		codecs:    make(map[*serverCodec]struct{}),
		drained:   make(chan struct{}),
	}
}

// Serve serves srv on lis with default options until lis fails. It is
// NewServer(srv, opts...).Serve(lis).
func Serve(lis net.Listener, srv *rpc.Server, opts ...ServerOption) error {
	return NewServer(srv, opts...).Serve(lis)
}

// Serve accepts connections on lis and serves each on a goroutine of its
// own. It returns ErrServerClosed after Shutdown or Close, and otherwise the
// error that made Accept fail; lis is closed either way.
func (s *Server) Serve(lis net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		lis.Close()
		return ErrServerClosed
	}
	s.listeners[lis] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, lis)
		s.mu.Unlock()
		lis.Close()
	}()

	var delay time.Duration
	for {
		conn, err := lis.Accept()
		if err != nil {
			if s.isClosing() {
				return ErrServerClosed
			}
			// Like http.Server: wait out a temporary failure (such as running
			// out of file descriptors) instead of giving up.
			if ne, ok := err.(interface{ Temporary() bool }); ok && ne.Temporary() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		var rwc io.ReadWriteCloser = conn
		if s.opts.tls != nil {
			rwc = tls.Server(conn, s.opts.tls)
		}
		go s.ServeConn(rwc)
	}
}

// ServeConn serves one connection, or any stream (a pipe, a plugin's stdio),
// and returns when it is closed. Shutdown and Close cover it like the
// connections Serve accepts.
func (s *Server) ServeConn(rwc io.ReadWriteCloser) {
	c := newServerCodec(rwc, s.opts, methodsOf(s.rpc), &s.leaving, s.budget)
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		rwc.Close()
		return
	}
	s.codecs[c] = struct{}{}
	s.mu.Unlock()

	s.rpc.ServeCodec(c) // returns after the calls it dispatched were answered, and closes c
	<-c.closed          // once the workers' calls were answered too

	s.mu.Lock()
	delete(s.codecs, c)
	s.checkDrained()
	s.mu.Unlock()
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// checkDrained closes s.drained when the last connection is gone after
// closing began. s.mu must be held.
func (s *Server) checkDrained() {
	if s.closing && len(s.codecs) == 0 {
		select {
		case <-s.drained:
		default:
			close(s.drained)
		}
	}
}

// beginClosing stops accepting and returns the connections being served.
func (s *Server) beginClosing() ([]*serverCodec, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	var err error
	for lis := range s.listeners {
		if e := lis.Close(); e != nil && err == nil && !errors.Is(e, net.ErrClosed) {
			err = e
		}
	}
	codecs := make([]*serverCodec, 0, len(s.codecs))
	for c := range s.codecs {
		codecs = append(codecs, c)
	}
	s.checkDrained()
	return codecs, err
}

// Shutdown stops the server gracefully, like http.Server.Shutdown. After
// the drain delay (WithDrainDelay), it closes the listeners and stops
// reading requests; it tells each netrpcx client the last request it read,
// so that the client sends its later calls to another instance (or
// redials) instead of losing them; it waits for every call already read to
// finish and its response to be written, and then closes the connections.
// A stock net/rpc client is told nothing: a request of its that the server
// had not read fails with the connection (stdrpc.Unavailable). If ctx ends
// first, Shutdown closes what is left as Close does and returns ctx's
// error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.leaving.Store(true)
	if d := s.opts.drainDelay; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	codecs, err := s.beginClosing()
	for _, c := range codecs {
		c.drain()
	}
	select {
	case <-s.drained:
		return err
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	}
}

// Close stops the server at once: it closes the listeners and every
// connection, which cancels the calls in flight.
func (s *Server) Close() error {
	codecs, err := s.beginClosing()
	for _, c := range codecs {
		c.closeNow()
	}
	return err
}
