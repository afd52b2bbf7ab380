package stdhttp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/feedsvc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// jsonrpcServer serves testsvc, feedsvc and a service whose methods fail
// as JSON-RPC at /rpc, with a batch limit of 5, a body limit of 4 KiB, and
// an interceptor that refuses calls carrying X-Deny.
func jsonrpcServer(t *testing.T, opts ...stdhttp.ServerOption) string {
	t.Helper()
	deny := func(ctx context.Context, info stdrpc.CallInfo, next func(context.Context) error) error {
		if stdrpc.Incoming(ctx).Get("X-Deny") != "" {
			return stdrpc.Errorf(stdrpc.PermissionDenied, "%s.%s: denied", info.Service, info.Method)
		}
		return next(ctx)
	}
	j := stdhttp.NewJSONRPC(append([]stdhttp.ServerOption{stdhttp.WithLogger(slog.New(slog.DiscardHandler)),
		stdhttp.WithMaxBatch(5), stdhttp.WithMaxBodyBytes(4096), stdhttp.WithInterceptors(deny)}, opts...)...)
	testsvc.RegisterTestJSONRPC(j, &testsvc.Impl{})
	feedsvc.RegisterFeedJSONRPC(j, &feedsvc.Impl{})
	bad := stdhttp.NewJSONRPCService(j, "Bad")
	stdhttp.HandleJSONRPC(bad, stdhttp.JSONRPCMethod{Name: "Panic"}, func(context.Context, *struct{}) (int, error) {
		panic("boom")
	})
	stdhttp.HandleJSONRPC(bad, stdhttp.JSONRPCMethod{Name: "Plain"}, func(context.Context, *struct{}) (int, error) {
		return 0, errors.New("password=hunter2")
	})
	stdhttp.HandleJSONRPC(bad, stdhttp.JSONRPCMethod{Name: "Func"}, func(context.Context, *struct{}) (func(), error) {
		return func() {}, nil
	})
	mux := http.NewServeMux()
	mux.Handle("/rpc", j)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/rpc"
}

// rpcPost sends body to url and returns the status, the body and the response.
func rpcPost(t *testing.T, method, url, body string, hdr ...string) (int, string, *http.Response) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSpace(string(b)), resp
}

