package ws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// Messages of every kind and size come back as sent between Dial and
// Accept.
func TestEchoMessages(t *testing.T) {
	srv, done := serve(t, Options{MaxMessageBytes: 3 << 20}, echo)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, wsURL(srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB: a 64-bit length
	for _, m := range []struct {
		typ  MessageType
		data []byte
	}{
		{Text, []byte("héllo, wörld ✓")},
		{Text, []byte{}},
		{Binary, []byte{0, 1, 2, 0xFF, 0xFE}},
		{Binary, bytes.Repeat([]byte{0xA5}, 125)},
		{Binary, bytes.Repeat([]byte{0x5A}, 126)}, // a 16-bit length
		{Binary, bytes.Repeat([]byte{0x3C}, 65535)},
		{Binary, bytes.Repeat([]byte{0xC3}, 65536)}, // a 64-bit length
		{Text, big},
	} {
		if err := c.WriteMessage(ctx, m.typ, m.data); err != nil {
			t.Fatal(err)
		}
		typ, got, err := c.ReadMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if typ != m.typ || !bytes.Equal(got, m.data) {
			t.Errorf("sent %v of %d bytes, got %v of %d bytes back", m.typ, len(m.data), typ, len(got))
		}
	}
	if err := c.Close(StatusNormalClosure, "done"); err != nil {
		t.Errorf("Close: %v", err)
	}
	err = wait(t, done)
	var ce *CloseError
	if !errors.As(err, &ce) || *ce != (CloseError{StatusNormalClosure, "done", true}) {
		t.Errorf("server's read ended with %v, want the client's close 1000 done", err)
	}
}

// Goroutines writing at once never interleave their frames: every message
// arrives whole.
func TestConcurrentWriters(t *testing.T) {
	const writers, each = 8, 50
	srv, done := serve(t, Options{}, func(_ context.Context, c *Conn) error {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					// Sizes across the 16-bit length, so that frames take several writes.
					msg := bytes.Repeat([]byte{byte('a' + w)}, 100+i*1500)
					if err := c.WriteMessage(ctx, Binary, msg); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		return c.Close(StatusNormalClosure, "")
	})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, wsURL(srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[byte]int{}
	for range writers * each {
		_, msg, err := c.ReadMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(msg) == 0 || bytes.Count(msg, msg[:1]) != len(msg) {
			t.Fatalf("a message of %d bytes mixes writers' bytes", len(msg))
		}
		counts[msg[0]]++
	}
	for w := range writers {
		if counts[byte('a'+w)] != each {
			t.Errorf("writer %d: %d messages arrived, want %d", w, counts[byte('a'+w)], each)
		}
	}
	if _, _, err := c.ReadMessage(ctx); CloseStatus(err) != StatusNormalClosure {
		t.Errorf("after the messages: %v, want the server's close", err)
	}
	if err := wait(t, done); err != nil {
		t.Errorf("server's Close: %v", err)
	}
}

// Frames that break the protocol or the limit close the connection with
// the code that says how, and the server's read returns it.
func TestPeerBreaksProtocol(t *testing.T) {
	text := func(s string) []byte { return frame(true, 0, opText, testKey, []byte(s)) }
	for _, tc := range []struct {
		name   string
		frames [][]byte
		code   StatusCode
		reason string
	}{
		{"unmasked", [][]byte{frame(true, 0, opText, nil, []byte("hi"))}, StatusProtocolError, "unmasked"},
		{"RSV1", [][]byte{frame(true, 0x40, opText, testKey, []byte("hi"))}, StatusProtocolError, "reserved bits"},
		{"RSV3", [][]byte{frame(true, 0x10, opBinary, testKey, nil)}, StatusProtocolError, "reserved bits"},
		{"opcode 3", [][]byte{frame(true, 0, 3, testKey, nil)}, StatusProtocolError, "reserved opcode 0x3"},
		{"opcode 0xB", [][]byte{frame(true, 0, 0xB, testKey, nil)}, StatusProtocolError, "reserved opcode 0xb"},
		{"fragmented ping", [][]byte{frame(false, 0, opPing, testKey, nil)}, StatusProtocolError, "fragmented control"},
		{"long ping", [][]byte{frame(true, 0, opPing, testKey, make([]byte, 126))}, StatusProtocolError, "125 bytes"},
		{"continuation first", [][]byte{frame(true, 0, opContinuation, testKey, []byte("x"))}, StatusProtocolError, "no message to continue"},
		{"text inside text", [][]byte{frame(false, 0, opText, testKey, []byte("a")), text("b")}, StatusProtocolError, "before the last fragment"},
		{"16-bit length of 5", [][]byte{{0x81, 0xFE, 0, 5, 1, 2, 3, 4, 'a', 'b', 'c', 'd', 'e'}}, StatusProtocolError, "shortest form"},
		{"64-bit length of 200", [][]byte{{0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0, 200}}, StatusProtocolError, "shortest form"},
		{"64-bit length, top bit", [][]byte{{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1}}, StatusProtocolError, "most significant bit"},
		{"invalid UTF-8", [][]byte{text("caf\xe9")}, StatusInvalidPayload, "UTF-8"},
		{"invalid UTF-8 in a fragment", [][]byte{frame(false, 0, opText, testKey, []byte("ok")), frame(true, 0, opContinuation, testKey, []byte{0xC0, 0x80})}, StatusInvalidPayload, "UTF-8"},
		{"truncated UTF-8", [][]byte{text("\xe2\x9c")}, StatusInvalidPayload, "UTF-8"},
		// Only the header of a frame over the limit: the server refuses it without waiting for the payload.
		{"too big", [][]byte{{0x82, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4}}, StatusMessageTooBig, "1024-byte limit"},
		{"too big in fragments", [][]byte{frame(false, 0, opBinary, testKey, make([]byte, 600)), {0x00, 0xFE, 0x01, 0xF4, 1, 2, 3, 4}}, StatusMessageTooBig, "1024-byte limit"},
		{"close code 999", [][]byte{closeFrame(999, "")}, StatusProtocolError, "999"},
		{"close code 1005", [][]byte{closeFrame(1005, "")}, StatusProtocolError, "1005"},
		{"close code 1015", [][]byte{closeFrame(1015, "")}, StatusProtocolError, "1015"},
		{"close code 5000", [][]byte{closeFrame(5000, "")}, StatusProtocolError, "5000"},
		{"close with one byte", [][]byte{frame(true, 0, opClose, testKey, []byte{3})}, StatusProtocolError, "one-byte"},
		{"close reason not UTF-8", [][]byte{frame(true, 0, opClose, testKey, []byte{0x03, 0xE8, 0xFF})}, StatusInvalidPayload, "UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, done := serve(t, Options{MaxMessageBytes: 1024}, echo)
			rc := upgrade(t, srv)
			rc.send(tc.frames...)
			code, reason := rc.expectClose()
			if code != tc.code || !strings.Contains(reason, tc.reason) {
				t.Errorf("closed with %v %q, want %v saying %q", code, reason, tc.code, tc.reason)
			}
			err := wait(t, done)
			var ce *CloseError
			if !errors.As(err, &ce) || ce.Code != tc.code || ce.Remote {
				t.Errorf("server's read ended with %v, want its own close %v", err, tc.code)
			}
		})
	}
}

// What the protocol allows the server takes: control frames between a
// message's fragments, a character split across fragments, a message of
// exactly the limit, a close without a code, codes for applications.
func TestPeerWithinProtocol(t *testing.T) {
	srv, done := serve(t, Options{MaxMessageBytes: 1024}, echo)
	rc := upgrade(t, srv)
	rc.send(
		frame(false, 0, opText, testKey, []byte("caf\xc3")),
		frame(true, 0, opPing, testKey, []byte("are you there")),
		frame(false, 0, opContinuation, testKey, []byte{0xa9, ' '}),
		frame(true, 0, opPong, testKey, []byte("unasked")),
		frame(false, 0, opContinuation, testKey, nil),
		frame(true, 0, opContinuation, testKey, []byte("au lait")),
	)
	if h, p := rc.next(); h.op != opPong || string(p) != "are you there" {
		t.Errorf("ping answered with opcode %#x %q, want a pong with its payload", byte(h.op), p)
	}
	if h, p := rc.next(); h.op != opText || !h.fin || string(p) != "café au lait" {
		t.Errorf("got opcode %#x %q, want the text joined", byte(h.op), p)
	}
	rc.send(frame(false, 0, opBinary, testKey, make([]byte, 1000)), frame(true, 0, opContinuation, testKey, make([]byte, 24)))
	if h, p := rc.next(); h.op != opBinary || len(p) != 1024 {
		t.Errorf("a message of exactly the limit came back as opcode %#x of %d bytes", byte(h.op), len(p))
	}
	rc.send(frame(true, 0, opPing, testKey, bytes.Repeat([]byte{'p'}, 125)))
	if h, p := rc.next(); h.op != opPong || len(p) != 125 {
		t.Errorf("a 125-byte ping answered with opcode %#x of %d bytes", byte(h.op), len(p))
	}
	rc.send(frame(true, 0, opClose, testKey, nil))
	h, p := rc.next()
	if h.op != opClose || len(p) != 0 {
		t.Errorf("a close without a code answered with opcode %#x %q, want an empty close", byte(h.op), p)
	}
	err := wait(t, done)
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != StatusNoStatus || !ce.Remote {
		t.Errorf("server's read ended with %v, want the peer's close without a status (1005)", err)
	}

	srv, done = serve(t, Options{}, echo)
	rc = upgrade(t, srv)
	rc.send(closeFrame(4321, "moving on ✓"))
	if code, reason := rc.expectClose(); code != 4321 || reason != "" {
		t.Errorf("close echoed as %v %q, want the code back", code, reason)
	}
	err = wait(t, done)
	if !errors.As(err, &ce) || *ce != (CloseError{4321, "moving on ✓", true}) {
		t.Errorf("server's read ended with %v, want the peer's 4321 and its reason", err)
	}
}

// The server's Close is the close handshake: its frame carries the code
// and reason, it waits for the peer's, and writes after it fail.
func TestServerClose(t *testing.T) {
	closed := make(chan error, 1)
	srv, done := serve(t, Options{}, func(_ context.Context, c *Conn) error {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := c.WriteMessage(ctx, Text, []byte("bye soon")); err != nil {
			return err
		}
		closed <- c.Close(4001, "done here")
		return c.WriteMessage(ctx, Text, []byte("too late"))
	})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, wsURL(srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, msg, err := c.ReadMessage(ctx); err != nil || string(msg) != "bye soon" {
		t.Fatalf("got %q, %v", msg, err)
	}
	_, _, err = c.ReadMessage(ctx)
	var ce *CloseError
	if !errors.As(err, &ce) || *ce != (CloseError{4001, "done here", true}) {
		t.Errorf("client read %v, want the server's close 4001", err)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("server's Close: %v", err)
		}
	case <-time.After(closeTimeout / 2): // well before Close would give up waiting
		t.Fatal("server's Close did not see the client's answer")
	}
	if err := wait(t, done); !errors.Is(err, ErrClosed) {
		t.Errorf("a write after Close: %v, want ErrClosed", err)
	}
	if _, _, err := c.ReadMessage(ctx); CloseStatus(err) != 4001 {
		t.Errorf("a read after the close: %v, want the same close again", err)
	}
}

// Close checks what it is asked to send.
func TestCloseArguments(t *testing.T) {
	srv, _ := serve(t, Options{}, echo)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, wsURL(srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		code   StatusCode
		reason string
		says   string
	}{
		{1005, "", "1005 may not be sent"},
		{1006, "", "1006"},
		{2000, "", "3000–4999"},
		{1000, strings.Repeat("x", 124), "124 bytes"},
		{1000, "\xff", "UTF-8"},
	} {
		if err := c.Close(tc.code, tc.reason); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("Close(%d, %d bytes): %v, want it refused saying %q", tc.code, len(tc.reason), err, tc.says)
		}
	}
	if err := c.WriteMessage(ctx, Text, []byte("still open")); err != nil {
		t.Errorf("after refused Closes the connection is unusable: %v", err)
	}
	if err := c.WriteMessage(ctx, Text, []byte{0xff}); err == nil || !strings.Contains(err.Error(), "Binary") {
		t.Errorf("text not UTF-8 sent: %v", err)
	}
	if _, msg, err := c.ReadMessage(ctx); err != nil || string(msg) != "still open" {
		t.Errorf("got %q, %v; want the one valid message back", msg, err)
	}
	if err := c.Close(StatusNormalClosure, strings.Repeat("é", 61)); err != nil { // 122 bytes
		t.Errorf("Close with the longest reason: %v", err)
	}
}

