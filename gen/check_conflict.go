package gen

import (
	"cmp"
	"fmt"
	"strings"
)

// ServeMux refuses two patterns that match some request in common when
// neither is more specific, that is, when neither matches every request the
// other does and more: it could not choose between them. A pattern with a
// host beats one without, and different hosts never meet.

// An overlap relates the requests two patterns a and b match, or the
// corresponding parts of them: whether some request matches both, and
// whether each matches every request the other does.
type overlap struct {
	meet    bool
	aCovers bool
	bCovers bool
}

var (
	sameRequests = overlap{meet: true, aCovers: true, bCovers: true}
	noRequests   = overlap{}
)

// and combines the overlaps of two independent parts of the requests (the
// method and the path, or one path segment and the next): requests meet when
// both parts do, and one side covers the other when it does in both.
func (o overlap) and(p overlap) overlap {
	if !o.meet || !p.meet {
		return noRequests
	}
	return overlap{meet: true, aCovers: o.aCovers && p.aCovers, bCovers: o.bCovers && p.bCovers}
}

// clashes reports whether some request matches both and neither pattern is
// more specific.
func (o overlap) clashes() bool { return o.meet && o.aCovers == o.bCovers }

// conflict reports whether ServeMux refuses a and b together and, if it
// does, why: "" when they match the same requests, or else a request both
// match and what each matches alone.
func conflict(a, b *pattern) (bool, string) {
	if a.host != b.host {
		return false, ""
	}
	methods := methodOverlap(a.method, b.method)
	if !methods.meet {
		return false, ""
	}
	paths := pathOverlap(a.segs, b.segs)
	o := methods.and(paths)
	if !o.clashes() {
		if sameNode(a, b) {
			return true, "ServeMux cannot hold both, as it files the empty segment (//) of one under the wildcard of the other"
		}
		return false, ""
	}
	if o.aCovers {
		return true, ""
	}
	if !paths.aCovers && !paths.bCovers {
		return true, fmt.Sprintf("both match the path %q, and neither is more specific (%q matches only the first, %q only the second)",
			examplePath(a.segs, b.segs), onlyPath(a.segs, b.segs), onlyPath(b.segs, a.segs))
	}
	// One has the more general method and the other the more general path.
	both := a.method
	if both == "" || both == "GET" && b.method == "HEAD" {
		both = b.method
	}
	first, second := "methods", "paths"
	if paths.aCovers {
		first, second = second, first
	}
	return true, fmt.Sprintf("both match a %s request for %q, and neither is more specific (the first matches more %s, the second more %s)",
		both, examplePath(a.segs, b.segs), first, second)
}

// sameNode reports whether ServeMux's routing tree files a and b under one
// node: it keys a wildcard and an empty literal segment (which only a
// pattern with an unclean path can have) alike, and then refuses the second
// pattern, though the two do not conflict. (Ending in a multi wildcard, the
// second replaces the first instead.)
func sameNode(a, b *pattern) bool {
	if a.method != b.method || len(a.segs) != len(b.segs) || a.segs[len(a.segs)-1].multi {
		return false
	}
	// The tree's key for a segment.
	type key struct {
		multi bool
		text  string // "" for a wildcard
	}
	keyOf := func(s segment) key {
		if s.wild {
			return key{multi: s.multi}
		}
		return key{text: s.text}
	}
	for i := range a.segs {
		if keyOf(a.segs[i]) != keyOf(b.segs[i]) {
			return false
		}
	}
	return true
}

// methodOverlap relates the methods of two patterns: "" matches every
// method, GET matches GET and HEAD, any other just itself.
func methodOverlap(a, b string) overlap {
	switch {
	case a == b:
		return sameRequests
	case a == "" || a == "GET" && b == "HEAD":
		return overlap{meet: true, aCovers: true}
	case b == "" || b == "GET" && a == "HEAD":
		return overlap{meet: true, bCovers: true}
	}
	return noRequests
}

// pathOverlap relates two patterns' paths segment by segment; a multi
// wildcard relates to everything after it at once.
func pathOverlap(a, b []segment) overlap {
	o := sameRequests
	for i := 0; o.meet; i++ {
		if i == len(a) || i == len(b) {
			if len(a) != len(b) {
				return noRequests // the shorter has no multi wildcard
			}
			return o
		}
		x, y := a[i], b[i]
		if x.multi || y.multi {
			return o.and(overlap{meet: true, aCovers: x.multi, bCovers: y.multi})
		}
		o = o.and(segmentOverlap(x, y))
	}
	return noRequests
}

// segmentOverlap relates two segments, neither a multi wildcard.
func segmentOverlap(x, y segment) overlap {
	switch {
	case x.wild && y.wild:
		return sameRequests
	case x.wild:
		// A wildcard matches any one segment, but not the trailing slash {$}
		// stands for.
		return overlap{meet: y.text != "/", aCovers: y.text != "/"}
	case y.wild:
		return overlap{meet: x.text != "/", bCovers: x.text != "/"}
	case x.text == y.text:
		return sameRequests
	}
	return noRequests
}

// examplePath returns a path both a and b match; they must meet.
func examplePath(a, b []segment) string {
	var sb strings.Builder
	for i := range max(len(a), len(b)) {
		switch {
		case i >= len(a):
			writeExample(&sb, b[i]) // a ended in a multi wildcard
		case i >= len(b):
			writeExample(&sb, a[i])
		case a[i].multi || a[i].wild && !b[i].multi:
			writeExample(&sb, b[i])
		default:
			writeExample(&sb, a[i])
		}
	}
	return sb.String()
}

// onlyPath returns a path a matches and b does not. The paths of a and b must
// meet, and neither cover the other.
func onlyPath(a, b []segment) string {
	var sb strings.Builder
	apart := false // b fails on what is written
	for i, x := range a {
		if apart || i >= len(b) {
			writeExample(&sb, x)
			continue
		}
		y := b[i]
		switch {
		case x.multi && !y.multi && !y.wild && y.text == "/":
			// b ends at the trailing slash; go on past it.
			sb.WriteString("/" + cmp.Or(x.text, "x"))
			apart = true
		case x.multi && !y.multi:
			sb.WriteString("/") // nothing a lone wildcard or a literal matches
			apart = true
		case x.wild && !x.multi && !y.wild:
			// Any segment but b's literal.
			if x.text == y.text {
				sb.WriteString("/" + y.text + "x")
			} else {
				writeExample(&sb, x)
			}
			apart = true
		default:
			writeExample(&sb, x)
		}
	}
	return sb.String()
}

// writeExample writes a path segment that s matches: its literal, its
// wildcard's name, or the trailing slash.
func writeExample(sb *strings.Builder, s segment) {
	sb.WriteByte('/')
	if !s.multi && s.text != "/" {
		sb.WriteString(s.text)
	}
}
