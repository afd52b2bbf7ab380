package stdhttp

import (
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
)

// A fieldError is an error of a value inside a request body, with the
// dotted path of the field that holds it.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

// withField returns err, the error json.Unmarshal(data, v) returned, with the
// dotted path of the field at fault when it can be found.
//
// encoding/json names the field (UnmarshalTypeError.Field) only for a value
// of the wrong JSON type. A string that is not base64 for a []byte, or a
// value an UnmarshalJSON or UnmarshalText method refuses (a time.Time that
// does not parse), comes back as that error alone. Since the body is valid
// JSON by then, withField walks it once beside v's type and decodes each
// value that could have failed so (a []byte, a marshaler, a basic value) on
// its own, until one fails with err's message. The path is written as
// encoding/json writes Field: the JSON names of the struct fields, with no
// array index or map key.
func withField(err error, data []byte, v any) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	if errors.As(err, &syn) || errors.As(err, &typ) {
		return err
	}
	w := fieldWalker{data: data, want: err.Error()}
	if _, found := w.value(0, reflect.TypeOf(v)); !found || len(w.path) == 0 {
		return err
	}
	return &fieldError{field: strings.Join(w.path, "."), err: err}
}

// A fieldWalker reads a JSON document beside a Go type, looking for the
// value whose decoding fails with the message want. The document is valid
// JSON (encoding/json checks that before it decodes anything), so the
// walker only finds where values start and end; it decodes nothing but the
// values that could have failed.
type fieldWalker struct {
	data []byte
	want string
	path []string // the fields from the top to the value being read
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decodesItself reports whether a t (or *t) has its own UnmarshalJSON or
// UnmarshalText.
func decodesItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Implements(jsonUnmarshaler) || p.Implements(jsonUnmarshaler) ||
		t.Implements(textUnmarshaler) || p.Implements(textUnmarshaler)
}

// value reads the value at i, which decodes into a t. It returns where the
// value ends, and whether the value at fault is in it, leaving w.path at
// its field.
func (w *fieldWalker) value(i int, t reflect.Type) (int, bool) {
	i = w.space(i)
	for t.Kind() == reflect.Pointer && !decodesItself(t) {
		t = t.Elem()
	}
	if i >= len(w.data) {
		return i, false
	}
	c := w.data[i]
	switch {
	case decodesItself(t), t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		// What encoding/json does not name the field of: test it alone.
		end := w.skip(i)
		err := json.Unmarshal(w.data[i:end], reflect.New(t).Interface())
		return end, err != nil && err.Error() == w.want
	case c == '{' && t.Kind() == reflect.Struct:
		return w.object(i, t, nil)
	case c == '{' && t.Kind() == reflect.Map && t.Key().Kind() == reflect.String && !decodesItself(t.Key()):
		return w.object(i, nil, t.Elem())
	case c == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		i++
		for {
			i = w.space(i)
			if i >= len(w.data) || w.data[i] == ']' {
				return i + 1, false
			}
			var found bool
			if i, found = w.value(i, t.Elem()); found {
				return i, true
			}
			i = w.comma(i)
		}
	}
	// A basic value, null, or a value of the wrong type: encoding/json
	// names the field of any error it has.
	return w.skip(i), false
}

// object reads the object at i into a struct t, or a map of elem when t is
// nil.
func (w *fieldWalker) object(i int, t, elem reflect.Type) (int, bool) {
	i++
	for {
		i = w.space(i)
		if i >= len(w.data) || w.data[i] != '"' {
			return i + 1, false // '}', or not JSON
		}
		end := w.skip(i)
		var key string
		if json.Unmarshal(w.data[i:end], &key) != nil {
			return len(w.data), false
		}
		i = w.space(end)
		if i >= len(w.data) || w.data[i] != ':' {
			return len(w.data), false
		}
		vt, name := elem, ""
		if t != nil {
			vt, name = structField(t, key)
		}
		if vt == nil { // a key the struct has no field for
			i = w.skip(w.space(i + 1))
		} else {
			if name != "" {
				w.path = append(w.path, name)
			}
			var found bool
			if i, found = w.value(i+1, vt); found {
				return i, true
			}
			if name != "" {
				w.path = w.path[:len(w.path)-1]
			}
		}
		i = w.comma(i)
	}
}

// space returns the index of the first byte from i that is not white space.
func (w *fieldWalker) space(i int) int {
	for i < len(w.data) && (w.data[i] == ' ' || w.data[i] == '\t' || w.data[i] == '\n' || w.data[i] == '\r') {
		i++
	}
	return i
}

// comma returns the index after the comma that follows a value, or of the
// closing '}' or ']'.
func (w *fieldWalker) comma(i int) int {
	i = w.space(i)
	if i < len(w.data) && w.data[i] == ',' {
		i++
	}
	return i
}

// skip returns the index just past the value that starts at i.
func (w *fieldWalker) skip(i int) int {
	depth := 0
	for ; i < len(w.data); i++ {
		switch w.data[i] {
		case '"':
			for i++; i < len(w.data) && w.data[i] != '"'; i++ {
				if w.data[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 { // the end of a number, true, false or null
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ':', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// structField returns the type and JSON name of the field of struct t that
// encoding/json decodes key into, or nil: the field whose name (its tag's,
// or else its Go name) is key, or else equal to key under case folding, as
// encoding/json matches (an exact name at any depth first); fields of
// embedded structs without a tag name are promoted, the shallower winning.
func structField(t reflect.Type, key string) (reflect.Type, string) {
	var fold reflect.Type
	var foldName string
	level := []reflect.Type{t}
	seen := map[reflect.Type]bool{}
	for len(level) > 0 {
		var next []reflect.Type
		for _, st := range level {
			if seen[st] {
				continue
			}
			seen[st] = true
			for i := range st.NumField() {
				f := st.Field(i)
				tag := f.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, _, _ := strings.Cut(tag, ",")
				ft := f.Type
				if f.Anonymous && name == "" {
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if ft.Kind() == reflect.Struct {
						next = append(next, ft)
						continue
					}
				}
				if !f.IsExported() {
					continue
				}
				if name == "" {
					name = f.Name
				}
				if name == key {
					return f.Type, name
				}
				if fold == nil && strings.EqualFold(name, key) {
					fold, foldName = f.Type, name
				}
			}
		}
		level = next
	}
	return fold, foldName
}
