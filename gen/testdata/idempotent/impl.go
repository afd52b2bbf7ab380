package idempotent

import (
	"context"
	"iter"
	"sync"

	"github.com/stdrpc/stdrpc"
)

type store struct {
	mu    sync.Mutex
	items map[int]Item
	next  int
}

func newStore() *store { return &store{items: map[int]Item{}, next: 1} }

func (s *store) Get(_ context.Context, id int) (Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[id]
	if !ok {
		return Item{}, stdrpc.Errorf(stdrpc.NotFound, "item %d", id)
	}
	return it, nil
}

func (s *store) Exists(ctx context.Context, id int) error {
	_, err := s.Get(ctx, id)
	return err
}

func (s *store) Put(_ context.Context, id int, item Item) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	item.ID = id
	s.items[id] = item
	return nil
}

func (s *store) Count(context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items), nil
}

func (s *store) Add(_ context.Context, item Item) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.items[s.next].ID != 0 {
		s.next++
	}
	item.ID = s.next
	s.items[item.ID] = item
	return item.ID, nil
}

func (s *store) Watch(_ context.Context, from int) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		s.mu.Lock()
		var items []Item
		for id := from; ; id++ {
			it, ok := s.items[id]
			if !ok {
				break
			}
			items = append(items, it)
		}
		s.mu.Unlock()
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}
}
