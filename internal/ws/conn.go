package ws

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
	"unicode/utf8"
)

// A MessageType is a data message's: text (UTF-8) or binary.
type MessageType int

// The data message types, as their opcodes.
const (
	Text   MessageType = MessageType(opText)
	Binary MessageType = MessageType(opBinary)
)

func (t MessageType) String() string {
	switch t {
	case Text:
		return "text"
	case Binary:
		return "binary"
	}
	return fmt.Sprintf("MessageType(%d)", int(t))
}

// DefaultMaxMessageBytes is the largest message a connection reads unless
// Options say otherwise.
const DefaultMaxMessageBytes = 1 << 20

// closeTimeout bounds how long Close waits to send its close frame and for
// the peer's.
const closeTimeout = 5 * time.Second

// Conn is one WebSocket connection. One goroutine may read while others
// write: reads are serialized with reads and writes with writes, so
// concurrent writers never interleave their frames.
type Conn struct {
	nc     net.Conn
	client bool // this side masks what it sends and takes only unmasked frames
	max    int64

	readSem    chan struct{} // held while reading
	br         *bufio.Reader
	reserve    func(n int64) bool // Options.Reserve; nil: none
	held       int64              // reserved for the message read last
	readErr    error              // once set, what every read returns
	ctrl       [maxControlPayload]byte
	peerClosed chan struct{} // closed once the peer's close frame is read

	writeSem  chan struct{} // held while writing
	bw        *bufio.Writer
	writeErr  error // once set, what every write returns
	closeSent bool
	hdr       [maxHeader]byte
	scratch   []byte // where a client masks a payload before it is sent

	closeOnce sync.Once
}

func newConn(nc net.Conn, br *bufio.Reader, client bool, max int64) *Conn {
	if max <= 0 {
		max = DefaultMaxMessageBytes
	}
	return &Conn{
		nc:         nc,
		client:     client,
		max:        max,
		readSem:    make(chan struct{}, 1),
		br:         br,
		peerClosed: make(chan struct{}),
		writeSem:   make(chan struct{}, 1),
		bw:         bufio.NewWriterSize(nc, 4096),
	}
}

// acquire takes sem, or gives up when ctx ends.
func acquire(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	default:
	}
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ReadMessage reads the next data message, answering the pings that come
// before it with pongs. When the peer closes the connection it answers the
// close frame and returns a *CloseError with the peer's code (Remote);
// when the peer breaks the protocol or the size limit it sends a close
// frame with the code that says how (1002, 1007, 1009), closes the
// connection and returns a *CloseError with that code. An error reading
// ends reading for good: every later call returns the same error.
//
// ctx bounds the read. If it ends before the message has been read the
// connection can no longer be read (a frame may be half read), and
// ReadMessage returns ctx's error; writing and Close still work.
func (c *Conn) ReadMessage(ctx context.Context) (MessageType, []byte, error) {
	if err := acquire(ctx, c.readSem); err != nil {
		return 0, nil, err
	}
	defer func() { <-c.readSem }()
	c.release()
	if c.readErr != nil {
		return 0, nil, c.readErr
	}
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	stop := watch(ctx, c.nc.SetReadDeadline)
	typ, msg, err := c.readMessage(ctx)
	stop()
	if err != nil {
		c.release()
		if isTimeout(err) {
			err = ctxError(ctx, err)
		} else {
			c.closeConn() // the connection failed, or has closed
		}
		c.readErr = err
		return 0, nil, err
	}
	return typ, msg, nil
}

