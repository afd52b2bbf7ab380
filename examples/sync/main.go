// Command sync keeps one shopping list in sync across devices: browser
// tabs and a command line edit it together, and each sees every edit
// within milliseconds. Every device holds one bidirectional stream, the
// List service's Sync: it sends its edits up and receives the list, then
// everyone's edits, down. The page opens the stream as a WebSocket on
// Sync's route (one JSON message per item); the command line calls it
// through the generated HTTP client (NDJSON both ways on one request).
//
//	go run ./examples/sync                            # open the printed URL in two windows
//	go run ./examples/sync -join http://127.0.0.1:8080 -add milk -add eggs -remove tea
//	go run ./examples/sync -join http://127.0.0.1:8080 -watch
//
// # Several instances
//
// The list lives in the memory of one instance, the hub, which also serves
// List over net/rpc (-rpc). Other instances are started with -hub and keep
// no list: each device's Sync on them is passed to the hub as a Sync of
// its own, through the generated netrpcx client, which is itself a List.
// So every device, whichever instance it reached, syncs with the one list.
//
//	go run ./examples/sync -http 127.0.0.1:8080 -rpc 127.0.0.1:9090           # the hub
//	go run ./examples/sync -http 127.0.0.1:8081 -hub 127.0.0.1:9090           # and any number of these
//
// The limits of this choice: the hub is the one place the list is, so it
// is lost when the hub stops, and while the hub is down the other
// instances' devices cannot sync (their pages keep reconnecting until it
// is back). Every edit goes through the hub, which bounds the edits per
// second the whole system takes to what one process does, plenty for a
// list, not for a game. Keeping the list safe across restarts, or without
// one hub, takes a store or a consensus protocol, which is beyond an
// example.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/rpc"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/stdrpc/stdrpc/netrpcx"
	"github.com/stdrpc/stdrpc/stdhttp"
)

//go:embed static
var static embed.FS

// newHandler serves the page at / and List's routes beside it.
func newHandler(list List) http.Handler {
	mux := http.NewServeMux()
	RegisterListHTTP(mux, list)
	page, _ := fs.Sub(static, "static")
	mux.Handle("GET /", http.FileServerFS(page))
	return mux
}

func main() {
	httpAddr := flag.String("http", "127.0.0.1:8080", "HTTP listen `address` for pages and clients")
	rpcAddr := flag.String("rpc", "", "also serve the list over net/rpc on this `address`, for other instances")
	hubAddr := flag.String("hub", "", "keep no list: relay every device to the hub instance at this net/rpc `address`")
	joinURL := flag.String("join", "", "be a device: sync with the instance at this `URL`, make the edits and print the list")
	var edits []Edit
	flag.Func("add", "add `item` to the list (with -join; repeatable)", func(s string) error {
		edits = append(edits, Edit{Op: "add", Item: s})
		return nil
	})
	flag.Func("remove", "remove `item` from the list (with -join; repeatable)", func(s string) error {
		edits = append(edits, Edit{Op: "remove", Item: s})
		return nil
	})
	watch := flag.Bool("watch", false, "with -join: print every edit until interrupted")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if *joinURL != "" {
		err = join(ctx, os.Stdout, *joinURL, edits, *watch)
	} else {
		err = serve(ctx, *httpAddr, *rpcAddr, *hubAddr)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// serve runs an instance until ctx is done: the hub, or with hubAddr a
// relay to it. It prints the addresses it serves on once it listens.
func serve(ctx context.Context, httpAddr, rpcAddr, hubAddr string) error {
	var list List
	var endStreams func()
	if hubAddr != "" {
		c, err := netrpcx.Dial("tcp", hubAddr)
		if err != nil {
			return err
		}
		defer c.Close()
		// The generated client is a List: each device's Sync becomes a
		// stream of the hub's, edits up and events down.
		list, endStreams = NewListNetRPCClient(c), func() { c.Close() }
	} else {
		h := newHub()
		list, endStreams = h, h.endAll
	}
	if rpcAddr != "" {
		rs := rpc.NewServer()
		if err := RegisterListNetRPC(rs, list); err != nil {
			return err
		}
		lis, err := net.Listen("tcp", rpcAddr)
		if err != nil {
			return err
		}
		rsrv := netrpcx.NewServer(rs)
		go rsrv.Serve(lis)
		defer rsrv.Close()
		fmt.Printf("net/rpc on %s: start more instances with -hub %[1]s\n", lis.Addr())
	}
	lis, err := net.Listen("tcp", httpAddr)
	if err != nil {
		return err
	}
	fmt.Printf("open http://%s/\n", lis.Addr())

	srv := stdhttp.NewServer("", newHandler(list))
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
		srv.Close()
	}
	return nil
}

// join is a device on the command line: it syncs with the instance at
// baseURL, sends edits, waits until each has come back from the hub, and
// prints the list. With watch it then prints every edit until ctx is done.
func join(ctx context.Context, w io.Writer, baseURL string, edits []Edit, watch bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	client := NewListHTTPClient(strings.TrimSuffix(baseURL, "/"))
	var items []string
	waiting := edits // ours, not yet back, in the order sent
	printed := false
	for ev, err := range client.Sync(ctx, slices.Values(edits)) {
		if err != nil {
			if watch && ctx.Err() != nil {
				return nil // interrupted
			}
			return err
		}
		items = applyEvent(items, ev)
		if len(waiting) > 0 && ev.Op == waiting[0].Op && ev.Item == strings.TrimSpace(waiting[0].Item) {
			waiting = waiting[1:]
		}
		switch {
		case len(waiting) > 0: // the list is not yet as our edits made it
		case !printed:
			for _, it := range items {
				fmt.Fprintf(w, "- %s\n", it)
			}
			if !watch {
				return nil
			}
			printed = true
		default:
			fmt.Fprintf(w, "%s %s\n", ev.Op, ev.Item)
		}
	}
	return ctx.Err()
}

// applyEvent returns items with ev applied, as every device does.
func applyEvent(items []string, ev Event) []string {
	switch i := slices.Index(items, ev.Item); {
	case ev.Op == "list":
		return slices.Clone(ev.Items)
	case ev.Op == "add" && i < 0:
		return append(items, ev.Item)
	case ev.Op == "remove" && i >= 0:
		return slices.Delete(items, i, i+1)
	}
	return items
}
