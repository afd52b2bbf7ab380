package routes

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/stdrpc/stdrpc"
)

type impl struct {
	mu      sync.Mutex
	users   map[int]User
	touches int
	last    string // what the last call saw
}

func newImpl() *impl {
	return &impl{users: map[int]User{1: {1, "ann"}, 2: {2, "bob"}}}
}

func (s *impl) Get(_ context.Context, id int) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return User{}, stdrpc.Errorf(stdrpc.NotFound, "user %d", id)
	}
	return u, nil
}

func (s *impl) List(_ context.Context, prefix string, tags []string, since time.Time, limit int) ([]User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = fmt.Sprintf("prefix=%s tags=%s since=%s limit=%d", prefix, strings.Join(tags, ","), since.Format(time.RFC3339), limit)
	var out []User
	for id := 1; id <= len(s.users); id++ {
		if u := s.users[id]; strings.HasPrefix(u.Name, prefix) && (limit == 0 || len(out) < limit) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (s *impl) Update(_ context.Context, id int, u User) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u.ID = id
	s.users[id] = u
	return u, nil
}

func (s *impl) Rename(_ context.Context, id int, name, reason string) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	u.Name = name
	s.users[id] = u
	s.last = reason
	return u, nil
}

func (s *impl) Delete(_ context.Context, id int, hard bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.users, id)
	s.last = fmt.Sprintf("hard=%v", hard)
	return nil
}

func (s *impl) Find(_ context.Context, f Filter) ([]User, error) {
	return s.List(context.Background(), f.Prefix, nil, time.Time{}, 0)
}

func (s *impl) Put(_ context.Context, item Item) (Item, error) { return item, nil }

func (s *impl) Patch(_ context.Context, item *Item) (*Item, error) { return item, nil }

func (s *impl) File(_ context.Context, path string) (string, error) { return path, nil }

func (s *impl) Touch(context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touches++
	return s.touches, nil
}
