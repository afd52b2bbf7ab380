package conformance_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestEmptyNotNull shows what a client in another language reads on the
// JSON transports: a nil slice or map, as the whole result or inside it, is
// [] or {} (a nil []byte is ""), never null; a nil pointer stays null.
func TestEmptyNotNull(t *testing.T) {
	var base string
	for _, p := range paths(t) {
		if c, ok := p.c.(jsonClient); ok {
			base = c.base
		}
	}
	nils := `{"Name":"nils","Note":null,"Count":null,"Tags":[],"Data":"","Attrs":{},"At":"0001-01-01T00:00:00Z","Meta":null,"Kids":[],"Byte":{}}`
	kid := `{"Name":"","Note":null,"Count":null,"Tags":[],"Data":"","Attrs":{},"At":"0001-01-01T00:00:00Z","Meta":null,"Kids":[],"Byte":{}}`
	for _, tc := range []struct{ method, body, want string }{
		{"Echo", `{"Name":"nils"}`, nils},
		{"Echo", `{"Kids":[{"Meta":{}},null],"Byte":{"a":null}}`, `{"Name":"","Note":null,"Count":null,"Tags":[],"Data":"","Attrs":{},"At":"0001-01-01T00:00:00Z","Meta":null,"Kids":[` +
			strings.Replace(kid, `"Meta":null`, `"Meta":{"Rev":0,"Note":null}`, 1) + `,null],"Byte":{"a":[]}}`},
		{"Map", `{"m":null}`, `{}`},
		{"Bytes", `{"b":null}`, `""`},
		{"Entries", `{"es":null}`, `[]`},
		{"Entries", `{"es":[{}]}`, `[` + kid + `]`},
		{"Pair", `{"s":null,"b":null}`, `{"rs":null,"rb":""}`},
		{"Meta", `{"key":"absent"}`, `{"values":[],"seen":"a(Conformance.Meta)b(Conformance.Meta)"}`},
	} {
		got := post(t, base+"/Conformance/"+tc.method, tc.body)
		if got != tc.want+"\n" {
			t.Errorf("HTTP %s %s:\n got %s\nwant %s", tc.method, tc.body, got, tc.want)
		}
		got = post(t, base+"/rpc", `{"jsonrpc":"2.0","method":"Conformance.`+tc.method+`","params":`+tc.body+`,"id":1}`)
		if want := `{"jsonrpc":"2.0","result":` + tc.want + `,"id":1}` + "\n"; got != want {
			t.Errorf("JSON-RPC %s %s:\n got %s\nwant %s", tc.method, tc.body, got, want)
		}
	}
}

func post(t *testing.T, url, body string) string {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
