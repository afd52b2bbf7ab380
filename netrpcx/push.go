package netrpcx

import (
	"context"
	"encoding/gob"
	"errors"
	"iter"
	"strings"

	"github.com/stdrpc/stdrpc"
)

// The caller's items of a client or bidirectional stream travel as
// ordinary net/rpc calls of the stream's method, pushes, each carrying a
// Batch of items and marked Items in the request header:
//
//   - The first opens the stream (Stream zero in the header). The server
//     files the stream, starts the implementation, and answers at once
//     with a pushAck naming the stream, so that the client can go on
//     whether or not the implementation reads yet. A client stream whose
//     items all fit in that first batch (Done) is answered with its
//     result instead: one call in all.
//   - Each later push names the stream in the header. The server answers
//     it once the implementation has taken its items; the client keeps at
//     most pushWindow pushes unanswered, which is the flow control: the
//     server holds no more than pushWindow batches and the opening one
//     per stream, and the client pulls the caller's iterator only as it
//     may send. The batch whose Done is set is the last.
//   - A pushAck with Closed says the server takes no more items (the
//     implementation returned, or broke out of its range): the client
//     stops pulling the caller's iterator and sends nothing more.
//
// The server's answers come as calls without items that name the stream:
// a client stream's one such call is answered with the result when the
// implementation returns; a bidirectional stream's are the calls of a
// server stream, each answered with the next Batch of the server's items.
// Canceling (a cancel request naming the stream) and the deadline (the
// opening call's) work as for server streams.

// pushWindow is how many pushes of one stream a client has unanswered at
// once.
const pushWindow = 4

// A batch holds at most maxBatchItems items, and its message about
// batchBytes, judged by the size of the items the client sent last: well
// under any message limit a server is likely to have, and large enough
// that small items go in full batches. A server with a smaller limit
// (WithMaxMessageBytes) tells the client, which then keeps batches under
// half of it. The first batch, sent before the server said anything, aims
// at firstBatchBytes.
const (
	batchBytes      = 64 << 10
	firstBatchBytes = 32 << 10
)

// A pushAck answers a push.
type pushAck struct {
	// Stream names the stream the items went to.
	Stream uint64

	// Closed reports that the server takes no more items: send no more.
	Closed bool

	// Limit is the server's limit on a message, in the answer to the
	// opening push: a batch must fit in it.
	Limit int64
}

func (b *Batch[T]) wrote(n int) { b.size = n }

// source runs the caller's iterator on a goroutine of its own, at most
// one batch of items ahead of the sender, so that the sender can take the
// items that are ready without waiting for the next. It stops, returning
// false from yield, at the iterator's next item once the sender quits; the
// stream does not wait for that.
type source[T any] struct {
	items    chan T        // closed when the iterator ended
	quit     chan struct{} // closed when the sender wants no more items
	panicked any           // what the iterator panicked with, before items closed
	stopped  bool
}

func startSource[T any](in iter.Seq[T]) *source[T] {
	s := &source[T]{items: make(chan T, maxBatchItems), quit: make(chan struct{})}
	go s.run(in)
	return s
}

func (s *source[T]) run(in iter.Seq[T]) {
	defer close(s.items)
	defer func() {
		if p := recover(); p != nil {
			s.panicked = p // re-raised on the caller's goroutine: see check
		}
	}()
	for v := range in {
		select {
		case <-s.quit:
			return
		default:
		}
		select {
		case s.items <- v:
		case <-s.quit:
			return
		}
	}
}

// stop tells the iterator to stop at its next item.
func (s *source[T]) stop() {
	if !s.stopped {
		s.stopped = true
		close(s.quit)
	}
}

// errSourcePanicked ends a stream whose caller's iterator panicked; the
// stream's function re-raises the panic on the caller's goroutine.
var errSourcePanicked = errors.New("netrpcx: the iterator of the stream's items panicked")

// sender sends the caller's items of one stream.
type sender[T any] struct {
	cc     *clientConn
	method string
	id     uint64
	src    *source[T]
	b      Batch[T]

	unanswered []push // oldest first
	perItem    int    // bytes an item takes, judged by the last batch; 0 before
	target     int    // the bytes a batch aims at
	closed     bool   // the server takes no more items
}

// push is a push awaiting its answer.
type push struct {
	seq uint64
	pc  *call
	ack *pushAck
}

func newSender[T any](method string, in iter.Seq[T]) *sender[T] {
	return &sender[T]{method: method, src: startSource(in), target: firstBatchBytes}
}

