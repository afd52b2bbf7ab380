package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/internal/testenv"
)

var screenshots = flag.String("screenshots", "", "write the browser tests' screenshots to this `directory`")

// Expressions the tests read the page with.
const (
	statusText  = `document.getElementById("status").textContent`
	statusState = `document.getElementById("status").className`
	emptyText   = `(e => e.hidden ? "" : e.textContent)(document.getElementById("empty"))`
	listText    = `document.getElementById("messages").textContent`
	// The messages shown, as "user: text" lines.
	listLines = `JSON.stringify([...document.querySelectorAll("#messages .msg")].map(li =>
		li.querySelector(".user").textContent + ": " + li.querySelector(".text").textContent))`
)

func findChromium(t *testing.T) string {
	t.Helper()
	return testenv.LookPath(t, "apt-get install chromium", "chromium", "chromium-browser", "google-chrome")
}

// TestPageShowsFirstMessage loads the page as a reader in Germany on India
// time would, before and after its stream opens, receives a message from
// someone else and sends one through the form, then checks the
// screenshots on a desktop and on a phone: what the status says, the
// messages with their times in the reader's locale and zone, a layout
// that fits, and nothing wrong in the console or the server's log.
func TestPageShowsFirstMessage(t *testing.T) {
	chromium := findChromium(t)
	srv := startServer(t, "127.0.0.1:0", newHub(), true)
	b := startBrowser(t, chromium)
	p := b.newPage("de-DE", "Asia/Kolkata")
	p.navigate(srv.url + "/?room=release&user=Ann")

	// Until the stream opens the page says so, rather than showing an
	// empty room.
	p.waitFor(`document.readyState`, "complete")
	var before struct{ Status, State, Empty, Room string }
	p.evalJSON(`JSON.stringify({status: `+statusText+`, state: `+statusState+`,
		empty: `+emptyText+`, room: document.querySelector("h1").textContent})`, &before)
	if before.Status != "Connecting…" || before.State != "connecting" || before.Empty != "Loading recent messages…" || before.Room != "#release" {
		t.Errorf("before the stream opens the page shows %+v, want room #release, Connecting… and Loading recent messages…", before)
	}
	p.screenshot("1-connecting")
	srv.release()
	p.waitFor(statusText, "Live")
	p.waitFor(emptyText, "No messages yet. Say hello!")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := NewChatHTTPClient(srv.url).Send(ctx, "release", "Bob", "Is the build green?"); err != nil {
		t.Fatal(err)
	}
	p.waitFor(listText, "Is the build green?")
	p.eval(`document.getElementById("text").value = "Yes, and the screenshots look right.";
		document.querySelector("#send button").click()`)
	p.waitFor(listText, "the screenshots look right.")
	p.waitFor(`document.getElementById("text").value === ""`, "true") // cleared once sent

	var lines []string
	p.evalJSON(listLines, &lines)
	if want := []string{"Bob: Is the build green?", "Ann: Yes, and the screenshots look right."}; !slices.Equal(lines, want) {
		t.Errorf("messages shown: %q, want %q", lines, want)
	}
	if got := p.eval(`document.querySelector("#messages .msg:last-child").className`); got != "msg mine" {
		t.Errorf("the reader's own message has class %q, want %q", got, "msg mine")
	}
	if got := p.eval(emptyText); got != "" {
		t.Errorf("with messages shown the page still says %q", got)
	}

	// Times in the reader's locale (de-DE: 24 hours) and zone (UTC+05:30).
	var times []struct{ DateTime, Text string }
	p.evalJSON(`JSON.stringify([...document.querySelectorAll("#messages time")].map(e =>
		({dateTime: e.dateTime, text: e.textContent})))`, &times)
	india := time.FixedZone("IST", 5*3600+30*60)
	for _, tm := range times {
		at, err := time.Parse(time.RFC3339Nano, tm.DateTime)
		if err != nil {
			t.Fatalf("time element: %v", err)
		}
		if want := at.In(india).Format("15:04"); tm.Text != want {
			t.Errorf("a message sent at %s shows %q, want %q", tm.DateTime, tm.Text, want)
		}
	}
	if len(times) != 2 {
		t.Errorf("%d time elements, want one per message", len(times))
	}

	checkScreenshot(t, p, p.screenshot("2-desktop"), "live")

	// A phone, in dark mode: the viewport tag makes the page as wide as
	// the screen, and nothing sticks out sideways.
	p.viewport(390, 844, 3, true)
	p.colorScheme("dark")
	var phone struct{ InnerWidth, ScrollWidth int }
	p.evalJSON(`JSON.stringify({innerWidth: innerWidth, scrollWidth: document.documentElement.scrollWidth})`, &phone)
	if phone.InnerWidth != 390 || phone.ScrollWidth > 390 {
		t.Errorf("on a 390-pixel phone the page is %d pixels wide with %d of content, want 390 and no more",
			phone.InnerWidth, phone.ScrollWidth)
	}
	checkScreenshot(t, p, p.screenshot("3-phone-dark"), "live")

	for _, problem := range p.problems() {
		t.Errorf("page: %s", problem)
	}
	for _, r := range srv.failures() {
		t.Errorf("server answered %s", r)
	}
}

