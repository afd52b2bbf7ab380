// Package ws is the WebSocket protocol (RFC 6455) on net/http, for the
// browsers that call a service's streams: the server's side, and a small
// client for Go programs and tests. It uses the standard library only.
//
// # Serving
//
// A handler hands the request to Accept, which completes the opening
// handshake and takes over the connection; then one goroutine reads while
// any number write:
//
//	func echo(w http.ResponseWriter, r *http.Request) {
//		c, err := ws.Accept(w, r, ws.Options{})
//		if err != nil {
//			return // Accept has answered the request
//		}
//		defer c.Close(ws.StatusNormalClosure, "")
//		for {
//			typ, msg, err := c.ReadMessage(r.Context())
//			if err != nil {
//				return // the peer closed (a *CloseError), or the connection failed
//			}
//			if err := c.WriteMessage(r.Context(), typ, msg); err != nil {
//				return
//			}
//		}
//	}
//
// Accept refuses, answering with the status that says why: a method but
// GET (405, with Allow: GET); a request without Connection: Upgrade and
// Upgrade: websocket (426); a protocol version but 13 (426, with
// Sec-WebSocket-Version: 13), or none (400); a Sec-WebSocket-Key that is
// not 16 bytes in base64 (400); a page from an origin not allowed (403); and a connection
// that cannot be taken over, as HTTP/2's (500: browsers open WebSockets
// on HTTP/1.1). No extension (compression) or subprotocol is negotiated.
//
// # Origins
//
// A browser lets any page open a WebSocket to any server, sending the
// user's cookies, and names the page's origin in the Origin header; the
// server is the one to refuse. Accept allows a request without an Origin
// (not from a browser), one whose Origin has the host and port the request
// was sent to (the server's own pages), and those from the origins
// Options.Origins lists ("*" for any); it refuses other browsers' requests
// with 403.
//
// # Messages
//
// ReadMessage returns whole messages, their fragments joined. It answers
// pings with pongs, ignores pongs, and closes the connection with a close
// frame whose code says what the peer did wrong:
//
//   - 1002 (protocol error): a client frame not masked (or a server frame
//     masked, on the client's side); reserved bits set, since no extension
//     is negotiated; a reserved opcode; a control frame fragmented or
//     longer than 125 bytes; a continuation with no message to continue, or
//     a new message before the last one's final fragment; a length not in
//     its shortest form; a close frame with a code that may not be sent.
//   - 1007 (invalid payload): a text message, or a close reason, that is
//     not valid UTF-8.
//   - 1009 (message too big): a message over Options.MaxMessageBytes,
//     counted as each frame's header arrives, before its payload is read.
//   - 1013 (try again later): a message Options.Reserve has no room for.
//
// It then ends its side of the TCP connection and drops what the peer
// still sends until the peer closes too (5 seconds at most), so that the
// close frame is not lost to a reset connection, and returns a
// *CloseError with that code, Remote false. When the
// peer closes, ReadMessage answers the close frame with the same code,
// closes the connection and returns a *CloseError with the peer's code and
// reason, Remote true (code 1005 if the frame had none, 1006 if the
// connection ended without one). CloseStatus gets the code from an error.
// A refused handshake is a *HandshakeError with the status answered.
//
// WriteMessage sends a message as one frame. Writers are serialized, so
// goroutines may write at once without interleaving frames; a pong the
// reader sends waits its turn too. A text message must be valid UTF-8.
//
// # Closing
//
// Close(code, reason) is the close handshake: it sends a close frame,
// waits up to 5 seconds for the peer's (a ReadMessage in progress takes
// it; otherwise Close reads to it, dropping data), and closes the
// connection. Codes 1000–1003 and 1007–1014 are the protocol's; 3000–4999
// are for applications. After a close frame is sent, writes return
// ErrClosed.
//
// # Deadlines
//
// Every read and write takes a context: its deadline is the connection's
// read or write deadline, and canceling it interrupts a read or write
// blocked on the network. An interrupted read may leave a frame half
// read, so the connection can no longer be read (Close still sends its
// close frame, then drops what arrives until the peer closes); an
// interrupted write may
// leave a frame half sent, so the connection is closed. Waiting for another
// reader or writer ends with the context too, harmlessly.
package ws
