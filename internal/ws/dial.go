package ws

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Dial opens a WebSocket to rawURL (ws:// or wss://) as a client, sending
// header with the handshake (an Origin, say). ctx bounds the handshake
// only. The connection reads messages of up to DefaultMaxMessageBytes.
func Dial(ctx context.Context, rawURL string, header http.Header) (*Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	var useTLS bool
	switch u.Scheme {
	case "ws":
	case "wss":
		useTLS = true
	default:
		return nil, fmt.Errorf("websocket: URL scheme %q; want ws or wss", u.Scheme)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[bool]string{false: "80", true: "443"}[useTLS])
	}
	var nc net.Conn
	if useTLS {
		nc, err = (&tls.Dialer{Config: &tls.Config{ServerName: u.Hostname()}}).DialContext(ctx, "tcp", addr)
	} else {
		nc, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	c, err := handshake(ctx, nc, u, header)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// handshake sends the opening handshake on nc and checks the answer.
func handshake(ctx context.Context, nc net.Conn, u *url.URL, header http.Header) (*Conn, error) {
	stop := watch(ctx, nc.SetDeadline)
	c, err := handshakeOn(ctx, nc, u, header)
	stop()
	nc.SetDeadline(time.Time{}) // each read and write sets its own
	return c, err
}

func handshakeOn(ctx context.Context, nc net.Conn, u *url.URL, header http.Header) (*Conn, error) {
	var k [16]byte
	rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	req := &http.Request{
		Method:     http.MethodGet,
		URL:        &url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery},
		Host:       u.Host,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     header.Clone(),
	}
	if req.URL.Path == "" {
		req.URL.Path = "/"
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", key)
	req.Header.Set("Sec-WebSocket-Version", "13")
	if err := req.Write(nc); err != nil {
		return nil, ctxError(ctx, err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, ctxError(ctx, err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return nil, fmt.Errorf("websocket: server refused the handshake with %s: %s", resp.Status, body)
	}
	if !hasToken(resp.Header, "Upgrade", "websocket") || !hasToken(resp.Header, "Connection", "upgrade") ||
		resp.Header.Get("Sec-WebSocket-Accept") != acceptKey(key) {
		return nil, fmt.Errorf("websocket: server answered 101 without a valid WebSocket handshake")
	}
	return newConn(nc, br, true, 0), nil
}
