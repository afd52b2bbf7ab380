// Package jsoncases is a service whose wire shapes hold every kind of value
// the generated JSON codecs write and read, and some they leave to
// encoding/json. Its tests compare the generated codecs with encoding/json
// on random values and documents.
package jsoncases

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
)

//go:generate go run github.com/stdrpc/stdrpc/cmd/stdrpc

// Level is a named integer.
type Level int8

// Name is a named string, also a map key.
type Name string

// Blob is a named []byte: base64 too.
type Blob []byte

// Code encodes itself as text: left to encoding/json.
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
	A int      `json:"a,omitempty"`
	B string   `json:",omitempty"`
	C *float32 `json:"c"`
	D []int8   `json:"d,omitempty"`
}

// Base is embedded in Record.
type Base struct {
	ID     uint16 `json:"id"`
	Note   string
	Shared string
}

// base is embedded unexported: its exported fields are promoted.
type base struct {
	Hidden int
	Shared string
	Tagged string `json:"tagged"`
}

// Other is embedded beside base: its Hidden ties with base's and is dropped.
type Other struct {
	Hidden string
	Extra  float64 `json:"extra,omitempty"`
}

// Tree refers to itself: left to encoding/json.
type Tree struct {
	Name string
	Kids []*Tree `json:",omitempty"`
}

// Record holds every kind of field.
type Record struct {
	Base
	base
	Other
	Tagged   int     `json:"tagged"` // a tagged field shallower than base's wins
	Flag     bool    `json:"flag,omitempty"`
	Count    int     `json:"count,string"`
	Ratio    float64 `json:",string"`
	Title    string  `json:"title,string"`
	Yes      bool    `json:"yes,string"`
	Small    int8
	U8       uint8
	U32      uint32 `json:"u32,omitempty"`
	Big      uint64
	F32      float32 `json:"f32,omitempty"`
	F64      float64 `json:"f64,omitempty"`
	Lvl      Level
	Nm       Name   `json:"name"`
	Raw      []byte `json:"raw,omitempty"`
	Blob     Blob
	Ptr      *int
	PtrPtr   **string
	In       Inner
	PtrIn    *Inner
	List     []Inner
	Ptrs     []*Inner
	Grid     [2][3]int
	Four     [4]byte
	M        map[string]int
	MN       map[Name]*Inner
	MM       map[string][]string `json:"mm,omitempty"`
	When     time.Time
	WhenP    *time.Time
	Dur      time.Duration
	Message  json.RawMessage
	Code     Code
	Codes    map[Code]int
	Tree     *Tree
	HTML     string `json:"<&>"`
	Unicode  string `json:"ünï"`
	K        int    `json:"k"`
	Dash     int    `json:"-"`
	DashName int    `json:"-,"`
	skip     int
}

// Cases is the service.
//
//stdrpc:service
type Cases interface {
	// Record returns r.
	Record(ctx context.Context, r Record) (Record, error)
	// Mixed returns its arguments.
	Mixed(ctx context.Context, a int, b []string, c map[string]float64, d *Inner, e []byte) (x Level, y []Inner, z *Inner, err error)
}
