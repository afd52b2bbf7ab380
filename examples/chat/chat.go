package main

import (
	"context"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/stdrpc/stdrpc"
)

//go:generate go run github.com/stdrpc/stdrpc/cmd/stdrpc

// Message is one chat line.
type Message struct {
	Room string    `json:"room"`
	User string    `json:"user"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
	// ID is unique to the message, across restarts of the server too: a
	// page that receives a room's history again after reconnecting skips
	// the messages it already shows.
	ID string `json:"id"`
}

// Chat is a set of rooms: anyone can send to a room, and every subscriber
// of the room receives the room's recent history, then what is sent after
// it subscribed.
//
//stdrpc:service
type Chat interface {
	// Send posts text to room as user. Both must be non-empty.
	//stdrpc:http POST /rooms/{room}/messages
	Send(ctx context.Context, room, user, text string) error

	// Subscribe streams the last messages sent to room (up to 50, oldest
	// first), then the messages sent from now on, until ctx is done.
	//stdrpc:http GET /rooms/{room}/messages
	Subscribe(ctx context.Context, room string) iter.Seq2[Message, error]
}

// Limits of what one client can make the server hold.
const (
	// historySize is how many messages a room keeps for those who join.
	historySize = 50
	// maxRooms bounds the rooms whose history is kept: past it, the room
	// idle longest without subscribers is forgotten.
	maxRooms = 1000
	// Lengths, in characters.
	maxRoomName = 64
	maxUserName = 32
	maxText     = 2000
	// subscriberBuffer bounds what one slow subscriber can hold up: past it
	// the subscriber is dropped with resource_exhausted rather than the
	// server buffering without bound or one reader stalling the room.
	subscriberBuffer = 256
)

// hub is the in-memory implementation of Chat.
type hub struct {
	mu    sync.Mutex
	rooms map[string]*room
	boot  string // this hub's start time, the first part of every ID
	seq   uint64 // the last ID's second part
}

type room struct {
	subs    map[*subscriber]struct{}
	history []Message // the last historySize messages, oldest first
	active  time.Time // the last send or subscription
}

// A subscriber receives a room's messages on ch until ch is closed; then
// end says why.
type subscriber struct {
	ch  chan Message
	end error // set before ch is closed
}

func newHub() *hub {
	return &hub{
		rooms: make(map[string]*room),
		boot:  strconv.FormatInt(time.Now().UnixNano(), 36),
	}
}

func (h *hub) Send(ctx context.Context, room, user, text string) error {
	user = strings.TrimSpace(user)
	if err := checkRoom(room); err != nil {
		return err
	}
	switch {
	case user == "":
		return stdrpc.Errorf(stdrpc.InvalidArgument, "a name is required")
	case utf8.RuneCountInString(user) > maxUserName:
		return stdrpc.Errorf(stdrpc.InvalidArgument, "a name is at most %d characters", maxUserName)
	case strings.TrimSpace(text) == "":
		return stdrpc.Errorf(stdrpc.InvalidArgument, "the message is empty")
	case utf8.RuneCountInString(text) > maxText:
		return stdrpc.Errorf(stdrpc.InvalidArgument, "a message is at most %d characters", maxText)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	msg := Message{Room: room, User: user, Text: text, At: time.Now().UTC(),
		ID: h.boot + "-" + strconv.FormatUint(h.seq, 10)}
	r := h.room(room)
	if len(r.history) == historySize {
		copy(r.history, r.history[1:])
		r.history[historySize-1] = msg
	} else {
		r.history = append(r.history, msg)
	}
	for sub := range r.subs {
		select {
		case sub.ch <- msg:
		default:
			// Too slow: its stream ends with an error.
			delete(r.subs, sub)
			sub.end = stdrpc.Errorf(stdrpc.ResourceExhausted, "subscriber fell %d messages behind", subscriberBuffer)
			close(sub.ch)
		}
	}
	return nil
}

func (h *hub) Subscribe(ctx context.Context, name string) iter.Seq2[Message, error] {
	if err := checkRoom(name); err != nil {
		return func(yield func(Message, error) bool) { yield(Message{}, err) }
	}
	// Subscribe at call time, not at the first iteration, so that nothing
	// sent after Subscribe returns is missed; the history is copied under
	// the same lock, so nothing is seen twice either.
	sub := &subscriber{ch: make(chan Message, subscriberBuffer)}
	h.mu.Lock()
	r := h.room(name)
	r.subs[sub] = struct{}{}
	history := slices.Clone(r.history)
	h.mu.Unlock()
	return func(yield func(Message, error) bool) {
		defer h.unsubscribe(name, sub)
		for _, msg := range history {
			if !yield(msg, nil) {
				return
			}
		}
		for {
			select {
			case msg, ok := <-sub.ch:
				if !ok {
					yield(Message{}, sub.end)
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

func checkRoom(name string) error {
	if name == "" || utf8.RuneCountInString(name) > maxRoomName {
		return stdrpc.Errorf(stdrpc.InvalidArgument, "a room name is 1 to %d characters", maxRoomName)
	}
	return nil
}

// room returns the named room, creating it, and marks it active. The
// caller holds h.mu.
func (h *hub) room(name string) *room {
	r := h.rooms[name]
	if r == nil {
		if len(h.rooms) >= maxRooms {
			h.forgetIdleRoom()
		}
		r = &room{subs: make(map[*subscriber]struct{})}
		h.rooms[name] = r
	}
	r.active = time.Now()
	return r
}

// forgetIdleRoom deletes the room without subscribers that has been idle
// longest, if there is one. The caller holds h.mu.
func (h *hub) forgetIdleRoom() {
	var oldest string
	var since time.Time
	for name, r := range h.rooms {
		if len(r.subs) == 0 && (oldest == "" || r.active.Before(since)) {
			oldest, since = name, r.active
		}
	}
	if oldest != "" {
		delete(h.rooms, oldest)
	}
}

// endSubscriptions ends every subscription with unavailable, as a server
// going away does, so that subscribers reconnect; the rooms and their
// history stay.
func (h *hub) endSubscriptions() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.rooms {
		for sub := range r.subs {
			delete(r.subs, sub)
			sub.end = stdrpc.Errorf(stdrpc.Unavailable, "the server is shutting down")
			close(sub.ch)
		}
	}
}

func (h *hub) unsubscribe(name string, sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[name]
	if r == nil {
		return
	}
	if _, ok := r.subs[sub]; ok {
		delete(r.subs, sub)
		close(sub.ch)
	}
	if len(r.subs) == 0 && len(r.history) == 0 {
		delete(h.rooms, name)
	}
}
