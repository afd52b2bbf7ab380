package netrpcx

import (
	"reflect"
	"testing"
)

// The memory budget charges what a value holds outside itself: a value
// that looks small but holds megabytes must not pass for small.
func TestSizeOfCountsWhatValuesHold(t *testing.T) {
	type node struct {
		Name string
		Next *node
	}
	type item struct {
		N     int
		Note  string
		Data  []byte
		Tags  map[string]string
		Child *node
		Any   any
	}
	const mb = 1 << 20
	big := string(make([]byte, mb))
	for _, tc := range []struct {
		name string
		v    any
		min  int64
		max  int64
	}{
		{"int", 7, 8, 8},
		{"flat struct", struct{ A, B int64 }{}, 16, 16},
		{"string", big, mb, mb + 64},
		{"byte slice", make([]byte, mb), mb, mb + 64},
		{"struct of all kinds", item{Note: big, Data: make([]byte, mb), Tags: map[string]string{"k": big}, Child: &node{Name: big, Next: &node{Name: big}}, Any: big},
			6 * mb, 6*mb + 1024},
		{"nil fields", item{}, int64(reflect.TypeFor[item]().Size()), int64(reflect.TypeFor[item]().Size())},
	} {
		v := reflect.ValueOf(&tc.v).Elem().Elem()
		if got := sizeOf(v); got < tc.min || got > tc.max {
			t.Errorf("%s: sizeOf = %d, want %d to %d", tc.name, got, tc.min, tc.max)
		}
	}
}
