package conformance

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// Text encodes itself as text, for both codecs (gob uses MarshalText when
// a type has no GobEncode or MarshalBinary).
type Text struct{ A, B int }

func (t Text) MarshalText() ([]byte, error) {
	return []byte(strconv.Itoa(t.A) + "/" + strconv.Itoa(t.B)), nil
}

func (t *Text) UnmarshalText(b []byte) error {
	a, c, ok := strings.Cut(string(b), "/")
	if !ok {
		return errors.New("conformance.Text: no slash")
	}
	var err1, err2 error
	t.A, err1 = strconv.Atoi(a)
	t.B, err2 = strconv.Atoi(c)
	return errors.Join(err1, err2)
}

// BinaryJSON has MarshalBinary for gob and MarshalJSON for JSON.
type BinaryJSON struct{ v string }

// NewBinaryJSON returns a BinaryJSON holding v.
func NewBinaryJSON(v string) BinaryJSON { return BinaryJSON{v} }

func (b BinaryJSON) MarshalBinary() ([]byte, error)  { return []byte(b.v), nil }
func (b *BinaryJSON) UnmarshalBinary(p []byte) error { b.v = string(p); return nil }
func (b BinaryJSON) MarshalJSON() ([]byte, error)    { return json.Marshal(b.v) }
func (b *BinaryJSON) UnmarshalJSON(p []byte) error   { return json.Unmarshal(p, &b.v) }
func (b BinaryJSON) String() string                  { return b.v }
func (g GobJSON) String() string                     { return g.v }
func (g GobJSON) GobEncode() ([]byte, error)         { return []byte(g.v), nil }
func (g *GobJSON) GobDecode(p []byte) error          { g.v = string(p); return nil }
func (g GobJSON) MarshalJSON() ([]byte, error)       { return json.Marshal(g.v) }
func (g *GobJSON) UnmarshalJSON(p []byte) error      { return json.Unmarshal(p, &g.v) }
func (m BinaryText) MarshalBinary() ([]byte, error)  { return []byte{byte(m.n)}, nil }
func (m *BinaryText) UnmarshalBinary(p []byte) error {
	if len(p) != 1 {
		return m.set(false, 0)
	}
	return m.set(true, int(p[0]))
}
func (m BinaryText) MarshalText() ([]byte, error) { return []byte(strconv.Itoa(m.n)), nil }
func (m *BinaryText) UnmarshalText(p []byte) error {
	n, err := strconv.Atoi(string(p))
	return m.set(err == nil, n)
}
func (l Level) MarshalJSON() ([]byte, error)  { return json.Marshal(levelNames[l]) }
func (l *Level) UnmarshalJSON(p []byte) error { return l.parse(p) }
func (m *BinaryText) set(ok bool, n int) error {
	if !ok {
		return errors.New("conformance.BinaryText: bad encoding")
	}
	m.n = n
	return nil
}

// GobJSON has GobEncode for gob and MarshalJSON for JSON.
type GobJSON struct{ v string }

// NewGobJSON returns a GobJSON holding v.
func NewGobJSON(v string) GobJSON { return GobJSON{v} }

// BinaryText has MarshalBinary for gob and MarshalText for JSON.
type BinaryText struct{ n int }

// NewBinaryText returns a BinaryText holding n (0 to 255).
func NewBinaryText(n int) BinaryText { return BinaryText{n} }

// Level is a named int with MarshalJSON only: gob sends the int.
type Level int

var levelNames = map[Level]string{0: "low", 1: "mid", 2: "high"}

func (l *Level) parse(p []byte) error {
	var s string
	if err := json.Unmarshal(p, &s); err != nil {
		return err
	}
	for k, v := range levelNames {
		if v == s {
			*l = k
			return nil
		}
	}
	return errors.New("conformance.Level: unknown level " + strconv.Quote(s))
}
