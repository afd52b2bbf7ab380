package stdhttp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"mime"
	"net/http"
	"strconv"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/core"
)

// DefaultMaxLineBytes was the default of WithMaxLineBytes.
//
// Deprecated: WithMaxResponseBytes bounds each item of a stream too; its
// default is DefaultMaxResponseBytes.
const DefaultMaxLineBytes = DefaultMaxResponseBytes

// WithMaxLineBytes bounds each line of a stream apart from
// WithMaxResponseBytes, which bounds them too by default.
//
// Deprecated: use WithMaxResponseBytes, the name both packages use.
func WithMaxLineBytes(n int64) ClientOption {
	return func(c *clientConfig) { c.maxLine = n }
}

// Stream calls the server stream at POST baseURL+path ("/Service/Method")
// with req as JSON, and yields its items as they arrive. Nothing is sent
// until iteration starts, and each range over the result is a new call.
//
// The call ends when the stream does, with an error or without, or when the
// loop stops early: breaking out of it closes the connection's stream, and
// the server's context is canceled. An error is yielded once, as the last
// value, with the zero T; like Call's, it is always a *stdrpc.Error: the
// server's (before or during the stream), ctx's (deadline_exceeded or
// canceled), unavailable when the server cannot be reached or the stream is
// cut before its end, resource_exhausted for a line over the limit
// (WithMaxResponseBytes).
//
// ctx's deadline and outgoing metadata travel as for Call, and the client's
// interceptors wrap the whole stream: an interceptor's next returns when the
// stream ends (nil when the loop stopped early), and calling next again
// starts the stream over.
func Stream[T any](ctx context.Context, c *Client, path string, req any) iter.Seq2[T, error] {
	return core.Items(ctx, c.intercept, core.Path(path), func(ctx context.Context, each func(T) bool) error {
		return readStream(ctx, c, c.base+path, req, each)
	})
}

// readStream makes one streaming call and passes each item to each until
// the stream ends or each returns false.
func readStream[T any](ctx context.Context, c *Client, url string, req any, each func(T) bool) error {
	// Canceling the request on the way out, however it ends, makes the
	// transport drop the stream at once, and the server sees it go.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	hresp, err := c.post(ctx, url, req, ndjsonContentType)
	if err != nil {
		return err
	}
	return readNDJSON(ctx, c, hresp, url, nil, each)
}

// readNDJSON reads the NDJSON stream of hresp and passes each item to each
// until the stream ends or each returns false. cancel, if not nil, cancels
// the request before its response body is closed: closing the body of an
// HTTP/2 request that is still being sent waits until its body's Read
// returns, unless the request is canceled.
func readNDJSON[T any](ctx context.Context, c *Client, hresp *http.Response, url string, cancel func(), each func(T) bool) error {
	drain := false // whether the body is finished, and worth reading to EOF for the connection's reuse
	defer func() {
		if cancel != nil {
			cancel()
			drain = false
		}
		if drain {
			closeBody(hresp.Body)
		} else {
			_ = hresp.Body.Close()
		}
	}()
	if hresp.StatusCode != http.StatusOK {
		drain = true
		return responseError(ctx, hresp, url)
	}
	if ct := hresp.Header.Get("Content-Type"); !isNDJSON(ct) {
		return stdrpc.Errorf(stdrpc.Internal,
			"the response from POST %s is %q, not a stream (%s): is the method a stream on that server?", url, truncate(ct), ndjsonType)
	}
	lr := lineReader{br: bufio.NewReader(hresp.Body), max: c.maxLine}
	for {
		line, err := lr.next()
		if err != nil {
			switch {
			case ctx.Err() != nil:
				return core.ContextError(ctx.Err())
			case err == errLineTooLong:
				return stdrpc.Errorf(stdrpc.ResourceExhausted,
					"a line of the stream from %s is longer than the client's limit of %d bytes (see WithMaxResponseBytes)", url, c.maxLine)
			case err == io.EOF:
				return stdrpc.Errorf(stdrpc.Unavailable,
					"the stream from %s ended without its end line: the connection was cut", url)
			}
			return stdrpc.Errorf(stdrpc.Unavailable, "reading the stream from %s: %v", url, err)
		}
		var v T
		kind, err := decodeLine(line, &v)
		switch kind {
		case lineItem:
			if !each(v) {
				return nil
			}
		case lineEnd:
			drain = true
			return nil
		case lineError:
			drain = true
			return err
		case lineBad:
			return stdrpc.Errorf(stdrpc.Internal, "the stream from %s sent a bad line: %v", url, err)
		}
	}
}

