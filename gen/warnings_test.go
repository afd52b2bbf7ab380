package gen_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc/gen"
)

// UsersWithSecrets is a service whose wire struct has unexported fields.
const usersWithSecrets = `package calc

import "context"

// User travels with fields that do not.
type User struct {
	Name     string
	password string
	inner
}

type inner struct{ Note string }

//stdrpc:service
type Users interface {
	Get(ctx context.Context, id int) (User, error)
	Put(ctx context.Context, u User) error
}
`

// Unexported fields of wire structs are generated, with a warning each,
// once however many methods carry them.
func TestUnexportedFieldsWarned(t *testing.T) {
	dir := tempModule(t, map[string]string{"calc.go": usersWithSecrets})
	res, err := gen.Run(gen.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 2 {
		t.Errorf("generated %d files; want 2 (the code and the OpenAPI document)", len(res.Files))
	}
	var got []string
	for _, w := range res.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		"calc.go:8:2: warning: field User.password is unexported: neither gob nor json sends it, so the receiver gets its zero value; export it if it should travel",
		"calc.go:9:2: warning: embedded field User.inner has an unexported type: gob does not send it (json sends its exported fields), so over net/rpc it arrives empty; export the type, or give the field an exported name",
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