// A read's context bounds it; once a read is interrupted the connection
// can still write and close.
func TestReadContext(t *testing.T) {
	got := make(chan string, 1)
	srv, _ := serve(t, Options{}, func(_ context.Context, c *Conn) error {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_, msg, err := c.ReadMessage(ctx)
		got <- fmt.Sprintf("%s %v", msg, err)
		return err
	})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, wsURL(srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	start := time.Now()
	if _, _, err := c.ReadMessage(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("read past its deadline: %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > testTimeout/2 {
		t.Errorf("the read took %v to give up", took)
	}
	canceled, cancelNow := context.WithCancel(ctx)
	cancelNow()
	if _, _, err := c.ReadMessage(canceled); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a read after an interrupted one: %v, want the same error", err)
	}
	if err := c.WriteMessage(ctx, Text, []byte("still writing")); err != nil {
		t.Errorf("write after an interrupted read: %v", err)
	}
	if s := <-got; s != "still writing <nil>" {
		t.Errorf("server read %q", s)
	}

	// Canceled while blocked.
	c2, err := Dial(ctx, wsURL(srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	blocked, cancelBlocked := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancelBlocked)
	if _, _, err := c2.ReadMessage(blocked); !errors.Is(err, context.Canceled) {
		t.Errorf("read canceled while blocked: %v, want context.Canceled", err)
	}
	start = time.Now()
	if err := c2.Close(StatusGoingAway, ""); err != nil {
		t.Errorf("Close after an interrupted read: %v", err)
	}
	if took := time.Since(start); took > closeTimeout/2 {
		t.Errorf("Close waited %v for a close it cannot read", took)
	}
	if s := <-got; !strings.Contains(s, "1001") {
		t.Errorf("server read %q, want the client's close 1001", s)
	}
}

// A write to a peer that reads nothing ends with its context, and closes
// the connection, since its frame may be cut short.
func TestWriteContext(t *testing.T) {
	release := make(chan struct{})
	srv, _ := serve(t, Options{}, func(_ context.Context, c *Conn) error {
		<-release // reads nothing until the test is done
		return nil
	})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, wsURL(srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, time.Second)
	defer cancelShort()
	big := make([]byte, 64<<20) // more than the sockets' buffers hold
	if err := c.WriteMessage(short, Binary, big); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("write to a peer not reading: %v, want context.DeadlineExceeded", err)
	}
	if err := c.WriteMessage(ctx, Text, []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("write after a cut-short one: %v, want the same error", err)
	}
	// A writer waiting its turn gives up with its context.
	c2, err := Dial(ctx, wsURL(srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	c2.writeSem <- struct{}{} // another writer, stuck
	waiting, cancelWaiting := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelWaiting()
	if err := c2.WriteMessage(waiting, Text, []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("write waiting its turn: %v, want context.DeadlineExceeded", err)
	}
	<-c2.writeSem
	if err := c2.WriteMessage(ctx, Text, []byte("x")); err != nil {
		t.Errorf("a write after one that gave up waiting: %v", err)
	}
}

// A client still sending a message the server refused gets the close
// frame that says why, not a reset connection: the server drops the rest
// until the client closes.
func TestRefusalReachesBusyClient(t *testing.T) {
	srv, done := serve(t, Options{MaxMessageBytes: 1024}, echo)
	rc := upgrade(t, srv)
	const size = 8 << 20
	hdr := appendHeader(nil, header{fin: true, op: opBinary, masked: true, length: size})
	copy(hdr[len(hdr)-4:], testKey)
	chunk := make([]byte, 64<<10)
	rc.send(hdr, chunk) // unread by the server when it refuses the message
	// The rest, sent on regardless, as a client's send buffer would.
	go func() {
		for range size/len(chunk) - 1 {
			if _, err := rc.nc.Write(chunk); err != nil {
				return
			}
		}
	}()
	code, reason := rc.expectClose()
	if code != StatusMessageTooBig || !strings.Contains(reason, "1024-byte limit") {
		t.Errorf("closed with %v %q, want 1009 naming the limit", code, reason)
	}
	if err := wait(t, done); CloseStatus(err) != StatusMessageTooBig {
		t.Errorf("server's read ended with %v", err)
	}
}

// Room for large messages is reserved before they are buffered and given
// back when the next read begins; a message there is no room for closes
// the connection with 1013, and nothing stays reserved.
func TestReserve(t *testing.T) {
	var mu sync.Mutex
	var used, peak int64
	const budget = 10000
	reserve := func(n int64) bool {
		mu.Lock()
		defer mu.Unlock()
		if used+n > budget {
			return false
		}
		used += n
		peak = max(peak, used)
		return true
	}
	inUse := func() (int64, int64) { mu.Lock(); defer mu.Unlock(); return used, peak }
	srv, done := serve(t, Options{Reserve: reserve}, echo)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, wsURL(srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{100, 4096, 9000, 4097, 14096} { // each within the limit, past the free 4 KiB by at most the budget
		if err := c.WriteMessage(ctx, Binary, make([]byte, size)); err != nil {
			t.Fatal(err)
		}
		if _, msg, err := c.ReadMessage(ctx); err != nil || len(msg) != size {
			t.Fatalf("a message of %d bytes came back as %d, %v", size, len(msg), err)
		}
	}
	if _, peak := inUse(); peak != budget {
		t.Errorf("at most %d bytes reserved at once, want %d: the 14096-byte message's room past 4 KiB", peak, budget)
	}
	if err := c.WriteMessage(ctx, Binary, make([]byte, 14097)); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.ReadMessage(ctx)
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != StatusTryAgainLater || !strings.Contains(ce.Reason, "try again") {
		t.Errorf("a message past the budget: %v, want close 1013", err)
	}
	if err := wait(t, done); CloseStatus(err) != StatusTryAgainLater {
		t.Errorf("server's read ended with %v", err)
	}
	if n, _ := inUse(); n != 0 {
		t.Errorf("%d bytes still reserved after the connection closed", n)
	}
}
