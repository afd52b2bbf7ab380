package netrpcx

import (
	"net/rpc"
	"runtime"
	"testing"
	"time"
)

type tableSvc struct{}

func (tableSvc) M(req *int, resp *int) error { return nil }

// The methods Register records for an rpc.Server go with it.
func TestMethodTablesGoWithTheirServer(t *testing.T) {
	count := func() int {
		n := 0
		tables.Range(func(any, any) bool { n++; return true })
		return n
	}
	before := count()
	for range 10 {
		s := tableSvc{}
		if err := Register(rpc.NewServer(), "T", s, NewMethod("M", s.M)); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n < before+10 {
		t.Fatalf("%d tables after registering on 10 servers, from %d", n, before)
	}
	deadline := time.Now().Add(10 * time.Second)
	for count() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d tables remain after their servers were collected, from %d", count(), before)
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}
