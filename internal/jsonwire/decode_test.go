package jsonwire

import (
	"encoding/binary"
	"strings"
	"testing"
)

func TestArrayLen(t *testing.T) {
	long := "[" + strings.Repeat("1,", maxPresize+10) + "1]"
	for _, tc := range []struct {
		doc  string
		want int
	}{
		{`[]`, 0},
		{` [ ] `, 0},
		{`["a"]`, 1},
		{`["a", "b,]", {"c": [1, 2]}, [3, [4]], null, true]`, 6},
		{long, maxPresize},
		{`[1, 2`, 0},      // cut off
		{`[1 2]`, 0},      // no comma
		{`{"a": 1}`, 0},   // not an array
		{`null`, 0},       // not an array either
		{`[1, 2,]`, 0},    // a trailing comma
		{`["a", x]`, 0},   // not JSON
		{`[[[[]]]]`, 1},   // one element, nested
		{`[{}, {}]`, 2},   // objects
		{`["\""]`, 1},     // an escaped quote
		{`["\u005d"]`, 1}, // an escaped bracket
	} {
		var d Decoder
		d.Reset([]byte(tc.doc))
		if got := d.ArrayLen(); got != tc.want {
			t.Errorf("ArrayLen(%.40s) = %d, want %d", tc.doc, got, tc.want)
		}
		if d.i != 0 || d.depth != 0 || d.err != nil {
			t.Errorf("ArrayLen(%.40s) moved the decoder: at %d, depth %d, error %v", tc.doc, d.i, d.depth, d.err)
		}
	}
}

// plain8 agrees with the table on every byte value at every position,
// among plain bytes and among bytes that are not.
func TestPlain8(t *testing.T) {
	for _, fill := range []byte{'a', ' ', '~', '!', '#', '[', ']', 0, 0x1f, 0x7f, 0x80, 0xa2, 0xdc, 0xff, '"', '\\'} {
		for pos := range 8 {
			for c := range 256 {
				var b [8]byte
				for i := range b {
					b[i] = fill
				}
				b[pos] = byte(c)
				want := true
				for _, x := range b {
					want = want && plain[x]
				}
				if got := plain8(binary.LittleEndian.Uint64(b[:])); got != want {
					t.Fatalf("plain8(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
}

// plain8 agrees with the table on eight bytes drawn from the edges.
func TestPlain8Pairs(t *testing.T) {
	edges := []byte{0, 1, 0x1f, ' ', '!', '"', '#', '[', '\\', ']', 0x7e, 0x7f, 0x80, 0x81, 0xa1, 0xa2, 0xa3, 0xdb, 0xdc, 0xdd, 0xfe, 0xff}
	for _, a := range edges {
		for _, b := range edges {
			for pa := range 8 {
				for pb := range 8 {
					b8 := [8]byte{'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}
					b8[pa], b8[pb] = a, b
					want := true
					for _, x := range b8 {
						want = want && plain[x]
					}
					if got := plain8(binary.LittleEndian.Uint64(b8[:])); got != want {
						t.Fatalf("plain8(%q) = %v, want %v", b8, got, want)
					}
				}
			}
		}
	}
}
