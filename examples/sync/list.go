package main

import (
	"context"
	"iter"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/stdrpc/stdrpc"
)

//go:generate go run github.com/stdrpc/stdrpc/cmd/stdrpc

// Edit is one change to the list.
type Edit struct {
	Op   string `json:"op"` // "add" or "remove"
	Item string `json:"item"`
}

// Event is what a device receives: first the whole list, then every edit
// anyone makes, its own included, in the order the hub applied them.
type Event struct {
	Op    string   `json:"op"`              // "list", "add" or "remove"
	Item  string   `json:"item,omitempty"`  // with "add" and "remove"
	Items []string `json:"items,omitempty"` // with "list": the list, oldest first
}

// List is one list shared by every device that syncs with it.
//
//stdrpc:service
type List interface {
	// Sync applies the device's edits as they arrive and streams the list,
	// then every edit made by anyone, until the device goes away. A device
	// that has nothing more to send ends its edits and keeps receiving.
	Sync(ctx context.Context, edits iter.Seq[Edit]) iter.Seq2[Event, error]
}

// Limits of what one device can make the hub hold.
const (
	maxItems = 500 // items on the list
	maxItem  = 100 // characters in an item
	// deviceBuffer is how far a device may fall behind before it is dropped
	// (with resource_exhausted; it reconnects and gets the list again),
	// rather than the hub buffering without bound or waiting for it.
	deviceBuffer = 256
)

// hub holds the list in memory and fans edits out to the devices.
type hub struct {
	mu      sync.Mutex
	items   []string
	devices map[*device]struct{}
}

// A device receives events on ch until ch is closed; then end says why.
type device struct {
	ch  chan Event
	end error // set before ch is closed
}

func newHub() *hub { return &hub{devices: make(map[*device]struct{})} }

func (h *hub) Sync(ctx context.Context, edits iter.Seq[Edit]) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		d := &device{ch: make(chan Event, deviceBuffer)}
		h.mu.Lock()
		first := Event{Op: "list", Items: slices.Clone(h.items)}
		h.devices[d] = struct{}{}
		h.mu.Unlock()
		defer h.leave(d)
		if !yield(first, nil) {
			return
		}

		// The device's edits arrive while its events go out: read them on
		// a goroutine of their own. Its range ends when the call does.
		bad := make(chan error, 1)
		go func() {
			for e := range edits {
				if err := h.apply(e); err != nil {
					bad <- err
					return
				}
			}
		}()
		for {
			select {
			case ev, ok := <-d.ch:
				if !ok {
					yield(Event{}, d.end)
					return
				}
				if !yield(ev, nil) {
					return
				}
			case err := <-bad:
				yield(Event{}, err)
				return
			case <-ctx.Done():
				return
			}
		}
	}
}

// apply checks e, applies it and sends it to every device. Adding an item
// already there, or removing one that is not, changes nothing but is sent
// all the same, so that a device sees each of its edits come back.
func (h *hub) apply(e Edit) error {
	item := strings.TrimSpace(e.Item)
	switch {
	case e.Op != "add" && e.Op != "remove":
		return stdrpc.Errorf(stdrpc.InvalidArgument, `an edit's op is "add" or "remove", not %q`, e.Op)
	case item == "":
		return stdrpc.Errorf(stdrpc.InvalidArgument, "an edit needs an item")
	case utf8.RuneCountInString(item) > maxItem:
		return stdrpc.Errorf(stdrpc.InvalidArgument, "an item is at most %d characters", maxItem)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	i := slices.Index(h.items, item)
	switch {
	case e.Op == "add" && i < 0:
		if len(h.items) == maxItems {
			return stdrpc.Errorf(stdrpc.ResourceExhausted, "the list is full (%d items): remove some first", maxItems)
		}
		h.items = append(h.items, item)
	case e.Op == "remove" && i >= 0:
		h.items = slices.Delete(h.items, i, i+1)
	}
	ev := Event{Op: e.Op, Item: item}
	for d := range h.devices {
		select {
		case d.ch <- ev:
		default:
			h.drop(d, stdrpc.Errorf(stdrpc.ResourceExhausted, "this device fell %d edits behind: sync again", deviceBuffer))
		}
	}
	return nil
}

// endAll ends every device's stream with unavailable, as a server going
// away does, so that devices reconnect; the list stays.
func (h *hub) endAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for d := range h.devices {
		h.drop(d, stdrpc.Errorf(stdrpc.Unavailable, "the server is shutting down"))
	}
}

func (h *hub) leave(d *device) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.devices[d]; ok {
		h.drop(d, nil)
	}
}

// drop ends d's events with err. The caller holds h.mu.
func (h *hub) drop(d *device, err error) {
	delete(h.devices, d)
	d.end = err
	close(d.ch)
}
