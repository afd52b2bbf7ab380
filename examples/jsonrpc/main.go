// Command jsonrpc serves Arith as JSON-RPC 2.0 at POST /rpc, and on
// stdrpc's own HTTP routes, so that clients no Go code wrote can call it.
// client.py beside this file is one:
//
//	go run ./examples/jsonrpc -addr 127.0.0.1:8081 &
//	python3 examples/jsonrpc/client.py http://127.0.0.1:8081/rpc
//	curl --json '{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}' http://127.0.0.1:8081/rpc
//
// Without -addr it serves on a free loopback port, calls itself through the
// generated Go client once, prints the result and exits.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"

	"github.com/stdrpc/stdrpc/stdhttp"
)

// handler serves impl as JSON-RPC at /rpc and on its HTTP routes.
func handler(impl Arith, opts ...stdhttp.ServerOption) http.Handler {
	mux := http.NewServeMux()
	j := stdhttp.NewJSONRPC(opts...)
	RegisterArithJSONRPC(j, impl)
	mux.Handle("/rpc", j)
	RegisterArithHTTP(mux, impl, opts...)
	return mux
}

func main() {
	addr := flag.String("addr", "", "serve on this `address` until interrupted")
	flag.Parse()
	if *addr != "" {
		fmt.Printf("POST http://%s/rpc\n", *addr)
		log.Fatal(stdhttp.NewServer(*addr, handler(arith{})).ListenAndServe())
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go stdhttp.NewServer("", handler(arith{})).Serve(lis)
	client := NewArithHTTPClient("http://" + lis.Addr().String())
	sum, err := client.Add(context.Background(), 2, 3)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("add(2, 3) =", sum)
}
