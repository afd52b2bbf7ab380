package imports

import (
	"context"

	"github.com/stdrpc/stdrpc/gen/testdata/imports/http"
)

// Headers uses a package named http, as net/http is.
//
//stdrpc:service
type Headers interface {
	// Echo returns h.
	Echo(ctx context.Context, h http.Header) (http.Header, error)
}
