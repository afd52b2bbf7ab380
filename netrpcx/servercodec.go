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
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/core"
)

// serverCodec is an rpc.ServerCodec for one connection: net/rpc's gob codec
// with the extended headers, the message size limit, the in-flight bound,
// cancellation, and graceful draining.
//
// rpc.Server.ServeCodec calls ReadRequestHeader and ReadRequestBody from one
// goroutine (the reader), WriteResponse from the goroutine of each call under
// a mutex of its own, and Close once, after the reader stopped and every
// call it dispatched was answered.
//
// Calls of the methods Register recorded never reach rpc.Server: the reader
// reads them within ReadRequestHeader and hands them to the codec's workers
// (see serveMethod), which answer them as WriteResponse does.
type serverCodec struct {
	opts    *serverOptions
	methods map[string]*Method // by "Service.Method"; see Register
	rwc     io.ReadWriteCloser
	fr      *frameReader
	dec     *gob.Decoder
	bw      *bufio.Writer
	tw      *timedWriter   // under bw: the connection, with write deadlines
	hw      holdWriter     // under enc: takes back a response that fails to encode
	zw      gzipWriter     // under enc: compresses, once the peer said it reads that
	out     countingWriter // bw, counting what the encoder writes
	enc     *gob.Encoder
	peer    string // the peer's address, for the access log

	hdr requestHeader // the reader's
	hr  headerReader  // the reader's: reads hdr past dec (see gobheader.go)
	br  bodyReader    // the reader's: reads requests past dec (see gobbody.go)
	cur *callState    // the reader's: the call whose body comes next

	wmu  sync.Mutex     // the writer's lock
	resp responseHeader // the writer's
	hx   headerWriter   // the writer's: writes resp through enc (see gobheader.go)
	bx   bodyWriter     // the writer's: writes results through enc (see gobbody.go)

	work  chan *callState // hands a call to a waiting worker; closed with the connection
	spare atomic.Bool     // a worker waits on work
	// unflushed is set while a response written without a flush waits in
	// bw for others (see write); it spares flushHeld the writer's lock
	// when there is nothing to flush, as with one caller, where taking it
	// as the last response's writer still holds it wakes that writer.
	unflushed atomic.Bool

	room    chan struct{} // a call was answered while the reader waited for room
	drainCh chan struct{} // closed when draining begins

	// responding counts calls whose implementation returned and whose
	// response is about to be written. A response is flushed only when no
	// other is about to follow it, so that responses finishing together
	// share one write.
	responding atomic.Int32
	// held is the reader's: it counts itself in responding while requests
	// it has read are buffered behind the one it dispatched, so that the
	// responses of calls that finish meanwhile wait for the rest, and it
	// flushes them before it waits for the peer (see release).
	held bool

	mu       sync.Mutex
	state    connState             // see enter
	calls    map[uint64]*callState // accepted, unanswered calls by Seq
	inflight int                   // accepted, unanswered calls: at most maxInFlight
	full     bool                  // the reader waits for room
	wakeable bool                  // set on draining: it interrupted the reader with a read deadline
	readErr  error                 // the reader's, once it stopped: what it answers rpc.Server from then on

	// lingering: the reader refused a message over the limit, so the
	// connection closes as when draining (see closeConn).
	lingering bool

	// For WithIdleTimeout: the connection's read deadlines, whether the
	// reader waits for a request, and whether a deadline is set.
	deadline   interface{ SetReadDeadline(time.Time) error }
	atBoundary bool
	armed      bool

	// For going away: whether the peer said hello (and so understands a
	// go-away), the Seq of the last call accepted, and whether the server
	// is about to leave (a drain delay), which hello answers report. A
	// hello is what the peer can do, not a stage of the connection: it may
	// come at any time, or never (a stock peer).
	hello   bool
	lastSeq atomic.Uint64 // the reader's, read by goAway after it stopped
	leaving *atomic.Bool

	budget *memBudget // the server's, or nil

	streams    map[uint64]streamer // open server streams by id (see stream.go)
	lastStream uint64              // the id of the last stream opened

	closeOnce sync.Once
	closed    chan struct{} // closed once the connection is
}

var errDraining = errors.New("netrpcx: server is shutting down")

