package netrpcx

import (
	"context"
	"iter"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/observe"
)

// A server stream travels as ordinary net/rpc calls of its method, each
// answered with a Batch: the first call carries the request and opens the
// stream; each later call names the stream in its request header and gets
// the next batch. The server's dispatch, the in-flight bound and every
// stock peer's view of the connection stay as they are for unary calls, and
// the consumer sets the pace: the producer runs at most streamBuffer items
// ahead of the last batch asked for, then waits in yield. The items it runs
// ahead are charged to the server's memory budget, and may fill only a
// share of it (see acquireAhead): past that, a producer that has any item
// ahead waits in yield too, and the charge goes with each batch until its
// response is written.

// A Batch is the reply of one call of a server stream: the next items of
// the stream. It travels as gob; generated code names it as the reply type
// of a stream's adapter method, and Stream reads it. It is also the
// request of a client or bidirectional stream's adapter method, carrying
// the caller's items (see push.go): there Done marks the caller's last
// batch.
type Batch[T any] struct {
	// Stream names the stream on its connection. Every batch carries it;
	// the caller puts it in the request header of the calls for the
	// following batches and of the cancel request that ends the stream
	// early.
	Stream uint64

	// Items are the next items, in the order the stream yielded them; at
	// least one unless Done.
	Items []T

	// Done reports that the stream ended after Items, without an error:
	// there is no next batch. A stream that fails has no Done batch: the
	// call for its next batch fails with the stream's error (its code in
	// the response header), after batches holding every item yielded
	// before the error.
	Done bool

	size int // the bytes of the message it went in, once a client sent it
}

// batch is implemented by every Batch: NewMethod tells a stream's method by
// its reply, and a client a call carrying a stream's items by its request.
type batch interface {
	isBatch()
	wrote(n int) // the client sent the batch in a message of n bytes
}

func (*Batch[T]) isBatch() {}

const (
	// streamBuffer is how many items a producer may run ahead of its
	// consumer: the backpressure bound, per stream.
	streamBuffer = 64
	// maxBatchItems is the most items one batch carries.
	maxBatchItems = 64
)

// HandleStream is RunStream under its former name.
//
// Deprecated: generated code calls RunStream; regenerate to use it.
func HandleStream[T any](args any, resp *Batch[T], call func(context.Context) iter.Seq2[T, error]) error {
	return RunStream(args, resp, call)
}

// RunStream is what the exported adapter method of a server stream
// returns: netrpcx servers call the stream's Streaming call instead, so only
// a stock codec reaches it, which cannot carry a stream.
//
// On a netrpcx server, the first call of a stream starts call's iterator on a goroutine of its
// own and answers with the first batch: it waits for at least one item, the
// end, or an error, and takes what else is ready, up to a batch's worth.
// Later calls answer the next batches. The iterator's context carries the
// first call's deadline and metadata, and is canceled when the caller
// breaks out of its loop or cancels, when the connection closes, or when
// the server shuts down. The server's interceptors wrap the whole stream:
// they see the context the iterator gets and the error that ends the
// stream. A panic in the iterator ends the stream with stdrpc.Internal after
// the items it yielded; errors are mapped as Run maps them.
//
// Streams need netrpcx at both ends: served by a stock codec (rpc.ServeConn,
// jsonrpc.ServeConn) the call fails with stdrpc.Unimplemented. args, resp
// and call are the adapter's, kept so that the adapter reads as the
// method it serves.
func RunStream[T any](args any, resp *Batch[T], call func(context.Context) iter.Seq2[T, error]) error {
	return stdrpc.Errorf(stdrpc.Unimplemented,
		"netrpcx: the method is a server stream, which needs a netrpcx server (netrpcx.Serve or Server.ServeConn) and a netrpcx client (netrpcx.Stream); the stock net/rpc codecs cannot carry it")
}

// runStream answers the call st of a stream with its next batch.
func runStream[T any](st *callState, resp *Batch[T], call func(context.Context) iter.Seq2[T, error]) error {
	c := st.codec
	var s *serverStream[T]
	var err error
	if st.stream == 0 {
		s, err = openStream(st, call)
	} else {
		s, err = findStream[T](st)
	}
	if err == nil {
		var end bool
		var charged int64
		charged, end, err = s.next(st.ctx, resp)
		st.charged += charged // released once the batch is written
		if len(resp.Items) > 0 && s.observed {
			s.omu.Lock()
			s.obs.Items(len(resp.Items))
			s.omu.Unlock()
		}
		if end {
			c.closeStream(s.id)
		}
	}
	err = st.streamError(err)
	st.answered()
	return err
}

// notAStream is the error of a call that names a stream but reached a
// method that is not a stream.
func notAStream(st *callState) error {
	st.code = stdrpc.InvalidArgument
	return stdrpc.Errorf(stdrpc.InvalidArgument,
		"netrpcx: the call names stream %d, but %s.%s is not a stream: call it without a stream", st.stream, st.info.Service, st.info.Method)
}

