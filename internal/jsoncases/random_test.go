package jsoncases

import (
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"time"
)

// seedFlag reproduces a failed run: each failure names the seed of its run.
var seedFlag = flag.Uint64("jsonseed", 0, "seed of the random values and documents (0: from the clock)")

func runSeed() uint64 {
	if *seedFlag != 0 {
		return *seedFlag
	}
	return uint64(time.Now().UnixNano())
}

// filler makes random values of any type the cases hold, leaning to the
// edges: extreme numbers, strings with what JSON escapes, nil and empty.
type filler struct{ r *rand.Rand }

var timeType = reflect.TypeFor[time.Time]()

func (f filler) fill(v reflect.Value, depth int) {
	r := f.r
	if v.Type() == timeType {
		zones := []*time.Location{time.UTC, time.FixedZone("", -7*3600), time.FixedZone("X", 5*3600+1800), time.FixedZone("far", 25*3600)}
		t := time.Unix(r.Int64N(400e9)-63e9, r.Int64N(1e9)).In(zones[r.IntN(len(zones))])
		v.Set(reflect.ValueOf(t))
		return
	}
	if v.Type() == reflect.TypeFor[json.RawMessage]() {
		msgs := []string{"", `{"a":[1,2.5,"x"]}`, ` [ true , null ] `, `"<\u2028>"`, `12e3`}
		if m := msgs[r.IntN(len(msgs))]; m != "" {
			v.SetBytes([]byte(m))
		}
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := v.Type().Bits()
		switch r.IntN(4) {
		case 0:
			v.SetInt(0)
		case 1:
			v.SetInt(-1 << (bits - 1))
		case 2:
			v.SetInt(1<<(bits-1) - 1)
		default:
			v.SetInt(int64(r.Uint64()) >> (64 - bits))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		bits := v.Type().Bits()
		if r.IntN(3) == 0 {
			v.SetUint(1<<bits - 1)
		} else {
			v.SetUint(r.Uint64() >> (64 - bits))
		}
	case reflect.Float32, reflect.Float64:
		v.SetFloat(f.float(v.Type().Bits()))
	case reflect.String:
		v.SetString(f.str())
	case reflect.Pointer:
		if r.IntN(3) == 0 || depth > 4 {
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		switch n := r.IntN(5); {
		case n == 0 || depth > 4:
			return // nil
		default:
			s := reflect.MakeSlice(v.Type(), n-1, n-1)
			for i := range n - 1 {
				f.fill(s.Index(i), depth+1)
			}
			v.Set(s)
		}
	case reflect.Array:
		for i := range v.Len() {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		n := r.IntN(4)
		if n == 0 || depth > 4 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for range n - 1 {
			k := reflect.New(v.Type().Key()).Elem()
			f.fill(k, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			f.fill(e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() || v.Type().Field(i).Anonymous {
				f.fillField(v, i, depth)
			}
		}
	}
}

func (f filler) fillField(v reflect.Value, i, depth int) {
	fv := v.Field(i)
	if !fv.CanSet() {
		// An unexported embedded struct: fill its exported fields.
		for j := range fv.NumField() {
			if fv.Type().Field(j).IsExported() {
				f.fill(fv.Field(j), depth+1)
			}
		}
		return
	}
	if f.r.IntN(4) == 0 {
		return // zero, for omitempty
	}
	f.fill(fv, depth+1)
}

func (f filler) float(bits int) float64 {
	r := f.r
	switch r.IntN(8) {
	case 0:
		return 0
	case 1:
		return math.Copysign(0, -1)
	case 2:
		return math.Ldexp(r.Float64(), r.IntN(200)-100) // around the cut-offs of 'e' notation
	case 3:
		if bits == 32 {
			return float64(math.MaxFloat32)
		}
		return math.MaxFloat64
	case 4:
		return 1e21 * (1 - r.Float64()/1e3)
	case 5:
		return 1e-6 * (1 + r.Float64()/1e3)
	case 6:
		if r.IntN(20) == 0 {
			return math.Inf(1 - 2*r.IntN(2)) // encoding/json refuses it
		}
	}
	x := (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(40)-20))
	if bits == 32 {
		x = float64(float32(x))
	}
	return x
}

// pieces are what strings are made of: what JSON escapes, what HTML
// escaping adds, multi-byte runes, and invalid UTF-8.
var pieces = []string{"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x00", "\x1f", "\x7f", "<", ">", "&",
	"\u2028", "\u2029", "é", "世界", "\U0001F600", "\xff", "\xe2\x82", "\xed\xa0\x80", "K", "k", "\u212a", "ſ", "s"}

func (f filler) str() string {
	var b strings.Builder
	for range f.r.IntN(8) {
		b.WriteString(pieces[f.r.IntN(len(pieces))])
	}
	return b.String()
}
