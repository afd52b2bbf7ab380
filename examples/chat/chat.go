package main

import (
	"context"
	"iter"
	"sync"
	"time"

	"github.com/stdrpc/stdrpc"
)

//go:generate go run github.com/stdrpc/stdrpc/cmd/stdrpc

// Message is one chat line.
type Message struct {
	Room string    `json:"room"`
	User string    `json:"user"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// Chat is a set of rooms: anyone can send to a room, and every subscriber
// of the room receives what is sent after it subscribed.
//
//stdrpc:service
type Chat interface {
	// Send posts text to room as user.
	//stdrpc:http POST /rooms/{room}/messages
	Send(ctx context.Context, room, user, text string) error

	// Subscribe streams the messages sent to room from now on, until ctx
	// is done.
	//stdrpc:http GET /rooms/{room}/messages
	Subscribe(ctx context.Context, room string) iter.Seq2[Message, error]
}

// subscriberBuffer bounds what one slow subscriber can hold up: past it the
// subscriber is dropped with resource_exhausted rather than the server
// buffering without bound or one reader stalling the room.
const subscriberBuffer = 256

// hub is the in-memory implementation of Chat.
type hub struct {
	mu    sync.Mutex
	rooms map[string]map[chan Message]struct{}
}

func newHub() *hub { return &hub{rooms: make(map[string]map[chan Message]struct{})} }

func (h *hub) Send(ctx context.Context, room, user, text string) error {
	if room == "" || text == "" {
		return stdrpc.Errorf(stdrpc.InvalidArgument, "room and text must not be empty")
	}
	msg := Message{Room: room, User: user, Text: text, At: time.Now().UTC()}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.rooms[room] {
		select {
		case ch <- msg:
		default:
			// Too slow: close its channel so its stream ends with an error.
			delete(h.rooms[room], ch)
			close(ch)
		}
	}
	return nil
}

func (h *hub) Subscribe(ctx context.Context, room string) iter.Seq2[Message, error] {
	// Subscribe at call time, not at the first iteration, so that nothing
	// sent after Subscribe returns is missed.
	ch := make(chan Message, subscriberBuffer)
	h.mu.Lock()
	if h.rooms[room] == nil {
		h.rooms[room] = make(map[chan Message]struct{})
	}
	h.rooms[room][ch] = struct{}{}
	h.mu.Unlock()
	return func(yield func(Message, error) bool) {
		defer h.unsubscribe(room, ch)
		for {
			select {
			case msg, ok := <-ch:
				if !ok {
					yield(Message{}, stdrpc.Errorf(stdrpc.ResourceExhausted, "subscriber fell %d messages behind", subscriberBuffer))
					return
				}
				if !yield(msg, nil) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
}

func (h *hub) unsubscribe(room string, ch chan Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.rooms[room][ch]; ok {
		delete(h.rooms[room], ch)
		close(ch)
	}
	if len(h.rooms[room]) == 0 {
		delete(h.rooms, room)
	}
}
