// Package gobcases is a service whose wire shapes hold every kind of value
// the generated gob codecs write and read, and some they leave to
// encoding/gob. netrpcx's tests compare the codecs with encoding/gob on
// random values and on messages changed every way a peer may get them
// wrong.
package gobcases

import (
	"context"
	"strconv"
	"time"
)

//go:generate go run github.com/stdrpc/stdrpc/cmd/stdrpc

// Level is a named integer.
type Level int8

// Name is a named string.
type Name string

// Blob is a named []byte.
type Blob []byte

// Flag is a named bool.
type Flag bool

// Code encodes itself as text, which gob calls: left to encoding/gob.
type Code int

func (c Code) MarshalText() ([]byte, error) { return []byte("c" + strconv.Itoa(int(c))), nil }

func (c *Code) UnmarshalText(b []byte) error {
	if len(b) == 0 || b[0] != 'c' {
		return strconv.ErrSyntax
	}
	n, err := strconv.Atoi(string(b[1:]))
	*c = Code(n)
	return err
}

// Inner is a struct of the package inside others.
type Inner struct {
	A int
	B string
	T time.Time
	D []int8
}

// Record holds every kind of field the codecs cover.
type Record struct {
	B    bool
	I    int
	I8   int8
	I16  int16
	I32  int32
	I64  int64
	U    uint
	U8   uint8
	U16  uint16
	U32  uint32
	U64  uint64
	Uptr uintptr
	F32  float32
	F64  float64
	S    string
	Bs   []byte
	Lv   Level
	Nm   Name
	Bl   Blob
	Fl   Flag
	At   time.Time
	Dur  time.Duration
	In   Inner
	PIn  *Inner
	PI   *int
	PS   *string
	PL   *Level
	Is   []int
	Ss   []string
	Fs   []float32
	Bss  [][]byte
	Ts   []time.Time
	Ins  []Inner
	Bls  []bool
	Us   []uint16
	Nms  []Name
}

// Keyed holds a map: left to encoding/gob whole.
type Keyed struct {
	M map[string]int
	R Record
}

// Coded holds a value that marshals itself: left to encoding/gob whole.
type Coded struct {
	C Code
	N int
}

// Embedded embeds a struct, which gob sends as a field of its type's
// name: left to encoding/gob whole.
type Embedded struct {
	Inner
	N int
}

// Cases is the service the codecs carry.
//
//stdrpc:service
type Cases interface {
	// Record returns r.
	Record(ctx context.Context, r Record) (Record, error)

	// Mixed returns values made of its parameters.
	Mixed(ctx context.Context, a int, b []string, c *Inner, d []byte, e Level) (sum Level, list []Inner, same *Inner, err error)

	// Keyed returns k.
	Keyed(ctx context.Context, k Keyed) (Keyed, error)

	// Coded returns c.
	Coded(ctx context.Context, c Coded) (Coded, error)

	// Embedded returns e.
	Embedded(ctx context.Context, e Embedded) (Embedded, error)
}

// Echo implements Cases.
type Echo struct{}

func (Echo) Record(ctx context.Context, r Record) (Record, error) { return r, nil }

func (Echo) Mixed(ctx context.Context, a int, b []string, c *Inner, d []byte, e Level) (sum Level, list []Inner, same *Inner, err error) {
	return Level(a) + e, []Inner{{A: a, B: strconv.Itoa(len(b)), D: []int8{int8(len(d))}}}, c, nil
}

func (Echo) Keyed(ctx context.Context, k Keyed) (Keyed, error) { return k, nil }

func (Echo) Coded(ctx context.Context, c Coded) (Coded, error) { return c, nil }

func (Echo) Embedded(ctx context.Context, e Embedded) (Embedded, error) { return e, nil }
