package stdhttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testenv"
	"github.com/stdrpc/stdrpc/internal/ws"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// wsServe serves the service register fills over HTTP/1.1 and returns its
// ws:// base URL.
func wsServe(t *testing.T, register func(*stdhttp.Service), opts ...stdhttp.ServerOption) string {
	t.Helper()
	mux := http.NewServeMux()
	register(stdhttp.NewService(mux, "Dev", opts...))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// wsClient is a browser's side of a stream, message by message.
type wsClient struct {
	t   *testing.T
	ctx context.Context
	c   *ws.Conn
}

func wsDial(t *testing.T, url string, header http.Header) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	t.Cleanup(cancel)
	c, err := ws.Dial(ctx, url, header)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(ws.StatusNormalClosure, "") })
	return &wsClient{t: t, ctx: ctx, c: c}
}

func (w *wsClient) send(msgs ...string) {
	w.t.Helper()
	for _, m := range msgs {
		if err := w.c.WriteMessage(w.ctx, ws.Text, []byte(m)); err != nil {
			w.t.Fatal(err)
		}
	}
}

// recv reads the next message, which must be text.
func (w *wsClient) recv() string {
	w.t.Helper()
	typ, msg, err := w.c.ReadMessage(w.ctx)
	if err != nil {
		w.t.Fatalf("reading the next message: %v", err)
	}
	if typ != ws.Text {
		w.t.Fatalf("a %v message; the stream's are text", typ)
	}
	return string(msg)
}

// closed reads the end of the connection: the server's close frame.
func (w *wsClient) closed() ws.StatusCode {
	w.t.Helper()
	typ, msg, err := w.c.ReadMessage(w.ctx)
	if err == nil {
		w.t.Fatalf("got %v message %q, want the server's close", typ, msg)
	}
	var ce *ws.CloseError
	if !errors.As(err, &ce) || !ce.Remote {
		w.t.Fatalf("the connection ended with %v, want the server's close frame", err)
	}
	return ce.Code
}

// A bidirectional stream over a WebSocket: each item a JSON text message
// each way, answered as it arrives; an empty message ends the client's
// side, {"end":true} the server's, and a close with 1000 the connection.
func TestWebSocketBidi(t *testing.T) {
	url := wsServe(t, func(s *stdhttp.Service) { stdhttp.HandleBidiStream(s, "Echo", echo) })
	c := wsDial(t, url+"/Dev/Echo", nil)
	for i := 1; i <= 3; i++ {
		c.send(`{"n":` + string(rune('0'+i)) + `,"note":"é"}`)
		if got, want := c.recv(), `{"result":{"n":`+string(rune('0'+2*i))+`,"note":"é"}}`; got != want {
			t.Errorf("item %d: got %s, want %s", i, got, want)
		}
	}
	c.send("")
	if got := c.recv(); got != `{"end":true}` {
		t.Errorf("after the client's end: %s, want {\"end\":true}", got)
	}
	if code := c.closed(); code != ws.StatusNormalClosure {
		t.Errorf("closed with %v", code)
	}
}

