package gen

import (
	"fmt"
	"go/token"
	"go/types"
)

// A method returning iter.Seq2[T, error] is a server stream: the one
// exception to "the last result must be error", because the sequence's
// error ends the stream with a failure. Other ways Go code streams (a
// channel result, a callback parameter, iter.Seq) get an error that says how
// to write it as a stream instead. Streams the caller sends are
// check_instream.go's.

// checkStream checks the results of a method for a stream. isStream reports
// whether the results hold an iter.Seq or iter.Seq2, well or badly; seq is
// the iter.Seq2[T, error] of a valid stream, nil after a reported problem.
// (A channel result is checkResults' to report.)
func (b *builder) checkStream(mb *methodBuild, results *types.Tuple, posOf func(*types.Var) token.Pos, self *types.Package, bad func(token.Pos, string, ...any)) (seq *types.Named, isStream bool) {
	ts := func(t types.Type) string { return b.typeString(t, self) }
	for i := range results.Len() {
		v := results.At(i)
		n, kind := iterSeq(v.Type())
		if n == nil {
			continue
		}
		elem := n.TypeArgs().At(0)
		switch {
		case results.Len() > 1:
			bad(mb.site, "a stream must be the only result (its error ends the stream): return iter.Seq2[%s, error] alone", ts(elem))
		case kind == "Seq":
			bad(posOf(v), "the result %s cannot fail: use iter.Seq2[%s, error] so the stream can fail", ts(v.Type()), ts(elem))
		case !isError(n.TypeArgs().At(1)):
			bad(posOf(v), "the result %s is not a stream: a stream's second type is error, which ends it with a failure; use iter.Seq2[%s, error], and carry the %s in the element type", ts(v.Type()), ts(elem), ts(n.TypeArgs().At(1)))
		case !mb.m.HasContext && mb.inVar == nil: // else checkTakesStream reports it
			bad(mb.site, "a stream needs a context.Context first parameter (the stream lasts until the context is done): add ctx context.Context")
		default:
			probs := b.wire.check(elem)
			for _, p := range probs {
				bad(b.wirePos(p, posOf(v), self), "%s", b.elemMessage(elem, p, self))
			}
			if len(probs) > 0 {
				return nil, true
			}
			return n, true
		}
		return nil, true
	}
	return nil, false
}

// iterSeq reports whether t is iter.Seq or iter.Seq2 (through aliases), and
// which.
func iterSeq(t types.Type) (n *types.Named, kind string) {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != "iter" {
		return nil, ""
	}
	switch name := n.Obj().Name(); {
	case name == "Seq" && n.TypeArgs().Len() == 1, name == "Seq2" && n.TypeArgs().Len() == 2:
		return n, name
	}
	return nil, ""
}

// callbackElem reports whether t is a callback a method could stream values
// through, func(T) or func(T) error, and returns T.
func callbackElem(t types.Type) (types.Type, bool) {
	sig, ok := types.Unalias(t).Underlying().(*types.Signature)
	if !ok || sig.Params().Len() != 1 || sig.Variadic() {
		return nil, false
	}
	r := sig.Results()
	if r.Len() > 1 || r.Len() == 1 && !isError(r.At(0).Type()) {
		return nil, false
	}
	return sig.Params().At(0).Type(), true
}

// callbackMessage words the problem of a callback parameter.
func (b *builder) callbackMessage(what string, t, elem types.Type, self *types.Package) string {
	return fmt.Sprintf("%s has type %s: functions cannot travel over the wire; to stream values to the caller, return iter.Seq2[%s, error] instead of taking a callback; to stream them to the server, take iter.Seq[%s]", what, b.typeString(t, self), b.typeString(elem, self), b.typeString(elem, self))
}

// elemMessage words a wireProblem of a stream's element type.
func (b *builder) elemMessage(elem types.Type, p *wireProblem, self *types.Package) string {
	if p.path == "" {
		return fmt.Sprintf("stream element type %s: %s", b.typeString(p.typ, self), p.why)
	}
	return fmt.Sprintf("stream element type %s: field %s has type %s: %s", b.typeString(elem, self), p.path, b.typeString(p.typ, self), p.why)
}
