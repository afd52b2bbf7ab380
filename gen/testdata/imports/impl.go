package imports

import (
	"context"

	av1 "github.com/stdrpc/stdrpc/gen/testdata/imports/a/v1"
	bv1 "github.com/stdrpc/stdrpc/gen/testdata/imports/b/v1"
	"github.com/stdrpc/stdrpc/gen/testdata/imports/http"
	"github.com/stdrpc/stdrpc/gen/testdata/imports/other"
)

type impl struct{}

func (impl) User(_ context.Context, name string) (av1.User, error)       { return av1.User{Name: name}, nil }
func (impl) Thing(_ context.Context, t other.Thing) (other.Thing, error) { return t, nil }
func (impl) Account(_ context.Context, id int) (bv1.Account, error)      { return bv1.Account{ID: id}, nil }
func (impl) Echo(_ context.Context, h http.Header) (http.Header, error)  { return h, nil }
