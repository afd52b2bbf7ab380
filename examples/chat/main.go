// Command chat serves chat rooms over HTTP with a small web page: messages
// are sent with fetch and received as Server-Sent Events through the
// generated routes of the Chat service.
//
//	go run ./examples/chat            # then open the printed URL in two windows
//	go run ./examples/chat -addr 127.0.0.1:8090
//
// A room keeps its last 50 messages for those who join. Stop the server
// (interrupt) and start it again: open pages say they are reconnecting,
// and carry on once it is back (EventSource reconnects by itself).
//
// The same Chat is served over net/rpc with -rpc ADDRESS; the generated
// net/rpc client streams the same messages.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/rpc"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/stdrpc/stdrpc/netrpcx"
	"github.com/stdrpc/stdrpc/stdhttp"
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

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
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
		rpcServer := netrpcx.NewServer(srv)
		go rpcServer.Serve(lis)
		defer rpcServer.Close()
	}
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("open http://%s/?room=lobby\n", lis.Addr())
	if err := serve(ctx, lis, newHandler(chat), chat.endSubscriptions); err != nil {
		log.Fatal(err)
	}
}

// serve serves h on lis until ctx is done. Then it stops accepting, calls
// endStreams, which must end the open message streams (so that pages
// reconnect, to the next server once there is one), and waits a few
// seconds for requests in flight.
func serve(ctx context.Context, lis net.Listener, h http.Handler, endStreams func()) error {
	srv := stdhttp.NewServer("", h)
	// Shutdown waits for connections to go idle, which one carrying a
	// stream never does until the stream ends.
	srv.RegisterOnShutdown(endStreams)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	wait, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if srv.Shutdown(wait) != nil {
		srv.Close() // past the wait: cut what is left
	}
	return nil
}