// TestJSONRPCConformance runs each rule of JSON-RPC 2.0 (and the 1.0 style
// answer to a request without "jsonrpc") over real HTTP.
func TestJSONRPCConformance(t *testing.T) {
	url := jsonrpcServer(t)
	const (
		parse   = `{"jsonrpc":"2.0","error":{"code":-32700,"message":`
		invalid = `{"jsonrpc":"2.0","error":{"code":-32600,"message":`
	)
	huge := "[" + strings.Repeat(`{"jsonrpc":"2.0","method":"Test.Ping","id":1},`, 5) + `{"jsonrpc":"2.0","method":"Test.Ping","id":1}]`
	cases := []struct {
		name   string
		body   string
		hdr    []string
		status int
		want   string // the whole body; with a trailing "*", its beginning
	}{
		// Calls, ids and params.
		{"positional", `{"jsonrpc":"2.0","method":"Test.Add","params":[2,3],"id":1}`, nil, 200,
			`{"jsonrpc":"2.0","result":5,"id":1}`},
		{"named", `{"jsonrpc":"2.0","method":"Test.Add","params":{"a":2,"b":3},"id":"abc"}`, nil, 200,
			`{"jsonrpc":"2.0","result":5,"id":"abc"}`},
		{"id null", `{"jsonrpc":"2.0","method":"Test.Add","params":[2,3],"id":null}`, nil, 200,
			`{"jsonrpc":"2.0","result":5,"id":null}`},
		{"id fraction", `{"jsonrpc":"2.0","method":"Test.Add","params":[2,3],"id":1.5}`, nil, 200,
			`{"jsonrpc":"2.0","result":5,"id":1.5}`},
		{"id big", `{"jsonrpc":"2.0","method":"Test.Add","params":[2,3],"id":12345678901234567890}`, nil, 200,
			`{"jsonrpc":"2.0","result":5,"id":12345678901234567890}`},
		{"lone struct object", `{"jsonrpc":"2.0","method":"Test.Echo","params":{"ID":7,"Name":"n"},"id":1}`, nil, 200,
			`{"jsonrpc":"2.0","result":{"ID":7,"Name":"n","Tags":[],"Data":"","Score":0,"At":"0001-01-01T00:00:00Z"},"id":1}`},
		{"lone struct by position", `{"jsonrpc":"2.0","method":"Test.Echo","params":[{"ID":7}],"id":1}`, nil, 200,
			`{"jsonrpc":"2.0","result":{"ID":7,"Name":"","Tags":[],"Data":"","Score":0,"At":"0001-01-01T00:00:00Z"},"id":1}`},
		{"lone struct by name", `{"jsonrpc":"2.0","method":"Test.Echo","params":{"p":{"ID":7}},"id":1}`, nil, 200,
			`{"jsonrpc":"2.0","result":{"ID":7,"Name":"","Tags":[],"Data":"","Score":0,"At":"0001-01-01T00:00:00Z"},"id":1}`},
		{"no params", `{"jsonrpc":"2.0","method":"Test.Ping","id":1}`, nil, 200,
			`{"jsonrpc":"2.0","result":{},"id":1}`},
		{"several results", `{"jsonrpc":"2.0","method":"Test.Divide","params":[7,2],"id":1}`, nil, 200,
			`{"jsonrpc":"2.0","result":{"quo":3,"rem":1},"id":1}`},

		// Errors of the specification.
		{"malformed JSON", `{"jsonrpc":"2.0","method":"Test.Add"`, nil, 200, parse + `*`},
		{"malformed batch", `[{"jsonrpc":"2.0","method":"Test.Add"},`, nil, 200, parse + `*`},
		{"empty body", ``, nil, 200, invalid + `"empty request: send a JSON-RPC request object","data":{"code":"invalid_argument"}},"id":null}`},
		{"not an object", `42`, nil, 200, invalid + `"invalid request: a request is a JSON object, not a number","data":{"code":"invalid_argument"}},"id":null}`},
		{"empty batch", `[]`, nil, 200, invalid + `"empty batch: send at least one request","data":{"code":"invalid_argument"}},"id":null}`},
		{"wrong version", `{"jsonrpc":"3.0","method":"Test.Add","params":[1,2],"id":4}`, nil, 200,
			invalid + `"invalid request: \"jsonrpc\" must be \"2.0\", not \"3.0\"","data":{"code":"invalid_argument"}},"id":4}`},
		{"method not a string", `{"jsonrpc":"2.0","method":1,"id":1}`, nil, 200,
			invalid + `"invalid request: \"method\" must be a string","data":{"code":"invalid_argument"}},"id":1}`},
		{"id an object", `{"jsonrpc":"2.0","method":"Test.Ping","id":{}}`, nil, 200,
			invalid + `"invalid request: \"id\" must be a string, a number or null, not an object","data":{"code":"invalid_argument"}},"id":null}`},
		{"params a string", `{"jsonrpc":"2.0","method":"Test.Add","params":"2,3","id":1}`, nil, 200,
			invalid + `"invalid request: \"params\" must be an array or an object, not a string","data":{"code":"invalid_argument"}},"id":1}`},
		{"unknown method", `{"jsonrpc":"2.0","method":"Test.Nope","id":1}`, nil, 200,
			`{"jsonrpc":"2.0","error":{"code":-32601,"message":"method not found: \"Test.Nope\" (this server has Bad.Func, Bad.Panic, Bad.Plain, Feed.Count, Feed.Ticks, Test.Add, Test.Divide, Test.Echo and 3 more)","data":{"code":"unimplemented"}},"id":1}`},
		{"too few params", `{"jsonrpc":"2.0","method":"Test.Add","params":[2],"id":1}`, nil, 200,
			`{"jsonrpc":"2.0","error":{"code":-32602,"message":"invalid params: Add takes 2 parameters (a, b), not 1","data":{"code":"invalid_argument"}},"id":1}`},
		{"too many params", `{"jsonrpc":"2.0","method":"Test.Add","params":[2,3,4],"id":1}`, nil, 200,
			`{"jsonrpc":"2.0","error":{"code":-32602,"message":"invalid params: Add takes 2 parameters (a, b), not 3","data":{"code":"invalid_argument"}},"id":1}`},
		{"no params given", `{"jsonrpc":"2.0","method":"Test.Add","id":1}`, nil, 200,
			`{"jsonrpc":"2.0","error":{"code":-32602,"message":"invalid params: Add takes 2 parameters (a, b); none were given","data":{"code":"invalid_argument"}},"id":1}`},
		{"wrong type", `{"jsonrpc":"2.0","method":"Test.Add","params":[2,"three"],"id":1}`, nil, 200,
			`{"jsonrpc":"2.0","error":{"code":-32602,"message":"invalid params: field \"b\": cannot use a JSON string as int","data":{"code":"invalid_argument"}},"id":1}`},
		{"unknown name", `{"jsonrpc":"2.0","method":"Test.Add","params":{"a":1,"c":2},"id":1}`, nil, 200,
			`{"jsonrpc":"2.0","error":{"code":-32602,"message":"invalid params: Add has no parameter \"c\" (it takes a, b)","data":{"code":"invalid_argument"}},"id":1}`},
		{"missing name", `{"jsonrpc":"2.0","method":"Test.Add","params":{"a":1},"id":1}`, nil, 200,
			`{"jsonrpc":"2.0","error":{"code":-32602,"message":"invalid params: Add needs parameter \"b\"","data":{"code":"invalid_argument"}},"id":1}`},
		{"params to a method without", `{"jsonrpc":"2.0","method":"Test.Ping","params":[1],"id":1}`, nil, 200,
			`{"jsonrpc":"2.0","error":{"code":-32602,"message":"invalid params: Ping takes no parameters, not 1","data":{"code":"invalid_argument"}},"id":1}`},

		// Errors of the method: -32000 with the stdrpc code, -32603 for a
		// panic or a result that cannot be encoded, withheld text.
		{"method error", `{"jsonrpc":"2.0","method":"Test.Divide","params":[1,0],"id":1}`, nil, 200,
			`{"jsonrpc":"2.0","error":{"code":-32000,"message":"divide 1 by zero","data":{"code":"invalid_argument"}},"id":1}`},
		{"panic", `{"jsonrpc":"2.0","method":"Bad.Panic","id":1}`, nil, 200,
			`{"jsonrpc":"2.0","error":{"code":-32603,"message":"Bad.Panic panicked; the server's log has the details","data":{"code":"internal"}},"id":1}`},
		{"withheld text", `{"jsonrpc":"2.0","method":"Bad.Plain","id":1}`, nil, 200,
			`{"jsonrpc":"2.0","error":{"code":-32000,"message":"the server withheld this error's text; its log has it","data":{"code":"unknown"}},"id":1}`},
		{"result does not encode", `{"jsonrpc":"2.0","method":"Bad.Func","id":1}`, nil, 200,
			`{"jsonrpc":"2.0","error":{"code":-32603,"message":"encoding the result: json: unsupported type: func()","data":{"code":"internal"}},"id":1}`},

		// Notifications: run, no reply.
		{"notification", `{"jsonrpc":"2.0","method":"Test.Add","params":[1,2]}`, nil, 204, ``},
		{"notification of an unknown method", `{"jsonrpc":"2.0","method":"Test.Nope"}`, nil, 204, ``},
		{"batch of notifications", `[{"jsonrpc":"2.0","method":"Test.Ping"},{"jsonrpc":"2.0","method":"Test.Add","params":[1,2]}]`, nil, 204, ``},

		// Batches.
		{"batch", `[{"jsonrpc":"2.0","method":"Test.Add","params":[1,2],"id":1},{"jsonrpc":"2.0","method":"Test.Add","params":[3,4],"id":2}]`, nil, 200,
			`[{"jsonrpc":"2.0","result":3,"id":1},{"jsonrpc":"2.0","result":7,"id":2}]`},
		{"mixed batch", `[{"jsonrpc":"2.0","method":"Test.Add","params":[1,2],"id":1},1,{"jsonrpc":"2.0","method":"Test.Ping"},{"jsonrpc":"2.0","method":"Nope","id":"n"},{"method":"Test.Add","params":[5,5],"id":9}]`, nil, 200,
			`[{"jsonrpc":"2.0","result":3,"id":1},` + invalid + `"invalid request: a request is a JSON object, not a number","data":{"code":"invalid_argument"}},"id":null},` +
				`{"jsonrpc":"2.0","error":{"code":-32601,"message":"method not found: \"Nope\" (this server has Bad.Func, Bad.Panic, Bad.Plain, Feed.Count, Feed.Ticks, Test.Add, Test.Divide, Test.Echo and 3 more)","data":{"code":"unimplemented"}},"id":"n"},` +
				`{"result":10,"error":null,"id":9}]`},
		{"batch of one", `[{"jsonrpc":"2.0","method":"Test.Add","params":[1,2],"id":1}]`, nil, 200, `[{"jsonrpc":"2.0","result":3,"id":1}]`},
		{"batch of invalid members", `[1,2]`, nil, 200,
			`[` + invalid + `"invalid request: a request is a JSON object, not a number","data":{"code":"invalid_argument"}},"id":null},` + invalid + `"invalid request: a request is a JSON object, not a number","data":{"code":"invalid_argument"}},"id":null}]`},
		{"huge batch", huge, nil, 200,
			invalid + `"batch of 6 requests is larger than this server's limit of 5","data":{"code":"resource_exhausted"}},"id":null}`},
		{"stream in a batch", `[{"jsonrpc":"2.0","method":"Feed.Count","params":[2,""],"id":1}]`, nil, 200,
			`[{"jsonrpc":"2.0","error":{"code":-32601,"message":"Feed.Count is a stream: call it alone, with an id and the header Accept: text/event-stream","data":{"code":"unimplemented"}},"id":1}]`},
		{"stream without Accept", `{"jsonrpc":"2.0","method":"Feed.Count","params":[2,""],"id":1}`, nil, 200,
			`{"jsonrpc":"2.0","error":{"code":-32601,"message":"Feed.Count is a stream: call it alone, with an id and the header Accept: text/event-stream","data":{"code":"unimplemented"}},"id":1}`},

		// 1.0 style: no "jsonrpc" member.
		{"1.0 without id", `{"method":"Test.Add","params":[2,3]}`, nil, 200, `{"result":5,"error":null,"id":null}`},
		{"1.0 with id", `{"method":"Test.Add","params":[2,3],"id":7}`, nil, 200, `{"result":5,"error":null,"id":7}`},
		{"1.0 error", `{"method":"Test.Divide","params":[2,0],"id":7}`, nil, 200,
			`{"result":null,"error":{"code":-32000,"message":"divide 2 by zero","data":{"code":"invalid_argument"}},"id":7}`},
		{"1.0 notification", `{"method":"Test.Add","params":[2,3],"id":null}`, nil, 204, ``},

		// What the other transports carry: metadata, deadlines,
		// interceptors, limits.
		{"metadata", `{"jsonrpc":"2.0","method":"Test.Meta","params":["X-Who"],"id":1}`, []string{"X-Who", "ann"}, 200,
			`{"jsonrpc":"2.0","result":"ann","id":1}`},
		{"deadline", `{"jsonrpc":"2.0","method":"Test.Sleep","params":[5000000000],"id":1}`, []string{stdhttp.TimeoutHeader, "20"}, 200,
			`{"jsonrpc":"2.0","error":{"code":-32000,"message":"context deadline exceeded","data":{"code":"deadline_exceeded"}},"id":1}`},
		{"bad deadline", `{"jsonrpc":"2.0","method":"Test.Ping","id":1}`, []string{stdhttp.TimeoutHeader, "soon"}, 200,
			invalid + `"header Stdrpc-Timeout-Ms: \"soon\" is not a whole number of milliseconds","data":{"code":"invalid_argument"}},"id":null}`},
		{"interceptor", `{"jsonrpc":"2.0","method":"Test.Add","params":[1,2],"id":1}`, []string{"X-Deny", "1"}, 200,
			`{"jsonrpc":"2.0","error":{"code":-32000,"message":"Test.Add: denied","data":{"code":"permission_denied"}},"id":1}`},
		{"body too large", `{"jsonrpc":"2.0","method":"Test.Echo","params":{"Name":"` + strings.Repeat("x", 5000) + `"},"id":1}`, nil, 413,
			invalid + `"request body is larger than this server's limit of 4096 bytes","data":{"code":"resource_exhausted"}},"id":null}`},
		{"wrong content type", `{"jsonrpc":"2.0","method":"Test.Ping","id":1}`, []string{"Content-Type", "text/plain"}, 415,
			invalid + `"Content-Type \"text/plain\" is not supported; send application/json","data":{"code":"invalid_argument"}},"id":null}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, resp := rpcPost(t, http.MethodPost, url, c.body, c.hdr...)
			if status != c.status {
				t.Errorf("status %d, want %d", status, c.status)
			}
			if prefix, ok := strings.CutSuffix(c.want, "*"); ok {
				if !strings.HasPrefix(body, prefix) {
					t.Errorf("body\n %s\nwant it to begin\n %s", body, prefix)
				}
			} else if body != c.want {
				t.Errorf("body\n %s\nwant\n %s", body, c.want)
			}
			if ct := resp.Header.Get("Content-Type"); body != "" && ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

// TestJSONRPCVerbs checks that the endpoint answers only POST.
func TestJSONRPCVerbs(t *testing.T) {
	url := jsonrpcServer(t)
	status, body, resp := rpcPost(t, http.MethodGet, url, "")
	if status != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d, Allow %q", status, resp.Header.Get("Allow"))
	}
	want := `{"jsonrpc":"2.0","error":{"code":-32600,"message":"JSON-RPC requests are POSTed, not sent with GET","data":{"code":"unimplemented"}},"id":null}`
	if body != want {
		t.Errorf("GET:\n %s\nwant\n %s", body, want)
	}
}

// TestJSONRPCStream reads a stream method's items as Server-Sent Events of
// JSON-RPC responses, its error, and its end.
func TestJSONRPCStream(t *testing.T) {
	url := jsonrpcServer(t)
	for _, c := range []struct{ params, want string }{
		{`[3,""]`, "data: {\"jsonrpc\":\"2.0\",\"result\":1,\"id\":7}\n\ndata: {\"jsonrpc\":\"2.0\",\"result\":2,\"id\":7}\n\ndata: {\"jsonrpc\":\"2.0\",\"result\":3,\"id\":7}\n\nevent: end\ndata: {}"},
		{`[1,"not_found"]`, "data: {\"jsonrpc\":\"2.0\",\"result\":1,\"id\":7}\n\ndata: {\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"failed after 1 items\",\"data\":{\"code\":\"not_found\"}},\"id\":7}"},
	} {
		status, body, resp := rpcPost(t, http.MethodPost, url, `{"jsonrpc":"2.0","method":"Feed.Count","params":`+c.params+`,"id":7}`, "Accept", "text/event-stream")
		body = strings.ReplaceAll(body, ": ping\n\n", "")
		if status != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || body != c.want {
			t.Errorf("params %s: %d %q\n%s\nwant\n%s", c.params, status, resp.Header.Get("Content-Type"), body, c.want)
		}
	}
	// An error before the first item is an ordinary response.
	status, body, _ := rpcPost(t, http.MethodPost, url, `{"jsonrpc":"2.0","method":"Feed.Count","params":[0,"aborted"],"id":7}`, "Accept", "text/event-stream")
	want := `{"jsonrpc":"2.0","error":{"code":-32000,"message":"failed after 0 items","data":{"code":"aborted"}},"id":7}`
	if status != 200 || body != want {
		t.Errorf("error first: %d\n%s\nwant\n%s", status, body, want)
	}
}

// TestJSONRPCErrorText sends a plain error's text when the option says so,
// and the server keeps serving after every bad request above.
func TestJSONRPCErrorText(t *testing.T) {
	url := jsonrpcServer(t, stdhttp.WithErrorText())
	_, body, _ := rpcPost(t, http.MethodPost, url, `{"jsonrpc":"2.0","method":"Bad.Plain","id":1}`)
	want := `{"jsonrpc":"2.0","error":{"code":-32000,"message":"password=hunter2","data":{"code":"unknown"}},"id":1}`
	if body != want {
		t.Errorf("got\n %s\nwant\n %s", body, want)
	}
}

// TestJSONRPCDuplicate refuses a name registered twice.
func TestJSONRPCDuplicate(t *testing.T) {
	j := stdhttp.NewJSONRPC()
	testsvc.RegisterTestJSONRPC(j, &testsvc.Impl{})
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), `"Test.Add" is registered twice`) {
			t.Errorf("panic %v", p)
		}
	}()
	testsvc.RegisterTestJSONRPC(j, &testsvc.Impl{})
}

// TestJSONRPCNotificationRuns checks that a notification runs, though
// nothing answers it.
func TestJSONRPCNotificationRuns(t *testing.T) {
	ran := make(chan int, 2)
	j := stdhttp.NewJSONRPC()
	s := stdhttp.NewJSONRPCService(j, "N")
	stdhttp.HandleJSONRPC(s, stdhttp.JSONRPCMethod{Name: "Note", Params: []string{"n"}}, func(_ context.Context, req *struct {
		N int `json:"n"`
	}) (struct{}, error) {
		ran <- req.N
		return struct{}{}, nil
	})
	srv := httptest.NewServer(j)
	defer srv.Close()
	status, body, _ := rpcPost(t, http.MethodPost, srv.URL, `[{"jsonrpc":"2.0","method":"N.Note","params":[1]},{"jsonrpc":"2.0","method":"N.Note","params":{"n":2}}]`)
	if status != 204 || body != "" {
		t.Errorf("%d %q, want 204 and no body", status, body)
	}
	if a, b := <-ran, <-ran; a != 1 || b != 2 {
		t.Errorf("ran %d, %d; want 1, 2", a, b)
	}
}

// A lone pointer parameter sent as null reaches the method as nil when it
// is registered with NilRequest, as generated code does; otherwise it is
// refused with -32602 rather than arrive as a pointer to a zero value.
func TestJSONRPCNilRequest(t *testing.T) {
	j := stdhttp.NewJSONRPC()
	s := stdhttp.NewJSONRPCService(j, "N")
	isNil := func(ctx context.Context, req *node) (bool, error) { return req == nil, nil }
	stdhttp.HandleJSONRPC(s, stdhttp.JSONRPCMethod{Name: "Nil", Params: []string{"n"}, Lone: true}, isNil, stdhttp.NilRequest())
	stdhttp.HandleJSONRPC(s, stdhttp.JSONRPCMethod{Name: "Value", Params: []string{"n"}, Lone: true}, isNil)
	srv := httptest.NewServer(j)
	defer srv.Close()
	for _, tc := range []struct{ body, want string }{
		{`{"jsonrpc":"2.0","method":"N.Nil","params":[null],"id":1}`, `{"jsonrpc":"2.0","result":true,"id":1}`},
		{`{"jsonrpc":"2.0","method":"N.Nil","params":{"n":null},"id":1}`, `{"jsonrpc":"2.0","result":true,"id":1}`},
		{`{"jsonrpc":"2.0","method":"N.Nil","params":{"Name":"a"},"id":1}`, `{"jsonrpc":"2.0","result":false,"id":1}`},
		{`{"jsonrpc":"2.0","method":"N.Nil","id":1}`, `{"jsonrpc":"2.0","result":false,"id":1}`}, // no params: the zero request
		{`{"jsonrpc":"2.0","method":"N.Value","params":[null],"id":1}`,
			`{"jsonrpc":"2.0","error":{"code":-32602,"message":"invalid params: the parameter is null, which this server cannot pass to the method: send a value","data":{"code":"invalid_argument"}},"id":1}`},
	} {
		if _, got, _ := rpcPost(t, http.MethodPost, srv.URL, tc.body); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.body, got, tc.want)
		}
	}
}
