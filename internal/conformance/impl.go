package conformance

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/stdrpc/stdrpc"
)

// Impl implements Conformance. Its zero value is ready.
type Impl struct{}

var _ Conformance = Impl{}

func (Impl) Echo(ctx context.Context, e Entry) (Entry, error) { return e, nil }

// Stored is what Get returns under "full".
func Stored() *Entry {
	note := "kept"
	return &Entry{Name: "full", Note: &note, Tags: []string{"a"}, Attrs: map[string]string{"k": "v"},
		At: time.Date(2026, 11, 22, 3, 55, 25, 791117131, time.UTC), Meta: &Meta{Rev: 3}}
}

func (Impl) Get(ctx context.Context, key string) (*Entry, error) {
	switch key {
	case "none":
		return nil, nil
	case "zero":
		return &Entry{}, nil
	case "full":
		return Stored(), nil
	}
	return nil, stdrpc.Errorf(stdrpc.NotFound, "no entry %q", key)
}

func (Impl) Put(ctx context.Context, e *Entry) (*Entry, error) { return e, nil }

func (Impl) Pair(ctx context.Context, s *string, b []byte) (*string, []byte, error) {
	return s, b, nil
}

func (Impl) Bytes(ctx context.Context, b []byte) ([]byte, error) { return b, nil }

func (Impl) Map(ctx context.Context, m map[string]int) (map[string]int, error) { return m, nil }

func (Impl) Entries(ctx context.Context, es []*Entry) ([]*Entry, error) { return es, nil }

func (Impl) Time(ctx context.Context, t time.Time) (time.Time, error) { return t, nil }

func (Impl) Marshal(ctx context.Context, m Marshalers) (Marshalers, error) { return m, nil }

// Secret is the text of the plain error Fail returns for "plain".
const Secret = "dial db: password hunter2 rejected"

// Error returns the error Fail returns for kind: a code's name gives an
// *stdrpc.Error with that code; "bare:" and a code's name one without a
// message; "plain" a plain error, "wrapped" a coded error wrapped in a plain
// one, "context" a context's error, "ok" and "future" codes a caller cannot
// be given.
func Error(kind string) error {
	if code, ok := stdrpc.ParseCode(kind); ok && code != stdrpc.OK {
		return stdrpc.Errorf(code, "the %s case", kind)
	}
	if name, ok := strings.CutPrefix(kind, "bare:"); ok {
		code, _ := stdrpc.ParseCode(name)
		return stdrpc.NewError(code, nil)
	}
	switch kind {
	case "plain":
		return errors.New(Secret)
	case "wrapped":
		return fmt.Errorf("loading: %w", stdrpc.Errorf(stdrpc.NotFound, "user 7"))
	case "context":
		return context.DeadlineExceeded
	case "ok":
		return stdrpc.Errorf(stdrpc.OK, "an error with code ok")
	case "future":
		return stdrpc.Errorf(stdrpc.Code(42), "a code from the future")
	case "panic":
		panic("the implementation panicked: " + Secret)
	}
	return nil
}

func (Impl) Fail(ctx context.Context, kind string) error { return Error(kind) }

func (Impl) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type seenKey struct{}

// Stamp returns a server interceptor that adds name to what Meta reports
// as seen, so that a case can tell which interceptors ran, and in which
// order.
func Stamp(name string) stdrpc.ServerInterceptor {
	return func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		seen, _ := ctx.Value(seenKey{}).(string)
		return next(context.WithValue(ctx, seenKey{}, seen+name+"("+call.Service+"."+call.Method+")"))
	}
}

func (Impl) Meta(ctx context.Context, key string) ([]string, string, error) {
	seen, _ := ctx.Value(seenKey{}).(string)
	return stdrpc.Incoming(ctx).Values(key), seen, nil
}

func (Impl) Big(ctx context.Context, n int) ([]byte, error) {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b, nil
}

func (Impl) Count(ctx context.Context, n int, kind string) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		for i := range n {
			if !yield(Item{N: i + 1, Note: "item"}, nil) {
				return
			}
		}
		if err := Error(kind); err != nil {
			yield(Item{}, err)
		}
	}
}

func (Impl) Collect(ctx context.Context, in iter.Seq[Item]) (Tally, error) {
	var t Tally
	var notes []string
	for it := range in {
		if err := Error(it.Note); err != nil {
			return Tally{}, err
		}
		if err := ctx.Err(); err != nil {
			return Tally{}, err
		}
		t.N++
		notes = append(notes, it.Note)
		if it.Note == "stop" {
			break
		}
	}
	t.Notes = strings.Join(notes, ",")
	return t, ctx.Err()
}

func (Impl) Relay(ctx context.Context, in iter.Seq[Item]) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		for it := range in {
			if err := Error(it.Note); err != nil {
				yield(Item{}, err)
				return
			}
			if err := ctx.Err(); err != nil {
				yield(Item{}, err)
				return
			}
			if !yield(Item{N: 2 * it.N, Note: it.Note}, nil) || it.Note == "stop" {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(Item{}, err)
		}
	}
}
