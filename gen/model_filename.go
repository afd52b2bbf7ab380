package gen

import (
	"go/build"
	"io"
	"path/filepath"
	"strings"
)

// The generated file of a source file foo.go is foo_stdrpc.go, and that of
// foo_linux.go or foo_linux_amd64.go is foo_stdrpc_linux.go or
// foo_stdrpc_linux_amd64.go: the go command reads an OS or architecture at
// the end of a file's name as a build constraint, so the generated file
// keeps its source's.

const outputMark = "_stdrpc"

// outputPath returns the path of the file generated for source.
func outputPath(source string) string {
	base := strings.TrimSuffix(source, ".go")
	suffix := osArchSuffix(base)
	return strings.TrimSuffix(base, suffix) + outputMark + suffix + ".go"
}

// sourcePath returns the source file whose generated file is path, and
// whether path is named as a generated file.
func sourcePath(path string) (string, bool) {
	base, ok := strings.CutSuffix(path, ".go")
	if !ok {
		return "", false
	}
	suffix := osArchSuffix(base)
	stem, ok := strings.CutSuffix(strings.TrimSuffix(base, suffix), outputMark)
	if !ok || stem == "" || strings.HasSuffix(stem, string(filepath.Separator)) {
		return "", false
	}
	return stem + suffix + ".go", true
}

// osArchSuffix returns the end of a file name without .go, "_linux",
// "_amd64" or "_linux_amd64", that the go command reads as a build
// constraint, or "". It asks go/build, which knows the OS and architecture
// names, rather than keep a list that would age.
func osArchSuffix(base string) string {
	parts := strings.Split(filepath.Base(base), "_")
	n := len(parts)
	if n < 2 {
		return "" // "linux.go" is not constrained: the name needs a prefix
	}
	if n >= 3 {
		os, arch := parts[n-2], parts[n-1]
		// Both names count only when the first is an OS and the second an
		// architecture: then a context of neither OS fails the name, and
		// one of both passes it.
		name := "x_" + os + "_" + arch + ".go"
		if !matches(name, "none", arch) && matches(name, os, arch) {
			return "_" + os + "_" + arch
		}
	}
	if last := parts[n-1]; !matches("x_"+last+".go", "none", "none") {
		return "_" + last
	}
	return ""
}

// matches reports whether go/build builds a file of this name, and of no
// other constraint, for goos and goarch.
func matches(name, goos, goarch string) bool {
	ctxt := build.Context{
		GOOS:     goos,
		GOARCH:   goarch,
		Compiler: "gc",
		OpenFile: func(string) (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader("package p\n")), nil
		},
	}
	ok, err := ctxt.MatchFile("", name)
	return ok && err == nil
}
