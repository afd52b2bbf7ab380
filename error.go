package stdrpc

import (
	"context"
	"errors"
	"fmt"
)

// Error is an error with a Code, the one error type both transports carry
// end to end. A service returns one (or wraps one) to choose what the caller
// sees; a client returns one for every failed call.
type Error struct {
	code    Code
	message string
	cause   error
}

// Errorf returns an *Error with the given code and a message formatted as by
// fmt.Errorf. A %w verb makes the wrapped error the cause: it is reachable
// with errors.Is and errors.As on this side, but only the message is sent.
func Errorf(code Code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{code: code, message: err.Error(), cause: errors.Unwrap(err)}
}

// NewError returns an *Error with the given code whose message is err's text
// and whose cause is err. For a nil err the message is empty, so that the
// error reads as its code alone ("not_found"), as it does on the wire.
func NewError(code Code, err error) *Error {
	if err == nil {
		return &Error{code: code}
	}
	return &Error{code: code, message: err.Error(), cause: err}
}

// Code returns the error's code.
func (e *Error) Code() Code { return e.code }

// Message returns the message without the code.
func (e *Error) Message() string { return e.message }

// Error returns "code: message", such as "not_found: user 7".
func (e *Error) Error() string {
	if e.message == "" {
		return e.code.String()
	}
	return e.code.String() + ": " + e.message
}

// Unwrap returns the cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// Is makes a deadline_exceeded error match context.DeadlineExceeded and a
// canceled error match context.Canceled, so that callers test remote and local
// timeouts the same way.
func (e *Error) Is(target error) bool {
	switch target {
	case context.DeadlineExceeded:
		return e.code == DeadlineExceeded
	case context.Canceled:
		return e.code == Canceled
	}
	return false
}

// CodeOf returns the code of the first *Error in err's chain. Without one, a
// context's deadline error is DeadlineExceeded, its cancellation error is
// Canceled, nil is OK, and anything else is Unknown.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.code
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return Canceled
	}
	return Unknown
}

// FromError returns err as an *Error: the first *Error in its chain, or a new
// one with CodeOf(err) whose cause is err. It returns nil for nil.
func FromError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return NewError(CodeOf(err), err)
}
