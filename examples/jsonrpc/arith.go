package main

import (
	"context"

	"github.com/stdrpc/stdrpc"
)

//go:generate go run github.com/stdrpc/stdrpc/cmd/stdrpc

// Request is a JSON-RPC-shaped call: {"method": "add", "params": [2, 3]}.
type Request struct {
	Method string `json:"method"`
	Params []int  `json:"params"`
}

// Response carries the result: {"result": 5}.
type Response struct {
	Result int `json:"result"`
}

// Arith answers JSON-RPC-shaped requests on one route, so that any HTTP
// client in any language can call it without knowing stdrpc.
//
//stdrpc:service
type Arith interface {
	// Call evaluates req.Method over req.Params.
	//stdrpc:http POST /rpc
	Call(ctx context.Context, req Request) (Response, error)
}

type arith struct{}

func (arith) Call(_ context.Context, req Request) (Response, error) {
	var r int
	switch req.Method {
	case "add":
		for _, p := range req.Params {
			r += p
		}
	case "mul":
		r = 1
		for _, p := range req.Params {
			r *= p
		}
	default:
		return Response{}, stdrpc.Errorf(stdrpc.Unimplemented, "method %q: use add or mul", req.Method)
	}
	return Response{Result: r}, nil
}
