package netrpcx

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stdrpc/stdrpc"
)

// clientConn is one connection of a Client: a writer shared under a mutex, a
// reader goroutine that delivers responses, and the calls awaiting them.
type clientConn struct {
	ep   *endpoint
	conn io.ReadWriteCloser

	// leaving is set once the server said it goes away, or the endpoint
	// was dropped: no new call goes on this connection, and it closes when
	// the last one is answered.
	leaving atomic.Bool

	wsem    chan struct{} // the writer's lock; a channel so that waiting can end with a context
	writers atomic.Int32  // goroutines writing or waiting to; the last one flushes
	out     *timedWriter  // the connection, under bw
	bw      *sendBuffer
	hw      holdWriter // under enc: takes back a request that fails to encode
	zw      gzipWriter // under enc: compresses, once the server said it reads that
	enc     *gob.Encoder
	hdr     requestHeader // under wsem
	hx      headerWriter  // under wsem: writes hdr through enc (see gobheader.go)
	bx      bodyWriter    // under wsem: writes requests through enc (see gobbody.go)

	fr  *frameReader
	dec *gob.Decoder
	hr  headerReader // the reader's: reads headers past dec (see gobheader.go)
	br  bodyReader   // the reader's: reads results past dec (see gobbody.go)

	mu      sync.Mutex
	seq     uint64
	pending map[uint64]*call // nil once the connection failed
	err     error            // why it failed
	cancels []cancelReq      // cancel requests to send
	ping    bool             // a keepalive ping to send
	reads   atomic.Uint64    // responses read, for keepalive
	kick    chan struct{}    // wakes the flusher
	done    chan struct{}    // closed when the connection failed
}

// call is one call awaiting its response. Whoever removes it from pending
// (the reader, a failing connection, or the caller giving up) owns it; the
// first two signal done.
type call struct {
	reply any
	err   error
	done  chan struct{}
	woken bool // the reader counted the caller among writers (see read)
}

var callPool = sync.Pool{New: func() any { return &call{done: make(chan struct{}, 1)} }}

// newClientConn returns a connection ready for hello; start sets it going.
func newClientConn(ep *endpoint, conn io.ReadWriteCloser) *clientConn {
	o := ep.client.opts
	cc := &clientConn{
		ep:      ep,
		conn:    conn,
		out:     deadlineWriter(conn, o.writeTimeout),
		pending: make(map[uint64]*call),
		kick:    make(chan struct{}, 1),
		wsem:    make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	cc.bw = newSendBuffer(cc.out)
	cc.hw.w = cc.bw
	cc.zw.w = &cc.hw
	cc.enc = gob.NewEncoder(&cc.zw)
	cc.fr = newCheckedFrameReader(conn, o.maxMessage, "netrpcx.WithMaxResponseBytes")
	cc.fr.gzip = o.gzip > 0
	cc.dec = gob.NewDecoder(cc.fr)
	return cc
}

// start starts delivering responses and sending cancel requests.
func (cc *clientConn) start() {
	go cc.read()
	go cc.flusher()
	if o := cc.ep.client.opts; o.keepalive > 0 {
		go cc.keepalive(o.keepalive, o.keepaliveTimeout)
	}
}

// keepalive watches for a server that stopped answering (a stopped
// process, a partition that swallows packets): while calls wait and nothing
// has arrived for interval, it has the flusher send a hello, which every
// net/rpc server answers; if nothing at all arrives within timeout after,
// the connection is failed, so that its calls fail (or go elsewhere) and
// the next call redials. Calls with deadlines need none of this to return
// in time; calls without one would otherwise wait for ever.
func (cc *clientConn) keepalive(interval, timeout time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var seen uint64
	var pinged time.Time
	for {
		select {
		case <-t.C:
		case <-cc.done:
			return
		}
		reads := cc.reads.Load()
		cc.mu.Lock()
		waiting := len(cc.pending) > 0
		cc.mu.Unlock()
		switch {
		case reads != seen || !waiting:
			seen, pinged = reads, time.Time{}
		case pinged.IsZero():
			pinged = time.Now()
			cc.mu.Lock()
			cc.ping = true
			cc.mu.Unlock()
			cc.kickFlusher()
		case time.Since(pinged) >= timeout:
			cc.fail(fmt.Errorf("netrpcx: the server answered nothing, not even a ping, for %v", time.Since(pinged).Round(time.Millisecond)+interval))
			return
		}
	}
}

// hello sends the hello request and reads the answer, within timeout or
// ctx's deadline, whichever comes first: a peer that does not speak net/rpc
// fails the dial, naming what it said, instead of the first call.
func (cc *clientConn) hello(ctx context.Context, timeout time.Duration) error {
	dl := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	if conn, ok := cc.conn.(interface{ SetReadDeadline(time.Time) error }); ok {
		conn.SetReadDeadline(dl)
		defer conn.SetReadDeadline(time.Time{})
		stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Unix(1, 0)) })
		defer stop()
	}
	cc.out.next = dl
	cc.hdr = requestHeader{ServiceMethod: helloMethod}
	err := cc.enc.Encode(&cc.hdr)
	if err == nil {
		if cc.fr.gzip {
			err = cc.enc.Encode(&hello{Gzip: true})
		} else {
			err = cc.enc.Encode(struct{}{}) // as before compression, for the peers of then
		}
	}
	if err == nil {
		err = cc.bw.Flush()
	}
	cc.out.next = time.Time{}
	if err != nil {
		return err
	}
	var rh responseHeader
	if err := cc.dec.Decode(&rh); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return cc.notRPC(err, timeout)
	}
	switch {
	case rh.ServiceMethod != helloMethod || rh.Seq != 0:
		return fmt.Errorf("netrpcx: the server answered the hello with %q, seq %d: it is not a net/rpc server", rh.ServiceMethod, rh.Seq)
	case rh.Error != "": // a stock server: it speaks net/rpc, and that is all it says
		return discard(cc.dec)
	}
	var h hello
	if err := cc.dec.Decode(&h); err != nil {
		return cc.notRPC(err, timeout)
	}
	if h.Leaving {
		return errLeaving
	}
	if h.Gzip {
		cc.zw.min = cc.ep.client.opts.gzip // zero without the option
	}
	return nil
}

