package netrpcx

import (
	"sync"
	"sync/atomic"
)

// DefaultMemoryBudget bounds the bytes of requests a Server holds for the
// calls it runs, across all its connections, unless WithMemoryBudget says
// otherwise.
const DefaultMemoryBudget = 256 << 20

// A memBudget counts the bytes of requests a server holds: charged when a
// request is read, released when its response is written. Over the limit,
// connections that hold any read no further request until it has room
// again; a connection holding nothing may always read one, so that no
// connection starves and the server holds at most the limit plus one
// message per connection. A peer that stops reading its responses keeps
// its calls, and their charge, only until the write timeout closes its
// connection.
type memBudget struct {
	limit   int64
	used    atomic.Int64
	waiting atomic.Int32 // readers waiting for room

	mu   sync.Mutex
	room chan struct{} // closed, and replaced, when bytes are released while readers wait
}

func newMemBudget(limit int64) *memBudget {
	if limit <= 0 {
		return nil
	}
	return &memBudget{limit: limit, room: make(chan struct{})}
}

// full reports whether a connection holding held bytes must wait.
func (b *memBudget) full(held int64) bool {
	return b != nil && held > 0 && b.used.Load() > b.limit
}

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

// wait returns a channel closed at the next release; the caller checks
// again after it, and calls done when it stops waiting.
func (b *memBudget) wait() <-chan struct{} {
	b.waiting.Add(1)
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.room
}

func (b *memBudget) done() { b.waiting.Add(-1) }
