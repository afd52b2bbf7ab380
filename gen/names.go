package gen

import (
	"go/scanner"
	"go/token"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// A namespace hands out identifiers that collide neither with each other nor
// with the names it was told are taken. Generated code uses it for every local
// name, so a parameter called ctx, err, req or http never breaks the output.
type namespace map[string]bool

func newNamespace(taken ...string) namespace {
	ns := namespace{}
	for _, name := range taken {
		ns[name] = true
	}
	return ns
}

// take marks names as used.
func (ns namespace) take(names ...string) {
	for _, name := range names {
		ns[name] = true
	}
}

// fresh returns base, or base2, base3... if base is taken or a keyword, and
// marks the result as used.
func (ns namespace) fresh(base string) string {
	name := base
	for i := 2; ns[name] || token.IsKeyword(name); i++ {
		name = base + strconv.Itoa(i)
	}
	ns[name] = true
	return name
}

// identsIn returns the identifiers a rendered Go expression refers to in its
// scope: every identifier that is not a selector's field (after a dot).
// Struct field names inside type literals are included, which only makes the
// set larger than it need be.
func identsIn(expr string) []string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	src := []byte(expr)
	s.Init(fset.AddFile("", -1, len(src)), src, nil, 0)
	var ids []string
	prev := token.ILLEGAL
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return ids
		}
		if tok == token.IDENT && prev != token.PERIOD {
			ids = append(ids, lit)
		}
		prev = tok
	}
}

// upperFirst returns s with its first letter upper-cased: a -> A.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// lowerFirst returns s with its leading capital (or initialism) lower-cased,
// as Go names a local or unexported value: Add -> add, HTTPServer -> httpServer,
// ID -> id, IDs -> ids.
func lowerFirst(s string) string {
	runes := []rune(s)
	n := 0
	for n < len(runes) && unicode.IsUpper(runes[n]) {
		n++
	}
	switch {
	case n == 0:
		return s
	case n == len(runes), n > 1 && string(runes[n:]) == "s":
		n = len(runes)
	case n > 1:
		n-- // keep the capital that starts the next word: HTTPServer -> httpServer
	}
	for i := range n {
		runes[i] = unicode.ToLower(runes[i])
	}
	return string(runes)
}
