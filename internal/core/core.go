// Package core holds what stdrpc's transports must do identically, once:
// the error a caller sees for what an implementation returned (and the
// wording of a withheld text), panic recovery, the names of a call, the
// error of a call cut short by its context, and interceptor chains. netrpcx
// and stdhttp call it, so that the same implementation looks the same to
// its callers whichever transport carries them.
package core

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/stdrpc/stdrpc"
)

// WithheldText is the message a caller sees, with code unknown, in place of
// the text of an error that is not a *stdrpc.Error: such text can hold file
// names, queries or secrets, so the server logs it instead of sending it.
const WithheldText = "the server withheld this error's text; its log has it"

// Server is the policy a server of either transport applies to every call.
// The zero value is ready: no interceptors, withheld texts, slog.Default().
type Server struct {
	Logger       *slog.Logger // nil: slog.Default() at the time of logging
	ErrorText    bool         // send the text of plain errors
	Interceptors []stdrpc.ServerInterceptor

	chain stdrpc.ServerInterceptor
}

// Init chains the interceptors; call it once the options are applied.
func (s *Server) Init() { s.chain = stdrpc.ChainServer(s.Interceptors...) }

// Intercepted reports whether any interceptor wraps the calls.
func (s *Server) Intercepted() bool { return s.chain != nil }

// Intercept calls call through the interceptors, without recovering a
// panic: for a transport that recovers around more than the call.
func (s *Server) Intercept(ctx context.Context, info stdrpc.CallInfo, call func(context.Context) error) error {
	if s.chain != nil {
		return s.chain(ctx, info, call)
	}
	return call(ctx)
}

// Log returns the logger: the option's, or slog.Default() now, so that
// slog.SetDefault after a server is built is honoured.
func (s *Server) Log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// Run calls call through the interceptors and turns a panic in either into
// an Internal error, logged with its stack. It returns what they returned,
// not yet mapped for the wire (see Wire).
func (s *Server) Run(ctx context.Context, info stdrpc.CallInfo, call func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = s.Panicked(ctx, info, p)
		}
	}()
	if s.chain != nil {
		return s.chain(ctx, info, call)
	}
	return call(ctx)
}

// Panicked logs a panic recovered while serving a call, with the stack of
// the goroutine that recovers it, and returns the error the caller sees.
func (s *Server) Panicked(ctx context.Context, info stdrpc.CallInfo, p any) *stdrpc.Error {
	s.Log().LogAttrs(ctx, slog.LevelError, "stdrpc: method panicked",
		slog.String("service", info.Service), slog.String("method", info.Method),
		slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
	return PanicError(info)
}

// PanicError is the error the caller of a method that panicked sees.
func PanicError(info stdrpc.CallInfo) *stdrpc.Error {
	return stdrpc.Errorf(stdrpc.Internal, "%s.%s panicked; the server's log has the details", info.Service, info.Method)
}

// Wire returns the error the caller sees for err, which an implementation
// or an interceptor returned (not nil):
//
//   - the first *stdrpc.Error in err's chain, with its code and message;
//     a code that is OK or outside the table becomes Unknown, so that an
//     error never looks like a success or a code the caller cannot read;
//   - for a context's error, DeadlineExceeded or Canceled with its text;
//   - for any other error, Unknown with WithheldText, unless ErrorText;
//     the text is logged either way.
func (s *Server) Wire(ctx context.Context, info stdrpc.CallInfo, err error) *stdrpc.Error {
	var e *stdrpc.Error
	if errors.As(err, &e) {
		if c := e.Code(); c == stdrpc.OK || c > stdrpc.Unauthenticated {
			return Errorf(stdrpc.Unknown, e.Message())
		}
		return e
	}
	code := stdrpc.CodeOf(err)
	if code != stdrpc.Unknown {
		return stdrpc.NewError(code, err) // a context error: its text is harmless
	}
	s.Log().LogAttrs(ctx, slog.LevelError, "stdrpc: method failed",
		slog.String("service", info.Service), slog.String("method", info.Method), slog.String("error", err.Error()))
	if s.ErrorText {
		return stdrpc.NewError(stdrpc.Unknown, err)
	}
	return Errorf(stdrpc.Unknown, WithheldText)
}

// Errorf returns an *stdrpc.Error with code and message msg, taken as it
// is (not as a format).
func Errorf(code stdrpc.Code, msg string) *stdrpc.Error {
	if msg == "" {
		return stdrpc.NewError(code, nil)
	}
	return stdrpc.NewError(code, plain(msg))
}

// plain is an error that is only a text, so that a message rebuilt from the
// wire has no cause a caller could mistake for the server's.
type plain string

func (p plain) Error() string { return string(p) }

// ContextError is the error of a call that its context ended first: code
// DeadlineExceeded or Canceled, matching err (the context's error) under
// errors.Is, with the same message on every transport.
func ContextError(err error) *stdrpc.Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return stdrpc.NewError(stdrpc.DeadlineExceeded, err)
	}
	return stdrpc.NewError(stdrpc.Canceled, err)
}

// ServiceMethod names the call "Service.Method" (net/rpc's form). It splits
// at the last dot: service names may hold dots ("acme.v1.Calculator"),
// method names cannot.
func ServiceMethod(s string) stdrpc.CallInfo {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return stdrpc.CallInfo{Method: s}
	}
	return stdrpc.CallInfo{Service: s[:i], Method: s[i+1:]}
}

// Path names the call of the HTTP path "/Service/Method".
func Path(p string) stdrpc.CallInfo {
	p = strings.TrimPrefix(p, "/")
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return stdrpc.CallInfo{Method: p}
	}
	return stdrpc.CallInfo{Service: p[:i], Method: p[i+1:]}
}
