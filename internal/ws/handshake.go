package ws

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Options configure the server's side of connections.
type Options struct {
	// MaxMessageBytes is the largest message a connection reads, counted
	// across its fragments before any is buffered (default
	// DefaultMaxMessageBytes). A bigger one closes the connection with
	// 1009.
	MaxMessageBytes int64
	// Origins are the origins besides the server's own whose pages may
	// connect, such as "https://app.example.com"; "*" allows any. A
	// browser's request from an origin not listed is refused with 403.
	Origins []string
	// Reserve, if set, is asked for room before a message's bytes past the
	// first 4 KiB are buffered, n more bytes at a time, and given it back
	// (n negative) when the next read begins or the connection closes: a
	// budget shared by connections, so that many large messages at once
	// cannot exhaust memory. When it says no, the connection closes with
	// 1013 (try again later).
	Reserve func(n int64) bool
}

// acceptGUID is what RFC 6455 appends to a key to prove a server read it.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// acceptKey is Sec-WebSocket-Accept for key.
func acceptKey(key string) string {
	sum := sha1.Sum([]byte(key + acceptGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// IsUpgrade reports whether r asks to open a WebSocket: a GET with
// Upgrade: websocket. Accept checks the rest.
func IsUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet && hasToken(r.Header, "Upgrade", "websocket")
}

// hasToken reports whether a comma-separated header lists token, in any
// case.
func hasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// Accept completes the opening handshake of a WebSocket request and takes
// over its connection. A request that is no WebSocket handshake, or one
// from a page whose origin o does not allow, is answered with the status
// that says why (405, 426, 400, 403), and Accept returns a *HandshakeError
// saying what it answered; the caller writes nothing more.
func Accept(w http.ResponseWriter, r *http.Request, o Options) (*Conn, error) {
	refuse := func(status int, msg string) (*Conn, error) {
		http.Error(w, msg, status)
		return nil, &HandshakeError{Status: status, Reason: msg}
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		return refuse(http.StatusMethodNotAllowed, "a WebSocket handshake is a GET")
	}
	if !hasToken(r.Header, "Upgrade", "websocket") || !hasToken(r.Header, "Connection", "upgrade") {
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Connection", "Upgrade")
		return refuse(http.StatusUpgradeRequired, "this is a WebSocket endpoint: send Connection: Upgrade and Upgrade: websocket")
	}
	switch v := r.Header.Get("Sec-WebSocket-Version"); v {
	case "13":
	case "":
		return refuse(http.StatusBadRequest, "a WebSocket handshake needs Sec-WebSocket-Version: 13")
	default:
		w.Header().Set("Sec-WebSocket-Version", "13")
		return refuse(http.StatusUpgradeRequired, "WebSocket version 13 only (RFC 6455), not "+v)
	}
	key := r.Header.Get("Sec-WebSocket-Key")
	if k, err := base64.StdEncoding.DecodeString(key); err != nil || len(k) != 16 {
		return refuse(http.StatusBadRequest, "Sec-WebSocket-Key must be 16 bytes in base64")
	}
	if err := checkOrigin(r, o.Origins); err != nil {
		return refuse(http.StatusForbidden, err.Error())
	}
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return refuse(http.StatusInternalServerError, "cannot take over the connection for a WebSocket (HTTP/1.1 only): "+err.Error())
	}
	// The server's read and write timeouts stay on a connection taken over.
	nc.SetDeadline(time.Time{})
	// brw's reader reads through net/http's, which cancels the request's
	// context when the connection ends: frames are read from nc, after
	// what brw holds already.
	var rd io.Reader = nc
	if n := brw.Reader.Buffered(); n > 0 {
		held, _ := brw.Reader.Peek(n)
		rd = io.MultiReader(bytes.NewReader(bytes.Clone(held)), nc)
	}
	c := newConn(nc, bufio.NewReaderSize(rd, 4096), false, o.MaxMessageBytes)
	c.reserve = o.Reserve
	resp := "HTTP/1.1 101 Switching Protocols\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + acceptKey(key) + "\r\n\r\n"
	nc.SetWriteDeadline(time.Now().Add(closeTimeout))
	if _, err := c.bw.WriteString(resp); err != nil {
		nc.Close()
		return nil, err
	}
	if err := c.bw.Flush(); err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetWriteDeadline(time.Time{})
	return c, nil
}

// HandshakeError is a request Accept refused, and what it answered.
type HandshakeError struct {
	Status int // the HTTP status
	Reason string
}

func (e *HandshakeError) Error() string {
	return fmt.Sprintf("websocket: handshake refused with %d: %s", e.Status, e.Reason)
}

// SameOrigin reports whether r comes from a page of the server's own
// origin: its Origin header names the host (and port) r was sent to. A
// request without an Origin header is not from a page.
func SameOrigin(r *http.Request) bool {
	u, err := url.Parse(r.Header.Get("Origin"))
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// checkOrigin allows a request without an Origin header (not from a
// browser), one from the server's own origin, and one from an origin in
// allowed.
func checkOrigin(r *http.Request, allowed []string) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	for _, a := range allowed {
		if a == "*" || strings.EqualFold(a, origin) {
			return nil
		}
	}
	if SameOrigin(r) {
		return nil
	}
	return errors.New("pages from origin " + origin + " may not open this WebSocket; the server must list it in its allowed origins")
}
