package stdrpc_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stdrpc/stdrpc"
)

func TestChainServerOrderAndContext(t *testing.T) {
	type key struct{}
	var order []string
	mk := func(name string) stdrpc.ServerInterceptor {
		return func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
			order = append(order, name+">")
			err := next(context.WithValue(ctx, key{}, name))
			order = append(order, "<"+name)
			return err
		}
	}
	if stdrpc.ChainServer() != nil {
		t.Error("ChainServer() of nothing must be nil so transports can skip it")
	}
	chain := stdrpc.ChainServer(mk("a"), mk("b"), mk("c"))
	var seen any
	err := chain(context.Background(), stdrpc.CallInfo{Service: "S", Method: "M"}, func(ctx context.Context) error {
		seen = ctx.Value(key{})
		order = append(order, "call")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a>", "b>", "c>", "call", "<c", "<b", "<a"}; !slices.Equal(order, want) {
		t.Errorf("order = %v, want %v", order, want)
	}
	if seen != "c" {
		t.Errorf("the call saw context value %v; want the innermost interceptor's", seen)
	}
}

func TestChainClientCanReject(t *testing.T) {
	reject := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		return stdrpc.Errorf(stdrpc.Unauthenticated, "%s.%s needs a token", call.Service, call.Method)
	}
	called := false
	pass := func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
		return next(ctx)
	}
	err := stdrpc.ChainClient(pass, reject)(context.Background(), stdrpc.CallInfo{Service: "S", Method: "M"},
		func(context.Context) error { called = true; return nil })
	if called || stdrpc.CodeOf(err) != stdrpc.Unauthenticated {
		t.Errorf("called=%v err=%v; want the call skipped and unauthenticated", called, err)
	}
}