// connState is where a connection is in its life. It changes only in
// enter, under c.mu, along these transitions:
//
//	serving   → draining   Shutdown (drain), or the idle timeout on a peer
//	                       that said hello (stopReading): the reader
//	                       accepts no more calls; those accepted run on
//	                       and are answered
//	draining  → drained    the reader stopped, and a peer that said hello
//	                       was told the last call it will be answered (goAway)
//	serving   → ended      the reader stopped because the peer left or
//	                       broke the protocol: every call is canceled,
//	                       since nobody will read the responses
//	any above → abandoned  a write failed, or Server.Close: the calls are
//	                       canceled and their responses not written, since
//	                       they were canceled by that and not by their callers
//	any above → closed     every call was answered, and the connection
//	                       closed (closeConn)
//
// From ended on, every call's context is canceled. In drained, ended and
// abandoned the reader accepts no calls, and the last response closes the
// connection; in draining too, if drain could not interrupt the reader.
type connState uint8

const (
	stateServing connState = iota
	stateDraining
	stateDrained
	stateEnded
	stateAbandoned
	stateClosed
)

// enter moves the connection to state to, if that is a transition from
// where it is, and reports whether it did. c.mu must be held.
func (c *serverCodec) enter(to connState) bool {
	var ok bool
	switch to {
	case stateDraining, stateEnded:
		ok = c.state == stateServing
	case stateDrained:
		ok = c.state == stateDraining
	case stateAbandoned, stateClosed:
		ok = c.state < to
	}
	if !ok {
		return false
	}
	if to == stateDraining {
		close(c.drainCh) // wakes a reader waiting for room or for memory
	}
	c.state = to
	return true
}

// canceled reports whether the connection ended: every call in flight is
// canceled, and any later one at once. c.mu must be held.
func (c *serverCodec) canceled() bool { return c.state >= stateEnded }

// lastResponseCloses reports whether the response that leaves no call in
// flight closes the connection: the reader accepts no more calls, and
// either stopped, or is blocked reading and only closing wakes it. c.mu
// must be held.
func (c *serverCodec) lastResponseCloses() bool {
	switch c.state {
	case stateDraining:
		return !c.wakeable
	case stateDrained, stateEnded, stateAbandoned:
		return true
	}
	return false
}

func newServerCodec(rwc io.ReadWriteCloser, opts *serverOptions, methods map[string]*Method, leaving *atomic.Bool, budget *memBudget) *serverCodec {
	c := &serverCodec{
		opts:    opts,
		methods: methods,
		rwc:     rwc,
		leaving: leaving,
		budget:  budget,
		work:    make(chan *callState),
		closed:  make(chan struct{}),
		room:    make(chan struct{}, 1),
		drainCh: make(chan struct{}),
		calls:   make(map[uint64]*callState),
	}
	c.tw = deadlineWriter(rwc, opts.writeTimeout)
	c.bw = bufio.NewWriter(c.tw)
	if opts.idleTimeout > 0 {
		c.deadline, _ = rwc.(interface{ SetReadDeadline(time.Time) error })
	}
	c.fr = newCheckedFrameReader(rwc, opts.maxMessage, "netrpcx.WithMaxMessageBytes")
	c.fr.gzip = opts.gzip > 0
	c.fr.idle = c.release
	c.dec = gob.NewDecoder(c.fr)
	c.hw.w = c.bw
	c.zw.w = &c.hw
	c.out.w = &c.zw
	c.enc = gob.NewEncoder(&c.out)
	if opts.observer != nil {
		if nc, ok := rwc.(net.Conn); ok {
			c.peer = nc.RemoteAddr().String()
		}
		// Every method has its series from the start, as over HTTP, so
		// that rates begin at zero.
		for name, m := range methods {
			m.observed(opts.observer, core.ServiceMethod(name))
		}
	}
	return c
}

func (c *serverCodec) ReadRequestHeader(r *rpc.Request) error {
	for {
		st, err := c.readCall()
		if err != nil {
			return err
		}
		if m := c.methods[c.hdr.ServiceMethod]; m != nil {
			c.serveMethod(st, m)
			continue
		}
		c.cur = st
		r.ServiceMethod = c.hdr.ServiceMethod
		r.Seq = st.seq
		return nil
	}
}

