package stdrpc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stdrpc/stdrpc"
)

func TestErrorfFormatsAndWraps(t *testing.T) {
	err := stdrpc.Errorf(stdrpc.NotFound, "user %d: %w", 7, io.EOF)
	if got, want := err.Error(), "not_found: user 7: EOF"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := err.Message(), "user 7: EOF"; got != want {
		t.Errorf("Message() = %q, want %q", got, want)
	}
	if err.Code() != stdrpc.NotFound {
		t.Errorf("Code() = %v, want not_found", err.Code())
	}
	if !errors.Is(err, io.EOF) {
		t.Error("errors.Is(err, io.EOF) = false; the %w cause must stay reachable")
	}
}

func TestCodeOf(t *testing.T) {
	wrapped := fmt.Errorf("loading: %w", stdrpc.Errorf(stdrpc.PermissionDenied, "no"))
	for _, tc := range []struct {
		err  error
		want stdrpc.Code
	}{
		{nil, stdrpc.OK},
		{errors.New("boom"), stdrpc.Unknown},
		{wrapped, stdrpc.PermissionDenied},
		{context.DeadlineExceeded, stdrpc.DeadlineExceeded},
		{fmt.Errorf("call: %w", context.Canceled), stdrpc.Canceled},
	} {
		if got := stdrpc.CodeOf(tc.err); got != tc.want {
			t.Errorf("CodeOf(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestErrorMatchesContextErrors(t *testing.T) {
	// A deadline hit on the server arrives as a code, with no context error
	// in its chain; callers still test it the way they test a local one.
	remote := stdrpc.Errorf(stdrpc.DeadlineExceeded, "server gave up")
	if !errors.Is(remote, context.DeadlineExceeded) {
		t.Error("deadline_exceeded does not match context.DeadlineExceeded")
	}
	if errors.Is(remote, context.Canceled) {
		t.Error("deadline_exceeded matches context.Canceled")
	}
	if !errors.Is(stdrpc.Errorf(stdrpc.Canceled, "x"), context.Canceled) {
		t.Error("canceled does not match context.Canceled")
	}
	if errors.Is(stdrpc.Errorf(stdrpc.Internal, "x"), context.DeadlineExceeded) {
		t.Error("internal matches context.DeadlineExceeded")
	}
}

func TestFromError(t *testing.T) {
	if stdrpc.FromError(nil) != nil {
		t.Error("FromError(nil) != nil")
	}
	orig := stdrpc.Errorf(stdrpc.Aborted, "retry")
	if got := stdrpc.FromError(fmt.Errorf("x: %w", orig)); got != orig {
		t.Errorf("FromError did not return the *Error in the chain: %v", got)
	}
	plain := errors.New("disk full")
	got := stdrpc.FromError(plain)
	if got.Code() != stdrpc.Unknown || !errors.Is(got, plain) {
		t.Errorf("FromError(plain) = %v (cause kept: %v)", got, errors.Is(got, plain))
	}
}

func TestCodeText(t *testing.T) {
	for c := stdrpc.OK; c <= stdrpc.Unauthenticated; c++ {
		text, err := c.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back stdrpc.Code
		if err := back.UnmarshalText(text); err != nil || back != c {
			t.Errorf("%v: round trip gave %v, %v", c, back, err)
		}
	}
	if got := stdrpc.Code(42).String(); got != "code_42" {
		t.Errorf("Code(42).String() = %q", got)
	}
	var c stdrpc.Code
	if err := c.UnmarshalText([]byte("from_the_future")); err != nil || c != stdrpc.Unknown {
		t.Errorf("unknown name decoded as %v, %v; want unknown, nil", c, err)
	}
	if _, ok := stdrpc.ParseCode("not_found"); !ok {
		t.Error(`ParseCode("not_found") reported false`)
	}
}

func ExampleErrorf() {
	err := stdrpc.Errorf(stdrpc.NotFound, "user %d", 7)
	fmt.Println(err)
	fmt.Println(stdrpc.CodeOf(fmt.Errorf("lookup: %w", err)) == stdrpc.NotFound)
	// Output:
	// not_found: user 7
	// true
}
