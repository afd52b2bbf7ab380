package embed

import (
	"context"
	"sync"
)

type impl struct {
	mu     sync.Mutex
	m      map[string]string
	closed bool
}

func (s *impl) Get(_ context.Context, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key], nil
}

func (s *impl) Put(_ context.Context, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[key] = value
	return nil
}

func (s *impl) Version(context.Context) (int, error)             { return 3, nil }
func (s *impl) Name(context.Context) (string, error)             { return "store", nil }
func (s *impl) Ping(context.Context) (string, error)             { return "pong", nil }
func (s *impl) Echo(_ context.Context, v string) (string, error) { return v, nil }

func (s *impl) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
