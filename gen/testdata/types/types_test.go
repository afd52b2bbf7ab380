package types

import (
	"context"
	"net/rpc"
	"reflect"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/gen/testdata/looptest"
)

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	nc := looptest.NetRPC(t, func(srv *rpc.Server) error { return RegisterTypesNetRPC(srv, impl{}) })
	url := looptest.HTTP(t, NewTypesHTTPHandler(impl{}))
	for name, c := range map[string]Types{"netrpc": NewTypesNetRPCClient(nc), "http": NewTypesHTTPClient(url)} {
		t.Run(name, func(t *testing.T) {
			check := func(what string, got, want any, err error) {
				t.Helper()
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, %v; want %#v", what, got, err, want)
				}
			}
			page, err := c.Users(ctx, 2, "x")
			check("Users", page, Page[User]{Items: []User{{"u", 0}, {"u", 1}}, Next: "x+"}, err)
			lit, err := c.Literal(ctx, struct{ Verbose bool }{true}, 3)
			check("Literal", lit, struct{ N int }{-3}, err)
			names, err := c.Alias(ctx, Person{Name: "a"}, List[Person]{{Name: "b"}})
			check("Alias", names, List[string]{"a", "b"}, err)
			pairs, err := c.Pairs(ctx, []IntPair{{"k", 1}})
			check("Pairs", pairs, []Pair[string, int]{{"k", 1}}, err)
			f, err := c.Temp(ctx, 100)
			check("Temp", f, 212.0, err)
			at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
			later, err := c.Times(ctx, at, time.Hour)
			if err != nil || !later.Equal(at.Add(time.Hour)) {
				t.Errorf("Times = %v, %v; want %v", later, err, at.Add(time.Hour))
			}
			b, err := c.Bytes(ctx, []byte{0, 1, 255})
			check("Bytes", b, []byte{0, 1, 255}, err)
			inv, ids, err := c.Maps(ctx, map[string]int{"one": 1}, map[int64]User{7: {}})
			check("Maps", []any{inv, ids}, []any{map[int]string{1: "one"}, []int64{7}}, err)
			sum, err := c.Arrays(ctx, [3]int{1, 2, 3})
			check("Arrays", sum, [2]int{6, 3}, err)
			name := "renamed"
			u, err := c.Pointers(ctx, &User{Name: "a", Age: 3}, &name)
			check("Pointers", u, &User{Name: "renamed", Age: 3}, err)
			tree, err := c.Grow(ctx, &Tree{Value: 1})
			if err != nil || len(tree.Kids) != 1 || tree.Kids[0].Value != 2 {
				t.Errorf("Grow = %+v, %v; want one kid of value 2", tree, err)
			}
		})
	}
}
