package netrpcx

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/rpc"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stdrpc/stdrpc"
)

// serverCodec is an rpc.ServerCodec for one connection: net/rpc's gob codec
// with the extended headers, the message size limit, the in-flight bound,
// cancellation, and graceful draining.
//
// rpc.Server.ServeCodec calls ReadRequestHeader and ReadRequestBody from one
// goroutine (the reader), WriteResponse from the goroutine of each call under
// a mutex of its own, and Close once, after the reader stopped and every
// accepted call was answered.
type serverCodec struct {
	opts *serverOptions
	rwc  io.ReadWriteCloser
	fr   *frameReader
	dec  *gob.Decoder
	bw   *bufio.Writer
	enc  *gob.Encoder

	hdr  requestHeader  // the reader's
	cur  *callState     // the reader's: the call whose body comes next
	resp responseHeader // the writer's

	room    chan struct{} // a call was answered while the reader waited for room
	drainCh chan struct{} // closed when draining begins

	// responding counts calls whose implementation returned and whose
	// response is about to be written. A response is flushed only when no
	// other is about to follow it, so that responses finishing together
	// share one write.
	responding atomic.Int32

	mu       sync.Mutex
	calls    map[uint64]*callState // accepted, unanswered calls by Seq
	inflight int                   // accepted, unanswered calls: at most maxInFlight
	full     bool                  // the reader waits for room
	draining bool
	wakeable bool // draining interrupted the reader with a read deadline
	readErr  error
	dead     bool // the connection ended: every call is canceled, new ones at once

	streams    map[uint64]streamer // open server streams by id (see stream.go)
	lastStream uint64              // the id of the last stream opened

	closeOnce sync.Once
}

var errDraining = errors.New("netrpcx: server is shutting down")

func newServerCodec(rwc io.ReadWriteCloser, opts *serverOptions) *serverCodec {
	c := &serverCodec{
		opts:    opts,
		rwc:     rwc,
		bw:      bufio.NewWriter(rwc),
		room:    make(chan struct{}, 1),
		drainCh: make(chan struct{}),
		calls:   make(map[uint64]*callState),
	}
	c.fr = newCheckedFrameReader(rwc, opts.maxMessage, "netrpcx.WithMaxMessageBytes")
	c.dec = gob.NewDecoder(c.fr)
	c.enc = gob.NewEncoder(c.bw)
	return c
}

func (c *serverCodec) ReadRequestHeader(r *rpc.Request) error {
	if c.readErr != nil {
		return c.readErr
	}
	for {
		c.hdr = requestHeader{} // gob merges into the destination: start from zero
		if err := c.dec.Decode(&c.hdr); err != nil {
			return c.stopReading(err)
		}
		if c.hdr.ServiceMethod != cancelMethod {
			break
		}
		if err := discard(c.dec); err != nil {
			return c.stopReading(err)
		}
		if c.hdr.Stream != 0 {
			c.closeStream(c.hdr.Stream)
		} else {
			c.cancelCall(c.hdr.Seq)
		}
	}

	st := statePool.Get().(*callState)
	st.codec = c
	st.seq = c.hdr.Seq
	st.stream = c.hdr.Stream
	st.info = callInfo(c.hdr.ServiceMethod)
	st.md = unflatten(c.hdr.Metadata)
	// The contexts have no parent: the connection's end cancels them
	// through c.calls, which spares each call registering with a parent.
	if c.hdr.Timeout > 0 {
		st.ctx, st.cancel = context.WithTimeout(context.Background(), time.Duration(c.hdr.Timeout))
	} else {
		st.ctx, st.cancel = context.WithCancel(context.Background())
	}

	c.mu.Lock()
	// At the bound, wait for room before reading on: the peer's writes
	// wait in turn, and a cancel request already read has been served.
	for c.inflight >= c.opts.maxInFlight && !c.draining {
		c.full = true
		c.mu.Unlock()
		select {
		case <-c.room:
		case <-c.drainCh:
		}
		c.mu.Lock()
	}
	var err error
	switch {
	case c.draining:
		err = errDraining // not accepted: the peer sees the connection close
	case c.calls[st.seq] != nil:
		err = errors.New("netrpcx: the peer reused the Seq of a call in flight; closing the connection")
	default:
		c.calls[st.seq] = st
		c.inflight++
		if c.dead {
			st.cancel()
		}
	}
	c.mu.Unlock()
	if err != nil {
		st.cancel()
		st.reset()
		return c.stopReading(err)
	}
	c.cur = st
	r.ServiceMethod = c.hdr.ServiceMethod
	r.Seq = st.seq
	return nil
}

func (c *serverCodec) ReadRequestBody(x any) error {
	st := c.cur
	c.cur = nil
	if x == nil { // rpc.Server found no such method and discards the body
		if err := discard(c.dec); err != nil {
			c.stopReading(err)
			return err
		}
		return nil
	}
	if st.stream != 0 { // the next batch of a stream: the body is empty
		if err := discard(c.dec); err != nil {
			c.stopReading(err)
			return err
		}
		calls.put(x, st)
		return nil
	}
	if err := c.dec.Decode(x); err != nil {
		if c.fr.err != nil { // the stream failed, not the value
			switch { // tell the caller why, then close
			case errors.Is(err, errTooLarge):
				st.code = stdrpc.ResourceExhausted
			case errors.Is(err, errBadGob):
				st.code = stdrpc.InvalidArgument
			}
			c.stopReading(err)
			return err
		}
		st.code = stdrpc.InvalidArgument
		return errors.New("netrpcx: cannot decode the request of " + c.hdr.ServiceMethod + ": " + err.Error())
	}
	calls.put(x, st)
	return nil
}

