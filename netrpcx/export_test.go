package netrpcx

import (
	"encoding/gob"
	"io"
	"reflect"
)

// PendingCalls returns how many calls c's connection awaits responses for.
func PendingCalls(c *Client) int {
	cc := (*c.eps.Load())[0].cur.Load()
	if cc == nil {
		return 0
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return len(cc.pending)
}

// GobBodyChecks reports whether the values of v's type are written and
// read by hand (see gobbody.go).
func GobBodyChecks(v any) (write, read bool) {
	bt := bodyTypeOf(reflect.TypeOf(v))
	return bt.write, bt.read
}

// A BodyEncoder encodes bodies as a connection does.
type BodyEncoder struct {
	enc *gob.Encoder
	w   io.Writer
	bw  bodyWriter
}

func NewBodyEncoder(w io.Writer) *BodyEncoder {
	return &BodyEncoder{enc: gob.NewEncoder(w), w: w}
}

func (e *BodyEncoder) Encode(v any) error { return e.bw.write(e.enc, e.w, v) }

// A BodyDecoder decodes bodies as a connection does, by hand where it can
// unless told not to, and counts those it read by hand.
type BodyDecoder struct {
	fr     *frameReader
	dec    *gob.Decoder
	br     bodyReader
	hand   bool
	ByHand int
}

func NewBodyDecoder(r io.Reader, limit int, hand bool) *BodyDecoder {
	fr := newCheckedFrameReader(r, limit, "limit")
	return &BodyDecoder{fr: fr, dec: gob.NewDecoder(fr), hand: hand}
}

func (d *BodyDecoder) Decode(v any) error {
	if d.hand && d.br.byHand(d.fr, v) {
		d.ByHand++
		return nil
	}
	return d.dec.Decode(v)
}
