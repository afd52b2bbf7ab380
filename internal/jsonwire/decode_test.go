package jsonwire

import (
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
