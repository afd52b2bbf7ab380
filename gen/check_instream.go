package gen

import (
	"fmt"
	"go/token"
	"go/types"
	"strings"
)

// A method whose one data parameter is iter.Seq[T] takes a stream of items
// from the caller: a client stream when it returns as a unary method does,
// a bidirectional stream when it returns iter.Seq2[U, error]. The items are
// the whole request, so nothing else travels beside them; they are consumed
// as they are sent, so the call cannot be sent again; and the stream is
// served at POST /{Service}/{Method} alone (NDJSON, or a WebSocket on the
// same path), so it takes no //stdrpc:http route. Other ways Go code could
// take a stream (iter.Seq2, a channel) get an error that says to take
// iter.Seq[T].

// checkInStream checks a parameter of type iter.Seq or iter.Seq2, and
// records the first iter.Seq[T] as the stream the method takes.
func (b *builder) checkInStream(mb *methodBuild, v *types.Var, i int, seq *types.Named, kind string, posOf func(*types.Var) token.Pos, self *types.Package, bad func(token.Pos, string, ...any)) {
	ts := func(t types.Type) string { return b.typeString(t, self) }
	elem := seq.TypeArgs().At(0)
	if kind == "Seq2" {
		what := label("parameter", v, i)
		if second := seq.TypeArgs().At(1); !isError(second) {
			bad(posOf(v), "%s has type %s: a stream to the server is iter.Seq[T]: take iter.Seq[%s], and carry the %s in the item type", what, ts(v.Type()), ts(elem), ts(second))
		} else {
			bad(posOf(v), "%s has type %s: a stream to the server carries no errors (the caller ends it by ending the sequence, or by canceling ctx): take iter.Seq[%s]", what, ts(v.Type()), ts(elem))
		}
		return
	}
	for _, p := range b.wire.check(elem) {
		bad(b.wirePos(p, posOf(v), self), "%s", b.elemMessage(elem, p, self))
	}
	if mb.inVar == nil {
		mb.in, mb.inVar = seq, v
	}
}

// checkTakesStream checks the rest of a method that takes a stream: the
// stream is its only data parameter, it has a context, and it is marked
// neither idempotent nor with routes (checkRoutes reports those). It sets
// the method's kind; returnsStream reports whether its results hold an
// iter.Seq or iter.Seq2 (checkStream has checked them).
func (b *builder) checkTakesStream(sc *pkgScan, mb *methodBuild, returnsStream bool, posOf func(*types.Var) token.Pos, self *types.Package, bad func(token.Pos, string, ...any)) {
	m := mb.m
	m.Kind = clientStream
	if returnsStream {
		m.Kind = bidiStream
	}
	if len(mb.params) > 1 {
		var others []string
		for i, v := range mb.params {
			switch {
			case v == mb.inVar:
			case named(v):
				others = append(others, v.Name())
			default:
				others = append(others, label("parameter", v, i+boolInt(m.HasContext)))
			}
		}
		them := "it"
		if len(others) > 1 {
			them = "them"
		}
		v := mb.inVar
		bad(posOf(v), "parameter %s (%s) streams items to the server, so it must be the only data parameter besides ctx: carry %s in %s, or send %s in a call of its own",
			v.Name(), b.typeString(v.Type(), self), joinAnd(others), b.typeString(mb.in.TypeArgs().At(0), self), them)
	}
	if !m.HasContext {
		bad(mb.site, "a stream needs a context.Context first parameter (the stream lasts until the context is done): add ctx context.Context")
	}
	if marks := sc.idempotent[mb.fn]; len(marks) > 0 {
		bad(marks[0].pos, "//stdrpc:idempotent cannot mark %s: its items are consumed as they are sent, so the call cannot be sent again; remove the line", kindPhrase(m.Kind))
	}
	m.Idempotent = false
}

// kindPhrase names the kind of a method that takes a stream, in a message.
func kindPhrase(k methodKind) string {
	if k == bidiStream {
		return "a bidirectional stream"
	}
	return "a client stream"
}

// joinAnd joins names as a sentence does: a, b and c.
func joinAnd(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// chanParamMessage words the problem of a channel parameter.
func (b *builder) chanParamMessage(what string, t, elem types.Type, self *types.Package) string {
	return fmt.Sprintf("%s has type %s: channels cannot travel over the wire; send the values as a slice, or take iter.Seq[%s] to stream them to the server", what, b.typeString(t, self), b.typeString(elem, self))
}
