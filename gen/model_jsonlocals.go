package gen

import (
	"go/types"
	"strings"
)

// shadowsCodecNames reports whether the package declares a name the
// codecs' bodies spell for something else: their locals (x, e, d, val, ok,
// more, and i, k, elem, keys with a depth's digits) or the builtins they
// call. A conversion to a type named val would then call the local. Such
// a package gets no codecs rather than locals chosen around its names, a
// case too rare to make every codec's text depend on it.
func shadowsCodecNames(pkg *types.Package) bool {
	for _, name := range pkg.Scope().Names() {
		switch strings.TrimRight(name, "0123456789") {
		case "i", "k", "elem", "keys":
			return true
		}
		switch name {
		case "x", "e", "d", "val", "ok", "more", "len", "append", "clear", "new", "float64", "nil", "true", "false":
			return true
		}
	}
	return false
}
