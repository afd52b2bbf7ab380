package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"log/slog"
	"net"
	"net/http"
	"net/rpc"
	"strings"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/conformance"
	"github.com/stdrpc/stdrpc/netrpcx"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// A path is one way a call can reach the implementation. Each is a
// Conformance, so that one case runs through all of them.
type path struct {
	name string
	c    conformance.Conformance
}

// The paths' names.
const (
	local  = "local"    // the implementation, called directly
	netrpc = "net/rpc"  // the generated net/rpc client against netrpcx
	httpc  = "HTTP"     // the generated HTTP client against stdhttp
	stock  = "stock"    // a stock net/rpc client (gob) against netrpcx
	plain  = "JSON"     // a plain JSON client against stdhttp
	rpc2   = "JSON-RPC" // a JSON-RPC 2.0 client against stdhttp's JSONRPC endpoint
)

// errSkip is what a hand-written client returns for a method whose shape it
// cannot call (a stream, a deadline, metadata).
var errSkip = errors.New("this client cannot make the call")

// paths serves the implementation over both transports, with two server
// interceptors each, and returns every path to it.
func paths(t *testing.T, sopts ...netrpcx.ServerOption) []path {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	impl := conformance.Impl{}

	srv := rpc.NewServer()
	if err := conformance.RegisterConformanceNetRPC(srv, impl); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ns := netrpcx.NewServer(srv, append([]netrpcx.ServerOption{netrpcx.WithLogger(quiet),
		netrpcx.WithInterceptors(conformance.Stamp("a")), netrpcx.WithInterceptors(conformance.Stamp("b"))}, sopts...)...)
	go ns.Serve(lis)
	t.Cleanup(func() { ns.Close() })
	nc, err := netrpcx.Dial("tcp", lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	sc, err := rpc.Dial("tcp", lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close() })

	hlis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hopts := []stdhttp.ServerOption{stdhttp.WithLogger(quiet),
		stdhttp.WithInterceptors(conformance.Stamp("a")), stdhttp.WithInterceptors(conformance.Stamp("b"))}
	mux := http.NewServeMux()
	mux.Handle("/", conformance.NewConformanceHTTPHandler(impl, hopts...))
	j := stdhttp.NewJSONRPC(hopts...)
	conformance.RegisterConformanceJSONRPC(j, impl)
	mux.Handle("/rpc", j)
	hs := stdhttp.NewServer("", mux)
	go hs.Serve(hlis)
	t.Cleanup(func() { hs.Close() })
	base := "http://" + hlis.Addr().String()

	return []path{
		{local, impl},
		{netrpc, conformance.NewConformanceNetRPCClient(nc)},
		{httpc, conformance.NewConformanceHTTPClient(base)},
		{stock, stockClient{sc}},
		{plain, jsonClient{base}},
		{rpc2, newRPCClient(base + "/rpc")},
	}
}

// stockClient calls with a stock net/rpc client, as an existing Go
// program or a net/rpc plugin host does. It sees error strings only.
type stockClient struct{ c *rpc.Client }

func (s stockClient) call(method string, req, resp any) error {
	err := s.c.Call("Conformance."+method, req, resp)
	var se rpc.ServerError
	if errors.As(err, &se) {
		return fromText(string(se))
	}
	return err
}

// fromText rebuilds an error from the text a stock peer reads,
// "not_found: user 7".
func fromText(text string) error {
	name, msg, _ := strings.Cut(text, ": ")
	code, ok := stdrpc.ParseCode(name)
	if !ok {
		return errors.New(text)
	}
	if msg == "" {
		return stdrpc.NewError(code, nil)
	}
	return stdrpc.Errorf(code, "%s", msg)
}

func (s stockClient) Echo(ctx context.Context, e conformance.Entry) (r conformance.Entry, err error) {
	return r, s.call("Echo", &e, &r)
}

func (s stockClient) Get(ctx context.Context, key string) (r *conformance.Entry, err error) {
	return r, s.call("Get", &conformance.ConformanceGetRequest{Key: key}, &r)
}

func (s stockClient) Put(ctx context.Context, e *conformance.Entry) (r *conformance.Entry, err error) {
	if e == nil {
		return nil, errSkip // gob cannot send a nil pointer
	}
	return r, s.call("Put", e, &r)
}

func (s stockClient) Pair(ctx context.Context, str *string, b []byte) (*string, []byte, error) {
	var r conformance.ConformancePairResponse
	err := s.call("Pair", &conformance.ConformancePairRequest{S: str, B: b}, &r)
	return r.Rs, r.Rb, err
}