// notRPC explains why a hello's answer did not read as net/rpc.
func (cc *clientConn) notRPC(err error, timeout time.Duration) error {
	got := cc.fr.received()
	if len(got) == 0 {
		if isTimeout(err) {
			return fmt.Errorf("netrpcx: no answer to the net/rpc hello within %v: is the server a net/rpc server? (%w)", timeout, err)
		}
		return fmt.Errorf("netrpcx: the server closed the connection without answering the net/rpc hello: %w", err)
	}
	if bytes.HasPrefix(got, []byte("HTTP/")) {
		line, _, _ := bytes.Cut(got, []byte("\r\n"))
		return fmt.Errorf("netrpcx: the server answered %q: it speaks HTTP, not net/rpc (call it with the generated HTTP client, or dial its net/rpc port)", line)
	}
	return fmt.Errorf("netrpcx: the server's answer to the net/rpc hello is not gob (it began %q): %w", got[:min(len(got), 32)], err)
}

// cancelReq names a call (seq) or a stream to cancel.
type cancelReq struct{ seq, stream uint64 }

// call makes one call; stream, if not zero, names the open stream whose next
// batch it asks for.
func (cc *clientConn) call(ctx context.Context, method string, timeout time.Duration, md stdrpc.Metadata, stream uint64, pres presence, args, reply any) error {
	seq, pc, err := cc.send(ctx, method, timeout, md, stream, pres, args, reply)
	if err != nil {
		return err
	}
	return cc.await(ctx, seq, pc)
}

