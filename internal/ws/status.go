package ws

import (
	"errors"
	"fmt"
	"strconv"
)

// A StatusCode says why a connection closed (RFC 6455 section 7.4).
type StatusCode uint16

// The status codes this package sends or names.
const (
	StatusNormalClosure   StatusCode = 1000 // the purpose was fulfilled
	StatusGoingAway       StatusCode = 1001 // a server going down, a page navigated away
	StatusProtocolError   StatusCode = 1002 // a frame broke RFC 6455
	StatusUnsupportedData StatusCode = 1003 // a message of a type the endpoint cannot take
	StatusNoStatus        StatusCode = 1005 // a close frame without a code; never sent
	StatusAbnormal        StatusCode = 1006 // closed without a close frame; never sent
	StatusInvalidPayload  StatusCode = 1007 // a text message not valid UTF-8
	StatusPolicyViolation StatusCode = 1008 // a message against the endpoint's policy
	StatusMessageTooBig   StatusCode = 1009 // a message over the limit
	StatusInternalError   StatusCode = 1011 // the server failed
	StatusTryAgainLater   StatusCode = 1013 // the server is busy: no room for the message now
)

var statusNames = map[StatusCode]string{
	StatusNormalClosure:   "normal closure",
	StatusGoingAway:       "going away",
	StatusProtocolError:   "protocol error",
	StatusUnsupportedData: "unsupported data",
	StatusNoStatus:        "no status",
	StatusAbnormal:        "abnormal closure",
	StatusInvalidPayload:  "invalid payload",
	StatusPolicyViolation: "policy violation",
	StatusMessageTooBig:   "message too big",
	1010:                  "mandatory extension",
	StatusInternalError:   "internal error",
	1012:                  "service restart",
	StatusTryAgainLater:   "try again later",
	1014:                  "bad gateway",
}

func (c StatusCode) String() string {
	if name, ok := statusNames[c]; ok {
		return strconv.Itoa(int(c)) + " (" + name + ")"
	}
	return strconv.Itoa(int(c))
}

// sendable reports whether c may be sent in a close frame: the codes RFC
// 6455 and IANA's registry define for use on the wire, and 3000–4999 for
// libraries, frameworks and applications.
func (c StatusCode) sendable() bool {
	switch {
	case c >= 1000 && c <= 1003, c >= 1007 && c <= 1014:
		return true
	case c >= 3000 && c <= 4999:
		return true
	}
	return false
}

// CloseError is how a connection ended with a close frame: the one the peer
// sent (Remote), or the one this side sent when the peer broke the protocol
// or a limit, the reason saying how. ReadMessage returns it, and every
// read after returns it again.
type CloseError struct {
	Code   StatusCode
	Reason string
	Remote bool
}

func (e *CloseError) Error() string {
	who := "closed the connection"
	if e.Remote {
		who = "peer closed the connection"
	}
	if e.Reason == "" {
		return fmt.Sprintf("websocket: %s with %v", who, e.Code)
	}
	return fmt.Sprintf("websocket: %s with %v: %s", who, e.Code, e.Reason)
}

// CloseStatus returns the code of the close frame err reports, or 0 if err
// is not a *CloseError.
func CloseStatus(err error) StatusCode {
	var ce *CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

// protocolError is the close this side sends when the peer breaks the
// protocol or a limit.
func protocolError(code StatusCode, reason string) *CloseError {
	return &CloseError{Code: code, Reason: reason}
}

// ErrClosed is what a write returns once the connection has closed, or
// this side has sent its close frame.
var ErrClosed = errors.New("websocket: connection closed")
