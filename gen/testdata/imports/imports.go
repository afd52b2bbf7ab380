// Package imports has services whose types come from other packages: two
// packages named v1 (a/v1 and b/v1), a package imported under an alias, and
// a package named http beside net/http.
package imports

import (
	"context"

	"github.com/stdrpc/stdrpc/gen/testdata/imports/a/v1"
	o "github.com/stdrpc/stdrpc/gen/testdata/imports/other"
)

// Directory embeds Accounts, declared in a file that imports b/v1 as v1: the
// generated file needs both packages named v1.
//
//stdrpc:service
type Directory interface {
	// User returns the user of name.
	User(ctx context.Context, name string) (v1.User, error)
	// Thing echoes a thing.
	Thing(ctx context.Context, t o.Thing) (o.Thing, error)
	Accounts
}
