package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// browser speaks the Chrome DevTools Protocol over --remote-debugging-pipe:
// NUL-terminated JSON messages, commands on fd 3 and replies on fd 4, so no
// WebSocket client is needed.
type browser struct {
	t      *testing.T
	in     *os.File
	out    *bufio.Reader
	next   int
	events []event // what the browser reported while the test waited for replies
}

type event struct {
	Session string          `json:"sessionId"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

type page struct {
	b       *browser
	session string
	width   int // the viewport, in CSS pixels
	height  int
	scale   float64 // device pixels per CSS pixel
}

func startBrowser(t *testing.T, chromium string) *browser {
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: Chromium's helper processes may still be writing the
	// profile when the test's own cleanup would remove it.
	profile, err := os.MkdirTemp("", "stdrpc-chat-browser-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir="+profile, "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{cmdR, outW} // fd 3: commands in, fd 4: replies out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmdR.Close()
	outW.Close()
	b := &browser{t: t, in: cmdW, out: bufio.NewReader(outR)}
	t.Cleanup(func() {
		// Ask the browser to close, so that it stops its helper processes,
		// and kill it only if it does not exit in time.
		b.send("", "Browser.close", map[string]any{})
		cmdW.Close()
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		for range 50 { // helpers may still be finishing their writes
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("could not remove the browser profile %s", profile)
	})
	return b
}

// send writes one command and returns its id.
func (b *browser) send(session, method string, params any) (int, error) {
	b.next++
	cmd := map[string]any{"id": b.next, "method": method, "params": params}
	if session != "" {
		cmd["sessionId"] = session
	}
	msg, _ := json.Marshal(cmd)
	_, err := b.in.Write(append(msg, 0))
	return b.next, err
}

// call sends a command and waits for its reply, keeping the events that
// arrive meanwhile.
func (b *browser) call(session, method string, params any, result any) {
	b.t.Helper()
	id, err := b.send(session, method, params)
	if err != nil {
		b.t.Fatalf("%s: %v", method, err)
	}
	for {
		raw, err := b.out.ReadBytes(0)
		if err != nil {
			b.t.Fatalf("%s: reading reply: %v", method, err)
		}
		raw = raw[:len(raw)-1]
		var reply struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct{ Message string }
		}
		if err := json.Unmarshal(raw, &reply); err != nil {
			b.t.Fatalf("%s: %v", method, err)
		}
		if reply.ID == 0 {
			var ev event
			if json.Unmarshal(raw, &ev) == nil {
				b.events = append(b.events, ev)
			}
			continue
		}
		if reply.ID != id {
			continue // a reply to a command sent without waiting
		}
		if reply.Error != nil {
			b.t.Fatalf("%s: %s", method, reply.Error.Message)
		}
		if result != nil {
			if err := json.Unmarshal(reply.Result, result); err != nil {
				b.t.Fatalf("%s: %v", method, err)
			}
		}
		return
	}
}

// newPage opens a blank tab that reports console messages and uses the
// given locale and time zone, as a reader's browser would.
func (b *browser) newPage(locale, timezone string) *page {
	var target struct{ TargetID string }
	b.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct{ SessionID string }
	b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	p := &page{b: b, session: attached.SessionID}
	for _, domain := range []string{"Runtime", "Log", "Page"} {
		b.call(p.session, domain+".enable", map[string]any{}, nil)
	}
	b.call(p.session, "Emulation.setLocaleOverride", map[string]any{"locale": locale}, nil)
	b.call(p.session, "Emulation.setTimezoneOverride", map[string]any{"timezoneId": timezone}, nil)
	p.viewport(1024, 700, 1, false)
	return p
}

// viewport sets the page's size in CSS pixels, its device pixel ratio,
// and whether it is a phone (which honours the page's viewport tag).
func (p *page) viewport(width, height int, scale float64, mobile bool) {
	p.width, p.height, p.scale = width, height, scale
	p.b.call(p.session, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile,
	}, nil)
	p.b.call(p.session, "Emulation.setTouchEmulationEnabled", map[string]any{"enabled": mobile}, nil)
}

// colorScheme makes the page see prefers-color-scheme as scheme.
func (p *page) colorScheme(scheme string) {
	p.b.call(p.session, "Emulation.setEmulatedMedia", map[string]any{
		"features": []map[string]string{{"name": "prefers-color-scheme", "value": scheme}},
	}, nil)
}

func (p *page) navigate(url string) {
	p.b.call(p.session, "Page.navigate", map[string]any{"url": url}, nil)
}

func (p *page) reload() {
	p.b.call(p.session, "Page.reload", map[string]any{}, nil)
}

// eval runs a JavaScript expression in the page and returns its value as
// text ("" while it throws, e.g. before the page has loaded).
func (p *page) eval(expr string) string {
	var r struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		ExceptionDetails any `json:"exceptionDetails"`
	}
	p.b.call(p.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &r)
	if r.ExceptionDetails != nil || r.Result.Value == nil {
		return ""
	}
	return fmt.Sprint(r.Result.Value)
}

// evalJSON runs expr, whose value must be JSON.stringify(something), and
// decodes the result into v.
func (p *page) evalJSON(expr string, v any) {
	p.b.t.Helper()
	s := p.eval(expr)
	if err := json.Unmarshal([]byte(s), v); err != nil {
		p.b.t.Fatalf("%s = %q: %v", expr, s, err)
	}
}

// waitFor waits until the expression's value contains want.
func (p *page) waitFor(expr, want string) {
	p.b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		if got = p.eval(expr); strings.Contains(got, want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	status := p.eval(`document.getElementById("status").textContent`)
	p.b.t.Fatalf("page never showed %q; %s = %q (status %q)", want, expr, got, status)
}

// screenshot captures what the page shows, writes it to the -screenshots
// directory if one is given, and returns it.
func (p *page) screenshot(name string) image.Image {
	p.b.t.Helper()
	var shot struct{ Data string }
	p.b.call(p.session, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot)
	raw, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		p.b.t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		p.b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if *screenshots != "" {
		file := filepath.Join(*screenshots, name+".png")
		if err := os.WriteFile(file, raw, 0o644); err != nil {
			p.b.t.Fatal(err)
		}
		p.b.t.Logf("screenshot: %s", file)
	}
	return img
}

// problems returns what the page reported as wrong: uncaught exceptions,
// console errors and warnings, and the browser's own log errors (such as
// a resource that failed to load).
func (p *page) problems() []string {
	p.eval("0") // collect the events that arrived since the last command
	var out []string
	for _, ev := range p.b.events {
		if ev.Session != p.session {
			continue
		}
		switch ev.Method {
		case "Runtime.exceptionThrown":
			var e struct {
				ExceptionDetails struct {
					Text      string
					Exception struct{ Description string }
				}
			}
			json.Unmarshal(ev.Params, &e)
			out = append(out, "exception: "+e.ExceptionDetails.Text+" "+e.ExceptionDetails.Exception.Description)
		case "Runtime.consoleAPICalled":
			var e struct {
				Type string
				Args []struct {
					Value       any
					Description string
				}
			}
			json.Unmarshal(ev.Params, &e)
			if e.Type == "error" || e.Type == "warning" || e.Type == "assert" {
				out = append(out, fmt.Sprintf("console.%s: %v", e.Type, e.Args))
			}
		case "Log.entryAdded":
			var e struct {
				Entry struct{ Level, Text, URL string }
			}
			json.Unmarshal(ev.Params, &e)
			if e.Entry.Level == "error" || e.Entry.Level == "warning" {
				out = append(out, fmt.Sprintf("log %s: %s %s", e.Entry.Level, e.Entry.Text, e.Entry.URL))
			}
		}
	}
	return out
}

// box is an element's place on the page, in CSS pixels.
type box struct {
	Left, Top, Right, Bottom float64
}

func (p *page) box(selector string) box {
	p.b.t.Helper()
	var r box
	p.evalJSON(`JSON.stringify((r => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom}))(
		document.querySelector(`+jsString(selector)+`).getBoundingClientRect()))`, &r)
	return r
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
