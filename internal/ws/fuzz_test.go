package ws

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"
	"unicode/utf8"
)

// pipeConn is a net.Conn that reads a fixed stream and keeps what is
// written, for reading frames without a network.
type pipeConn struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (p *pipeConn) Read(b []byte) (int, error)       { return p.in.Read(b) }
func (p *pipeConn) Write(b []byte) (int, error)      { return p.out.Write(b) }
func (p *pipeConn) Close() error                     { return nil }
func (p *pipeConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (p *pipeConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (p *pipeConn) SetDeadline(time.Time) error      { return nil }
func (p *pipeConn) SetReadDeadline(time.Time) error  { return nil }
func (p *pipeConn) SetWriteDeadline(time.Time) error { return nil }

// fuzzMax is the message limit the fuzz target reads with: small, so that
// inputs reach it.
const fuzzMax = 64

// FuzzReadMessage reads what a client sends, any bytes at all, as the
// server: it never panics or reads forever, hands out only whole messages
// within the limit (text valid UTF-8), and ends with an error; when it
// ends the connection itself it has sent a close frame with the code it
// returns, and everything it sent is unmasked frames.
func FuzzReadMessage(f *testing.F) {
	k := testKey
	f.Add([]byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}) // RFC 6455's masked Hello
	f.Add(bytes.Join([][]byte{
		frame(false, 0, opText, k, []byte("caf\xc3")),
		frame(true, 0, opPing, k, []byte("ping")),
		frame(true, 0, opContinuation, k, []byte{0xa9}),
		closeFrame(StatusNormalClosure, "bye"),
	}, nil))
	f.Add(frame(true, 0, opBinary, k, make([]byte, 200)))                 // a 16-bit length, over the limit
	f.Add(append([]byte{0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0, 40}, k...))      // a length not in its shortest form
	f.Add(frame(true, 0, opText, nil, []byte("unmasked")))                // a client that forgot to mask
	f.Add(frame(true, 0, opClose, k, []byte{0x03, 0xE8, 0xC0}))           // a close reason not UTF-8
	f.Add(append(frame(false, 0, opBinary, k, []byte("ab")), 0x80, 0x80)) // a continuation cut short
	f.Fuzz(func(t *testing.T, data []byte) {
		pc := &pipeConn{in: bytes.NewReader(data)}
		c := newConn(pc, bufio.NewReaderSize(pc, 16), false, fuzzMax)
		ctx := context.Background()
		var err error
		for range len(data) + 1 { // every message takes at least a two-byte header
			var typ MessageType
			var msg []byte
			typ, msg, err = c.ReadMessage(ctx)
			if err != nil {
				break
			}
			if len(msg) > fuzzMax {
				t.Fatalf("a message of %d bytes, over the limit of %d", len(msg), fuzzMax)
			}
			if typ == Text && !utf8.Valid(msg) {
				t.Fatalf("a text message not valid UTF-8: %q", msg)
			}
			if typ != Text && typ != Binary {
				t.Fatalf("a message of type %v", typ)
			}
		}
		if err == nil {
			t.Fatal("reading did not end when the input did")
		}
		frames := sentFrames(t, pc.out.Bytes())
		var ce *CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("reading ended with %v, want a *CloseError", err)
		}
		switch {
		case ce.Remote && ce.Code == StatusAbnormal: // the input ended
			if len(frames) > 0 && frames[len(frames)-1].op == opClose {
				t.Fatal("a close frame sent for input that just ended")
			}
		case ce.Remote: // the peer's close, answered
			last := frames[len(frames)-1]
			if last.op != opClose {
				t.Fatalf("the peer's close %v not answered", ce.Code)
			}
		default: // this side's close
			last := frames[len(frames)-1]
			if last.op != opClose || len(last.payload) < 2 || StatusCode(binary.BigEndian.Uint16(last.payload)) != ce.Code {
				t.Fatalf("returned %v but sent %+v last", ce, last)
			}
			if c := ce.Code; c != StatusProtocolError && c != StatusInvalidPayload && c != StatusMessageTooBig {
				t.Fatalf("closed with %v", c)
			}
		}
		if _, _, again := c.ReadMessage(ctx); again != err {
			t.Fatalf("a read after %v returned %v", err, again)
		}
	})
}

type sentFrame struct {
	op      opcode
	payload []byte
}

// sentFrames parses what the server wrote, which must be whole, final,
// unmasked frames.
func sentFrames(t *testing.T, out []byte) []sentFrame {
	var frames []sentFrame
	br := bufio.NewReader(bytes.NewReader(out))
	for range len(out) + 1 { // a frame is at least two bytes
		h, err := readHeader(br)
		if err == io.EOF {
			return frames
		}
		if err != nil {
			t.Fatalf("the server wrote a broken frame: %v", err)
		}
		if h.masked || !h.fin || h.rsv != 0 {
			t.Fatalf("the server wrote a frame %+v", h)
		}
		p := make([]byte, h.length)
		if _, err := io.ReadFull(br, p); err != nil {
			t.Fatalf("the server wrote a frame cut short")
		}
		frames = append(frames, sentFrame{h.op, p})
	}
	return frames
}
