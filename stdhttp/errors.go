package stdhttp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/core"
	"github.com/stdrpc/stdrpc/observe"
)

// wireError is the body of every error response:
// {"code":"not_found","message":"user 7"}.
type wireError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// statusError gives an error an HTTP status other than its code's, for the
// two cases where HTTP has a more precise word: 413 and 415.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

// busyError is a request refused because the server holds as much as it
// allows of other requests: worth sending again shortly.
type busyError struct{ msg string }

func (e *busyError) Error() string { return e.msg }

var (
	retryAfter      = []string{"1"}
	connectionClose = []string{"close"}
)

func tooLarge(limit int64) error {
	return stdrpc.NewError(stdrpc.ResourceExhausted, &statusError{
		status: http.StatusRequestEntityTooLarge,
		msg:    "request body is larger than this server's limit of " + strconv.FormatInt(limit, 10) + " bytes",
	})
}

// writeError answers with err as a stdrpc error body, and ends obs, the
// call, with its code.
func (s *Service) writeError(w http.ResponseWriter, info stdrpc.CallInfo, err error, obs *observe.Call) {
	status, we := s.wireError(info, err)
	h := w.Header()
	h["X-Content-Type-Options"] = nosniff
	if errors.As(err, new(*busyError)) {
		h["Retry-After"] = retryAfter
		// The body is unread: net/http would wait for the rest before
		// answering, and a stalled client never sends it.
		h["Connection"] = connectionClose
	}
	code, _ := stdrpc.ParseCode(we.Code)
	_ = s.writeJSON(w, nil, status, &we, obs, code)
}

// wireError maps err to what the caller is told: its code and message, and
// the HTTP status of an error response. The text of an error that is not a
// *stdrpc.Error is logged, and withheld unless WithErrorText.
func (s *Service) wireError(info stdrpc.CallInfo, err error) (int, wireError) {
	e := s.core.Wire(context.Background(), info, err)
	status := HTTPStatus(e.Code())
	var se *statusError
	if errors.As(err, &se) {
		status = se.status
	}
	return status, wireError{Code: e.Code().String(), Message: e.Message()}
}

// decodeError turns a response other than 200 into an error. body is at most
// maxErrorBody bytes of it.
func decodeError(status int, hdr http.Header, method, url string, body []byte) *stdrpc.Error {
	if e, ok := parseErrorBody(body); ok {
		return e
	}
	code := CodeFromHTTPStatus(status)
	if code == stdrpc.OK { // a 200 never gets here; keep a non-error code out of errors
		code = stdrpc.Unknown
	}
	var b strings.Builder
	b.WriteString("HTTP ")
	b.WriteString(strconv.Itoa(status))
	if t := http.StatusText(status); t != "" {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	b.WriteString(" from ")
	b.WriteString(method)
	b.WriteByte(' ')
	b.WriteString(url)
	if status >= 300 && status < 400 {
		b.WriteString(" (redirect to ")
		b.WriteString(strconv.Quote(hdr.Get("Location")))
		b.WriteString("; stdrpc clients do not follow redirects: use the final URL as the base URL)")
	}
	if s := snippet(body); s != "" {
		b.WriteString(": ")
		b.WriteString(s)
	}
	return stdrpc.NewError(code, errors.New(b.String()))
}

// parseErrorBody reports whether body is a stdrpc error body, and if so the
// error it holds. A JSON object whose "code" is not one of stdrpc's names is
// someone else's error format.
func parseErrorBody(body []byte) (*stdrpc.Error, bool) {
	var we struct {
		Code    *string `json:"code"`
		Message string  `json:"message"`
	}
	if json.Unmarshal(body, &we) != nil || we.Code == nil {
		return nil, false
	}
	code, ok := stdrpc.ParseCode(*we.Code)
	if !ok || code == stdrpc.OK {
		return nil, false
	}
	return core.Errorf(code, we.Message), true
}

// maxSnippet bounds how much of a foreign response body an error message
// quotes: enough to recognise a proxy's page, not enough to flood a log.
const maxSnippet = 512

// snippet returns the start of body as one line of valid UTF-8, at most
// maxSnippet bytes long.
func snippet(body []byte) string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(body[:min(len(body), 4*maxSnippet)]), "\uFFFD"))
	s = strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if len(s) <= maxSnippet {
		return s
	}
	const more = "..."
	cut := maxSnippet - len(more)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + more
}

// truncate shortens a value quoted in an error message.
func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