func (s stockClient) Bytes(ctx context.Context, b []byte) (r []byte, err error) {
	return r, s.call("Bytes", &conformance.ConformanceBytesRequest{B: b}, &r)
}

func (s stockClient) Map(ctx context.Context, m map[string]int) (r map[string]int, err error) {
	return r, s.call("Map", &conformance.ConformanceMapRequest{M: m}, &r)
}

func (s stockClient) Entries(ctx context.Context, es []*conformance.Entry) (r []*conformance.Entry, err error) {
	return r, s.call("Entries", &conformance.ConformanceEntriesRequest{Es: es}, &r)
}

func (s stockClient) Time(ctx context.Context, t time.Time) (r time.Time, err error) {
	return r, s.call("Time", &t, &r)
}

func (s stockClient) Marshal(ctx context.Context, m conformance.Marshalers) (r conformance.Marshalers, err error) {
	return r, s.call("Marshal", &m, &r)
}

func (s stockClient) Fail(ctx context.Context, kind string) error {
	return s.call("Fail", &conformance.ConformanceFailRequest{Kind: kind}, &struct{}{})
}

func (s stockClient) Sleep(ctx context.Context, d time.Duration) error { return errSkip }

func (s stockClient) Meta(ctx context.Context, key string) ([]string, string, error) {
	return nil, "", errSkip
}

func (s stockClient) Big(ctx context.Context, n int) (r []byte, err error) {
	return r, s.call("Big", &conformance.ConformanceBigRequest{N: n}, &r)
}

func (s stockClient) Count(ctx context.Context, n int, kind string) iter.Seq2[conformance.Item, error] {
	return func(yield func(conformance.Item, error) bool) { yield(conformance.Item{}, errSkip) }
}

// jsonClient posts JSON with net/http and encoding/json alone, as curl, a
// browser or another language does.
type jsonClient struct{ base string }

func (j jsonClient) call(method string, req, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	hresp, err := http.Post(j.base+"/Conformance/"+method, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer hresp.Body.Close()
	b, err := io.ReadAll(hresp.Body)
	if err != nil {
		return err
	}
	if hresp.StatusCode != http.StatusOK {
		var we struct{ Code, Message string }
		if err := json.Unmarshal(b, &we); err != nil {
			return errors.New(string(b))
		}
		code, _ := stdrpc.ParseCode(we.Code)
		if we.Message == "" {
			return stdrpc.NewError(code, nil)
		}
		return stdrpc.Errorf(code, "%s", we.Message)
	}
	return json.Unmarshal(b, resp)
}

func (j jsonClient) Echo(ctx context.Context, e conformance.Entry) (r conformance.Entry, err error) {
	return r, j.call("Echo", &e, &r)
}

func (j jsonClient) Get(ctx context.Context, key string) (r *conformance.Entry, err error) {
	return r, j.call("Get", &conformance.ConformanceGetRequest{Key: key}, &r)
}

func (j jsonClient) Put(ctx context.Context, e *conformance.Entry) (r *conformance.Entry, err error) {
	return r, j.call("Put", e, &r)
}

func (j jsonClient) Pair(ctx context.Context, str *string, b []byte) (*string, []byte, error) {
	var r conformance.ConformancePairResponse
	err := j.call("Pair", &conformance.ConformancePairRequest{S: str, B: b}, &r)
	return r.Rs, r.Rb, err
}

func (j jsonClient) Bytes(ctx context.Context, b []byte) (r []byte, err error) {
	return r, j.call("Bytes", &conformance.ConformanceBytesRequest{B: b}, &r)
}

func (j jsonClient) Map(ctx context.Context, m map[string]int) (r map[string]int, err error) {
	return r, j.call("Map", &conformance.ConformanceMapRequest{M: m}, &r)
}

func (j jsonClient) Entries(ctx context.Context, es []*conformance.Entry) (r []*conformance.Entry, err error) {
	return r, j.call("Entries", &conformance.ConformanceEntriesRequest{Es: es}, &r)
}

func (j jsonClient) Time(ctx context.Context, t time.Time) (r time.Time, err error) {
	return r, j.call("Time", &t, &r)
}

func (j jsonClient) Marshal(ctx context.Context, m conformance.Marshalers) (r conformance.Marshalers, err error) {
	return r, j.call("Marshal", &m, &r)
}

func (j jsonClient) Fail(ctx context.Context, kind string) error {
	return j.call("Fail", &conformance.ConformanceFailRequest{Kind: kind}, &struct{}{})
}

func (j jsonClient) Sleep(ctx context.Context, d time.Duration) error { return errSkip }

func (j jsonClient) Meta(ctx context.Context, key string) ([]string, string, error) {
	return nil, "", errSkip
}

func (j jsonClient) Big(ctx context.Context, n int) (r []byte, err error) {
	return r, j.call("Big", &conformance.ConformanceBigRequest{N: n}, &r)
}

func (j jsonClient) Count(ctx context.Context, n int, kind string) iter.Seq2[conformance.Item, error] {
	return func(yield func(conformance.Item, error) bool) { yield(conformance.Item{}, errSkip) }
}

// A stock client can send Collect's or Relay's name and a batch of items,
// as netrpcx's wire would carry them; netrpcx refuses it as unimplemented,
// since a stock peer cannot carry the stream that follows.
func (s stockClient) Collect(ctx context.Context, in iter.Seq[conformance.Item]) (r conformance.Tally, err error) {
	return r, s.call("Collect", &netrpcx.Batch[conformance.Item]{Items: firstItems(in)}, &r)
}

func (s stockClient) Relay(ctx context.Context, in iter.Seq[conformance.Item]) iter.Seq2[conformance.Item, error] {
	return func(yield func(conformance.Item, error) bool) {
		var b netrpcx.Batch[conformance.Item]
		if err := s.call("Relay", &netrpcx.Batch[conformance.Item]{Items: firstItems(in)}, &b); err != nil {
			yield(conformance.Item{}, err)
			return
		}
		yield(conformance.Item{}, errors.New("a stock client was answered with a batch"))
	}
}

// firstItems returns in's first items, as many as one message of a
// client that sends them all at once would hold.
func firstItems(in iter.Seq[conformance.Item]) []conformance.Item {
	var items []conformance.Item
	for it := range in {
		if items = append(items, it); len(items) == 64 {
			break
		}
	}
	return items
}

// ndjson posts in's items as NDJSON lines, as curl -T - or a browser's
// fetch with a body does.
func (j jsonClient) ndjson(ctx context.Context, method string, in iter.Seq[conformance.Item]) (*http.Response, error) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body) // one value and a newline per item
	for it := range in {
		if err := enc.Encode(it); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.base+"/Conformance/"+method, &body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	return http.DefaultClient.Do(req)
}