// readMessage reads frames until a data message is complete.
func (c *Conn) readMessage(ctx context.Context) (MessageType, []byte, error) {
	var (
		typ     MessageType
		msg     []byte
		started bool
	)
	for {
		h, err := readHeader(c.br)
		if err != nil {
			return 0, nil, c.readFailed(err)
		}
		switch {
		case h.rsv != 0:
			return 0, nil, c.fail(StatusProtocolError, "reserved bits set with no extension negotiated")
		case h.masked && c.client:
			return 0, nil, c.fail(StatusProtocolError, "masked frame from the server")
		case !h.masked && !c.client:
			return 0, nil, c.fail(StatusProtocolError, "unmasked frame from the client")
		}
		if h.op.isControl() {
			if err := c.readControl(ctx, h); err != nil {
				return 0, nil, err
			}
			continue
		}
		switch h.op {
		case opText, opBinary:
			if started {
				return 0, nil, c.fail(StatusProtocolError, "new message before the last fragment of the one before")
			}
			started, typ = true, MessageType(h.op)
		case opContinuation:
			if !started {
				return 0, nil, c.fail(StatusProtocolError, "continuation frame with no message to continue")
			}
		default:
			return 0, nil, c.fail(StatusProtocolError, fmt.Sprintf("reserved opcode %#x", byte(h.op)))
		}
		// Counted before a byte of the frame is buffered.
		if h.length > c.max-int64(len(msg)) {
			return 0, nil, c.fail(StatusMessageTooBig, fmt.Sprintf("message over the %d-byte limit", c.max))
		}
		if need := int64(len(msg)) + h.length - freeBytes; c.reserve != nil && need > c.held {
			if !c.reserve(need - c.held) {
				return 0, nil, c.fail(StatusTryAgainLater, "the server has no room for the message now; try again shortly")
			}
			c.held = need
		}
		n := len(msg)
		msg = grow(msg, int(h.length))
		if _, err := io.ReadFull(c.br, msg[n:]); err != nil {
			return 0, nil, c.readFailed(unexpectedEOF(err))
		}
		if h.masked {
			mask(h.key, 0, msg[n:])
		}
		if h.fin {
			if typ == Text && !utf8.Valid(msg) {
				return 0, nil, c.fail(StatusInvalidPayload, "text message not valid UTF-8")
			}
			if msg == nil {
				msg = []byte{}
			}
			return typ, msg, nil
		}
	}
}

// freeBytes is how much of a message is buffered without asking
// Options.Reserve for room: what a connection's read buffer holds anyway.
const freeBytes = 4096

// release gives back the room reserved for the message read last.
func (c *Conn) release() {
	if c.held > 0 {
		c.reserve(-c.held)
		c.held = 0
	}
}

// grow extends b by n bytes, which the caller overwrites.
func grow(b []byte, n int) []byte {
	if n <= cap(b)-len(b) {
		return b[:len(b)+n]
	}
	nb := make([]byte, len(b)+n, max(len(b)+n, 2*cap(b)))
	copy(nb, b)
	return nb
}

// readControl reads the payload of a control frame whose header is h and
// acts on it.
func (c *Conn) readControl(ctx context.Context, h header) error {
	switch {
	case !h.fin:
		return c.fail(StatusProtocolError, "fragmented control frame")
	case h.length > maxControlPayload:
		return c.fail(StatusProtocolError, "control frame longer than 125 bytes")
	}
	p := c.ctrl[:h.length]
	if _, err := io.ReadFull(c.br, p); err != nil {
		return c.readFailed(unexpectedEOF(err))
	}
	if h.masked {
		mask(h.key, 0, p)
	}
	switch h.op {
	case opPing:
		// The reader answers: a peer that pings but reads nothing must not
		// hold it (and the writer) for longer than a close may take.
		pctx, cancel := context.WithTimeout(ctx, closeTimeout)
		err := c.writeFrame(pctx, opPong, p)
		cancel()
		if err != nil && !errors.Is(err, ErrClosed) {
			return err
		}
		return nil
	case opPong:
		return nil
	case opClose:
		return c.readClose(p)
	}
	return c.fail(StatusProtocolError, fmt.Sprintf("reserved opcode %#x", byte(h.op)))
}

