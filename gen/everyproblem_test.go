package gen_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc/gen"
)

// One file holding many independent problems gets all of them reported in
// the first run, each at the parameter, result or field at fault: a
// service's routes are checked though its methods break rules, every bad
// field of a type and every bad result is reported, and a broken embedded
// interface does not hide the other services' problems.
func TestEveryProblemInOneRun(t *testing.T) {
	_, err := gen.Run(gen.Config{Dir: filepath.Join("testdata", "errors"), Patterns: []string{"./many"}})
	want := []string{
		"many/many.go:9:2: Svc.Fields: parameter b: field Ch has type chan int: channels cannot travel over the wire; send the values as a slice",
		"many/many.go:10:2: Svc.Fields: parameter b: field Fn has type func(): functions cannot travel over the wire",
		"many/many.go:11:2: Svc.Fields: parameter b: field C has type complex64: json cannot encode complex numbers; use two float64 values",
		"many/many.go:12:2: Svc.Fields: parameter b: field Any has type any: interface types cannot travel (the receiver cannot know the concrete type); use a concrete type",
		"many/many.go:19:32: Svc.BadParam: parameter ch has type chan int: channels cannot travel over the wire; send the values as a slice, or take iter.Seq[int] to stream them to the server",
		`many/many.go:22:2: Svc.Routed: route "GET /a/{nope}": wildcard {nope} names no parameter (they are id): rename the wildcard or the parameter`,
		`many/many.go:25:2: Svc.Both: route "GET /b/{missing}": wildcard {missing} names no parameter (they are f): rename the wildcard or the parameter`,
		"many/many.go:26:28: Svc.Both: parameter f has type func(): functions cannot travel over the wire",
		"many/many.go:30:32: Svc.Results: result a has type chan int: channels cannot travel over the wire; to stream the values, return iter.Seq2[int, error] as the only result",
		"many/many.go:30:44: Svc.Results: result b has type func(): functions cannot travel over the wire",
		"many/many.go:32:27: Svc.Unnamed: parameter 2 (int) needs a name, which is the wire contract: name the parameters in the interface",
		"many/many.go:32:32: Svc.Unnamed: parameter 3 (string) needs a name, which is the wire contract: name the parameters in the interface",
		"many/many.go:37:2: Embeds: the embedded interface Missing does not compile (undefined: Missing): fix it, or remove the line",
	}
	if got := diagnostics(t, err); !slices.Equal(got, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