// wireError reads an error body, {"code":...,"message":...}.
func wireError(b []byte) error {
	var we struct{ Code, Message string }
	if err := json.Unmarshal(b, &we); err != nil {
		return errors.New(string(b))
	}
	code, _ := stdrpc.ParseCode(we.Code)
	if we.Message == "" {
		return stdrpc.NewError(code, nil)
	}
	return stdrpc.Errorf(code, "%s", we.Message)
}

func (j jsonClient) Collect(ctx context.Context, in iter.Seq[conformance.Item]) (r conformance.Tally, err error) {
	if ctx.Value(cancels{}) != nil {
		return r, errSkip // it sends its whole body first: nothing to cancel midway
	}
	resp, err := j.ndjson(ctx, "Collect", in)
	if err != nil {
		return r, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return r, err
	}
	if resp.StatusCode != http.StatusOK {
		return r, wireError(b)
	}
	return r, json.Unmarshal(b, &r)
}

func (j jsonClient) Relay(ctx context.Context, in iter.Seq[conformance.Item]) iter.Seq2[conformance.Item, error] {
	return func(yield func(conformance.Item, error) bool) {
		if ctx.Value(cancels{}) != nil {
			yield(conformance.Item{}, errSkip)
			return
		}
		resp, err := j.ndjson(ctx, "Relay", in)
		if err != nil {
			yield(conformance.Item{}, err)
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(resp.Body)
			yield(conformance.Item{}, wireError(b))
			return
		}
		dec := json.NewDecoder(resp.Body)
		for {
			var line struct {
				Result *conformance.Item
				End    bool
				Error  json.RawMessage
			}
			if err := dec.Decode(&line); err != nil {
				yield(conformance.Item{}, err)
				return
			}
			switch {
			case line.Result != nil:
				if !yield(*line.Result, nil) {
					return
				}
			case line.Error != nil:
				yield(conformance.Item{}, wireError(line.Error))
				return
			default:
				return
			}
		}
	}
}

// cancels marks a context whose case cancels it from inside the caller's
// iterator: a client that reads the whole iterator before sending skips it.
type cancels struct{}
