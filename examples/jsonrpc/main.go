// Command jsonrpc serves Arith's JSON-RPC-shaped route, POST /rpc, so that a
// client no Go code wrote can call it. client.py beside this file is one:
//
//	go run ./examples/jsonrpc -addr 127.0.0.1:8081 &
//	python3 examples/jsonrpc/client.py http://127.0.0.1:8081/rpc
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

	"github.com/stdrpc/stdrpc/stdhttp"
)

func main() {
	addr := flag.String("addr", "", "serve on this `address` until interrupted")
	flag.Parse()
	if *addr != "" {
		fmt.Printf("POST http://%s/rpc\n", *addr)
		log.Fatal(stdhttp.NewServer(*addr, NewArithHTTPHandler(arith{})).ListenAndServe())
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go stdhttp.NewServer("", NewArithHTTPHandler(arith{})).Serve(lis)
	client := NewArithHTTPClient("http://" + lis.Addr().String())
	resp, err := client.Call(context.Background(), Request{Method: "add", Params: []int{2, 3}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("add [2 3] =", resp.Result)
}