func isNDJSON(ct string) bool {
	if ct == ndjsonType {
		return true
	}
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == ndjsonType
}

// The kinds of line a stream carries.
const (
	lineSkip  = iota // blank, or an object with no key this client knows
	lineItem         // {"result":item}
	lineEnd          // {"end":true}: the stream is complete
	lineError        // {"error":{"code":...,"message":...}}: the stream failed
	lineBad          // not a JSON object, or an item that does not decode
)

// decodeLine reads one NDJSON line of a stream into v (an item) or an error
// (the stream's, or why the line is bad).
func decodeLine[T any](line []byte, v *T) (int, error) {
	// The server writes items as exactly {"result":...}: decode the item
	// in place, with no second pass. If what lies between is not a single
	// JSON value, the line is something else; read it the general way.
	if inner, ok := bytes.CutPrefix(line, []byte(ndjsonItem)); ok {
		if inner, ok := bytes.CutSuffix(inner, []byte("}")); ok {
			if unmarshalJSON(inner, v) == nil {
				return lineItem, nil
			}
			var zero T
			*v = zero // Unmarshal may have filled part of it
		}
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return lineSkip, nil
	}
	var l struct {
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
		End    bool            `json:"end"`
	}
	if err := json.Unmarshal(line, &l); err != nil {
		return lineBad, errors.New("not a JSON object: " + strconv.Quote(snippet(line)))
	}
	switch {
	case l.Error != nil:
		if e, ok := parseErrorBody(l.Error); ok {
			return lineError, e
		}
		return lineBad, errors.New("an error that is not a stdrpc error: " + strconv.Quote(snippet(l.Error)))
	case l.Result != nil:
		if err := unmarshalJSON(l.Result, v); err != nil {
			return lineBad, errors.New("decoding an item: " + err.Error())
		}
		return lineItem, nil
	case l.End:
		return lineEnd, nil
	}
	return lineSkip, nil
}

// errLineTooLong reports a line over the client's limit.
var errLineTooLong = errors.New("stream line too long")

// A lineReader reads lines of at most max bytes, without their newline.
type lineReader struct {
	br   *bufio.Reader
	max  int
	long []byte // a line longer than br's buffer, assembled
}

// next returns the next line, valid until the following call. A last line
// without a newline counts only if the stream then ends cleanly (io.EOF); a
// read error loses it, since it may be cut short.
func (r *lineReader) next() ([]byte, error) {
	r.long = r.long[:0]
	for {
		frag, err := r.br.ReadSlice('\n')
		if len(r.long)+len(frag) > r.max+1 { // +1: the newline
			return nil, errLineTooLong
		}
		switch {
		case err == nil && len(r.long) == 0:
			return frag[:len(frag)-1], nil
		case err == nil:
			r.long = append(r.long, frag...)
			return r.long[:len(r.long)-1], nil
		case err == bufio.ErrBufferFull:
			r.long = append(r.long, frag...)
		case err == io.EOF && len(r.long)+len(frag) > r.max:
			return nil, errLineTooLong
		case err == io.EOF && len(r.long)+len(frag) > 0:
			return append(r.long, frag...), nil
		default:
			return nil, err
		}
	}
}
