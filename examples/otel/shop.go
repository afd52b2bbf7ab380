package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/stdrpc/stdrpc"
)

//go:generate go tool stdrpc

// Stock keeps count of what is in the warehouse.
//
//stdrpc:service
type Stock interface {
	// Reserve takes one item out of stock and returns how many are left.
	Reserve(ctx context.Context, item string) (left int, err error)
}

// Orders takes orders, reserving their items in Stock.
//
//stdrpc:service
type Orders interface {
	// Place orders one item and returns the order's id.
	Place(ctx context.Context, item string) (id string, err error)
}

// stock implements Stock.
type stock struct {
	mu    sync.Mutex
	items map[string]int
}

func (s *stock) Reserve(ctx context.Context, item string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.items[item] == 0 {
		return 0, stdrpc.Errorf(stdrpc.FailedPrecondition, "%s is out of stock", item)
	}
	s.items[item]--
	return s.items[item], nil
}

// orders implements Orders with a Stock it calls: a second service, over
// whichever transport its client speaks.
type orders struct {
	stock Stock
	last  atomic.Int64
}

func (o *orders) Place(ctx context.Context, item string) (string, error) {
	if _, err := o.stock.Reserve(ctx, item); err != nil { // ctx carries the trace on
		return "", err
	}
	return fmt.Sprintf("order-%d", o.last.Add(1)), nil
}