// readClose takes the peer's close frame, with payload p: it answers it
// with its code unless this side has sent its own, and ends the connection.
func (c *Conn) readClose(p []byte) error {
	e := &CloseError{Code: StatusNoStatus, Remote: true}
	switch {
	case len(p) == 1:
		return c.fail(StatusProtocolError, "close frame with a one-byte payload")
	case len(p) >= 2:
		e.Code = StatusCode(binary.BigEndian.Uint16(p))
		if !e.Code.sendable() {
			return c.fail(StatusProtocolError, fmt.Sprintf("close frame with code %d, which may not be sent", e.Code))
		}
		if !utf8.Valid(p[2:]) {
			return c.fail(StatusInvalidPayload, "close reason not valid UTF-8")
		}
		e.Reason = string(p[2:])
	}
	close(c.peerClosed)
	// The echo; if this side closed first the close handshake is done.
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if e.Code == StatusNoStatus {
		c.writeClose(ctx, nil)
	} else {
		c.writeClose(ctx, p[:2])
	}
	// The server ends the TCP connection first (RFC 6455 section 7.1.1); a
	// client that does is no worse off.
	c.closeConn()
	return e
}

// fail sends a close frame with code and reason, and closes the
// connection: the peer broke the protocol or a limit.
func (c *Conn) fail(code StatusCode, reason string) error {
	e := protocolError(code, reason)
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	c.writeClose(ctx, closePayload(code, reason))
	c.linger()
	return e
}

// linger closes a connection whose reads have lost step with the frames
// (the peer broke the protocol, or a read was interrupted) once its close
// frame has gone out: it ends its side of the TCP connection and drops
// what the peer still sends until the peer ends its side too, or for the
// close timeout. Closing at once, with the peer's data unread, would reset
// the connection, and the peer could lose the close frame on its way.
func (c *Conn) linger() {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.nc.SetReadDeadline(time.Now().Add(closeTimeout))
	io.Copy(io.Discard, c.br)
	c.closeConn()
}

// readFailed is what a read that err ended returns: a stream that ends
// between frames is the peer leaving without a close frame.
func (c *Conn) readFailed(err error) error {
	switch err {
	case io.EOF:
		return &CloseError{Code: StatusAbnormal, Remote: true, Reason: "connection ended without a close frame"}
	case io.ErrUnexpectedEOF:
		return &CloseError{Code: StatusAbnormal, Remote: true, Reason: "connection ended inside a frame"}
	}
	var ce *CloseError
	if errors.As(err, &ce) { // from readHeader
		return c.fail(ce.Code, ce.Reason)
	}
	return err
}

// closePayload is a close frame's payload: code, then reason cut to fit 125
// bytes without splitting a character.
func closePayload(code StatusCode, reason string) []byte {
	p := binary.BigEndian.AppendUint16(make([]byte, 0, maxControlPayload), uint16(code))
	for len(reason) > maxControlPayload-2 {
		_, size := utf8.DecodeLastRuneInString(reason)
		reason = reason[:len(reason)-size]
	}
	return append(p, reason...)
}

// WriteMessage sends data as one message of type typ. A text message
// must be valid UTF-8; one that is not is refused unsent. Concurrent
// writes are sent one after the other, never interleaved.
//
// ctx bounds the wait for other writers and the write. If it ends while
// the frame is being sent, the frame is cut short and the connection is
// closed, and WriteMessage returns ctx's error. After a close frame has
// been sent, WriteMessage returns ErrClosed.
func (c *Conn) WriteMessage(ctx context.Context, typ MessageType, data []byte) error {
	switch typ {
	case Text:
		if !utf8.Valid(data) {
			return errors.New("websocket: text message not valid UTF-8; send it as Binary")
		}
	case Binary:
	default:
		return fmt.Errorf("websocket: message type %v; want Text or Binary", typ)
	}
	return c.writeFrame(ctx, opcode(typ), data)
}

