package ws

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The server answers the handshake of RFC 6455 section 1.3 with the
// accept key the RFC gives, and then reads the RFC's masked "Hello"
// (section 5.7) and echoes it unmasked, byte for byte as the RFC shows.
func TestHandshakeAndRFCExamples(t *testing.T) {
	srv, done := serve(t, Options{}, echo)
	rc, resp := dialRaw(t, srv, handshakeRequest(srv.Listener.Addr().String()))
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake answered %s, want 101", resp.Status)
	}
	for name, want := range map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": rfcAccept} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	rc.send([]byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58})
	want := []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(rc.br, got); err != nil || string(got) != string(want) {
		t.Fatalf("echo of the RFC's masked Hello: % x, %v; want % x", got, err, want)
	}
	// A fragmented unmasked-by-the-RFC "Hel" "lo", masked as a client must.
	rc.send(frame(false, 0, opText, testKey, []byte("Hel")), frame(true, 0, opContinuation, testKey, []byte("lo")))
	if _, err := io.ReadFull(rc.br, got); err != nil || string(got) != string(want) {
		t.Fatalf("echo of the fragmented Hello: % x, %v; want % x", got, err, want)
	}
	rc.send(closeFrame(StatusNormalClosure, ""))
	if code, _ := rc.expectClose(); code != StatusNormalClosure {
		t.Errorf("close answered with %v", code)
	}
	if err := wait(t, done); CloseStatus(err) != StatusNormalClosure {
		t.Errorf("server's read ended with %v, want the peer's 1000", err)
	}
}

// Requests that are no WebSocket handshake, or come from a page on an
// origin not allowed, are refused with the status that says why, and the
// server goes on serving.
func TestHandshakeRefused(t *testing.T) {
	srv, done := serve(t, Options{Origins: []string{"https://app.example.com"}}, echo)
	host := srv.Listener.Addr().String()
	for _, tc := range []struct {
		name    string
		request string
		status  int
		header  string // a header the refusal must carry, "Name: value"
		says    string
	}{
		{"POST", "POST /chat HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", 405, "Allow: GET", "GET"},
		{"plain GET", "GET /chat HTTP/1.1\r\nHost: h\r\n\r\n", 426, "Upgrade: websocket", "Upgrade"},
		{"no Connection: Upgrade", "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n", 426, "Upgrade: websocket", "Connection: Upgrade"},
		{"version 8", strings.Replace(handshakeRequest(host), "Version: 13", "Version: 8", 1), 426, "Sec-WebSocket-Version: 13", "version 13 only (RFC 6455), not 8"},
		{"no version", strings.Replace(handshakeRequest(host), "Sec-WebSocket-Version: 13\r\n", "", 1), 400, "", "Sec-WebSocket-Version: 13"},
		{"short key", strings.Replace(handshakeRequest(host), rfcKey, "c2hvcnQ=", 1), 400, "", "16 bytes"},
		{"no key", strings.Replace(handshakeRequest(host), "Sec-WebSocket-Key: "+rfcKey+"\r\n", "", 1), 400, "", "16 bytes"},
		{"other origin", handshakeRequest(host, "Origin: https://evil.example.com\r\n"), 403, "", "https://evil.example.com"},
		{"other port", handshakeRequest(host, "Origin: http://127.0.0.1:1\r\n"), 403, "", "allowed origins"},
		{"null origin", handshakeRequest(host, "Origin: null\r\n"), 403, "", "null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, resp := dialRaw(t, srv, tc.request)
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
			if resp.StatusCode != tc.status {
				t.Errorf("answered %s (%s), want %d", resp.Status, body, tc.status)
			}
			if name, value, ok := strings.Cut(tc.header, ": "); ok && resp.Header.Get(name) != value {
				t.Errorf("%s: %q, want %q", name, resp.Header.Get(name), value)
			}
			if !strings.Contains(string(body), tc.says) {
				t.Errorf("body %q does not say %q", body, tc.says)
			}
		})
	}
	for _, origin := range []string{"", "Origin: http://" + host + "\r\n", "Origin: https://" + host + "\r\n", "Origin: https://app.example.com\r\n", "Origin: HTTPS://APP.example.com\r\n"} {
		_, resp := dialRaw(t, srv, handshakeRequest(host, origin))
		if resp.StatusCode != http.StatusSwitchingProtocols {
			t.Errorf("handshake with %q answered %s, want 101", origin, resp.Status)
		}
	}
	select {
	case err := <-done:
		t.Errorf("a refused request reached the handler: %v", err)
	default:
	}
}

// Any origin, with "*".
func TestOriginAny(t *testing.T) {
	srv, _ := serve(t, Options{Origins: []string{"*"}}, echo)
	host := srv.Listener.Addr().String()
	_, resp := dialRaw(t, srv, handshakeRequest(host, "Origin: https://anyone.example.org\r\n"))
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Errorf("answered %s, want 101", resp.Status)
	}
}

// Dial checks the server's answer: a refusal reports its status and body.
func TestDialRefused(t *testing.T) {
	srv, _ := serve(t, Options{}, echo)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, err := Dial(ctx, wsURL(srv), http.Header{"Origin": {"https://evil.example.com"}})
	if err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "allowed origins") {
		t.Errorf("Dial from another origin: %v, want the 403 and why", err)
	}
	_, err = Dial(ctx, "http://"+srv.Listener.Addr().String(), nil)
	if err == nil || !strings.Contains(err.Error(), "ws or wss") {
		t.Errorf("Dial of an http URL: %v", err)
	}
}