// first fills the first batch: with the items ready, or, if wait is set,
// with at least one item or the end of the caller's items.
func (p *sender[T]) first(ctx context.Context, wait bool) error {
	p.b.Items = p.b.Items[:0]
	if wait {
		select {
		case v, ok := <-p.src.items:
			if !ok {
				p.b.Done = true
				return p.src.check()
			}
			p.b.Items = append(p.b.Items, v)
		case <-ctx.Done():
			return ctxError(ctx)
		}
	}
	return p.fill()
}

// fill adds to b the items that are ready, up to what a batch holds, and
// marks it Done when the caller's items end.
func (p *sender[T]) fill() error {
	for {
		if n := len(p.b.Items); n > 0 {
			if p.perItem == 0 {
				p.perItem = probe(p.b.Items[0])
			}
			if n >= max(1, min(maxBatchItems, p.target/p.perItem)) {
				return nil
			}
		}
		select {
		case v, ok := <-p.src.items:
			if !ok {
				p.b.Done = true
				return p.src.check()
			}
			p.b.Items = append(p.b.Items, v)
		default:
			return nil
		}
	}
}

// probe returns the size of v's gob message: the first batch's measure
// of an item, before the client has sent any.
func probe[T any](v T) int {
	var n byteCounter
	if err := gob.NewEncoder(&n).Encode(&v); err != nil || n == 0 {
		return 1 // sending it will fail, and say why
	}
	return int(n)
}

type byteCounter int

func (n *byteCounter) Write(p []byte) (int, error) {
	*n += byteCounter(len(p))
	return len(p), nil
}

// check reports a panic of the caller's iterator, once items was seen
// closed.
func (s *source[T]) check() error {
	if s.panicked != nil {
		return errSourcePanicked
	}
	return nil
}

// open sends the push that opens the stream, with the batch first
// filled, and returns the server's answer. The client learns of the
// stream only from that answer, so if ctx is canceled first open returns
// at once and lets the answer, when it comes, tell the server to end the
// stream it opened.
func (p *sender[T]) open(ctx context.Context, c *Client, ack *pushAck) (*clientConn, error) {
	if ctx.Done() == nil {
		cc, err := c.callOn(ctx, p.method, &p.b, ack, false)
		return p.answer(cc, err, ack)
	}
	octx, cancel := detached(ctx)
	type answer struct {
		cc  *clientConn
		err error
	}
	done := make(chan answer, 1)
	go func() {
		defer cancel()
		cc, err := c.callOn(octx, p.method, &p.b, ack, false)
		done <- answer{cc, err}
	}()
	select {
	case a := <-done:
		return p.answer(a.cc, a.err, ack)
	case <-ctx.Done():
		go func() {
			if a := <-done; a.err == nil && ack.Stream != 0 && !deadlinePassed(ctx) {
				a.cc.cancelStream(ack.Stream)
			}
		}()
		return nil, ctxError(ctx)
	}
}

// detached returns a context with ctx's values and deadline that its
// cancellation does not end.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	d := context.WithoutCancel(ctx)
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(d, dl)
	}
	return d, func() {}
}

// answer checks the answer to the opening push.
func (p *sender[T]) answer(cc *clientConn, err error, ack *pushAck) (*clientConn, error) {
	if err != nil {
		return nil, opening(err)
	}
	if ack.Stream == 0 {
		return nil, stdrpc.Errorf(stdrpc.Internal,
			"netrpcx: %s answered the first batch of a stream without naming the stream: is the server netrpcx, and the method a client or bidirectional stream there?", p.method)
	}
	return cc, nil
}

// opened records the answer to the opening push.
func (p *sender[T]) opened(cc *clientConn, ack *pushAck) {
	p.cc, p.id, p.closed = cc, ack.Stream, ack.Closed
	p.measure()
	p.target = batchBytes
	if ack.Limit > 0 && int(ack.Limit/2) < p.target {
		p.target = int(ack.Limit / 2)
	}
	if p.closed || p.b.Done {
		p.src.stop()
	}
}

// measure judges the size of an item by the batch just sent.
func (p *sender[T]) measure() {
	if n := len(p.b.Items); n > 0 && p.b.size > 0 {
		p.perItem = max(1, p.b.size/n)
	}
	clear(p.b.Items) // the items are sent: the batch holds on to none
	p.b.Items = p.b.Items[:0]
	p.b.size = 0
}