// streamer is what a connection knows of each open stream, whatever its
// item type.
type streamer interface {
	// end cancels the stream's context. A non-nil stop replaces the error
	// the stream then ends with.
	end(stop error)
	// forget ends the stream once the connection no longer has it.
	forget()
}

// serverStream is one open server stream: a producer goroutine feeding items,
// and the calls that take them in batches.
type serverStream[T any] struct {
	id     uint64
	info   stdrpc.CallInfo
	cancel context.CancelFunc

	// items carries the producer's items; it is closed when the producer
	// returns, after err is set.
	items chan ahead[T]
	err   error // why the stream ended: nil when complete

	budget *memBudget // the server's, charged for the items ahead; or nil
	size   int64      // the size of every item, if T holds nothing outside itself; else -1

	busy atomic.Bool // a batch is being answered

	in any // a bidirectional stream's *inbound: the caller's items

	mu      sync.Mutex
	stop    error // set by end: the error the stream ends with instead
	ahead   int64 // charged to budget for the items in items
	settled bool  // the connection forgot the stream, and ahead was released

	// The stream as an Observer sees it. It ends when both the producer
	// has returned and the connection has forgotten the stream (refs);
	// omu orders the batches' counts of items and the end.
	observed bool
	refs     atomic.Int32
	omu      sync.Mutex
	obs      observe.Call
	codec    *serverCodec
	md       stdrpc.Metadata
}

// errStreamShutdown ends the streams of a server that shuts down: their
// next batches would not be read.
var errStreamShutdown = stdrpc.Errorf(stdrpc.Unavailable,
	"netrpcx: the server is shutting down and cut the stream; call again (on another server, or once this one is back)")

// openStream starts st's stream and files it on the connection.
func openStream[T any](st *callState, call func(context.Context) iter.Seq2[T, error]) (*serverStream[T], error) {
	c := st.codec
	// The stream outlives this call, so its context is not the call's: it
	// has the call's deadline, and the connection ends it through c.streams.
	var ctx context.Context
	var cancel context.CancelFunc
	if dl, ok := st.ctx.Deadline(); ok {
		ctx, cancel = context.WithDeadline(context.Background(), dl)
	} else {
		ctx, cancel = context.WithCancel(context.Background())
	}
	if st.md != nil {
		ctx = stdrpc.WithIncoming(ctx, st.md)
	}
	s := &serverStream[T]{info: st.info, cancel: cancel, items: make(chan ahead[T], streamBuffer), budget: c.budget, size: -1}
	if t := reflect.TypeFor[T](); flat(t) {
		s.size = int64(t.Size())
	}
	if st.obs.Observing() {
		s.observed, s.codec, s.md = true, c, st.md
		s.refs.Store(2)
	}

	limit := max(1, c.opts.maxInFlight/2)
	c.mu.Lock()
	var err error
	switch {
	case c.canceled():
		err = stdrpc.Errorf(stdrpc.Canceled, "netrpcx: the connection closed")
	case c.state != stateServing:
		err = errStreamShutdown
	case len(c.streams) >= limit:
		err = stdrpc.Errorf(stdrpc.ResourceExhausted,
			"netrpcx: the connection has %d open streams, the server's limit (half of WithMaxInFlight): end some (break out of their loops) or use another connection", limit)
	default:
		if c.streams == nil {
			c.streams = make(map[uint64]streamer)
		}
		c.lastStream++
		s.id = c.lastStream
		c.streams[s.id] = s
		s.obs, st.obs = st.obs, observe.Call{} // it ends with the stream
	}
	c.mu.Unlock()
	if err != nil {
		cancel()
		return nil, err
	}
	go s.produce(ctx, c, call)
	return s, nil
}

// findStream returns the open stream st's call asks a batch of.
func findStream[T any](st *callState) (*serverStream[T], error) {
	c := st.codec
	c.mu.Lock()
	e := c.streams[st.stream]
	c.mu.Unlock()
	if e == nil {
		return nil, stdrpc.Errorf(stdrpc.FailedPrecondition,
			"netrpcx: the connection has no stream %d: it ended, was canceled, or never began; call %s.%s again to start a new one", st.stream, st.info.Service, st.info.Method)
	}
	s, ok := e.(*serverStream[T])
	if !ok || s.info != st.info {
		return nil, stdrpc.Errorf(stdrpc.InvalidArgument,
			"netrpcx: stream %d is not a stream of %s.%s: ask for its batches with the method that opened it", st.stream, st.info.Service, st.info.Method)
	}
	return s, nil
}