// readCall reads the header of the next call and accepts the call.
func (c *serverCodec) readCall() (*callState, error) {
	if c.readErr != nil {
		return nil, c.readErr
	}
	for {
		if c.deadline != nil {
			c.mu.Lock()
			c.atBoundary = true
			c.idleDeadline()
			c.mu.Unlock()
		}
		var hold int64
		if c.budget != nil {
			// A large header is charged while it is read, so that peers
			// sending many half-sent ones wait instead of each holding
			// its buffer; headers are small, and the rest go uncharged.
			if _, count, err := c.fr.peekCount(); err == nil && count > freeHeaderBytes {
				hold = 2 * int64(count)
				c.release()
				c.budget.acquire(hold, c.drainCh)
			}
		}
		err := c.hr.readRequest(c.fr, c.dec, &c.hdr)
		if hold > 0 {
			c.budget.release(hold)
		}
		if err != nil {
			return nil, c.stopReading(err)
		}
		if c.hdr.ServiceMethod != cancelMethod && c.hdr.ServiceMethod != helloMethod {
			break
		}
		var h hello
		if c.hdr.ServiceMethod == helloMethod {
			err = c.dec.Decode(&h)
			if err != nil && c.fr.err == nil {
				err = nil // a body that is no hello: a hello all the same
			}
		} else {
			err = discard(c.dec)
		}
		if err != nil {
			return nil, c.stopReading(err)
		}
		if c.hdr.ServiceMethod == helloMethod {
			if err := c.sayHello(c.hdr.Seq, h.Gzip); err != nil {
				return nil, c.stopReading(err)
			}
			continue
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
	st.info = core.ServiceMethod(c.hdr.ServiceMethod)
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
	for c.inflight >= c.opts.maxInFlight && c.state == stateServing {
		c.full = true
		c.mu.Unlock()
		c.release()
		select {
		case <-c.room:
		case <-c.drainCh:
		}
		c.mu.Lock()
	}
	var err error
	switch {
	case c.state == stateDraining:
		err = errDraining // not accepted: the peer sees the connection close
	case c.state != stateServing:
		err = net.ErrClosed // abandoned: the connection is closed already
	case c.calls[st.seq] != nil:
		err = errors.New("netrpcx: the peer reused the Seq of a call in flight; closing the connection")
	default:
		c.calls[st.seq] = st
		c.inflight++
		c.atBoundary = false
	}
	c.mu.Unlock()
	if err != nil {
		st.cancel()
		st.reset()
		return nil, c.stopReading(err)
	}
	return st, nil
}

// idleDeadline sets the read deadline WithIdleTimeout asks for while the
// reader waits for a request: the idle timeout from now if the connection
// is idle, none if it is not. c.mu must be held; draining sets deadlines of
// its own.
func (c *serverCodec) idleDeadline() {
	if c.state != stateServing {
		return
	}
	switch {
	case c.inflight == 0 && len(c.streams) == 0:
		c.deadline.SetReadDeadline(time.Now().Add(c.opts.idleTimeout))
		c.armed = true
	case c.armed:
		c.deadline.SetReadDeadline(time.Time{})
		c.armed = false
	}
}

// invalidRequest is the body of a response with an error, as rpc.Server
// sends it.
var invalidRequest = struct{}{}

// serveMethod reads the request of a call of m and hands the call to a
// worker. A request that does not decode is answered at once, as
// rpc.Server answers it.
func (c *serverCodec) serveMethod(st *callState, m *Method) {
	st.method = m
	st.serviceMethod = c.hdr.ServiceMethod
	st.req, st.reply = m.new()
	if st.stream == 0 { // a stream's later batches are not calls of their own
		st.obs = m.observed(c.opts.observer, st.info).Start()
	}
	c.cur = st
	read := c.fr.n
	err := c.ReadRequestBody(st.req)
	st.obs.RequestBytes(int64(c.fr.n - read))
	if err != nil {
		c.respond(st.serviceMethod, st.seq, err.Error(), invalidRequest)
		return
	}
	if m.take != nil && m.take(st, c.hdr.Items) {
		return // a stream's items, which go to it in the order read
	}
	c.responding.Add(1) // until a worker starts it; see started
	select {
	case c.work <- st:
	default:
		go c.worker(st)
	}
}

// worker runs calls: the one it was started with, then, if no other worker
// waits already, the next ones handed to it. Its stack, grown by the first
// call, serves the next; a new goroutine's would grow again (a copy of some
// 5,500 instructions per call).
func (c *serverCodec) worker(st *callState) {
	for {
		c.started()
		var body any = st.reply
		var text string
		var err error
		err = st.method.direct(st, st.req, st.reply)
		if err != nil {
			body, text = invalidRequest, err.Error()
		}
		c.respond(st.serviceMethod, st.seq, text, body) // st is gone after it
		if !c.spare.CompareAndSwap(false, true) {
			return // another worker is the spare
		}
		var ok bool
		if st, ok = <-c.work; !ok {
			return // the connection is closed
		}
		c.spare.Store(false)
	}
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
	if st.stream != 0 && !c.hdr.Items { // the next batch of a stream: the body is empty
		if err := discard(c.dec); err != nil {
			c.stopReading(err)
			return err
		}
		c.read(st)
		return nil
	}
	if c.budget != nil {
		// Charge the body before reading it, at twice its size (its bytes
		// and its value), waiting for room. A body that gob reads after a
		// type definition is charged at the definition's size: once per
		// type and connection, and the limit on each message still holds.
		if _, count, err := c.fr.peekCount(); err == nil {
			st.guessed = c.budget.replyGuess(c.hdr.ServiceMethod)
			st.charged = 2*int64(count) + st.guessed
			c.release()
			c.budget.acquire(st.charged, c.drainCh)
		}
	}
	if err := c.br.read(c.fr, c.dec, x); err != nil {
		if c.fr.err != nil { // the stream failed, not the value
			switch { // tell the caller why, then close
			case errors.Is(err, errTooLarge):
				st.code = stdrpc.ResourceExhausted
			case errors.Is(err, errBadGob):
				st.code = stdrpc.InvalidArgument
			case c.inState(stateDraining):
				st.code = stdrpc.Unavailable // cut off by Shutdown, not run
			}
			c.stopReading(err)
			return err
		}
		st.code = stdrpc.InvalidArgument
		c.read(st)
		return errors.New("netrpcx: cannot decode the request of " + c.hdr.ServiceMethod + ": " + err.Error())
	}
	if c.hdr.Nil {
		if m := st.method; m == nil || !m.nilRequest {
			st.code = stdrpc.InvalidArgument
			c.read(st)
			return stdrpc.Errorf(stdrpc.InvalidArgument, "netrpcx: %s: the request is a nil pointer, which this server cannot pass to the method: send a value", c.hdr.ServiceMethod)
		}
		st.nilReq = true
	}
	if c.hdr.Present != nil {
		restore(x, c.hdr.Present)
	}
	c.read(st)
	return nil
}

// read records that the request of st was read whole: a go-away names the
// last such call, and the client may send any later one elsewhere.
func (c *serverCodec) read(st *callState) {
	c.lastSeq.Store(st.seq)
	if !c.held && c.fr.more() {
		c.held = true
		c.responding.Add(1)
	}
}

// release ends the reader's count in responding, before it waits: for the
// peer, for room or for memory, or because it stops. If no response is
// about to follow, it flushes those written meanwhile.
func (c *serverCodec) release() {
	if !c.held {
		return
	}
	c.held = false
	if c.responding.Add(-1) == 0 {
		c.flushHeld()
	}
}

// started ends the count in responding of a call handed to a worker, as
// the worker starts it. Calls handed out together are counted until they
// start, so that the responses of those that finish first wait for the
// others if they are quick; a call that is not must not hold them up,
// so the last to start flushes what they wrote.
func (c *serverCodec) started() {
	if c.responding.Add(-1) == 0 {
		c.flushHeld()
	}
}

// flushHeld flushes the responses that were written while others were
// expected to follow.
func (c *serverCodec) flushHeld() {
	if !c.unflushed.Load() {
		return
	}
	c.wmu.Lock()
	var err error
	if c.bw.Buffered() > 0 {
		err = c.bw.Flush()
	}
	c.unflushed.Store(false)
	c.wmu.Unlock()
	if err != nil {
		c.writeFailed()
	}
}

// freeHeaderBytes is the size of request header the memory budget ignores.
const freeHeaderBytes = 64 << 10

func (c *serverCodec) inState(s connState) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == s
}

// stopReading records why the reader stopped and returns what to give
// rpc.Server. While draining, the reader stops on purpose and calls in flight
// go on; otherwise the peer is gone or broke the protocol, and the calls are
// canceled: nobody will read their responses.
func (c *serverCodec) stopReading(err error) error {
	c.release()
	c.mu.Lock()
	// A message over the limit is answered before the connection closes;
	// the peer may have sent more behind it (a stream's next items), which
	// must be read for that answer to survive (see closeConn).
	c.lingering = c.lingering || errors.Is(err, errTooLarge)
	if c.state == stateServing && c.hello && c.armed && isTimeout(err) {
		// Idle: leave as Shutdown does, so that a call the peer sends
		// as the timeout fires is refused, not lost.
		c.enter(stateDraining)
	}
	c.readErr = io.EOF
	state := c.state
	ended := c.enter(stateEnded) // else ended already, or draining
	c.mu.Unlock()
	switch state {
	case stateDraining:
		// Drained once the go-away is sent: the last response closes the
		// connection from then on, not before.
		c.goAway()
		c.mu.Lock()
		c.enter(stateDrained)
		c.mu.Unlock()
		return io.EOF
	case stateDrained:
		return io.EOF
	}
	c.cancelAll()
	if ended && err != io.EOF && !errors.Is(err, net.ErrClosed) {
		level := slog.LevelDebug
		if errors.Is(err, errTooLarge) || !isConnError(err) {
			level = slog.LevelWarn // a hostile or broken peer, worth a look
		}
		c.opts.log().LogAttrs(context.Background(), level, "netrpcx: closing connection", c.remote(), slog.String("error", err.Error()))
	}
	return io.EOF
}

// sayHello answers a hello request; gzip is whether the peer reads
// compressed messages. A ping's hello says nothing of it, and changes
// nothing.
func (c *serverCodec) sayHello(seq uint64, gzip bool) error {
	c.mu.Lock()
	c.hello = true
	leaving := c.state != stateServing || c.leaving != nil && c.leaving.Load()
	c.mu.Unlock()
	if gzip && c.opts.gzip > 0 {
		c.wmu.Lock()
		c.zw.min = c.opts.gzip
		c.wmu.Unlock()
	}
	return c.writeControl(helloMethod, seq, &hello{Leaving: leaving, Gzip: c.opts.gzip > 0})
}

// goAway tells a peer that said hello that the server reads no more
// requests on this connection, naming the last one it will answer. The
// reader calls it once it has stopped, so that the Seq is final.
func (c *serverCodec) goAway() {
	c.mu.Lock()
	hello := c.hello
	c.mu.Unlock()
	if hello {
		c.writeControl(goAwayMethod, c.lastSeq.Load(), struct{}{})
	}
}

// writeControl writes and flushes a message that answers no call.
func (c *serverCodec) writeControl(method string, seq uint64, body any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.resp = responseHeader{ServiceMethod: method, Seq: seq}
	err := c.enc.Encode(&c.resp)
	if err == nil {
		err = c.enc.Encode(body)
	}
	if err == nil {
		err = c.bw.Flush()
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
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
	return c.respond(r.ServiceMethod, r.Seq, r.Error, body)
}

// respond writes the response of the call seq, with the error text if it
// failed, and retires the call.
func (c *serverCodec) respond(method string, seq uint64, text string, body any) error {
	c.mu.Lock()
	st := c.calls[seq]
	delete(c.calls, seq)
	abandoned := c.state >= stateAbandoned
	c.mu.Unlock()

	var err error
	switch {
	case !abandoned:
		if err = c.write(st, method, seq, text, body); err != nil {
			c.writeFailed()
		}
	case st != nil && st.handled:
		// The connection is closing, and an answer "canceled" would
		// mislead: the caller sees the connection end instead.
		c.responding.Add(-1)
	}
	if st != nil {
		st.obs.End(sentCode(st, text)) // if write did not
		st.obs.Log(context.Background(), c.peer, st.md)
	}

	c.mu.Lock()
	c.inflight--
	if c.full {
		c.full = false
		c.room <- struct{}{} // cannot block: the reader takes it before setting full again
	}
	closeIdle := c.inflight == 0 && c.lastResponseCloses()
	if c.atBoundary && c.deadline != nil {
		c.idleDeadline()
	}
	c.mu.Unlock()
	if closeIdle {
		c.closeConn()
	}
	if st != nil {
		if st.charged > 0 {
			c.budget.release(st.charged)
		}
		st.cancel()
		st.reset()
	}
	return err
}

// write writes the response of the call seq.
func (c *serverCodec) write(st *callState, method string, seq uint64, text string, body any) error {
	if !c.wmu.TryLock() {
		// The writer is busy, perhaps with a peer that reads nothing:
		// the reply waits, held, and the memory budget counts it until
		// it is written, beyond what the call was charged for it before
		// it ran. A batch's items are counted already.
		if _, isBatch := body.(batch); c.budget != nil && body != nil && !isBatch {
			held := sizeOf(reflect.ValueOf(body))
			if st != nil {
				held -= st.guessed
			}
			if held > 0 {
				c.budget.charge(held)
				defer c.budget.release(held)
			}
		}
		c.wmu.Lock()
	}
	defer c.wmu.Unlock()
	c.resp = responseHeader{ServiceMethod: method, Seq: seq, Error: text}
	if text != "" {
		c.resp.Code = responseCode(st, text).String()
	} else if body != nil {
		if body = c.checkResult(method, body); c.resp.Error != "" {
			text = c.resp.Error
			if st != nil {
				st.code = stdrpc.Internal
			}
		}
	}
	c.hw.hold()
	err := c.hx.writeResponse(c.enc, &c.out, &c.resp)
	if err != nil {
		c.hw.release()
	}
	if err == nil {
		if err = c.encodeBody(st, method, text, body); err != nil && c.tw.err == nil {
			c.opts.log().LogAttrs(context.Background(), slog.LevelError, "netrpcx: cannot encode a response; closing the connection",
				slog.String("method", method), slog.String("error", err.Error()))
		}
	}
	var soon int32
	if st != nil && st.handled {
		soon = c.responding.Add(-1)
	} else {
		soon = c.responding.Load()
	}
	if err == nil && soon != 0 {
		// Left for the last of the others (see flushHeld), unless it
		// finished before it could see this.
		c.unflushed.Store(true)
		soon = c.responding.Load()
	}
	if err == nil && soon == 0 {
		err = c.bw.Flush()
		c.unflushed.Store(false)
	}
	return err
}

// sentCode is the code a call's response carries.
func sentCode(st *callState, text string) stdrpc.Code {
	if text == "" {
		return stdrpc.OK
	}
	return responseCode(st, text)
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n uint64
}

func (cw *countingWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.n += uint64(n)
	return n, err
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
	if !c.enter(stateDraining) { // draining already, or ended: it closes by itself
		c.mu.Unlock()
		return
	}
	dl, ok := c.rwc.(interface{ SetReadDeadline(time.Time) error })
	c.wakeable = ok && dl.SetReadDeadline(time.Unix(1, 0)) == nil
	idle := !c.wakeable && c.inflight == 0
	c.mu.Unlock()
	c.endStreams(errStreamShutdown) // their next batches would not be read
	if idle {
		c.Close()
	}
}

// Close is called by rpc.Server once the reader stopped and every call it
// dispatched was answered. Calls the workers run may remain: then the last
// response closes the connection (see lastResponseCloses).
func (c *serverCodec) Close() error {
	c.mu.Lock()
	busy := c.inflight > 0
	c.mu.Unlock()
	if busy {
		return nil
	}
	return c.closeConn()
}

// closeConn closes the connection once every call was answered. When
// draining, or after refusing a message over the limit, it half-closes the
// connection and reads until the peer closes too, so that the responses
// already sent are not lost to a reset caused by requests the server did
// not read.
func (c *serverCodec) closeConn() error {
	var err error
	c.closeOnce.Do(func() {
		// No call is in flight, and the reader accepts none: nothing
		// sends on work any more.
		defer close(c.work)
		defer close(c.closed)
		c.mu.Lock()
		draining := c.state == stateDraining || c.state == stateDrained || c.lingering
		c.enter(stateClosed)
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

// writeFailed closes a connection whose writes fail, which is useless. A
// write that timed out is a peer that read nothing for the write timeout,
// worth a look; one that could not encode a response was logged already.
func (c *serverCodec) writeFailed() {
	c.wmu.Lock()
	err := c.tw.err
	c.wmu.Unlock()
	c.mu.Lock()
	first := c.state < stateAbandoned
	c.mu.Unlock()
	if first && err != nil {
		level := slog.LevelDebug
		if isTimeout(err) {
			level = slog.LevelWarn
		}
		c.opts.log().LogAttrs(context.Background(), level, "netrpcx: closing connection: a write failed", c.remote(), slog.String("error", err.Error()))
	}
	c.closeNow()
}

// closeNow closes the connection at once, canceling every call.
func (c *serverCodec) closeNow() {
	c.mu.Lock()
	c.enter(stateAbandoned)
	c.mu.Unlock()
	c.cancelAll()
	c.rwc.Close()
}

// cancelAll cancels every call in flight, once the connection ended (see
// canceled), and forgets its streams.
func (c *serverCodec) cancelAll() {
	c.mu.Lock()
	for _, st := range c.calls {
		st.cancel()
	}
	var gone []streamer
	for id, s := range c.streams {
		gone = append(gone, s)
		delete(c.streams, id)
	}
	c.mu.Unlock()
	for _, s := range gone {
		s.forget() // outside the lock: it may write the stream's access log
	}
}

func (st *callState) reset() {
	*st = callState{}
	statePool.Put(st)
}
