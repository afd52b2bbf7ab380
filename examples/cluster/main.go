// Command cluster runs a service as several instances and calls them as one:
// the netrpcx client spreads calls over the instances and fails over when
// one restarts, and the HTTP client calls them through a proxy (nginx, with
// nginx.conf beside this file).
//
// With no flags it starts three instances of itself, calls them under load
// while it restarts each in turn, and prints what each instance served and
// how many calls failed (none):
//
//	go run ./examples/cluster
//
// With -serve it is one instance, until SIGTERM or SIGINT, when it drains:
// its readiness check (GET /healthz) turns 503 at once, netrpcx clients are
// told to move their new calls, and after -drain it stops taking new HTTP
// connections and ends once the calls under way are answered.
//
//	go run ./examples/cluster -serve -name a -rpc 127.0.0.1:9101 -http 127.0.0.1:8101
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/rpc"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/stdrpc/stdrpc/netrpcx"
	"github.com/stdrpc/stdrpc/stdhttp"
)

func main() {
	serve := flag.Bool("serve", false, "serve one instance until SIGTERM instead of running the demo")
	name := flag.String("name", "a", "the instance's `name`, which its answers carry")
	rpcAddr := flag.String("rpc", "127.0.0.1:0", "net/rpc listen `address`")
	httpAddr := flag.String("http", "127.0.0.1:0", "HTTP listen `address`")
	drain := flag.Duration("drain", 2*time.Second, "how long to keep serving after readiness turns 503 (longer than a proxy's upstream keepalive_timeout)")
	heartbeat := flag.Duration("heartbeat", stdhttp.DefaultHeartbeat, "how long an SSE stream may stay silent before a heartbeat (shorter than a proxy's read timeout)")
	flag.Parse()
	var err error
	if *serve {
		err = serveInstance(*name, *rpcAddr, *httpAddr, *drain, *heartbeat)
	} else {
		err = demo(os.Stdout)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// serveInstance serves one instance until SIGTERM or SIGINT, then drains.
// It prints "serving NAME rpc=ADDR http=ADDR" once both listen.
func serveInstance(name, rpcAddr, httpAddr string, drain, heartbeat time.Duration) error {
	impl := &tally{name: name}
	rs := rpc.NewServer()
	if err := RegisterTallyNetRPC(rs, impl); err != nil {
		return err
	}
	rl, err := net.Listen("tcp", rpcAddr)
	if err != nil {
		return err
	}
	hl, err := net.Listen("tcp", httpAddr)
	if err != nil {
		return err
	}
	rsrv := netrpcx.NewServer(rs)
	health := stdhttp.Health()
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", health)
	RegisterTallyHTTP(mux, impl, stdhttp.WithHeartbeat(heartbeat))
	hsrv := stdhttp.NewServer("", health.Wrap(mux))

	errc := make(chan error, 2)
	go func() { errc <- rsrv.Serve(rl) }()
	go func() { errc <- hsrv.Serve(hl) }()
	fmt.Printf("serving %s rpc=%s http=%s\n", name, rl.Addr(), hl.Addr())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	select {
	case sig := <-stop:
		log.Printf("%s: %v: draining", name, sig)
	case err := <-errc:
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), drain+30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var rerr, herr error
	wg.Add(2)
	go func() { defer wg.Done(); rerr = rsrv.Shutdown(ctx) }()
	go func() { defer wg.Done(); herr = health.Shutdown(ctx, hsrv, drain) }()
	wg.Wait()
	log.Printf("%s: stopped", name)
	return errors.Join(rerr, herr)
}

// instance is a child process serving one instance.
type instance struct {
	bin             string   // the program; empty: this one
	args            []string // more flags
	name, rpc, http string
	cmd             *exec.Cmd
}

// start starts the instance on its addresses (127.0.0.1:0 for any port)
// and waits until it serves.
func (in *instance) start(drain time.Duration) error {
	bin := in.bin
	if bin == "" {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		bin = self
	}
	args := append([]string{"-serve", "-name", in.name, "-rpc", in.rpc, "-http", in.http, "-drain", drain.String()}, in.args...)
	cmd := exec.Command(bin, args...)
	cmd.Stderr = io.Discard
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Errorf("instance %s did not start: %v", in.name, err)
	}
	if _, err := fmt.Sscanf(line, "serving %s rpc=%s http=%s", &in.name, &in.rpc, &in.http); err != nil {
		return fmt.Errorf("instance %s: %q: %v", in.name, line, err)
	}
	in.cmd = cmd
	return nil
}

// stop sends SIGTERM and waits for the instance to drain and exit.
func (in *instance) stop() error {
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	return in.cmd.Wait()
}

// demo starts three instances, calls them under load through one netrpcx
// client while it restarts each in turn, and reports.
func demo(w io.Writer) error {
	ins := []*instance{{name: "a"}, {name: "b"}, {name: "c"}}
	for _, in := range ins {
		in.rpc, in.http = "127.0.0.1:0", "127.0.0.1:0"
		if err := in.start(200 * time.Millisecond); err != nil {
			return err
		}
		defer func() { in.cmd.Process.Kill(); in.cmd.Wait() }()
	}
	var addrs []string
	for _, in := range ins {
		addrs = append(addrs, in.rpc)
	}
	c, err := netrpcx.Dial("tcp", "tally", netrpcx.WithResolver(netrpcx.StaticResolver(addrs...)))
	if err != nil {
		return err
	}
	defer c.Close()
	client := NewTallyNetRPCClient(c)

	var (
		mu     sync.Mutex
		served = map[string]int{}
		calls  atomic.Int64
		failed atomic.Int64
		stop   = make(chan struct{})
		wg     sync.WaitGroup
	)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				name, _, err := client.Add(ctx, 1) // not idempotent: never sent twice
				cancel()
				calls.Add(1)
				if err != nil {
					failed.Add(1)
					continue
				}
				mu.Lock()
				served[name]++
				mu.Unlock()
			}
		}()
	}
	for _, in := range ins {
		time.Sleep(300 * time.Millisecond)
		if err := in.stop(); err != nil {
			return fmt.Errorf("stopping %s: %v", in.name, err)
		}
		fmt.Fprintf(w, "restarting %s\n", in.name)
		if err := in.start(200 * time.Millisecond); err != nil {
			return err
		}
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()

	fmt.Fprintf(w, "%d calls through 3 restarts, %d failed\n", calls.Load(), failed.Load())
	names := make([]string, 0, len(served))
	for n := range served {
		names = append(names, n)
	}
	slices.Sort(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d%%", n, 100*served[n]/int(calls.Load())))
	}
	fmt.Fprintf(w, "served by %s\n", strings.Join(parts, ", "))
	if failed.Load() > 0 {
		return fmt.Errorf("%d calls failed", failed.Load())
	}
	return nil
}