// send writes the request of a call and returns the call, to be awaited
// (await, or collect once pc.done fired) or given up (abandon). Callers
// that send several calls in turn, as a stream's sender does, have them
// written in that order.
func (cc *clientConn) send(ctx context.Context, method string, timeout time.Duration, md stdrpc.Metadata, stream uint64, pres presence, args, reply any) (uint64, *call, error) {
	// Wait for the writer, or for ctx: a caller queued behind a writer that
	// the network holds up gives up in time, having sent nothing.
	cc.writers.Add(1)
	if done := ctx.Done(); done == nil {
		cc.wsem <- struct{}{}
	} else {
		select {
		case cc.wsem <- struct{}{}:
		case <-done:
			if cc.writers.Add(-1) == 0 {
				cc.kickFlusher() // the writer may have left the flush to us
			}
			return 0, nil, ctxError(ctx)
		}
	}

	pc := callPool.Get().(*call)
	pc.reply = reply
	cc.mu.Lock()
	if cc.pending == nil || cc.leaving.Load() {
		cc.mu.Unlock()
		if cc.writers.Add(-1) == 0 {
			cc.kickFlusher() // the writer may have left the flush to us
		}
		<-cc.wsem
		callPool.Put(pc)
		return 0, nil, errNotSent
	}
	cc.seq++
	seq := cc.seq
	cc.pending[seq] = pc
	cc.mu.Unlock()

	err := cc.write(seq, method, timeout, md, stream, pres, args)
	cc.out.next = time.Time{}
	if cc.bw.stalled {
		cc.kickFlusher()
	}
	<-cc.wsem
	if err != nil {
		cc.mu.Lock()
		mine := cc.pending[seq] == pc
		if mine {
			delete(cc.pending, seq)
		}
		cc.mu.Unlock()
		full := err == errQueueFull
		unsent := full || errors.Is(err, errEncode) // nothing of it was written
		if !unsent {
			// The stream may hold part of a request: the connection is unusable.
			cc.fail(err)
		}
		refused := false
		if !mine {
			<-pc.done // fail, or a go-away, delivered to it already
			cc.woke(pc)
			refused = pc.err == errNotSent
		}
		pc.reply, pc.err = nil, nil
		callPool.Put(pc)
		switch {
		case full: // the caller's deadline passed while earlier requests waited
			return 0, nil, stdrpc.NewError(stdrpc.DeadlineExceeded, fmt.Errorf("%w: %w", context.DeadlineExceeded, err))
		case unsent:
			return 0, nil, stdrpc.NewError(stdrpc.InvalidArgument, err)
		case refused: // the server said it read no request after an earlier one
			return 0, nil, errNotSent
		}
		return 0, nil, &lostError{err}
	}
	return seq, pc, nil
}

// await waits for the response of the call seq that send returned, or for
// ctx to end.
func (cc *clientConn) await(ctx context.Context, seq uint64, pc *call) error {
	if done := ctx.Done(); done != nil {
		select {
		case <-pc.done:
		case <-done:
			// A deadline needs no cancel request: the server's context
			// has the same deadline and ends by itself, with the right error.
			if cc.abandon(seq, pc, ctx.Err() == context.Canceled) {
				return ctxError(ctx)
			}
			<-pc.done // the response is being delivered; it takes no longer than decoding
		}
	} else {
		<-pc.done
	}
	return cc.collect(pc)
}

// abandon gives up the call seq, telling the server to cancel it if
// cancel is set. It reports whether the call was still waiting; if not,
// its response is being delivered, and the caller waits for pc.done and
// collects it.
func (cc *clientConn) abandon(seq uint64, pc *call, cancel bool) bool {
	cc.mu.Lock()
	mine := cc.pending[seq] == pc
	if mine {
		delete(cc.pending, seq)
		if cancel {
			cc.cancels = append(cc.cancels, cancelReq{seq: seq})
		}
	}
	cc.mu.Unlock()
	if !mine {
		return false
	}
	if cancel {
		cc.kickFlusher()
	}
	pc.reply = nil
	callPool.Put(pc)
	return true
}

// collect returns the outcome of a call whose pc.done fired, and recycles
// pc.
func (cc *clientConn) collect(pc *call) error {
	cc.woke(pc)
	err := pc.err
	pc.reply, pc.err = nil, nil
	callPool.Put(pc)
	return err
}

// woke ends the count of a woken caller among the writers (see read). If
// it was the last, the flusher sends the requests others wrote meanwhile;
// the caller does not wait for that write.
func (cc *clientConn) woke(pc *call) {
	if pc.woken {
		pc.woken = false
		if cc.writers.Add(-1) == 0 {
			cc.kickFlusher()
		}
	}
}

// errNotSent reports that the connection had failed before the request was
// written, so that the call can go on another connection.
var errNotSent = errors.New("netrpcx: connection failed before the request was sent")

// errEncode marks a request that could not be encoded: the caller's mistake.
var errEncode = errors.New("cannot encode the request")

