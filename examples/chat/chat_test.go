package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"net/rpc"
	"slices"
	"strings"
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

// TestJoinerSeesHistory checks that a subscriber, over either transport,
// first receives the room's last historySize messages, oldest first, then
// what is sent after it joined, each message with its own ID.
func TestJoinerSeesHistory(t *testing.T) {
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
	clients := map[string]Chat{"http": NewChatHTTPClient(httpSrv.URL), "net/rpc": NewChatNetRPCClient(conn)}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	const sent = historySize + 5
	for name, c := range clients {
		room := "history over " + name
		for i := range sent {
			if err := c.Send(ctx, room, "ann", fmt.Sprint(i)); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		ids := make(map[string]bool)
		for msg, err := range c.Subscribe(ctx, room) {
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if ids[msg.ID] || msg.ID == "" {
				t.Errorf("%s: message %q has ID %q, seen before or empty", name, msg.Text, msg.ID)
			}
			ids[msg.ID] = true
			got = append(got, msg.Text)
			if len(got) == historySize {
				// Joined: what is sent now comes after the history.
				if err := c.Send(ctx, room, "bob", "live"); err != nil {
					t.Fatal(err)
				}
			}
			if len(got) == historySize+1 {
				break
			}
		}
		var want []string
		for i := sent - historySize; i < sent; i++ {
			want = append(want, fmt.Sprint(i))
		}
		want = append(want, "live")
		if !slices.Equal(got, want) {
			t.Errorf("%s: a joiner received %q, want %q", name, got, want)
		}
	}
}

// TestSendChecksItsInput checks what Send refuses, with the message a
// user reads.
func TestSendChecksItsInput(t *testing.T) {
	srv := httptest.NewServer(newHandler(newHub()))
	defer srv.Close()
	client := NewChatHTTPClient(srv.URL)
	for _, tc := range []struct {
		room, user, text string
		want             string
	}{
		{"room", "", "hello", "a name is required"},
		{"room", "   ", "hello", "a name is required"},
		{"room", strings.Repeat("é", maxUserName+1), "hello", "a name is at most 32 characters"},
		{"room", "ann", "", "the message is empty"},
		{"room", "ann", " \n\t", "the message is empty"},
		{"room", "ann", strings.Repeat("x", maxText+1), "a message is at most 2000 characters"},
		{strings.Repeat("r", maxRoomName+1), "ann", "hello", "a room name is 1 to 64 characters"},
	} {
		err := client.Send(context.Background(), tc.room, tc.user, tc.text)
		var rpcErr *stdrpc.Error
		if !errors.As(err, &rpcErr) || rpcErr.Code() != stdrpc.InvalidArgument || rpcErr.Message() != tc.want {
			t.Errorf("Send(%.10q, %.10q, %.10q) = %v, want invalid_argument: %s", tc.room, tc.user, tc.text, err, tc.want)
		}
	}
	if err := client.Send(context.Background(), "room", strings.Repeat("é", maxUserName), "hello"); err != nil {
		t.Errorf("Send with a name of %d characters: %v", maxUserName, err)
	}
}

// TestRoomsAreBounded checks that the server keeps the history of at most
// maxRooms rooms, forgetting the one idle longest.
func TestRoomsAreBounded(t *testing.T) {
	chat := newHub()
	ctx := context.Background()
	for i := range maxRooms + 1 {
		if err := chat.Send(ctx, fmt.Sprint("room", i), "ann", "hello"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(chat.rooms); n != maxRooms {
		t.Errorf("%d rooms kept, want %d", n, maxRooms)
	}
	history := func(room string) int {
		ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		n := 0
		for range chat.Subscribe(ctx, room) {
			n++
		}
		return n
	}
	if n := history("room1"); n != 1 {
		t.Errorf("a recent room has %d messages, want 1", n)
	}
	if n := history("room0"); n != 0 {
		t.Errorf("the room idle longest still has %d messages, want none", n)
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

// TestShutdownEndsStreams stops a server as an interrupt does: an open
// stream ends with unavailable, which tells its client to reconnect, and
// the server stops without waiting out its grace period.
func TestShutdownEndsStreams(t *testing.T) {
	chat := newHub()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- serve(ctx, lis, newHandler(chat), chat.endSubscriptions) }()

	client := NewChatHTTPClient("http://" + lis.Addr().String())
	callCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := client.Send(callCtx, "shutdown", "ann", "before"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for msg, err := range client.Subscribe(callCtx, "shutdown") {
		if err != nil {
			if code := stdrpc.CodeOf(err); code != stdrpc.Unavailable {
				t.Errorf("the stream ended with %v, want unavailable", err)
			}
			break
		}
		got = append(got, msg.Text)
		start := time.Now()
		stop() // once subscribed
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("serve took %v to stop", took)
			}
		case <-callCtx.Done():
			t.Fatal("serve did not return")
		}
	}
	if !slices.Equal(got, []string{"before"}) {
		t.Errorf("the stream carried %q, want the one message sent before", got)
	}
}