// produce runs the stream's iterator through the interceptors and feeds
// its items to the batches.
func (s *serverStream[T]) produce(ctx context.Context, c *serverCodec, call func(context.Context) iter.Seq2[T, error]) {
	err := finish(ctx, nil, s.info, c.opts, func(ctx context.Context) error {
		for v, err := range call(ctx) {
			if err != nil {
				return err
			}
			it, ok := s.charge(ctx, v)
			if !ok {
				return ctx.Err()
			}
			select {
			case s.items <- it:
			default: // the consumer is behind: wait for it, or for the end
				select {
				case s.items <- it:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		// An iterator that returns because its context ended (a deadline,
		// or the caller leaving) must not look like a stream that is
		// complete.
		return ctx.Err()
	})
	s.mu.Lock()
	if s.stop != nil {
		err = s.stop
	}
	s.mu.Unlock()
	s.err = err
	close(s.items)
	s.release()
	if ctx.Err() == context.DeadlineExceeded {
		// The caller's deadline, which passed first on its side: it asks
		// for no more batches and sends no cancel request (as for a call),
		// so the stream is forgotten here.
		c.closeStream(s.id)
	}
}

// An ahead is an item produced ahead of its consumer, and what it is
// charged to the memory budget.
type ahead[T any] struct {
	v T
	n int64
}

// charge charges v to the memory budget before it goes ahead of the
// consumer, first waiting for room, or for ctx to end (false).
func (s *serverStream[T]) charge(ctx context.Context, v T) (ahead[T], bool) {
	if s.budget == nil {
		return ahead[T]{v: v}, true
	}
	n := s.size
	if n < 0 {
		n = sizeOf(reflect.ValueOf(&v).Elem())
	}
	s.mu.Lock()
	alone := s.ahead == 0
	s.mu.Unlock()
	if !s.budget.acquireAhead(n, ctx.Done(), alone) {
		return ahead[T]{}, false
	}
	s.mu.Lock()
	settled := s.settled
	if !settled {
		s.ahead += n
	}
	s.mu.Unlock()
	if settled { // the stream is over; the item goes nowhere
		s.budget.release(n)
		n = 0
	}
	return ahead[T]{v: v, n: n}, true
}

// took moves the charge of items taken into a batch off the stream, and
// returns it for the batch's call to release once its response is written.
func (s *serverStream[T]) took(n int64) int64 {
	if n == 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.settled { // released with the rest when the stream was forgotten
		return 0
	}
	s.ahead -= n
	return n
}

func (s *serverStream[T]) forget() {
	s.end(nil)
	s.mu.Lock()
	n := s.ahead
	s.ahead, s.settled = 0, true
	s.mu.Unlock()
	if n > 0 {
		s.budget.release(n)
	}
	s.release()
}

// release ends the stream's observation once both the producer and the
// connection are done with the stream.
func (s *serverStream[T]) release() {
	if !s.observed || s.refs.Add(-1) != 0 {
		return
	}
	s.omu.Lock()
	s.obs.End(stdrpc.CodeOf(s.err))
	done := s.obs // a batch being answered may still count items in s.obs
	s.omu.Unlock()
	done.Log(context.Background(), s.codec.peer, s.md)
}

func (s *serverStream[T]) end(stop error) {
	if stop != nil {
		s.mu.Lock()
		s.stop = stop
		s.mu.Unlock()
	}
	s.cancel()
}

// next fills b with the next batch: it waits for an item, the end, or an
// error, or for ctx (the call's) to end, and then takes the items already
// produced, up to maxBatchItems. charged is what they were charged to the
// memory budget, now the batch's. end reports that the stream is over,
// with this batch (Done) or with err, the stream's error.
func (s *serverStream[T]) next(ctx context.Context, b *Batch[T]) (charged int64, end bool, err error) {
	if !s.busy.CompareAndSwap(false, true) {
		return 0, false, stdrpc.Errorf(stdrpc.FailedPrecondition,
			"netrpcx: a batch of stream %d is already being answered: ask for the next batch once the last one arrived", s.id)
	}
	defer s.busy.Store(false)
	b.Stream = s.id
	var it ahead[T]
	var ok bool
	select {
	case it, ok = <-s.items:
	default:
		select {
		case it, ok = <-s.items:
		case <-ctx.Done():
			return 0, false, ctx.Err()
		}
	}
	if ok {
		b.Items = make([]T, 0, min(1+len(s.items), maxBatchItems))
		for ok {
			b.Items = append(b.Items, it.v)
			charged += it.n
			if len(b.Items) == maxBatchItems {
				return s.took(charged), false, nil
			}
			select {
			case it, ok = <-s.items:
			default:
				return s.took(charged), false, nil
			}
		}
		charged = s.took(charged)
		if s.err != nil {
			return charged, false, nil // these items first; the error answers the next call
		}
	}
	if s.err != nil {
		return charged, true, s.err
	}
	b.Done = true
	return charged, true, nil
}

// closeStream forgets the stream id, once it is over or at its caller's
// request, and cancels its context, which ends the producer.
func (c *serverCodec) closeStream(id uint64) {
	c.mu.Lock()
	s := c.streams[id]
	delete(c.streams, id)
	c.mu.Unlock()
	if s != nil {
		s.forget()
	}
}

// endStreams ends every open stream with stop, keeping them filed so that
// a batch being answered delivers the items already produced and then stop.
func (c *serverCodec) endStreams(stop error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.streams {
		s.end(stop)
	}
}
