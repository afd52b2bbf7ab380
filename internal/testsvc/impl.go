package testsvc

import (
	"context"
	"strings"
	"time"

	"github.com/stdrpc/stdrpc"
)

// Impl implements Test. Hooks let a test observe or steer a call; nil hooks
// are skipped.
type Impl struct {
	// OnSleep, if set, is called with the server-side context of Sleep.
	OnSleep func(ctx context.Context)
	// Err, if set, is returned by Add.
	Err error
	// Panic makes Add panic.
	Panic bool
}

func (s *Impl) Add(ctx context.Context, a, b int) (int, error) {
	if s.Panic {
		panic("testsvc: Add was told to panic")
	}
	if s.Err != nil {
		return 0, s.Err
	}
	return a + b, nil
}

func (s *Impl) Echo(ctx context.Context, p Payload) (Payload, error) { return p, nil }

func (s *Impl) Sleep(ctx context.Context, d time.Duration) error {
	if s.OnSleep != nil {
		s.OnSleep(ctx)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Impl) Ping(ctx context.Context) error { return nil }

func (s *Impl) Meta(ctx context.Context, key string) (string, error) {
	return stdrpc.Incoming(ctx).Get(key), nil
}

func (s *Impl) Divide(ctx context.Context, a, b int) (quo, rem int, err error) {
	if b == 0 {
		return 0, 0, stdrpc.Errorf(stdrpc.InvalidArgument, "divide %d by zero", a)
	}
	return a / b, a % b, nil
}

// NewPayload returns a Payload of about 1 KiB.
func NewPayload() Payload {
	return Payload{
		ID:    42,
		Name:  "payload",
		Tags:  []string{"alpha", "beta", "gamma", "delta"},
		Data:  []byte(strings.Repeat("0123456789abcdef", 56)),
		Score: 3.5,
		At:    time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC),
	}
}

var _ Test = (*Impl)(nil)
