package stdhttp

import (
	"net/http"

	"github.com/stdrpc/stdrpc"
)

// HTTPStatus returns the HTTP status a server sends with an error of code c:
// Connect's mapping, as in this table.
//
//	canceled            499   failed_precondition  400
//	unknown             500   aborted              409
//	invalid_argument    400   out_of_range         400
//	deadline_exceeded   504   unimplemented        501
//	not_found           404   internal             500
//	already_exists      409   unavailable          503
//	permission_denied   403   data_loss            500
//	resource_exhausted  429   unauthenticated      401
//
// OK is 200 and a code outside the table is 500. A request body over the
// server's limit is the one exception: resource_exhausted with 413.
func HTTPStatus(c stdrpc.Code) int {
	switch c {
	case stdrpc.OK:
		return http.StatusOK
	case stdrpc.Canceled:
		return 499 // nginx's "client closed request"; net/http has no name for it
	case stdrpc.InvalidArgument, stdrpc.FailedPrecondition, stdrpc.OutOfRange:
		return http.StatusBadRequest
	case stdrpc.DeadlineExceeded:
		return http.StatusGatewayTimeout
	case stdrpc.NotFound:
		return http.StatusNotFound
	case stdrpc.AlreadyExists, stdrpc.Aborted:
		return http.StatusConflict
	case stdrpc.PermissionDenied:
		return http.StatusForbidden
	case stdrpc.ResourceExhausted:
		return http.StatusTooManyRequests
	case stdrpc.Unimplemented:
		return http.StatusNotImplemented
	case stdrpc.Unavailable:
		return http.StatusServiceUnavailable
	case stdrpc.Unauthenticated:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError // unknown, internal, data_loss, codes from the future
}

// CodeFromHTTPStatus returns the code a client reports for a response that
// carries no stdrpc error body: one written by something other than a stdrpc
// handler, such as a proxy's 502 page or a mux's 404. (A stdrpc error body
// names its code, and that code wins over the status.)
//
// A status HTTPStatus produces maps back to its code; where several codes
// share a status the most general one is chosen (400 invalid_argument,
// 409 already_exists, 500 unknown). Statuses HTTPStatus never produces map to
// what they mean for a caller:
//
//	200          ok
//	405          unimplemented (the route exists, but not for POST)
//	407          unauthenticated
//	408          deadline_exceeded
//	412          failed_precondition
//	413          resource_exhausted
//	416          out_of_range
//	502          unavailable (as Connect and gRPC do: the next try may succeed)
//	anything else unknown
func CodeFromHTTPStatus(status int) stdrpc.Code {
	switch status {
	case http.StatusOK:
		return stdrpc.OK
	case http.StatusBadRequest:
		return stdrpc.InvalidArgument
	case http.StatusUnauthorized, http.StatusProxyAuthRequired:
		return stdrpc.Unauthenticated
	case http.StatusForbidden:
		return stdrpc.PermissionDenied
	case http.StatusNotFound:
		return stdrpc.NotFound
	case http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return stdrpc.Unimplemented
	case http.StatusRequestTimeout, http.StatusGatewayTimeout:
		return stdrpc.DeadlineExceeded
	case http.StatusConflict:
		return stdrpc.AlreadyExists
	case http.StatusPreconditionFailed:
		return stdrpc.FailedPrecondition
	case http.StatusRequestEntityTooLarge, http.StatusTooManyRequests:
		return stdrpc.ResourceExhausted
	case http.StatusRequestedRangeNotSatisfiable:
		return stdrpc.OutOfRange
	case 499:
		return stdrpc.Canceled
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		return stdrpc.Unavailable
	}
	return stdrpc.Unknown
}
