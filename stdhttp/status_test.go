package stdhttp_test

import (
	"testing"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

func TestHTTPStatus(t *testing.T) {
	want := map[stdrpc.Code]int{
		stdrpc.OK:                 200,
		stdrpc.Canceled:           499,
		stdrpc.Unknown:            500,
		stdrpc.InvalidArgument:    400,
		stdrpc.DeadlineExceeded:   504,
		stdrpc.NotFound:           404,
		stdrpc.AlreadyExists:      409,
		stdrpc.PermissionDenied:   403,
		stdrpc.ResourceExhausted:  429,
		stdrpc.FailedPrecondition: 400,
		stdrpc.Aborted:            409,
		stdrpc.OutOfRange:         400,
		stdrpc.Unimplemented:      501,
		stdrpc.Internal:           500,
		stdrpc.Unavailable:        503,
		stdrpc.DataLoss:           500,
		stdrpc.Unauthenticated:    401,
		stdrpc.Code(99):           500,
	}
	for code, status := range want {
		if got := stdhttp.HTTPStatus(code); got != status {
			t.Errorf("HTTPStatus(%v) = %d, want %d", code, got, status)
		}
	}
}

func TestCodeFromHTTPStatus(t *testing.T) {
	// Every status HTTPStatus produces comes back as a code with that status.
	for c := stdrpc.Code(0); c <= stdrpc.Unauthenticated; c++ {
		status := stdhttp.HTTPStatus(c)
		if back := stdhttp.HTTPStatus(stdhttp.CodeFromHTTPStatus(status)); back != status {
			t.Errorf("HTTPStatus(CodeFromHTTPStatus(%d)) = %d", status, back)
		}
	}
	for status, code := range map[int]stdrpc.Code{
		400: stdrpc.InvalidArgument,
		401: stdrpc.Unauthenticated,
		403: stdrpc.PermissionDenied,
		404: stdrpc.NotFound,
		405: stdrpc.Unimplemented,
		407: stdrpc.Unauthenticated,
		408: stdrpc.DeadlineExceeded,
		409: stdrpc.AlreadyExists,
		412: stdrpc.FailedPrecondition,
		413: stdrpc.ResourceExhausted,
		416: stdrpc.OutOfRange,
		418: stdrpc.Unknown,
		429: stdrpc.ResourceExhausted,
		499: stdrpc.Canceled,
		500: stdrpc.Unknown,
		501: stdrpc.Unimplemented,
		502: stdrpc.Unavailable,
		503: stdrpc.Unavailable,
		504: stdrpc.DeadlineExceeded,
		302: stdrpc.Unknown,
	} {
		if got := stdhttp.CodeFromHTTPStatus(status); got != code {
			t.Errorf("CodeFromHTTPStatus(%d) = %v, want %v", status, got, code)
		}
	}
}