// writeFrame sends one unfragmented frame.
func (c *Conn) writeFrame(ctx context.Context, op opcode, p []byte) error {
	if err := acquire(ctx, c.writeSem); err != nil {
		return err
	}
	defer func() { <-c.writeSem }()
	if c.closeSent || (op == opClose && c.writeErr != nil) {
		return ErrClosed
	}
	if c.writeErr != nil {
		return c.writeErr
	}
	if op == opClose {
		c.closeSent = true
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	stop := watch(ctx, c.nc.SetWriteDeadline)
	err := c.send(op, p)
	stop()
	if err != nil {
		if isTimeout(err) {
			err = ctxError(ctx, err)
		}
		// A frame may have gone out in part: nothing after it would make
		// sense to the peer.
		c.writeErr = err
		c.closeConn()
	}
	return err
}

// send writes a frame and flushes it.
func (c *Conn) send(op opcode, p []byte) error {
	h := header{fin: true, op: op, masked: c.client, length: int64(len(p))}
	if c.client {
		if _, err := rand.Read(h.key[:]); err != nil {
			return err
		}
	}
	if _, err := c.bw.Write(appendHeader(c.hdr[:0], h)); err != nil {
		return err
	}
	if !c.client {
		if _, err := c.bw.Write(p); err != nil {
			return err
		}
		return c.bw.Flush()
	}
	if c.scratch == nil {
		c.scratch = make([]byte, 4096)
	}
	for pos := 0; pos < len(p); {
		n := copy(c.scratch, p[pos:])
		mask(h.key, pos, c.scratch[:n])
		if _, err := c.bw.Write(c.scratch[:n]); err != nil {
			return err
		}
		pos += n
	}
	return c.bw.Flush()
}

// writeClose sends a close frame with payload p, unless one has been sent.
func (c *Conn) writeClose(ctx context.Context, p []byte) error {
	err := c.writeFrame(ctx, opClose, p)
	if errors.Is(err, ErrClosed) {
		return nil
	}
	return err
}

// Close sends a close frame with code and reason, waits for the peer's
// close frame (up to 5 seconds; with a read in progress, that read takes
// it), and closes the connection. Data messages that arrive meanwhile are
// dropped unless a ReadMessage in progress returns them. code must be one
// that may be sent: 1000–1003, 1007–1014, or 3000–4999 for applications;
// reason, valid UTF-8 of at most 123 bytes. Closing a connection that is
// already closed does nothing.
func (c *Conn) Close(code StatusCode, reason string) error {
	switch {
	case !code.sendable():
		return fmt.Errorf("websocket: close code %d may not be sent; use 1000–1003, 1007–1014 or 3000–4999", code)
	case len(reason) > maxControlPayload-2:
		return fmt.Errorf("websocket: close reason of %d bytes; at most %d fit in a close frame", len(reason), maxControlPayload-2)
	case !utf8.ValidString(reason):
		return errors.New("websocket: close reason not valid UTF-8")
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	err := c.writeClose(ctx, closePayload(code, reason))
	select {
	case c.readSem <- struct{}{}: // no read in progress: read to the peer's close
		if c.readErr == nil {
			c.nc.SetReadDeadline(time.Now().Add(closeTimeout))
			for c.readErr == nil { // until the peer's close, an error, or the deadline
				if _, _, rerr := c.readMessage(ctx); rerr != nil {
					c.readErr = rerr
				}
				c.release()
			}
		} else if err == nil {
			c.linger() // an interrupted read: the peer's close cannot be told apart
		}
		c.release()
		<-c.readSem
	case <-c.peerClosed:
	case <-ctx.Done():
	}
	c.closeConn()
	return err
}

// closeConn closes the network connection, once.
func (c *Conn) closeConn() {
	c.closeOnce.Do(func() { c.nc.Close() })
}

// watch makes a read or write (by setDeadline) end when ctx does: it sets
// ctx's deadline, and a deadline in the past when ctx is canceled. Once
// stop returns, ctx no longer touches the deadline.
func watch(ctx context.Context, setDeadline func(time.Time) error) (stop func()) {
	d, _ := ctx.Deadline() // the zero time, no deadline, if ctx has none
	setDeadline(d)
	if ctx.Done() == nil {
		return func() {}
	}
	done := make(chan struct{})
	after := context.AfterFunc(ctx, func() {
		setDeadline(time.Unix(1, 0))
		close(done)
	})
	return func() {
		if !after() {
			<-done
		}
	}
}

// isTimeout reports whether err is a deadline passing.
func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// ctxError is what a read or write that ctx ended returns.
func ctxError(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return err
}
