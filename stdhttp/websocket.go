package stdhttp

import (
	"net/http"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/observe"
)

// serveWebSocket serves a client or bidirectional stream over a WebSocket,
// for browsers, which cannot stream a request body: serveGet sends it
// every GET on the route that asks for an upgrade.
//
// Until the WebSocket transport is built it refuses the upgrade. Built, it
// accepts the handshake, reads the caller's items as JSON text messages
// through a frameSource into newInput (unit "message"), calls e.run with a
// send that writes each item, or the result, as a message, and ends the
// connection with a close frame carrying the call's error.
func (e *duplexEndpoint[T, U]) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	var obs observe.Call // none: no call was made
	e.s.writeError(w, e.info, stdrpc.NewError(stdrpc.Unimplemented, &statusError{
		status: http.StatusNotImplemented,
		msg: "this server does not serve " + e.info.Service + "." + e.info.Method +
			" over a WebSocket yet; POST the stream as NDJSON (Content-Type: application/x-ndjson)",
	}), &obs)
}
