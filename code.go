package stdrpc

import "fmt"

// A Code classifies an error so that callers can act on it without parsing
// text. The values and their meanings are gRPC's; on the wire a Code travels
// as its snake_case name ("not_found"), which is also what String returns.
type Code uint32

// The codes, numbered as in gRPC. OK is what CodeOf reports for a nil error;
// it is never sent as an error.
const (
	OK                 Code = 0
	Canceled           Code = 1
	Unknown            Code = 2
	InvalidArgument    Code = 3
	DeadlineExceeded   Code = 4
	NotFound           Code = 5
	AlreadyExists      Code = 6
	PermissionDenied   Code = 7
	ResourceExhausted  Code = 8
	FailedPrecondition Code = 9
	Aborted            Code = 10
	OutOfRange         Code = 11
	Unimplemented      Code = 12
	Internal           Code = 13
	Unavailable        Code = 14
	DataLoss           Code = 15
	Unauthenticated    Code = 16
)

var codeNames = [...]string{
	OK:                 "ok",
	Canceled:           "canceled",
	Unknown:            "unknown",
	InvalidArgument:    "invalid_argument",
	DeadlineExceeded:   "deadline_exceeded",
	NotFound:           "not_found",
	AlreadyExists:      "already_exists",
	PermissionDenied:   "permission_denied",
	ResourceExhausted:  "resource_exhausted",
	FailedPrecondition: "failed_precondition",
	Aborted:            "aborted",
	OutOfRange:         "out_of_range",
	Unimplemented:      "unimplemented",
	Internal:           "internal",
	Unavailable:        "unavailable",
	DataLoss:           "data_loss",
	Unauthenticated:    "unauthenticated",
}

// String returns the wire name of c, such as "not_found", or "code_42" for a
// value outside the table.
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("code_%d", uint32(c))
}

// ParseCode returns the Code whose wire name is s. It reports false for a
// name it does not know, so that a newer peer's code can fall back to Unknown.
func ParseCode(s string) (Code, bool) {
	for c, name := range codeNames {
		if name == s {
			return Code(c), true
		}
	}
	return Unknown, false
}

// MarshalText encodes c as its wire name.
func (c Code) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText decodes a wire name. An unknown name decodes as Unknown rather
// than failing: an error from a newer peer is still an error.
func (c *Code) UnmarshalText(b []byte) error {
	*c, _ = ParseCode(string(b))
	return nil
}
