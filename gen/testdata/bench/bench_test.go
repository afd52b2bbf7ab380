package bench

import (
	"net/http"
	"net/rpc"
	"testing"
)

// TestRegisters shows net/rpc accepts every method's shape and the routes
// do not collide.
func TestRegisters(t *testing.T) {
	var impl Big // registration inspects types only
	if err := RegisterBigNetRPC(rpc.NewServer(), impl); err != nil {
		t.Fatal(err)
	}
	RegisterBigHTTP(http.NewServeMux(), impl)
}