// write writes one request; the caller holds wsem. Writers that know of
// others waiting leave the flush to the last of them, so that concurrent
// calls share writes.
func (cc *clientConn) write(seq uint64, method string, timeout time.Duration, md stdrpc.Metadata, stream uint64, pres presence, args any) error {
	if timeout > 0 {
		// A write blocked at the deadline lets the caller go; the flusher
		// finishes it (see sendBuffer).
		cc.out.next = time.Now().Add(timeout)
	}
	if err := cc.bw.room(); err != nil {
		cc.writers.Add(-1)
		return err
	}
	pushed, items := args.(batch) // a stream's items: see push.go
	cc.hdr = requestHeader{ServiceMethod: method, Seq: seq, Timeout: int64(timeout), Metadata: flatten(md), Stream: stream, Items: items, Nil: pres.isNil, Present: pres.present}
	// The request is held until it is whole: if args cannot be encoded,
	// its header is taken back and nothing of it is sent (see holdWriter),
	// so the connection serves the calls after it.
	cc.hw.hold()
	err := cc.hx.writeRequest(cc.enc, &cc.zw, &cc.hdr)
	if err == nil {
		hdr := cc.hw.mark()
		if err = cc.bx.write(cc.enc, &cc.zw, args); err != nil {
			cc.hw.drop(hdr)
			err = fmt.Errorf("netrpcx: %w of %s: %w", errEncode, method, err)
		} else if items {
			pushed.wrote(cc.zw.last)
		}
	}
	if werr := cc.hw.release(); werr != nil {
		err = werr
	}
	unsent := errors.Is(err, errEncode)
	if cc.writers.Add(-1) == 0 && (err == nil || unsent) {
		if ferr := cc.bw.Flush(); ferr != nil {
			err = ferr
		}
	}
	return err
}

func (cc *clientConn) kickFlusher() {
	select {
	case cc.kick <- struct{}{}:
	default:
	}
}

// flusher sends the cancel requests of calls abandoned by their callers,
// and flushes what a writer left for a caller that then gave up. It runs
// apart from the callers so that giving up never waits for the writer.
func (cc *clientConn) flusher() {
	var reqs []cancelReq
	for {
		select {
		case <-cc.kick:
		case <-cc.done:
			return
		}
		cc.mu.Lock()
		reqs, cc.cancels = cc.cancels, reqs[:0]
		ping := cc.ping
		cc.ping = false
		cc.mu.Unlock()
		cc.writers.Add(1)
		cc.wsem <- struct{}{}
		var err error
		if ping { // answered with seq 0, which no call has: the reader drops it
			cc.hdr = requestHeader{ServiceMethod: helloMethod}
			if err = cc.enc.Encode(&cc.hdr); err == nil {
				err = cc.enc.Encode(struct{}{})
			}
		}
		for _, r := range reqs {
			cc.hdr = requestHeader{ServiceMethod: cancelMethod, Seq: r.seq, Stream: r.stream}
			if err = cc.enc.Encode(&cc.hdr); err == nil {
				err = cc.enc.Encode(struct{}{})
			}
			if err != nil {
				break
			}
		}
		if cc.writers.Add(-1) == 0 && err == nil {
			err = cc.bw.Flush()
		}
		<-cc.wsem
		if err != nil {
			cc.fail(err)
			return
		}
	}
}

// read delivers responses until the connection fails.
//
// A caller woken while more responses are buffered behind its own counts
// among the writers until it has the response (see woke): callers woken
// together are likely to call again together, and the requests of those
// that run first wait in the buffer for the last, so that they leave in
// one write instead of one each. With one caller nothing is buffered
// behind a response, and a caller flushes its own request at once.
func (cc *clientConn) read() {
	var hdr responseHeader
	for {
		if err := cc.hr.readResponse(cc.fr, cc.dec, &hdr); err != nil {
			cc.fail(err)
			return
		}
		cc.reads.Add(1)
		if hdr.ServiceMethod == goAwayMethod && hdr.Error == "" {
			if err := discard(cc.dec); err != nil {
				cc.fail(err)
				return
			}
			cc.goAway(hdr.Seq)
			continue
		}
		cc.mu.Lock()
		pc := cc.pending[hdr.Seq]
		if pc != nil {
			delete(cc.pending, hdr.Seq)
		}
		idle := len(cc.pending) == 0 && cc.leaving.Load()
		cc.mu.Unlock()

		var err error
		switch {
		case pc == nil: // abandoned, or the answer to a cancel request
			err = discard(cc.dec)
		case hdr.Error != "":
			pc.err = remoteError(hdr.Code, hdr.Error)
			err = discard(cc.dec)
		default:
			if err = cc.br.read(cc.fr, cc.dec, pc.reply); err != nil && cc.fr.err == nil {
				// The value did not fit reply; the stream is fine.
				pc.err = stdrpc.Errorf(stdrpc.Internal, "netrpcx: cannot decode the response of seq %d into %T: %w", hdr.Seq, pc.reply, err)
				err = nil
			} else if err == nil && (hdr.Nil || hdr.Present != nil) {
				received(pc.reply, hdr.Nil, hdr.Present)
			}
		}
		if err != nil {
			if pc != nil {
				pc.err = &lostError{err}
				pc.done <- struct{}{}
			}
			cc.fail(err)
			return
		}
		if pc != nil {
			if cc.fr.more() {
				pc.woken = true
				cc.writers.Add(1)
			}
			pc.done <- struct{}{}
		}
		if idle {
			cc.fail(errGoneAway)
			return
		}
	}
}