// stopReading records why the reader stopped and returns what to give
// rpc.Server. While draining, the reader stops on purpose and calls in flight
// go on; otherwise the peer is gone or broke the protocol, and the calls are
// canceled: nobody will read their responses.
func (c *serverCodec) stopReading(err error) error {
	c.mu.Lock()
	draining := c.draining
	if c.readErr == nil {
		c.readErr = io.EOF
	}
	c.mu.Unlock()
	if draining {
		return io.EOF
	}
	c.cancelAll()
	if err != io.EOF && !errors.Is(err, net.ErrClosed) {
		level := slog.LevelDebug
		if errors.Is(err, errTooLarge) || !isConnError(err) {
			level = slog.LevelWarn // a hostile or broken peer, worth a look
		}
		c.opts.log().LogAttrs(context.Background(), level, "netrpcx: closing connection", c.remote(), slog.String("error", err.Error()))
	}
	return io.EOF
}

// isConnError reports whether err is an ordinary network failure rather than
// a protocol violation.
func isConnError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF)
}

func (c *serverCodec) remote() slog.Attr {
	if nc, ok := c.rwc.(net.Conn); ok {
		return slog.String("remote", nc.RemoteAddr().String())
	}
	return slog.Attr{}
}

// cancelCall cancels the call with the given Seq, if it is still in flight.
func (c *serverCodec) cancelCall(seq uint64) {
	c.mu.Lock()
	var cancel context.CancelFunc
	if st := c.calls[seq]; st != nil {
		cancel = st.cancel
	}
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

func (c *serverCodec) WriteResponse(r *rpc.Response, body any) error {
	c.mu.Lock()
	st := c.calls[r.Seq]
	delete(c.calls, r.Seq)
	c.mu.Unlock()

	c.resp = responseHeader{ServiceMethod: r.ServiceMethod, Seq: r.Seq, Error: r.Error}
	if r.Error != "" {
		c.resp.Code = responseCode(st, r.Error).String()
	}
	err := c.enc.Encode(&c.resp)
	if err == nil {
		if err = c.enc.Encode(body); err != nil {
			c.opts.log().LogAttrs(context.Background(), slog.LevelError, "netrpcx: cannot encode a response; closing the connection",
				slog.String("method", r.ServiceMethod), slog.String("error", err.Error()))
		}
	}
	var soon int32
	if st != nil && st.handled {
		soon = c.responding.Add(-1)
	} else {
		soon = c.responding.Load()
	}
	if err == nil && soon == 0 {
		err = c.bw.Flush()
	}
	if err != nil {
		c.closeNow() // a connection whose writes fail is useless
	}

	c.mu.Lock()
	c.inflight--
	if c.full {
		c.full = false
		c.room <- struct{}{} // cannot block: the reader takes it before setting full again
	}
	closeIdle := c.draining && !c.wakeable && c.inflight == 0
	c.mu.Unlock()
	if closeIdle {
		c.Close()
	}
	if st != nil {
		calls.drop(st)
		st.cancel()
		st.reset()
	}
	return err
}

// responseCode is the code sent with a failed call's error text.
func responseCode(st *callState, text string) stdrpc.Code {
	if st != nil && st.code != stdrpc.OK {
		return st.code
	}
	if strings.HasPrefix(text, "rpc: can't find ") || strings.HasPrefix(text, "rpc: service/method request ill-formed") {
		return stdrpc.Unimplemented
	}
	return stdrpc.Unknown // a stock method's error
}

// drain makes the codec stop reading requests, answer those it accepted,
// and close. With a read deadline it interrupts a reader blocked on the
// connection, and rpc.Server closes the codec once the calls are answered;
// without one, the last response closes the connection.
func (c *serverCodec) drain() {
	c.mu.Lock()
	if c.draining {
		c.mu.Unlock()
		return
	}
	c.draining = true
	dl, ok := c.rwc.(interface{ SetReadDeadline(time.Time) error })
	c.wakeable = ok && dl.SetReadDeadline(time.Unix(1, 0)) == nil
	idle := !c.wakeable && c.inflight == 0
	c.mu.Unlock()
	close(c.drainCh)
	c.endStreams(errStreamShutdown) // their next batches would not be read
	if idle {
		c.Close()
	}
}

// Close is called by rpc.Server once every accepted call was answered. When
// draining, it half-closes the connection and reads until the peer closes
// too, so that the responses already sent are not lost to a reset caused by
// requests the server did not read.
func (c *serverCodec) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.mu.Lock()
		draining := c.draining
		c.mu.Unlock()
		c.cancelAll()
		if draining {
			if cw, ok := c.rwc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
				if dl, ok := c.rwc.(interface{ SetReadDeadline(time.Time) error }); ok {
					dl.SetReadDeadline(time.Now().Add(lingerTimeout))
					io.Copy(io.Discard, io.LimitReader(c.rwc, lingerBytes))
				}
			}
		}
		err = c.rwc.Close()
	})
	return err
}

// How long and how much a draining connection reads after its last response
// while waiting for the peer to close.
const (
	lingerTimeout = 500 * time.Millisecond
	lingerBytes   = 1 << 20
)

// closeNow closes the connection at once, canceling every call.
func (c *serverCodec) closeNow() {
	c.cancelAll()
	c.rwc.Close()
}

// cancelAll cancels every call in flight and every call accepted later.
func (c *serverCodec) cancelAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dead = true
	for _, st := range c.calls {
		st.cancel()
	}
	for id, s := range c.streams {
		s.end(nil)
		delete(c.streams, id)
	}
}

func (st *callState) reset() {
	*st = callState{}
	statePool.Put(st)
}
