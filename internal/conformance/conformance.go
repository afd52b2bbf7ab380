// Package conformance holds the service the conformance suite calls on
// every path a call can take: the implementation itself, the generated
// net/rpc and HTTP clients, a stock net/rpc client and a plain JSON client.
// Its methods echo what they are sent, so that a case can state the value
// sent and the value the caller must see.
package conformance

import (
	"context"
	"iter"
	"time"
)

//go:generate go run github.com/stdrpc/stdrpc/cmd/stdrpc

// Entry is a record of a store: pointers, slices, maps, times and itself.
type Entry struct {
	Name  string
	Note  *string
	Count *int
	Tags  []string
	Data  []byte
	Attrs map[string]string
	At    time.Time
	Meta  *Meta
	Kids  []*Entry
	Byte  map[string][]int
}

// Meta is a small struct reached through a pointer.
type Meta struct {
	Rev  int
	Note *string
}

// Marshalers holds a value of every marshaler combination the generator
// accepts.
type Marshalers struct {
	Text   Text
	Binary BinaryJSON
	Gob    GobJSON
	Mixed  BinaryText
	Named  Level
	Times  []time.Time
}

// Item is one item of a stream.
type Item struct {
	N    int
	Note string
}

// Conformance is the service of the suite.
//
//stdrpc:service
type Conformance interface {
	// Echo returns e unchanged.
	Echo(ctx context.Context, e Entry) (Entry, error)

	// Get returns the entry filed under key: nil, and no error, when there
	// is none (the "not found" convention of many stores), a pointer to a
	// zero Entry under "zero".
	Get(ctx context.Context, key string) (*Entry, error)

	// Put returns e, which may be nil.
	Put(ctx context.Context, e *Entry) (*Entry, error)

	// Pair returns s and b.
	Pair(ctx context.Context, s *string, b []byte) (rs *string, rb []byte, err error)

	// Bytes returns b.
	Bytes(ctx context.Context, b []byte) ([]byte, error)

	// Map returns m.
	Map(ctx context.Context, m map[string]int) (map[string]int, error)

	// Entries returns es.
	Entries(ctx context.Context, es []*Entry) ([]*Entry, error)

	// Time returns t.
	Time(ctx context.Context, t time.Time) (time.Time, error)

	// Marshal returns m.
	Marshal(ctx context.Context, m Marshalers) (Marshalers, error)

	// Fail returns the error kind names (see Errors), or panics for
	// "panic".
	Fail(ctx context.Context, kind string) error

	// Sleep waits for d or until ctx ends, and returns ctx's error then.
	Sleep(ctx context.Context, d time.Duration) error

	// Meta returns the incoming metadata values of key, and what the
	// server's interceptors added to the context.
	Meta(ctx context.Context, key string) (values []string, seen string, err error)

	// Big returns n bytes.
	Big(ctx context.Context, n int) ([]byte, error)

	// Count yields n items, then fails with the error kind names, if any.
	Count(ctx context.Context, n int, kind string) iter.Seq2[Item, error]

	// Collect takes in's items until in ends, or up to an item whose Note
	// is "stop", and counts them and their notes, in order. An item whose
	// Note is an error kind (see Error) fails the call, after the items
	// before it; so does ctx ending.
	Collect(ctx context.Context, in iter.Seq[Item]) (Tally, error)

	// Relay yields each item of in as it arrives, with N doubled, up to an
	// item whose Note is "stop"; an item whose Note is an error kind ends
	// the stream with that error, after the items before it.
	Relay(ctx context.Context, in iter.Seq[Item]) iter.Seq2[Item, error]
}

// Tally is what Collect counted.
type Tally struct {
	N     int
	Notes string // the items' notes, joined by ","
}
