package netrpcx

import (
	"sync"
	"sync/atomic"
)

// DefaultMemoryBudget bounds the memory a Server holds for the calls it
// runs (their requests, replies and stream items ahead), across all its
// connections, unless WithMemoryBudget says otherwise.
const DefaultMemoryBudget = 256 << 20

// A memBudget counts the memory a server holds for calls: a request is
// charged twice its size on the wire (the bytes gob reads and the value
// they decode to), and its reply's expected size (see replies), before its
// body is read, and released when its response is written. A reader whose
// request does not fit waits until calls end; one that fits nowhere goes
// when nothing else is held, so that no request under the message limit
// is refused. A peer that reads no response holds its calls, and their
// charge, until the write timeout closes its connection. Stream items
// produced ahead of their consumers are charged too (acquireAhead).
type memBudget struct {
	limit   int64
	used    atomic.Int64
	waiting atomic.Int32 // readers waiting for room

	mu   sync.Mutex
	room chan struct{} // closed, and replaced, when memory is released while readers wait

	// replies holds, for each method that has answered, the size of its
	// recent replies (*atomic.Int64): the largest, decaying by a
	// sixteenth with each smaller one. A call is charged it before it
	// runs, beside its request, so that a peer asking for large replies
	// and reading none stops being read once their replies would fill the
	// budget, not once they do: a reply exists only when its call returns,
	// too late to stop the reader, which has accepted the next calls
	// meanwhile.
	replies sync.Map
}

// replyGuess is what a call of method is charged for its reply before it
// runs: nothing until the method has answered once.
func (b *memBudget) replyGuess(method string) int64 {
	if r, ok := b.replies.Load(method); ok {
		return r.(*atomic.Int64).Load()
	}
	return 0
}

// learnReply records that method, a method that exists, replied n bytes.
func (b *memBudget) learnReply(method string, n int64) {
	r, ok := b.replies.Load(method)
	if !ok {
		r, _ = b.replies.LoadOrStore(method, new(atomic.Int64))
	}
	size := r.(*atomic.Int64)
	old := size.Load()
	if next := max(n, old-old/16); next != old {
		size.CompareAndSwap(old, next) // if another reply won, its size will do
	}
}

func newMemBudget(limit int64) *memBudget {
	return &memBudget{limit: limit, room: make(chan struct{})}
}

// acquire charges n, first waiting until it fits or stop is closed.
func (b *memBudget) acquire(n int64, stop <-chan struct{}) {
	for {
		used := b.used.Load()
		if used == 0 || used+n <= b.limit {
			if b.used.CompareAndSwap(used, used+n) {
				return
			}
			continue
		}
		b.waiting.Add(1)
		b.mu.Lock()
		room := b.room
		b.mu.Unlock()
		if used := b.used.Load(); used != 0 && used+n > b.limit {
			select {
			case <-room:
			case <-stop: // draining: the read is cut short anyway
				b.waiting.Add(-1)
				b.used.Add(n)
				return
			}
		}
		b.waiting.Add(-1)
	}
}

// acquireAhead charges n for a stream item produced ahead of its consumer,
// first waiting until it fits in the budget's share for such items: false
// if stop is closed first, and then nothing is charged. Items ahead may
// fill half of the budget, with what else is held; the first item of a
// stream that holds none ahead (alone), three quarters, so that a stream
// is not held up by many stalled ones. A quarter always stays for
// requests: consumers that stall cannot stop the server reading calls.
func (b *memBudget) acquireAhead(n int64, stop <-chan struct{}, alone bool) bool {
	limit := b.limit / 2
	if alone {
		limit = b.limit / 4 * 3
	}
	for {
		used := b.used.Load()
		if used+n <= limit {
			if b.used.CompareAndSwap(used, used+n) {
				return true
			}
			continue
		}
		b.waiting.Add(1)
		b.mu.Lock()
		room := b.room
		b.mu.Unlock()
		if used := b.used.Load(); used+n > limit {
			select {
			case <-room:
			case <-stop:
				b.waiting.Add(-1)
				return false
			}
		}
		b.waiting.Add(-1)
	}
}

// charge charges n without waiting: for memory already held, so that the
// readers that wait for room see it.
func (b *memBudget) charge(n int64) { b.used.Add(n) }

func (b *memBudget) release(n int64) {
	b.used.Add(-n)
	if b.waiting.Load() > 0 {
		b.mu.Lock()
		close(b.room)
		b.room = make(chan struct{})
		b.mu.Unlock()
	}
}
