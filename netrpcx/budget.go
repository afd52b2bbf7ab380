package netrpcx

import (
	"sync"
	"sync/atomic"
)

// DefaultMemoryBudget bounds the memory a Server holds for the requests of
// the calls it runs, across all its connections, unless WithMemoryBudget
// says otherwise.
const DefaultMemoryBudget = 256 << 20

// A memBudget counts the memory a server holds for requests: a request is
// charged twice its size on the wire (the bytes gob reads and the value
// they decode to) before its body is read, and released when its response
// is written. A reader whose request does not fit waits until calls end;
// one that fits nowhere goes when nothing else is held, so that no request
// under the message limit is refused. A peer that reads no response holds
// its calls, and their charge, until the write timeout closes its
// connection.
type memBudget struct {
	limit   int64
	used    atomic.Int64
	waiting atomic.Int32 // readers waiting for room

	mu   sync.Mutex
	room chan struct{} // closed, and replaced, when memory is released while readers wait
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

// aheadShare is the part of the budget that stream items produced ahead
// of their consumers may fill, with what else is held: the rest stays for
// requests, so that consumers that stall cannot stop the server reading
// calls.
const aheadShare = 2 // a half

// acquireAhead charges n for a stream item produced ahead of its consumer,
// first waiting until it fits in the budget's share for such items: false
// if stop is closed first, and then nothing is charged. A stream that holds
// nothing ahead (alone) goes at once, so that every stream makes progress.
func (b *memBudget) acquireAhead(n int64, stop <-chan struct{}, alone bool) bool {
	limit := b.limit / aheadShare
	for {
		used := b.used.Load()
		if alone || used+n <= limit {
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
