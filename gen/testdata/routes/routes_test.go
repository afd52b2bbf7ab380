package routes

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc/gen/testdata/looptest"
)

// do sends a request and decodes a 200 response into out.
func do(t *testing.T, method, url, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %s %s", method, url, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
}

func TestRoutes(t *testing.T) {
	s := newImpl()
	url := looptest.HTTP(t, NewUsersHTTPHandler(s))

	var u User
	do(t, "GET", url+"/users/1", "", &u)
	if u != (User{1, "ann"}) {
		t.Errorf("GET /users/1 = %+v", u)
	}

	var us []User
	do(t, "GET", url+"/users?prefix=b&tags=x&tags=y&since=2026-01-02T03:04:05Z&limit=5", "", &us)
	if len(us) != 1 || us[0].Name != "bob" || s.last != "prefix=b tags=x,y since=2026-01-02T03:04:05Z limit=5" {
		t.Errorf("GET /users?... = %+v, saw %q", us, s.last)
	}

	do(t, "PUT", url+"/users/2", `{"Name":"bea"}`, &u)
	if u != (User{2, "bea"}) {
		t.Errorf("PUT /users/2 = %+v; want {2 bea}", u)
	}

	do(t, "POST", url+"/users/1/rename", `{"name":"amy","reason":"typo"}`, &u)
	if u != (User{1, "amy"}) || s.last != "typo" {
		t.Errorf("POST /users/1/rename = %+v, saw %q", u, s.last)
	}

	do(t, "POST", url+"/users/find", `{"Prefix":"a"}`, &us)
	if len(us) != 1 || us[0].Name != "amy" {
		t.Errorf("POST /users/find = %+v", us)
	}

	// The wildcard sets the field of its JSON name, over the body's.
	var it Item
	do(t, "PUT", url+"/items/k1", `{"key":"other","value":"aGk=","rev":3}`, &it)
	if it.Key != "k1" || string(it.Value) != "hi" || it.Rev != 3 {
		t.Errorf("PUT /items/k1 = %+v; want key k1, value hi, rev 3", it)
	}
	it = Item{}
	do(t, "PATCH", url+"/items/k2/7", `{"value":"aGk="}`, &it)
	if it.Key != "k2" || string(it.Value) != "hi" || it.Rev != 7 {
		t.Errorf("PATCH /items/k2/7 = %+v; want key k2, value hi, rev 7", it)
	}
	it = Item{}
	do(t, "PATCH", url+"/items/k2/7", "", &it)
	if it.Key != "k2" || it.Value != nil || it.Rev != 7 {
		t.Errorf("PATCH /items/k2/7 without a body = %+v; want key k2, no value, rev 7", it)
	}

	var p string
	do(t, "GET", url+"/files/a/b/c.txt", "", &p)
	if p != "a/b/c.txt" {
		t.Errorf("GET /files/a/b/c.txt = %q", p)
	}

	var n int
	do(t, "POST", url+"/touch", "", &n)
	do(t, "PUT", url+"/touch", "", &n)
	if n != 2 {
		t.Errorf("touches = %d; want 2", n)
	}

	do(t, "DELETE", url+"/users/2?hard=true", "", nil)
	if _, ok := s.users[2]; ok || s.last != "hard=true" {
		t.Errorf("DELETE /users/2?hard=true left %v, saw %q", s.users, s.last)
	}

	// The generated client still uses POST /Users/{Method}.
	c := NewUsersHTTPClient(url)
	if u, err := c.Get(context.Background(), 1); u.Name != "amy" || err != nil {
		t.Errorf("client Get = %+v, %v", u, err)
	}
}
