package conformance_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/conformance"
	"github.com/stdrpc/stdrpc/internal/core"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// rpcClient calls a JSON-RPC 2.0 endpoint with net/http and encoding/json
// alone, as a JSON-RPC library in another language does: a deadline and
// metadata travel as the HTTP headers the endpoint reads, an error's
// data.code gives back the stdrpc code, and a stream is read as
// Server-Sent Events. Parameters go by name (the request's wire names), by
// position (Pair, Count, a nil Put) and as a lone struct's object (Echo,
// Put), so that each form is called.
type rpcClient struct {
	url string
	ids *atomic.Int64
}

func newRPCClient(url string) rpcClient { return rpcClient{url: url, ids: new(atomic.Int64)} }

// rpcResponse is a JSON-RPC 2.0 response object.
type rpcResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  json.RawMessage `json:"result"`
	Error   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    struct {
			Code string `json:"code"`
		} `json:"data"`
	} `json:"error"`
	ID json.RawMessage `json:"id"`
}

// post sends one call; accept, when set, is its Accept header.
func (c rpcClient) post(ctx context.Context, method string, params any, accept string) (*http.Response, string, error) {
	id := strconv.FormatInt(c.ids.Add(1), 10)
	p, err := json.Marshal(params)
	if err != nil {
		return nil, "", err
	}
	body := `{"jsonrpc":"2.0","method":"Conformance.` + method + `","params":` + string(p) + `,"id":` + id + `}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, strings.NewReader(body))
	if err != nil {
		return nil, "", err
	}
	for k, v := range stdrpc.Outgoing(ctx) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) > 0 {
		req.Header.Set(stdhttp.TimeoutHeader, strconv.FormatInt(time.Until(dl).Milliseconds()+1, 10))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", core.ContextError(ctx.Err())
		}
		return nil, "", err
	}
	return resp, id, nil
}

// decode reads one response object with id and fills result from it.
func decode(b []byte, id string, result any) error {
	var r rpcResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("not a JSON-RPC response: %v: %s", err, b)
	}
	// An error found before the id was read (a body over the limit) has
	// id null, as the specification says.
	if r.JSONRPC != "2.0" || string(r.ID) != id && !(r.Error != nil && string(r.ID) == "null") {
		return fmt.Errorf("a JSON-RPC 2.0 response with id %s, got %s", id, b)
	}
	if r.Error != nil {
		code, ok := stdrpc.ParseCode(r.Error.Data.Code)
		if !ok {
			return fmt.Errorf("error.data.code %q is no stdrpc code: %s", r.Error.Data.Code, b)
		}
		if r.Error.Message == "" {
			return stdrpc.NewError(code, nil)
		}
		return stdrpc.Errorf(code, "%s", r.Error.Message)
	}
	if r.Result == nil {
		return fmt.Errorf("a response with neither result nor error: %s", b)
	}
	if result == nil {
		return nil
	}
	return json.Unmarshal(r.Result, result)
}

func (c rpcClient) call(ctx context.Context, method string, params, result any) error {
	resp, id, err := c.post(ctx, method, params, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return core.ContextError(ctx.Err())
		}
		return err
	}
	return decode(b, id, result)
}

func (c rpcClient) Echo(ctx context.Context, e conformance.Entry) (r conformance.Entry, err error) {
	return r, c.call(ctx, "Echo", &e, &r)
}

func (c rpcClient) Get(ctx context.Context, key string) (r *conformance.Entry, err error) {
	return r, c.call(ctx, "Get", &conformance.ConformanceGetRequest{Key: key}, &r)
}

func (c rpcClient) Put(ctx context.Context, e *conformance.Entry) (r *conformance.Entry, err error) {
	if e == nil {
		return r, c.call(ctx, "Put", []any{nil}, &r) // params null would mean "no params"
	}
	return r, c.call(ctx, "Put", e, &r)
}

func (c rpcClient) Pair(ctx context.Context, s *string, b []byte) (*string, []byte, error) {
	var r conformance.ConformancePairResponse
	err := c.call(ctx, "Pair", []any{s, b}, &r)
	return r.Rs, r.Rb, err
}

func (c rpcClient) Bytes(ctx context.Context, b []byte) (r []byte, err error) {
	return r, c.call(ctx, "Bytes", &conformance.ConformanceBytesRequest{B: b}, &r)
}

func (c rpcClient) Map(ctx context.Context, m map[string]int) (r map[string]int, err error) {
	return r, c.call(ctx, "Map", &conformance.ConformanceMapRequest{M: m}, &r)
}

func (c rpcClient) Entries(ctx context.Context, es []*conformance.Entry) (r []*conformance.Entry, err error) {
	return r, c.call(ctx, "Entries", &conformance.ConformanceEntriesRequest{Es: es}, &r)
}

func (c rpcClient) Time(ctx context.Context, t time.Time) (r time.Time, err error) {
	// A time is a JSON string, and params are an array or an object: by
	// name, then.
	return r, c.call(ctx, "Time", map[string]time.Time{"t": t}, &r)
}

func (c rpcClient) Marshal(ctx context.Context, m conformance.Marshalers) (r conformance.Marshalers, err error) {
	return r, c.call(ctx, "Marshal", &m, &r)
}

func (c rpcClient) Fail(ctx context.Context, kind string) error {
	return c.call(ctx, "Fail", &conformance.ConformanceFailRequest{Kind: kind}, nil)
}

func (c rpcClient) Sleep(ctx context.Context, d time.Duration) error {
	return c.call(ctx, "Sleep", &conformance.ConformanceSleepRequest{D: d}, nil)
}

func (c rpcClient) Meta(ctx context.Context, key string) ([]string, string, error) {
	var r conformance.ConformanceMetaResponse
	err := c.call(ctx, "Meta", &conformance.ConformanceMetaRequest{Key: key}, &r)
	return r.Values, r.Seen, err
}

func (c rpcClient) Big(ctx context.Context, n int) (r []byte, err error) {
	return r, c.call(ctx, "Big", &conformance.ConformanceBigRequest{N: n}, &r)
}

// Count reads the stream's Server-Sent Events: each data line an item's
// response, an error response last on failure, the event "end" last on
// success. A call refused before its first item is one JSON response.
func (c rpcClient) Count(ctx context.Context, n int, kind string) iter.Seq2[conformance.Item, error] {
	return func(yield func(conformance.Item, error) bool) {
		resp, id, err := c.post(ctx, "Count", []any{n, kind}, "text/event-stream")
		if err != nil {
			yield(conformance.Item{}, err)
			return
		}
		defer resp.Body.Close()
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			b, err := io.ReadAll(resp.Body)
			if err == nil {
				err = decode(b, id, nil)
			}
			if err == nil {
				err = errors.New("a stream answered with one JSON response and no error")
			}
			yield(conformance.Item{}, err)
			return
		}
		sc := bufio.NewScanner(resp.Body)
		var event string
		var data bytes.Buffer
		for sc.Scan() { // ends with the body
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data.WriteString(strings.TrimPrefix(line, "data: "))
			case line == "" && event == "end":
				return
			case line == "" && data.Len() > 0:
				var it conformance.Item
				if err := decode(data.Bytes(), id, &it); err != nil {
					yield(conformance.Item{}, err)
					return
				}
				if !yield(it, nil) {
					return
				}
				data.Reset()
			}
		}
		err = sc.Err()
		if ctx.Err() != nil {
			err = core.ContextError(ctx.Err())
		} else if err == nil {
			err = errors.New("the stream ended without the event end")
		}
		yield(conformance.Item{}, err)
	}
}

// Collect and Relay name methods JSON-RPC cannot carry: the endpoint
// answers with an error naming the route that can.
func (c rpcClient) Collect(ctx context.Context, in iter.Seq[conformance.Item]) (r conformance.Tally, err error) {
	if ctx.Value(cancels{}) != nil {
		return r, errSkip // its items are all read before the call: nothing to cancel midway
	}
	return r, c.call(ctx, "Collect", []any{firstItems(in)}, &r)
}

func (c rpcClient) Relay(ctx context.Context, in iter.Seq[conformance.Item]) iter.Seq2[conformance.Item, error] {
	return func(yield func(conformance.Item, error) bool) {
		if ctx.Value(cancels{}) != nil {
			yield(conformance.Item{}, errSkip)
			return
		}
		err := c.call(ctx, "Relay", []any{firstItems(in)}, nil)
		if err == nil {
			err = errors.New("JSON-RPC answered a bidirectional stream")
		}
		yield(conformance.Item{}, err)
	}
}
