package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// testTimeout bounds every wait: generous, since edits take milliseconds.
const testTimeout = 20 * time.Second

var built struct {
	once sync.Once
	bin  string
	err  error
}

// program builds the example once per test run.
func program(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "sync-test")
		if err != nil {
			built.err = err
			return
		}
		built.bin = filepath.Join(dir, "sync")
		out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.bin != "" {
		os.RemoveAll(filepath.Dir(built.bin))
	}
	os.Exit(code)
}

// instance starts the program with args and returns the addresses it
// prints: its HTTP base URL and, with -rpc, its net/rpc address.
func instance(t *testing.T, args ...string) (url, rpcAddr string) {
	t.Helper()
	cmd := exec.Command(program(t), append([]string{"-http", "127.0.0.1:0"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("%v said:\n%s", args, stderr.String())
		}
	})
	lines := bufio.NewReader(out)
	for url == "" {
		line, err := lines.ReadString('\n')
		if err != nil {
			t.Fatalf("instance %v did not start: %v\n%s", args, err, stderr.String())
		}
		fmt.Sscanf(line, "net/rpc on %s", &rpcAddr)
		fmt.Sscanf(line, "open %s", &url)
	}
	go io.Copy(io.Discard, out)
	return strings.TrimSuffix(url, "/"), strings.TrimSuffix(rpcAddr, ":")
}

// peer is a generated client's Sync: its edits go up on send, and the
// list as it sees it comes back on lists, after every event.
type peer struct {
	send  chan<- Edit
	lists <-chan []string
	done  <-chan error
}

func syncPeer(ctx context.Context, c List) peer {
	send, lists, done := make(chan Edit), make(chan []string, 64), make(chan error, 1)
	edits := func(yield func(Edit) bool) {
		for {
			select {
			case e := <-send:
				if !yield(e) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
	go func() {
		var items []string
		for ev, err := range c.Sync(ctx, edits) {
			if err != nil {
				done <- err
				return
			}
			items = applyEvent(items, ev)
			lists <- slices.Clone(items)
		}
		done <- nil
	}()
	return peer{send, lists, done}
}

// waitFor waits until d's list is want.
func (d peer) waitFor(t testing.TB, who string, want ...string) {
	t.Helper()
	timeout := time.After(testTimeout)
	var last []string
	for {
		select {
		case items := <-d.lists:
			if slices.Equal(items, want) || len(items) == 0 && len(want) == 0 {
				return
			}
			last = items
		case err := <-d.done:
			t.Fatalf("%s: the stream ended (%v) with the list %q, want %q", who, err, last, want)
		case <-timeout:
			t.Fatalf("%s sees %q, want %q", who, last, want)
		}
	}
}

// TestInstances runs a hub and an instance relaying to it, as processes:
// an edit made through either instance, by the command line or a
// generated client, reaches the devices of both.
func TestInstances(t *testing.T) {
	hubURL, hubRPC := instance(t, "-rpc", "127.0.0.1:0")
	if hubRPC == "" {
		t.Fatal("the hub did not say where it serves net/rpc")
	}
	relayURL, _ := instance(t, "-hub", hubRPC)

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	onRelay := syncPeer(ctx, NewListHTTPClient(relayURL))
	onRelay.waitFor(t, "the device on the relay")
	conn, err := netrpcx.Dial("tcp", hubRPC)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	onHub := syncPeer(ctx, NewListNetRPCClient(conn))
	onHub.waitFor(t, "the net/rpc device on the hub")

	// The command line, through the hub.
	out, err := exec.CommandContext(ctx, program(t), "-join", hubURL, "-add", "milk", "-add", "eggs").CombinedOutput()
	if err != nil {
		t.Fatalf("-join %s: %v\n%s", hubURL, err, out)
	}
	if want := "- milk\n- eggs\n"; string(out) != want {
		t.Errorf("-join printed %q, want %q", out, want)
	}
	onRelay.waitFor(t, "the device on the relay", "milk", "eggs")
	onHub.waitFor(t, "the net/rpc device on the hub", "milk", "eggs")

	// A generated client, through the relay.
	onRelay.send <- Edit{Op: "remove", Item: "milk"}
	onRelay.send <- Edit{Op: "add", Item: "tea"}
	onHub.waitFor(t, "the net/rpc device on the hub", "eggs", "tea")
	onRelay.waitFor(t, "the device on the relay", "eggs", "tea")

	// The command line, through the relay, sees the list as it is.
	out, err = exec.CommandContext(ctx, program(t), "-join", relayURL+"/").CombinedOutput()
	if err != nil || string(out) != "- eggs\n- tea\n" {
		t.Errorf("-join %s printed %q (%v), want the list of eggs and tea", relayURL, out, err)
	}
}

// TestBadEdit: an edit the hub refuses ends that device's stream with
// invalid_argument, after the list, and saying why; the other devices
// and the list carry on.
func TestBadEdit(t *testing.T) {
	srv := httptest.NewServer(newHandler(newHub()))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	client := NewListHTTPClient(srv.URL)
	other := syncPeer(ctx, client)
	other.waitFor(t, "the other device")

	for _, tc := range []struct {
		edit Edit
		want string
	}{
		{Edit{Op: "rename", Item: "x"}, `an edit's op is "add" or "remove", not "rename"`},
		{Edit{Op: "add", Item: "  "}, "an edit needs an item"},
		{Edit{Op: "add", Item: strings.Repeat("é", maxItem+1)}, "an item is at most 100 characters"},
	} {
		var events []Event
		var err error
		for ev, e := range client.Sync(ctx, slices.Values([]Edit{{Op: "add", Item: "ok"}, tc.edit})) {
			if err = e; e != nil {
				break
			}
			events = append(events, ev)
		}
		var se *stdrpc.Error
		if !errors.As(err, &se) || se.Code() != stdrpc.InvalidArgument || se.Message() != tc.want {
			t.Errorf("%+v ended the stream with %v, want invalid_argument: %s", tc.edit, err, tc.want)
		}
		if len(events) == 0 || events[0].Op != "list" {
			t.Errorf("%+v: before the error the device got %+v, want the list first", tc.edit, events)
		}
	}
	other.waitFor(t, "the other device", "ok")
}
