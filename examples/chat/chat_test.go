package main

import (
	"context"
	"net"
	"net/http/httptest"
	"net/rpc"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// TestRoomOverBothTransports subscribes through both generated clients and
// checks that a message sent through either reaches both, in order.
func TestRoomOverBothTransports(t *testing.T) {
	chat := newHub()
	httpSrv := httptest.NewServer(newHandler(chat))
	defer httpSrv.Close()

	rpcSrv := rpc.NewServer()
	if err := RegisterChatNetRPC(rpcSrv, chat); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go netrpcx.Serve(lis, rpcSrv)
	conn, err := netrpcx.Dial("tcp", lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	clients := map[string]Chat{
		"http":    NewChatHTTPClient(httpSrv.URL),
		"net/rpc": NewChatNetRPCClient(conn),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	got := make(map[string]chan Message)
	for name, c := range clients {
		ch := make(chan Message, 16)
		got[name] = ch
		go func() {
			for msg, err := range c.Subscribe(ctx, "both") {
				if err != nil {
					if ctx.Err() == nil {
						t.Errorf("%s: %v", name, err)
					}
					return
				}
				ch <- msg
			}
		}()
	}
	// Wait until both streams are subscribed: a "hello" probe arrives.
	for name, ch := range got {
		for subscribed := false; !subscribed; {
			if err := clients["http"].Send(ctx, "both", "probe", "hello"); err != nil {
				t.Fatal(err)
			}
			select {
			case <-ch:
				subscribed = true
			case <-time.After(100 * time.Millisecond):
			case <-ctx.Done():
				t.Fatalf("%s never subscribed", name)
			}
		}
	}
	if err := clients["net/rpc"].Send(ctx, "both", "ann", "one"); err != nil {
		t.Fatal(err)
	}
	if err := clients["http"].Send(ctx, "both", "bob", "two"); err != nil {
		t.Fatal(err)
	}
	for name, ch := range got {
		for _, want := range []string{"ann: one", "bob: two"} {
			select {
			case msg := <-nonProbe(ch):
				if got := msg.User + ": " + msg.Text; got != want || msg.Room != "both" {
					t.Errorf("%s received %q in room %q, want %q in room both", name, got, msg.Room, want)
				}
			case <-ctx.Done():
				t.Fatalf("%s: no message %q", name, want)
			}
		}
	}
}

func TestSendRejectsEmptyText(t *testing.T) {
	srv := httptest.NewServer(newHandler(newHub()))
	defer srv.Close()
	err := NewChatHTTPClient(srv.URL).Send(context.Background(), "room", "ann", "")
	if stdrpc.CodeOf(err) != stdrpc.InvalidArgument {
		t.Errorf("Send with empty text: %v, want invalid_argument", err)
	}
}

// nonProbe returns a channel yielding the next message of ch that is not a
// subscription probe.
func nonProbe(ch <-chan Message) <-chan Message {
	out := make(chan Message, 1)
	go func() {
		for msg := range ch {
			if msg.User != "probe" {
				out <- msg
				return
			}
		}
	}()
	return out
}
