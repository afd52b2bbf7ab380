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

// Register refuses methods that rcvr lacks or NewMethod did not make,
// before registering anything.
func TestRegisterChecksMethods(t *testing.T) {
	s := tableSvc{}
	for _, tc := range []struct {
		m    Method
		want string
	}{
		{NewMethod("N", s.M), "netrpcx: Register T: netrpcx.tableSvc has no method N; each Method must be one of rcvr's"},
		{Method{}, "netrpcx: Register T: method 0 was not made by NewMethod"},
	} {
		srv := rpc.NewServer()
		err := Register(srv, "T", s, tc.m)
		if err == nil || err.Error() != tc.want {
			t.Errorf("error %v, want %q", err, tc.want)
		}
		if err := srv.RegisterName("T", s); err != nil {
			t.Errorf("the refused Register registered T: %v", err)
		}
	}
}
