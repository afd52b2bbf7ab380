package names

import (
	"context"
	"fmt"
	"strings"
)

type impl struct{}

func (impl) Locals(_ context.Context, err string, req int, resp bool, reply string, args []string, c float64, s int8, r uint) (int, string, error) {
	return req + int(s) + int(r), fmt.Sprintf("%v %v %v %v %v", err, resp, reply, strings.Join(args, "+"), c), nil
}

func (impl) Packages(_ context.Context, http string, rpc int, json bool, context string, stdrpc string, netrpcx int, stdhttp int) (string, error) {
	return fmt.Sprintf("%v %v %v %v %v %v %v", http, rpc, json, context, stdrpc, netrpcx, stdhttp), nil
}

func (impl) NoContext(ctx string) (string, error) { return ctx + "!", nil }

func (impl) Types(_ context.Context, i string, n int) (int, error) { return len(i) + n, nil }

func (impl) Unnamed(_ context.Context, p Payload) (Payload, error) { return Payload{p.V + 1}, nil }

func (impl) Blank(_ context.Context, x int) (int, error) { return -x, nil }

func (impl) Impl(context.Context) error     { return nil }
func (impl) Mux(context.Context) error      { return nil }
func (impl) Opts(context.Context) error     { return nil }
func (impl) S(context.Context) error        { return nil }
func (impl) Error(context.Context) error    { return nil }
func (impl) Register(context.Context) error { return nil }
func (impl) HTTPGet(context.Context) error  { return nil }
