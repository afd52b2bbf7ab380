package ws

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/internal/testenv"
)

// A page in headless Chromium opens WebSockets: it exchanges text, a
// megabyte of UTF-8, binary and empty messages with its own server,
// closes with a code the server reads, sees the server's own close code,
// is refused by a server on another origin that allows only its own, and
// let in by one that lists the page's origin. The page reports what it
// saw by POSTing it to its server.
func TestChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Chromium")
	}
	reports := make(chan []byte, 1)
	page, err := os.ReadFile(filepath.Join("testdata", "page.html"))
	if err != nil {
		t.Fatal(err)
	}
	home, ends := echoServer(t, Options{}, func(mux *http.ServeMux) {
		mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(page)
		})
		mux.HandleFunc("POST /report", func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			select {
			case reports <- b:
			default:
			}
		})
	})
	other, otherEnds := echoServer(t, Options{}, nil)
	allowing, _ := echoServer(t, Options{Origins: []string{home.URL}}, nil)

	q := url.Values{"other": {wsURL(other) + "/echo"}, "allowing": {wsURL(allowing) + "/echo"}}
	testenv.Chromium(t, home.URL+"/page?"+q.Encode())

	var got struct {
		Error string
		Echo  struct {
			Text               string
			Big, Binary, Empty bool
			Close              struct{ Code int }
		}
		ServerCloses struct {
			Messages []string
			Close    struct {
				Code   int
				Reason string
			}
		}
		OtherOrigin struct {
			Opened bool
			Errors int
			Close  struct{ Code int }
		}
		AllowingOrigin struct {
			Opened bool
			Echo   string
		}
	}
	select {
	case b := <-reports:
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("the page reported %q: %v", b, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the page reported nothing")
	}
	if got.Error != "" {
		t.Fatalf("the page failed: %s", got.Error)
	}
	e := got.Echo
	if e.Text != "hello from the browser ✓" || !e.Big || !e.Binary || !e.Empty {
		t.Errorf("echo to the page: %+v, want every message back as sent", e)
	}
	if e.Close.Code != 1000 {
		t.Errorf("the page's close answered with %d, want 1000", e.Close.Code)
	}
	select {
	case err := <-ends:
		var ce *CloseError
		if !errors.As(err, &ce) || *ce != (CloseError{1000, "done", true}) {
			t.Errorf("the server's read ended with %v, want the page's close 1000 done", err)
		}
	case <-time.After(testTimeout):
		t.Error("the server's read did not end")
	}
	if s := got.ServerCloses; strings.Join(s.Messages, ",") != "hi" || s.Close.Code != 4002 || s.Close.Reason != "server says bye" {
		t.Errorf("from the closing server the page saw %+v, want hi and 4002 server says bye", s)
	}
	if o := got.OtherOrigin; o.Opened || o.Errors == 0 || o.Close.Code != 1006 {
		t.Errorf("a server on another origin gave the page %+v, want it refused (1006)", o)
	}
	select {
	case err := <-otherEnds:
		t.Errorf("the page of another origin reached the handler: %v", err)
	default:
	}
	if a := got.AllowingOrigin; !a.Opened || a.Echo != "across origins" {
		t.Errorf("a server listing the page's origin gave it %+v, want it in", a)
	}
}