// A client stream over a WebSocket: the items, an empty message, then the
// result, the end, and the close. The handshake's headers are the call's
// metadata.
func TestWebSocketClientStream(t *testing.T) {
	url := wsServe(t, func(s *stdhttp.Service) { stdhttp.HandleClientStream(s, "Sum", sum) })
	c := wsDial(t, url+"/Dev/Sum", http.Header{"X-Tenant": {"acme"}})
	c.send(`{"n":1}`, `{"n":2}`, `{"n":3}`, "")
	if got, want := c.recv(), `{"result":{"count":3,"total":6,"tenant":"acme"}}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got := c.recv(); got != `{"end":true}` {
		t.Errorf("after the result: %s", got)
	}
	if code := c.closed(); code != ws.StatusNormalClosure {
		t.Errorf("closed with %v", code)
	}
}

// The server's error after items, a bad item, a binary message and a
// message after the end each end the stream with a last {"error":…}
// message, then a close with 1000.
func TestWebSocketErrors(t *testing.T) {
	url := wsServe(t, func(s *stdhttp.Service) {
		stdhttp.HandleBidiStream(s, "Fail", func(ctx context.Context, in iter.Seq[reading]) iter.Seq2[reading, error] {
			return func(yield func(reading, error) bool) {
				for r := range in {
					if r.N < 0 {
						yield(reading{}, stdrpc.Errorf(stdrpc.NotFound, "no reading %d", r.N))
						return
					}
					if !yield(r, nil) {
						return
					}
				}
				<-ctx.Done() // until the client's side fails the call
			}
		})
	})
	type wireErr struct{ Code, Message string }
	lastError := func(c *wsClient) wireErr {
		t.Helper()
		var last struct{ Error *wireErr }
		if err := json.Unmarshal([]byte(c.recv()), &last); err != nil || last.Error == nil {
			t.Fatalf("last message not an error: %v", err)
		}
		if code := c.closed(); code != ws.StatusNormalClosure {
			t.Errorf("closed with %v after the error", code)
		}
		return *last.Error
	}
	for _, tc := range []struct {
		name  string
		send  func(c *wsClient)
		items int
		code  string
		says  string
	}{
		{"error after items", func(c *wsClient) { c.send(`{"n":1}`, `{"n":2}`, `{"n":-3}`) }, 2, "not_found", "no reading -3"},
		{"bad item", func(c *wsClient) { c.send(`{"n":1}`, `{"n":"two"}`) }, 1, "invalid_argument", "request message 2"},
		{"binary", func(c *wsClient) {
			c.send(`{"n":1}`)
			c.c.WriteMessage(c.ctx, ws.Binary, []byte(`{"n":2}`))
		}, 1, "invalid_argument", "message 2 is binary"},
		{"blank", func(c *wsClient) { c.send(" ") }, 0, "invalid_argument", "blank"},
		{"after the end", func(c *wsClient) { c.send(`{"n":1}`, "", `{"n":2}`) }, 1, "invalid_argument", "after the empty one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := wsDial(t, url+"/Dev/Fail", nil)
			tc.send(c)
			for i := range tc.items {
				if got := c.recv(); !strings.HasPrefix(got, `{"result":`) {
					t.Fatalf("message %d: %s, want an item", i+1, got)
				}
			}
			if e := lastError(c); e.Code != tc.code || !strings.Contains(e.Message, tc.says) {
				t.Errorf("last message %+v, want %s saying %q", e, tc.code, tc.says)
			}
		})
	}
}

// A method that panics mid-stream ends it with internal, and the server
// goes on serving.
func TestWebSocketPanic(t *testing.T) {
	url := wsServe(t, func(s *stdhttp.Service) {
		stdhttp.HandleBidiStream(s, "Boom", func(ctx context.Context, in iter.Seq[reading]) iter.Seq2[reading, error] {
			return func(yield func(reading, error) bool) {
				for r := range in {
					if r.N == 2 {
						panic("boom")
					}
					yield(r, nil)
				}
			}
		})
	})
	for range 2 {
		c := wsDial(t, url+"/Dev/Boom", nil)
		c.send(`{"n":1}`, `{"n":2}`)
		if got := c.recv(); got != `{"result":{"n":1}}` {
			t.Errorf("first: %s", got)
		}
		if got := c.recv(); !strings.HasPrefix(got, `{"error":{"code":"internal"`) {
			t.Errorf("after the panic: %s, want an internal error", got)
		}
		if code := c.closed(); code != ws.StatusNormalClosure {
			t.Errorf("closed with %v", code)
		}
	}
}

// A message over the service's limit closes the connection with 1009,
// naming the limit, and fails the call with resource_exhausted.
func TestWebSocketLimit(t *testing.T) {
	ended := make(chan error, 1)
	url := wsServe(t, func(s *stdhttp.Service) { stdhttp.HandleClientStream(s, "Sum", sum) },
		stdhttp.WithMaxBodyBytes(64),
		stdhttp.WithInterceptors(func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
			err := next(ctx)
			ended <- err
			return err
		}))
	c := wsDial(t, url+"/Dev/Sum", nil)
	c.send(`{"n":1}`, `{"n":2,"note":"`+strings.Repeat("x", 64)+`"}`)
	_, _, err := c.c.ReadMessage(c.ctx)
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusMessageTooBig || !strings.Contains(ce.Reason, "64-byte limit") {
		t.Errorf("after a message over the limit: %v, want close 1009 naming the limit", err)
	}
	select {
	case err := <-ended:
		if stdrpc.CodeOf(err) != stdrpc.ResourceExhausted || !strings.Contains(err.Error(), "message 2") {
			t.Errorf("the call ended with %v, want resource_exhausted for message 2", err)
		}
	case <-time.After(within):
		t.Fatal("the method did not return")
	}
}

// A client that closes the WebSocket, before or after ending its side,
// cancels the call; one that reads nothing makes the producer block until
// the write timeout ends the call.
func TestWebSocketCancel(t *testing.T) {
	returned := make(chan error, 4)
	url := wsServe(t, func(s *stdhttp.Service) {
		stdhttp.HandleBidiStream(s, "Wait", func(ctx context.Context, in iter.Seq[reading]) iter.Seq2[reading, error] {
			return func(yield func(reading, error) bool) {
				for r := range in {
					if !yield(r, nil) {
						returned <- ctx.Err()
						return
					}
				}
				<-ctx.Done()
				returned <- context.Cause(ctx)
			}
		})
		stdhttp.HandleBidiStream(s, "Flood", func(ctx context.Context, in iter.Seq[reading]) iter.Seq2[reading, error] {
			return func(yield func(reading, error) bool) {
				for i := 0; ; i++ { // until the client stops the call
					if !yield(reading{N: i, Note: strings.Repeat("x", 1000)}, nil) {
						returned <- nil
						return
					}
				}
			}
		})
	}, stdhttp.WithWriteTimeout(200*time.Millisecond))
	wait := func(what string) error {
		t.Helper()
		select {
		case err := <-returned:
			return err
		case <-time.After(within):
			t.Fatalf("%s: the method did not return", what)
			return nil
		}
	}

	c := wsDial(t, url+"/Dev/Wait", nil)
	c.send(`{"n":1}`)
	c.recv()
	c.c.Close(ws.StatusGoingAway, "tab closed")
	if err := wait("closed while sending"); err == nil {
		t.Error("the method's context was not canceled")
	}

	c = wsDial(t, url+"/Dev/Wait", nil)
	c.send(`{"n":1}`, "")
	c.recv()
	c.c.Close(ws.StatusGoingAway, "tab closed")
	if err := wait("closed after its end"); stdrpc.CodeOf(err) != stdrpc.Canceled || !strings.Contains(err.Error(), "closed the WebSocket") {
		t.Errorf("the call ended with %v, want canceled by the client's close", err)
	}

	wsDial(t, url+"/Dev/Flood", nil) // reads nothing
	wait("a client that reads nothing")
}

// Pages of another origin are refused unless WithCORS lists them; a listed
// page's cookies reach the method only with CORS.Credentials, as for a
// fetch.
func TestWebSocketOrigins(t *testing.T) {
	cookie := func(s *stdhttp.Service) {
		stdhttp.HandleClientStream(s, "Cookie", func(ctx context.Context, in iter.Seq[reading]) (string, error) {
			for range in {
			}
			return stdrpc.Incoming(ctx).Get("Cookie"), nil
		})
	}
	call := func(url string, h http.Header) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), within)
		defer cancel()
		c, err := ws.Dial(ctx, url+"/Dev/Cookie", h)
		if err != nil {
			return "", err
		}
		defer c.Close(ws.StatusNormalClosure, "")
		if err := c.WriteMessage(ctx, ws.Text, nil); err != nil {
			return "", err
		}
		_, msg, err := c.ReadMessage(ctx)
		return string(msg), err
	}
	page := http.Header{"Origin": {"https://app.example.com"}, "Cookie": {"session=s3cret"}}

	url := wsServe(t, cookie)
	if _, err := call(url, page); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("a page of another origin, no CORS: %v, want 403", err)
	}
	same := http.Header{"Origin": {"http" + strings.TrimPrefix(url, "ws")}, "Cookie": {"session=s3cret"}}
	if got, err := call(url, same); err != nil || got != `{"result":"session=s3cret"}` {
		t.Errorf("a page of the server's origin: %s, %v; want its cookie through", got, err)
	}

	url = wsServe(t, cookie, stdhttp.WithCORS(stdhttp.CORS{Origins: []string{"https://app.example.com"}}))
	if got, err := call(url, page); err != nil || got != `{"result":""}` {
		t.Errorf("a listed page without Credentials: %s, %v; want in, without its cookie", got, err)
	}
	if _, err := call(url, http.Header{"Origin": {"https://evil.example.com"}}); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("a page not listed: %v, want 403", err)
	}
	url = wsServe(t, cookie, stdhttp.WithCORS(stdhttp.CORS{Origins: []string{"https://app.example.com"}, Credentials: true}))
	if got, err := call(url, page); err != nil || got != `{"result":"session=s3cret"}` {
		t.Errorf("a listed page with Credentials: %s, %v; want its cookie through", got, err)
	}
}

// A page in headless Chromium calls a bidirectional stream, item by item,
// and a client stream, as the package documentation shows, and reports
// every message it got and how the WebSocket closed.
func TestWebSocketChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Chromium")
	}
	page, err := os.ReadFile(filepath.Join("testdata", "wspage.html"))
	if err != nil {
		t.Fatal(err)
	}
	reports := make(chan []byte, 1)
	mux := http.NewServeMux()
	s := stdhttp.NewService(mux, "Dev")
	stdhttp.HandleBidiStream(s, "Echo", echo)
	stdhttp.HandleClientStream(s, "Sum", sum)
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
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
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	testenv.Chromium(t, srv.URL+"/page")

	var got struct {
		Error     string
		Echo, Sum struct {
			Messages []json.RawMessage
			Code     int
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
	join := func(ms []json.RawMessage) string {
		var b strings.Builder
		for _, m := range ms {
			b.Write(m)
			b.WriteByte('\n')
		}
		return b.String()
	}
	if want := `{"result":{"n":2,"note":"ü"}}` + "\n" + `{"result":{"n":4}}` + "\n" + `{"result":{"n":6}}` + "\n" + `{"end":true}` + "\n"; join(got.Echo.Messages) != want || got.Echo.Code != 1000 {
		t.Errorf("the bidirectional stream gave the page\n%sclosed %d; want\n%sclosed 1000", join(got.Echo.Messages), got.Echo.Code, want)
	}
	if want := `{"result":{"count":4,"total":10}}` + "\n" + `{"end":true}` + "\n"; join(got.Sum.Messages) != want || got.Sum.Code != 1000 {
		t.Errorf("the client stream gave the page\n%sclosed %d; want\n%sclosed 1000", join(got.Sum.Messages), got.Sum.Code, want)
	}
}

// Large messages are charged to WithBodyBudget while the method has them:
// one the budget has no room for closes its WebSocket with 1013 and fails
// its call with unavailable, and the server goes on serving.
func TestWebSocketBudget(t *testing.T) {
	const limit = 64 << 10
	got := make(chan int, 4)
	hold := make(chan struct{})
	ended := make(chan error, 4)
	url := wsServe(t, func(s *stdhttp.Service) {
		stdhttp.HandleClientStream(s, "Hold", func(ctx context.Context, in iter.Seq[reading]) (int, error) {
			n := 0
			for r := range in {
				got <- len(r.Note)
				<-hold // keeps the message, and its room, until the test lets go
				n++
			}
			return n, ctx.Err()
		})
	}, stdhttp.WithMaxBodyBytes(limit), stdhttp.WithBodyBudget(limit),
		stdhttp.WithInterceptors(func(ctx context.Context, call stdrpc.CallInfo, next func(context.Context) error) error {
			err := next(ctx)
			ended <- err
			return err
		}))
	big := `{"n":1,"note":"` + strings.Repeat("x", 60<<10) + `"}`

	a := wsDial(t, url+"/Dev/Hold", nil)
	a.send(big)
	<-got
	b := wsDial(t, url+"/Dev/Hold", nil)
	b.send(big)
	if code := b.closed(); code != ws.StatusTryAgainLater {
		t.Errorf("a message past the budget: closed with %v, want 1013", code)
	}
	if err := <-ended; stdrpc.CodeOf(err) != stdrpc.Unavailable || !strings.Contains(err.Error(), "budget") {
		t.Errorf("its call ended with %v, want unavailable naming the budget", err)
	}
	close(hold)
	a.send(big, "")
	if got := a.recv(); got != `{"result":2}` {
		t.Errorf("once the first message was done with, the same again: %s, want both read", got)
	}
}
