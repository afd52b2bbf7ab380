package imports

import (
	"context"

	"github.com/stdrpc/stdrpc/gen/testdata/imports/b/v1"
)

// Accounts is embedded by Directory.
type Accounts interface {
	// Account returns the account of id.
	Account(ctx context.Context, id int) (v1.Account, error)
}