// checkScreenshot checks what img shows: it has the page's size, the
// status dot has its state's colour, and the form and the last message are
// on screen with text drawn in them.
func checkScreenshot(t *testing.T, p *page, img image.Image, state string) {
	t.Helper()
	size := img.Bounds().Size()
	if want := (image.Point{int(float64(p.width) * p.scale), int(float64(p.height) * p.scale)}); size != want {
		t.Errorf("screenshot is %v pixels, want %v", size, want)
	}
	at := func(x, y float64) color.RGBA {
		r, g, b, _ := img.At(int(x*p.scale), int(y*p.scale)).RGBA()
		return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 255}
	}
	dot := p.box("#status .dot")
	c := at((dot.Left+dot.Right)/2, (dot.Top+dot.Bottom)/2)
	green := c.G > 120 && int(c.G) > int(c.R)+50 && int(c.G) > int(c.B)+40
	if want := state == "live"; green != want {
		t.Errorf("status dot is %v on screen (green: %v), want green: %v for %s", c, green, want, state)
	}
	for _, sel := range []string{"#send", "#messages .msg:last-child"} {
		r := p.box(sel)
		if r.Left < 0 || r.Top < 0 || r.Right > float64(p.width) || r.Bottom > float64(p.height) || r.Right <= r.Left {
			t.Errorf("%s at %+v is not wholly on the %d×%d screen", sel, r, p.width, p.height)
			continue
		}
		// Text is drawn: a share of the pixels inside the box (its border
		// left out) differ from its background, sampled in a corner.
		bg := at(r.Left+3, r.Top+3)
		ink, all := 0, 0
		for y := r.Top + 3; y < r.Bottom-3; y++ {
			for x := r.Left + 3; x < r.Right-3; x++ {
				all++
				if d := at(x, y); diff(d.R, bg.R)+diff(d.G, bg.G)+diff(d.B, bg.B) > 96 {
					ink++
				}
			}
		}
		if all == 0 || ink*100 < all {
			t.Errorf("%s looks blank on screen: %d of %d pixels differ from its background %v", sel, ink, all, bg)
		}
	}
}

func diff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// TestPageNeedsAName checks that the page sends nothing without a name,
// remembers the name given across a reload, and that the reloaded page,
// a new subscriber, shows the room's earlier messages.
func TestPageNeedsAName(t *testing.T) {
	chromium := findChromium(t)
	srv := startServer(t, "127.0.0.1:0", newHub(), false)
	b := startBrowser(t, chromium)
	p := b.newPage("en-US", "UTC")
	p.navigate(srv.url + "/?room=names")
	p.waitFor(statusText, "Live")

	p.eval(`document.getElementById("text").value = "anyone here?";
		document.querySelector("#send button").click()`)
	if got := p.eval(`document.getElementById("user").matches(":invalid") && document.activeElement.id`); got != "user" {
		t.Errorf("after sending without a name, the name field is invalid and focused: %q, want %q", got, "user")
	}
	time.Sleep(300 * time.Millisecond) // a send would have reached the server by now
	if posts := srv.count("POST "); posts != 0 {
		t.Errorf("the page sent %d messages without a name", posts)
	}

	p.eval(`document.getElementById("user").value = "  Cleo ";
		document.querySelector("#send button").click()`)
	p.waitFor(listLines, "Cleo: anyone here?")

	p.reload()
	p.waitFor(statusText, "Live")
	p.waitFor(listLines, "Cleo: anyone here?") // the room's history, sent on joining
	if got := p.eval(`document.getElementById("user").value`); got != "Cleo" {
		t.Errorf("after a reload the name field holds %q, want Cleo", got)
	}
	var lines []string
	p.evalJSON(listLines, &lines)
	if want := []string{"Cleo: anyone here?"}; !slices.Equal(lines, want) {
		t.Errorf("after a reload the page shows %q, want %q", lines, want)
	}
	for _, problem := range p.problems() {
		t.Errorf("page: %s", problem)
	}
	for _, r := range srv.failures() {
		t.Errorf("server answered %s", r)
	}
}