// goAway handles the server's word that it read no request after last:
// later calls were never read, so they go elsewhere, and no call is sent
// here any more. The connection closes once the rest are answered.
func (cc *clientConn) goAway(last uint64) {
	var refused []*call
	cc.mu.Lock()
	cc.leaving.Store(true)
	for seq, pc := range cc.pending {
		if seq > last {
			delete(cc.pending, seq)
			refused = append(refused, pc)
		}
	}
	idle := cc.pending != nil && len(cc.pending) == 0
	cc.mu.Unlock()
	cc.ep.lost(cc, errLeaving)
	for _, pc := range refused {
		pc.err = errNotSent
		pc.done <- struct{}{}
	}
	if idle {
		cc.fail(errGoneAway)
	}
}

// retire lets the connection go once the calls on it are answered.
func (cc *clientConn) retire() {
	cc.mu.Lock()
	cc.leaving.Store(true)
	idle := cc.pending != nil && len(cc.pending) == 0
	cc.mu.Unlock()
	if idle {
		cc.fail(errGoneAway)
	}
}

var errGoneAway = errors.New("netrpcx: the connection was let go")

// cancelStream tells the server to end the open stream id; the flusher
// sends the request. It does nothing once the connection failed, which ends
// the server's streams anyway.
func (cc *clientConn) cancelStream(id uint64) {
	cc.mu.Lock()
	live := cc.pending != nil
	if live {
		cc.cancels = append(cc.cancels, cancelReq{stream: id})
	}
	cc.mu.Unlock()
	if live {
		cc.kickFlusher()
	}
}

// failure returns why the connection failed.
func (cc *clientConn) failure() error {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.err
}

// fail closes the connection for good and fails every pending call.
func (cc *clientConn) fail(err error) error {
	cc.mu.Lock()
	if cc.pending == nil {
		cc.mu.Unlock()
		return nil
	}
	if err == io.EOF {
		err = errors.New("the server closed the connection")
	}
	cc.err = err
	pending := cc.pending
	cc.pending = nil
	cc.mu.Unlock()

	close(cc.done)
	cerr := cc.conn.Close()
	cc.ep.lost(cc, err)
	lost := &lostError{err}
	for _, pc := range pending {
		pc.err = lost
		pc.done <- struct{}{}
	}
	return cerr
}

// discard reads and drops one value.
func discard(dec *gob.Decoder) error { return dec.DecodeValue(reflect.Value{}) }

func unavailable(err error) error {
	if errors.Is(err, errClientClosed) {
		return stdrpc.NewError(stdrpc.Unavailable, err)
	}
	return stdrpc.Errorf(stdrpc.Unavailable, "netrpcx: connection lost: %w", err)
}

// remoteError rebuilds the error a server sent.
func remoteError(code, text string) *stdrpc.Error {
	if code == "" { // a stock server: its error strings are all it has
		c := stdrpc.Unknown
		if strings.HasPrefix(text, "rpc: can't find ") {
			c = stdrpc.Unimplemented
		}
		return stdrpc.Errorf(c, "%s", text)
	}
	c, ok := stdrpc.ParseCode(code)
	if !ok || c == stdrpc.OK {
		return stdrpc.Errorf(stdrpc.Unknown, "%s", text) // a newer peer's code: keep its name in the text
	}
	// A netrpcx server sends the *stdrpc.Error's text, "code: message".
	if text == code {
		return stdrpc.Errorf(c, "")
	}
	return stdrpc.Errorf(c, "%s", strings.TrimPrefix(text, code+": "))
}

// A lostError is the failure of a call whose request was sent, or may have
// been, when its connection broke: the server may have run it.
type lostError struct{ err error }

func (e *lostError) Error() string { return e.err.Error() }
func (e *lostError) Unwrap() error { return e.err }
