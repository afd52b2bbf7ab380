package jsoncases

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A node is a JSON value with its objects' members in document order, so
// that a document can be written back with its keys changed, repeated or
// cased differently.
type node struct {
	lit     string // a scalar's JSON text
	members []member
	elems   []*node
	object  bool
	array   bool
}

type member struct {
	key string
	val *node
}

// parse reads a valid document into a node.
func parse(doc []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	return parseValue(dec)
}

func parseValue(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	return parseFrom(dec, tok)
}

func parseFrom(dec *json.Decoder, tok json.Token) (*node, error) {
	switch t := tok.(type) {
	case json.Delim:
		n := &node{object: t == '{', array: t == '['}
		for dec.More() {
			if n.object {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				n.members = append(n.members, member{k.(string), v})
			} else {
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, v)
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return n, nil
	case nil:
		return &node{lit: "null"}, nil
	case bool:
		return &node{lit: strconv.FormatBool(t)}, nil
	case json.Number:
		return &node{lit: string(t)}, nil
	case string:
		b, _ := json.Marshal(t)
		return &node{lit: string(b)}, nil
	}
	return nil, io.ErrUnexpectedEOF
}

// mutator changes documents the ways encoding/json must take in its
// stride, or refuse: keys in other cases or folded, unknown and repeated
// members, nulls, values of other kinds, numbers and strings written
// otherwise, white space, and now and then a broken byte.
type mutator struct {
	r    *rand.Rand
	rate int // one change in rate chances
}

func (m mutator) chance() bool { return m.r.IntN(m.rate) == 0 }

// others are values of every kind, to put where another kind is expected.
var others = []string{`null`, `true`, `false`, `0`, `-0`, `1.5`, `-7`, `1e400`, `255`, `256`, `-129`, `18446744073709551616`,
	`""`, `"c7"`, `"AAAA"`, `"AA=="`, `"a\r\nA=="`, `"12"`, `"\"x\""`, `"true"`, `"null"`, `"-Inf"`, `"0x1p-2"`, `"012"`, `" 1"`,
	`"2026-11-22T00:00:00Z"`, `"2026-11-22T00:00:00+24:00"`, `{}`, `[]`, `{"a":1}`, `[1,2,3,4]`, `[null]`, `[{}]`, `{"x":null}`}

func (m mutator) mutate(n *node) *node {
	if m.chance() {
		lit := others[m.r.IntN(len(others))]
		nn, err := parse([]byte(lit))
		if err == nil {
			return nn
		}
	}
	switch {
	case n.object:
		var out []member
		for _, mb := range n.members {
			if m.chance() {
				continue // dropped
			}
			k := mb.key
			if m.chance() {
				k = m.recase(k)
			}
			out = append(out, member{k, m.mutate(mb.val)})
			if m.chance() {
				out = append(out, member{k, m.mutate(mb.val)}) // repeated
			}
			if m.chance() {
				out = append(out, member{"unknown" + strconv.Itoa(m.r.IntN(3)), m.mutate(mb.val)})
			}
		}
		n.members = out
	case n.array:
		var out []*node
		for _, e := range n.elems {
			if !m.chance() {
				out = append(out, m.mutate(e))
			}
			if m.chance() {
				out = append(out, m.mutate(e))
			}
		}
		n.elems = out
	case strings.HasPrefix(n.lit, `"`) && m.chance():
		var s string
		if json.Unmarshal([]byte(n.lit), &s) == nil {
			n.lit = m.escape(s)
		}
	case n.lit != "" && strings.ContainsAny(n.lit[:1], "-0123456789") && m.chance():
		forms := []string{n.lit + ".0", n.lit + "e0", n.lit + "E+00", n.lit + "0", "-" + n.lit, n.lit + ".5"}
		n.lit = forms[m.r.IntN(len(forms))]
	}
	return n
}

// recase changes a key's case, or swaps letters for the runes that fold
// to them.
func (m mutator) recase(k string) string {
	switch m.r.IntN(4) {
	case 0:
		return strings.ToUpper(k)
	case 1:
		return strings.ToLower(k)
	case 2:
		return strings.NewReplacer("k", "\u212a", "K", "\u212a", "s", "ſ", "S", "ſ").Replace(k)
	}
	b := []rune(k)
	if len(b) > 0 {
		i := m.r.IntN(len(b))
		b[i] = []rune(strings.ToUpper(string(b[i])))[0] ^ 0x20
	}
	return string(b)
}

// escape writes s as a JSON string with some runes escaped as \u, which
// decoders must undo: surrogate pairs, and halves of them too.
func (m mutator) escape(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\' || r < 0x20 || m.chance():
			if r > 0xffff {
				r1, r2 := (r-0x10000)>>10+0xd800, (r-0x10000)&0x3ff+0xdc00
				b.WriteString(`\u` + strconv.FormatInt(int64(r1), 16) + `\u` + strconv.FormatInt(int64(r2), 16))
			} else {
				b.WriteString(`\u` + pad4(strconv.FormatInt(int64(r), 16)))
			}
		case r == '/' && m.chance():
			b.WriteString(`\/`)
		case r == utf8.RuneError && m.chance():
			b.WriteString(`\ud800`) // a lone surrogate
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func pad4(s string) string { return strings.Repeat("0", 4-len(s)) + s }

// write prints n with random white space.
func (m mutator) write(b *bytes.Buffer, n *node) {
	sp := func() {
		if m.chance() {
			b.WriteString([]string{" ", "\n", "\t", "\r\n  "}[m.r.IntN(4)])
		}
	}
	sp()
	switch {
	case n.object:
		b.WriteByte('{')
		for i, mb := range n.members {
			if i > 0 {
				b.WriteByte(',')
			}
			sp()
			k, _ := json.Marshal(mb.key)
			if m.chance() {
				k = []byte(m.escape(mb.key))
			}
			b.Write(k)
			sp()
			b.WriteByte(':')
			m.write(b, mb.val)
		}
		sp()
		b.WriteByte('}')
	case n.array:
		b.WriteByte('[')
		for i, e := range n.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			m.write(b, e)
		}
		sp()
		b.WriteByte(']')
	default:
		b.WriteString(n.lit)
	}
	sp()
}

// document returns doc changed: through the tree, and now and then a
// byte broken after.
func (m mutator) document(doc []byte) []byte {
	n, err := parse(doc)
	if err != nil {
		return doc
	}
	var b bytes.Buffer
	m.write(&b, m.mutate(n))
	out := b.Bytes()
	if len(out) > 0 && m.r.IntN(8) == 0 {
		i := m.r.IntN(len(out))
		switch m.r.IntN(3) {
		case 0:
			out = append(out[:i], out[i+1:]...)
		case 1:
			const broken = "{}[]\",:0-etn \\x"
			out[i] = broken[m.r.IntN(len(broken))]
		default:
			out = out[:i]
		}
	}
	return out
}
