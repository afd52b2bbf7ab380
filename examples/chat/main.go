// Command chat serves chat rooms over HTTP with a small web page: messages
// are sent with fetch and received as Server-Sent Events through the
// generated routes of the Chat service.
//
//	go run ./examples/chat            # then open the printed URL in two windows
//	go run ./examples/chat -addr 127.0.0.1:8090
//
// The same Chat is served over net/rpc with -rpc ADDRESS; the generated
// net/rpc client streams the same messages.
package main

import (
	"embed"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/rpc"

	"github.com/stdrpc/stdrpc/netrpcx"
)

//go:embed static
var static embed.FS

// newHandler serves the page at / and the Chat routes beside it.
func newHandler(chat Chat) http.Handler {
	mux := http.NewServeMux()
	RegisterChatHTTP(mux, chat)
	page, _ := fs.Sub(static, "static")
	mux.Handle("GET /", http.FileServerFS(page))
	return mux
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "HTTP listen `address`")
	rpcAddr := flag.String("rpc", "", "also serve net/rpc on this `address`")
	flag.Parse()

	chat := newHub()
	if *rpcAddr != "" {
		srv := rpc.NewServer()
		if err := RegisterChatNetRPC(srv, chat); err != nil {
			log.Fatal(err)
		}
		lis, err := net.Listen("tcp", *rpcAddr)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("net/rpc on %s\n", lis.Addr())
		go netrpcx.Serve(lis, srv)
	}
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("open http://%s/?room=lobby\n", lis.Addr())
	log.Fatal(http.Serve(lis, newHandler(chat)))
}
