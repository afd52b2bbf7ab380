package netrpcx

import (
	"context"
	"iter"
	"sync"

	"github.com/stdrpc/stdrpc"
)

// The server's side of the caller's items of a client or bidirectional
// stream (see push.go for the wire): the batches the reader reads, kept in
// order until the implementation's range over in takes their items.

// inbound holds the batches of one stream that the implementation has
// not taken yet. The reader puts them; the implementation's range takes
// them. A push is answered once its items are taken (or will never be):
// that answer is the client's flow control, so the batches held are the
// pushes unanswered, at most pushWindow of them, and the opening batch.
type inbound[T any] struct {
	c *serverCodec

	mu      sync.Mutex
	id      uint64 // the stream's, once filed
	queue   []inBatch[T]
	unacked int  // pushes in queue: their calls wait for the answer
	last    bool // the caller's last batch (Done) was read
	closed  bool // no more items are taken: every push is answered at once
	wake    chan struct{}
}

// inBatch is one batch of items read and not yet taken.
type inBatch[T any] struct {
	items []T
	// st is the push that brought the items, answered once they are
	// taken; nil for the opening batch, answered at once, whose charge to
	// the memory budget is then charged instead.
	st      *callState
	charged int64
}

func newInbound[T any](c *serverCodec) *inbound[T] {
	return &inbound[T]{c: c, wake: make(chan struct{}, 1)}
}

// opened files the batch of the call that opened the stream id. Its call
// is answered apart, at once: the client learns the id from it.
func (in *inbound[T]) opened(id uint64, st *callState, b *Batch[T]) {
	in.mu.Lock()
	in.id = id
	in.last = b.Done
	if len(b.Items) > 0 {
		in.queue = append(in.queue, inBatch[T]{items: b.Items, charged: st.charged})
		st.charged = 0
	}
	in.mu.Unlock()
	in.signal()
}

// put files the batch b of the push st, or answers the push at once when
// no more items are taken.
func (in *inbound[T]) put(st *callState, b *Batch[T]) {
	in.mu.Lock()
	var refused *stdrpc.Error
	switch {
	case in.closed:
		in.mu.Unlock()
		in.answer(st, true)
		return
	case in.last:
		refused = stdrpc.Errorf(stdrpc.InvalidArgument,
			"netrpcx: items for stream %d after its last batch (Done): end a stream's items once", in.id)
	case in.unacked >= pushWindow:
		refused = stdrpc.Errorf(stdrpc.ResourceExhausted,
			"netrpcx: more than %d batches of items for stream %d unanswered: send the next once one is answered", pushWindow, in.id)
	default:
		in.queue = append(in.queue, inBatch[T]{items: b.Items, st: st})
		in.unacked++
		in.last = b.Done
	}
	in.mu.Unlock()
	if refused != nil {
		refuse(st, refused)
		return
	}
	in.signal()
}

func (in *inbound[T]) signal() {
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// seq is the in the implementation ranges over: the caller's items as
// they arrive. It ends after the caller's last item, when ctx ends, or
// when the stream is closed; breaking out of it closes the stream's items.
func (in *inbound[T]) seq(ctx context.Context) iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			b, ok := in.next(ctx)
			if !ok {
				return
			}
			for _, v := range b.items {
				if !yield(v) {
					in.taken(b)
					in.close()
					return
				}
			}
			in.taken(b)
		}
	}
}

// next waits for the next batch, the end of the caller's items, or ctx.
func (in *inbound[T]) next(ctx context.Context) (inBatch[T], bool) {
	for {
		in.mu.Lock()
		if len(in.queue) > 0 && !in.closed {
			b := in.queue[0]
			in.queue[0] = inBatch[T]{}
			in.queue = in.queue[1:]
			if b.st != nil {
				in.unacked--
			}
			in.mu.Unlock()
			return b, true
		}
		over := in.last || in.closed
		in.mu.Unlock()
		if over {
			return inBatch[T]{}, false
		}
		select {
		case <-in.wake:
		case <-ctx.Done():
			return inBatch[T]{}, false
		}
	}
}

// taken answers the push of a batch whose items were taken, so that the
// client sends the next, or releases the opening batch's memory.
func (in *inbound[T]) taken(b inBatch[T]) {
	if b.st != nil {
		in.answer(b.st, false)
	} else if b.charged > 0 {
		in.c.budget.release(b.charged)
	}
}

// close stops taking items: the pushes held are answered, saying so, and
// later ones are answered as they arrive. It runs when the implementation
// returns or breaks out of in, and when the stream's context ends.
func (in *inbound[T]) close() {
	in.mu.Lock()
	if in.closed {
		in.mu.Unlock()
		return
	}
	in.closed = true
	held := in.queue
	in.queue, in.unacked = nil, 0
	in.mu.Unlock()
	for _, b := range held {
		if b.st != nil {
			in.answer(b.st, true)
		} else if b.charged > 0 {
			in.c.budget.release(b.charged)
		}
	}
	in.signal()
}

// answer answers the push st; closed tells the client to send no more.
func (in *inbound[T]) answer(st *callState, closed bool) {
	ackPush(st, in.streamID(), closed)
}

func (in *inbound[T]) streamID() uint64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.id
}

// ackPush answers the push st to the stream id; closed tells the client to
// send no more.
func ackPush(st *callState, id uint64, closed bool) {
	st.codec.respond(st.serviceMethod, st.seq, "", &pushAck{Stream: id, Closed: closed})
}

// refuse answers the call st, which the reader took, with err.
func refuse(st *callState, err *stdrpc.Error) {
	st.code = err.Code()
	st.codec.respond(st.serviceMethod, st.seq, err.Error(), invalidRequest)
}

// refuseStock answers the first call of a client or bidirectional stream
// that came without items: a stock client's, which cannot send them.
func refuseStock(st *callState, shape, call string) {
	refuse(st, stdrpc.Errorf(stdrpc.Unimplemented,
		"netrpcx: %s.%s is a %s stream, whose items need a netrpcx client (netrpcx.%s); a stock net/rpc client cannot send them",
		st.info.Service, st.info.Method, shape, call))
}

// openAck answers the call that opened the stream id.
func openAck(st *callState, id uint64) {
	st.codec.respond(st.serviceMethod, st.seq, "", &pushAck{Stream: id, Limit: int64(st.codec.opts.maxMessage)})
}

// lookup returns the open stream a push names, or nil.
func lookup(st *callState) streamer {
	c := st.codec
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.streams[st.stream]
}

// notThisStream is the error of a push naming a stream of another method.
func notThisStream(st *callState) *stdrpc.Error {
	return stdrpc.Errorf(stdrpc.InvalidArgument,
		"netrpcx: stream %d is not a stream of %s.%s: send its items with the method that opened it", st.stream, st.info.Service, st.info.Method)
}