// TestPageReconnects stops the server under an open page and starts
// another on the same address, twice: first with the same rooms (the page
// catches up on what it missed, without repeating what it shows), then
// with empty ones, as a restarted process has. The page says what is
// happening throughout and carries on.
func TestPageReconnects(t *testing.T) {
	chromium := findChromium(t)
	chat := newHub()
	srv := startServer(t, "127.0.0.1:0", chat, false)
	b := startBrowser(t, chromium)
	p := b.newPage("en-US", "UTC")
	p.navigate(srv.url + "/?room=restarts&user=Dee")
	p.waitFor(statusText, "Live")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	send := func(srv *testServer, user, text string) {
		t.Helper()
		if err := NewChatHTTPClient(srv.url).Send(ctx, "restarts", user, text); err != nil {
			t.Fatal(err)
		}
	}
	send(srv, "Dee", "one")
	p.waitFor(listText, "one")

	srv.stop()
	p.waitFor(statusState, "reconnecting")
	checkScreenshot(t, p, p.screenshot("4-reconnecting"), "reconnecting")
	chat.Send(ctx, "restarts", "Eve", "sent while you were away")
	srv = startServer(t, srv.addr, chat, false)
	p.waitFor(statusText, "Live")
	p.waitFor(listText, "sent while you were away")

	srv.stop()
	p.waitFor(statusState, "reconnecting")
	srv = startServer(t, srv.addr, newHub(), false)
	p.waitFor(statusText, "Live")
	send(srv, "Eve", "back after a restart")
	p.waitFor(listText, "back after a restart")

	var lines []string
	p.evalJSON(listLines, &lines)
	want := []string{"Dee: one", "Eve: sent while you were away", "Eve: back after a restart"}
	if !slices.Equal(lines, want) {
		t.Errorf("messages shown: %q, want %q", lines, want)
	}
	checkScreenshot(t, p, p.screenshot("5-after-restart"), "live")
}

// testServer serves the chat as main does, on a loopback address, and
// notes every request and its status.
type testServer struct {
	addr, url string
	stop      func() // ends the streams and stops serving, as an interrupt does
	gate      chan struct{}
	release   func() // lets event streams open, if startServer held them

	mu       sync.Mutex
	requests []string // "GET /path 200"
}

// startServer serves chat on addr. With hold, event streams wait until
// release is called.
func startServer(t *testing.T, addr string, chat *hub, hold bool) *testServer {
	t.Helper()
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{addr: lis.Addr().String(), url: "http://" + lis.Addr().String(), gate: make(chan struct{})}
	s.release = sync.OnceFunc(func() { close(s.gate) })
	if !hold {
		s.release()
	}
	handler := newHandler(chat)
	record := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/rooms/") {
			select {
			case <-s.gate:
			case <-r.Context().Done():
				return
			}
		}
		rec := &recorder{ResponseWriter: w}
		handler.ServeHTTP(rec, r)
		s.mu.Lock()
		s.requests = append(s.requests, fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, rec.status))
		s.mu.Unlock()
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, lis, record, chat.endSubscriptions) }()
	s.stop = sync.OnceFunc(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	t.Cleanup(s.stop)
	return s
}

// failures returns the requests answered with a status of 400 or more.
func (s *testServer) failures() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.requests {
		if status, _ := strconv.Atoi(r[strings.LastIndexByte(r, ' ')+1:]); status >= 400 {
			out = append(out, r)
		}
	}
	return out
}

// count returns how many requests began with prefix ("POST ").
func (s *testServer) count(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

// recorder notes the status a handler sends. Unwrap lets
// http.ResponseController flush the stream through it.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
