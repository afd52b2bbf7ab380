package ws

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 10 * time.Second

// serve starts a loopback HTTP server whose handler accepts WebSockets
// with o and hands each connection, with the request's context, to handle;
// the returned channel gets what handle returns, once per connection.
func serve(t *testing.T, o Options, handle func(context.Context, *Conn) error) (*httptest.Server, <-chan error) {
	t.Helper()
	return serveWith(t, nil, o, handle)
}

// serveWith is serve, with the http.Server configured by config first.
func serveWith(t *testing.T, config func(*http.Server), o Options, handle func(context.Context, *Conn) error) (*httptest.Server, <-chan error) {
	t.Helper()
	done := make(chan error, 16)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, o)
		if err != nil {
			return
		}
		done <- handle(r.Context(), c)
	}))
	if config != nil {
		config(srv.Config)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, done
}

// echo sends every message back until the connection ends, and returns
// how it ended.
func echo(ctx context.Context, c *Conn) error {
	ctx, cancel := context.WithTimeout(ctx, testTimeout)
	defer cancel()
	for {
		typ, msg, err := c.ReadMessage(ctx)
		if err != nil {
			return err
		}
		if err := c.WriteMessage(ctx, typ, msg); err != nil {
			return err
		}
	}
}

func wsURL(srv *httptest.Server) string { return "ws" + strings.TrimPrefix(srv.URL, "http") }

func wait(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(testTimeout):
		t.Fatal("the server's handler did not return")
		return nil
	}
}

// rawClient speaks WebSocket frame by frame, as a broken or unusual
// client would.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

// the handshake of RFC 6455 section 1.3
const (
	rfcKey    = "dGhlIHNhbXBsZSBub25jZQ=="
	rfcAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
)

// dialRaw opens a TCP connection to srv and sends request, a handshake
// or not; it returns the connection and the server's response.
func dialRaw(t *testing.T, srv *httptest.Server, request string) (*rawClient, *http.Response) {
	t.Helper()
	nc, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(testTimeout))
	if _, err := io.WriteString(nc, request); err != nil {
		t.Fatal(err)
	}
	rc := &rawClient{t: t, nc: nc, br: bufio.NewReader(nc)}
	resp, err := http.ReadResponse(rc.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rc, resp
}

// handshakeRequest is a browser's opening handshake to host, with extra
// header lines.
func handshakeRequest(host string, extra ...string) string {
	return "GET /chat HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + rfcKey + "\r\nSec-WebSocket-Version: 13\r\n" + strings.Join(extra, "") + "\r\n"
}

// upgrade opens a WebSocket to srv frame by frame.
func upgrade(t *testing.T, srv *httptest.Server) *rawClient {
	t.Helper()
	rc, resp := dialRaw(t, srv, handshakeRequest(srv.Listener.Addr().String()))
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake answered %s", resp.Status)
	}
	return rc
}

// frame is one frame as a client would send it: masked with key unless
// key is nil.
func frame(fin bool, rsv byte, op opcode, key []byte, payload []byte) []byte {
	h := header{fin: fin, rsv: rsv, op: op, length: int64(len(payload)), masked: key != nil}
	if key != nil {
		copy(h.key[:], key)
	}
	b := appendHeader(nil, h)
	p := append([]byte(nil), payload...)
	if key != nil {
		mask(h.key, 0, p)
	}
	return append(b, p...)
}

var testKey = []byte{0x37, 0xfa, 0x21, 0x3d}

func (rc *rawClient) send(frames ...[]byte) {
	rc.t.Helper()
	for _, f := range frames {
		if _, err := rc.nc.Write(f); err != nil {
			rc.t.Fatal(err)
		}
	}
}

// next reads one frame the server sent, unmasked; it must be unmasked.
func (rc *rawClient) next() (header, []byte) {
	rc.t.Helper()
	var b [2]byte
	if _, err := io.ReadFull(rc.br, b[:]); err != nil {
		rc.t.Fatalf("reading a frame: %v", err)
	}
	h := header{fin: b[0]&0x80 != 0, rsv: b[0] & 0x70, op: opcode(b[0] & 0xF), masked: b[1]&0x80 != 0}
	if h.masked {
		rc.t.Fatal("the server sent a masked frame")
	}
	n := uint64(b[1] & 0x7F)
	switch n {
	case 126:
		var e [2]byte
		io.ReadFull(rc.br, e[:])
		n = uint64(binary.BigEndian.Uint16(e[:]))
	case 127:
		var e [8]byte
		io.ReadFull(rc.br, e[:])
		n = binary.BigEndian.Uint64(e[:])
	}
	h.length = int64(n)
	p := make([]byte, n)
	if _, err := io.ReadFull(rc.br, p); err != nil {
		rc.t.Fatalf("reading a frame's payload: %v", err)
	}
	return h, p
}

// expectClose reads the server's close frame and then the end of the
// connection, closes its own side, and returns the close frame's code and reason.
func (rc *rawClient) expectClose() (StatusCode, string) {
	rc.t.Helper()
	h, p := rc.next()
	if h.op != opClose {
		rc.t.Fatalf("got a frame with opcode %#x, want a close frame", byte(h.op))
	}
	if len(p) < 2 {
		rc.t.Fatalf("close frame with payload %q, want a code", p)
	}
	if _, err := rc.br.ReadByte(); !errors.Is(err, io.EOF) {
		rc.t.Errorf("after its close frame the server's connection gave %v, want EOF: the server closes it", err)
	}
	rc.nc.Close() // as a client does once the server has closed
	return StatusCode(binary.BigEndian.Uint16(p)), string(p[2:])
}

func closeFrame(code StatusCode, reason string) []byte {
	return frame(true, 0, opClose, testKey, closePayload(code, reason))
}