// run sends the caller's items until they end (the last batch, Done, is
// sent) or the server takes no more, and then waits for the pushes'
// answers; it returns early when ctx ends, a push fails, or stop fires
// (errStopped). An answer is taken as soon as it arrives, whatever else
// run waits for: a caller whose answer arrived counts among the
// connection's writers until it takes it, holding back their flushes.
func (p *sender[T]) run(ctx context.Context, stop <-chan struct{}) error {
	for {
		var oldest <-chan struct{}
		if len(p.unanswered) > 0 {
			oldest = p.unanswered[0].pc.done
			select {
			case <-oldest:
				if err := p.answered(); err != nil {
					return err
				}
				continue
			default:
			}
		}
		items := p.src.items
		if len(p.unanswered) >= pushWindow || p.closed || p.b.Done {
			items = nil // no room, or nothing more to send
			if oldest == nil {
				p.src.stop()
				return nil
			}
		}
		select {
		case v, ok := <-items:
			if !ok {
				if err := p.src.check(); err != nil {
					return err
				}
				p.b.Done = true
			} else {
				p.b.Items = append(p.b.Items, v)
				if err := p.fill(); err != nil {
					return err
				}
			}
			if err := p.send(ctx); err != nil {
				return err
			}
		case <-oldest:
			if err := p.answered(); err != nil {
				return err
			}
		case <-stop:
			return errStopped
		case <-ctx.Done():
			return ctxError(ctx)
		}
	}
}

// errStopped is run's return when its stop channel fired.
var errStopped = errors.New("netrpcx: stopped sending")

// send sends b as the stream's next push.
func (p *sender[T]) send(ctx context.Context) error {
	timeout, err := timeLeft(ctx)
	if err != nil {
		return err
	}
	p.b.Stream = p.id
	pres, args, err := outgoing(p.method, &p.b)
	if err != nil {
		return err
	}
	ack := new(pushAck)
	seq, pc, err := p.cc.send(ctx, p.method, timeout, nil, p.id, pres, args, ack)
	if err != nil {
		return p.lost(err)
	}
	p.unanswered = append(p.unanswered, push{seq, pc, ack})
	p.measure()
	return nil
}

// answered takes the answer of the oldest push, which arrived.
func (p *sender[T]) answered() error {
	u := p.unanswered[0]
	p.unanswered = p.unanswered[1:]
	if err := p.cc.collect(u.pc); err != nil {
		return p.lost(err)
	}
	if u.ack.Closed {
		p.closed = true
		p.src.stop()
	}
	return nil
}

// settle waits for the answers of the pushes unanswered, or for ctx, and
// returns the first failure among them. A stream that failed on the
// server, or whose connection did, has every push answered at once; a
// failed push (a batch over the server's limit, which also closes the
// connection and so cancels the stream) explains the failure better than
// the stream's own error.
func (p *sender[T]) settle(ctx context.Context) error {
	var first error
	for len(p.unanswered) > 0 {
		u := p.unanswered[0]
		select {
		case <-u.pc.done:
		case <-ctx.Done():
			return first
		}
		p.unanswered = p.unanswered[1:]
		var lost *lostError
		if err := p.cc.collect(u.pc); err != nil && first == nil && !errors.As(err, &lost) {
			first = err
		}
	}
	return first
}

// drop gives up the pushes still unanswered: their answers, which the
// server sends all the same, are discarded.
func (p *sender[T]) drop() {
	for _, u := range p.unanswered {
		if !p.cc.abandon(u.seq, u.pc, false) {
			<-u.pc.done
			p.cc.collect(u.pc)
		}
	}
	p.unanswered = nil
	p.src.stop()
}

// lost turns the failure of a call on the stream's connection into the
// stream's error.
func (p *sender[T]) lost(err error) error {
	var lost *lostError
	switch {
	case err == errNotSent:
		if cause := p.cc.failure(); cause != nil {
			return unavailable(cause)
		}
		return unavailable(errLeaving)
	case errors.As(err, &lost):
		return unavailable(lost.err)
	}
	return err
}

// opening maps the failure of the call that opens a stream. A stock
// server serving the generated adapter answers with the adapter's error,
// whose text names its code though no code came with it.
func opening(err error) error {
	var e *stdrpc.Error
	prefix := stdrpc.Unimplemented.String() + ": "
	if errors.As(err, &e) && e.Code() == stdrpc.Unknown && strings.HasPrefix(e.Message(), prefix) {
		return stdrpc.Errorf(stdrpc.Unimplemented, "%s", strings.TrimPrefix(e.Message(), prefix))
	}
	return err
}

// reraise re-raises on the caller's goroutine a panic of the caller's
// iterator.
func (p *sender[T]) reraise(err error) {
	if err == errSourcePanicked || errors.Is(err, errSourcePanicked) {
		panic(p.src.panicked)
	}
}
