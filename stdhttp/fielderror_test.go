package stdhttp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/stdhttp"
)

// level is text that decodes itself, and refuses anything but its names.
type level int

func (l *level) UnmarshalText(b []byte) error {
	switch string(b) {
	case "low":
		*l = 1
	case "high":
		*l = 2
	default:
		return errors.New("not a level: " + string(b))
	}
	return nil
}

func (l level) MarshalText() ([]byte, error) { return []byte([]string{"", "low", "high"}[l]), nil }

type item struct {
	Key   string    `json:"key"`
	Value []byte    `json:"value"`
	At    time.Time `json:"at"`
	Level level     `json:"level,omitempty"`
}

type meta struct {
	Note []byte // promoted: "Note" at the top
}

type putRequest struct {
	meta
	Item  item            `json:"item"`
	Items []item          `json:"items"`
	ByKey map[string]item `json:"byKey"`
	Ptr   *item           `json:"ptr"`
}

// A request body value that encoding/json refuses without naming its field,
// a string that is not base64 for a []byte or one a time.Time or an
// UnmarshalText refuses, is answered naming the field's dotted JSON path,
// as a value of the wrong type is: on the routes and on JSON-RPC.
func TestDecodeErrorNamesField(t *testing.T) {
	mux := http.NewServeMux()
	put := func(ctx context.Context, req *putRequest) (string, error) { return "ok", nil }
	stdhttp.Handle(stdhttp.NewService(mux, "Items"), "Put", put)
	j := stdhttp.NewJSONRPC()
	stdhttp.HandleJSONRPC(stdhttp.NewJSONRPCService(j, "Items"), stdhttp.JSONRPCMethod{Name: "Put", Params: []string{"req"}, Lone: true}, put)
	mux.Handle("/rpc", j)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	const badTime = `parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`
	for _, tc := range []struct{ body, field, err string }{
		{`{"item":{"key":"k","value":"aGVsbG8!"}}`, "item.value", "illegal base64 data at input byte 7"},
		{`{"Item":{"VALUE":"%"}}`, "item.value", "illegal base64 data at input byte 0"},
		{`{"item":{"at":"yesterday"}}`, "item.at", badTime},
		{`{"item":{"level":"medium"}}`, "item.level", "not a level: medium"},
		{`{"items":[{"value":"aGk="},{"value":"a"}]}`, "items.value", "illegal base64 data at input byte 0"},
		{`{"byKey":{"a":{},"b":{"level":"top"}}}`, "byKey.level", "not a level: top"},
		{`{"ptr":{"value":"!!!!"}}`, "ptr.value", "illegal base64 data at input byte 0"},
		{`{"item":{"extra":1,"n":[true,{"x":null}],"key":"k\"}"},"ptr":{"value":"!"}}`, "ptr.value", "illegal base64 data at input byte 0"},
		{`{ "item" : { "value" : "aGk=" } , "byKey" : { "k" : { "value" : "aGk" } } }`, "byKey.value", "illegal base64 data at input byte 0"},
		{`{"Note":"*"}`, "Note", "illegal base64 data at input byte 0"},
		{`{"unknown":{"value":"!"},"item":{"key":"k","value":"aGk="},"items":null,"byKey":{},"ptr":{"value":"??"}}`, "ptr.value", "illegal base64 data at input byte 0"},
	} {
		status, _, got := post(t, srv.URL+"/Items/Put", tc.body)
		want := `{"code":"invalid_argument","message":` + quote(`request body field "`+tc.field+`": `+tc.err) + "}\n"
		if status != 400 || got != want {
			t.Errorf("POST %s:\n got %d %s\nwant 400 %s", tc.body, status, got, want)
		}
		status, _, got = post(t, srv.URL+"/rpc", `{"jsonrpc":"2.0","method":"Items.Put","params":`+tc.body+`,"id":1}`)
		want = `{"jsonrpc":"2.0","error":{"code":-32602,"message":` + quote(`invalid params: field "`+tc.field+`": `+tc.err) + `,"data":{"code":"invalid_argument"}},"id":1}` + "\n"
		if status != 200 || got != want {
			t.Errorf("JSON-RPC params %s:\n got %d %s\nwant 200 %s", tc.body, status, got, want)
		}
	}
}

// quote writes s as a JSON string, as the server's encoder does.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
