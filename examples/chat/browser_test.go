package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestPageInBrowser loads the chat page in headless Chromium, lets it send a
// message with fetch (?send=), types and sends a second one through the form,
// and waits until both come back through the EventSource stream and are
// rendered.
func TestPageInBrowser(t *testing.T) {
	chromium := findChromium(t)
	srv := httptest.NewServer(newHandler(newHub()))
	// A cleanup, not a defer: cleanups run last-in first-out, so the
	// browser (registered after) is gone before Close waits for its open
	// event stream to end.
	t.Cleanup(srv.Close)

	b := startBrowser(t, chromium)
	page := b.open(srv.URL + "/?room=browser&user=ann&send=hello+from+fetch")

	const list = `document.getElementById("messages").textContent`
	page.waitFor(list, "annhello from fetch")
	page.eval(`document.getElementById("text").value = "typed in the form";
		document.querySelector("#send button").click()`)
	page.waitFor(list, "annhello from fetchanntyped in the form")
}

func findChromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is required in CI (.ci/run installs Debian's chromium)")
	}
	t.Skip("chromium not installed (apt-get install chromium)")
	return ""
}

// browser speaks the Chrome DevTools Protocol over --remote-debugging-pipe:
// NUL-terminated JSON messages, commands on fd 3 and replies on fd 4, so no
// WebSocket client is needed.
type browser struct {
	t    *testing.T
	cmd  *exec.Cmd
	in   *os.File
	out  *bufio.Reader
	next int
}

type page struct {
	b       *browser
	session string
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
		"--user-data-dir="+profile, "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{cmdR, outW} // fd 3: commands in, fd 4: replies out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmdR.Close()
	outW.Close()
	b := &browser{t: t, cmd: cmd, in: cmdW, out: bufio.NewReader(outR)}
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

func (b *browser) call(session, method string, params any, result any) {
	b.t.Helper()
	if _, err := b.send(session, method, params); err != nil {
		b.t.Fatalf("%s: %v", method, err)
	}
	for {
		raw, err := b.out.ReadBytes(0)
		if err != nil {
			b.t.Fatalf("%s: reading reply: %v", method, err)
		}
		var reply struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct{ Message string }
		}
		if err := json.Unmarshal(raw[:len(raw)-1], &reply); err != nil {
			b.t.Fatalf("%s: %v", method, err)
		}
		if reply.ID != b.next {
			continue // an event, or a reply to an earlier command
		}
		if reply.Error != nil {
			b.t.Fatalf("%s: %s", method, reply.Error.Message)
		}
		if result != nil {
			json.Unmarshal(reply.Result, result)
		}
		return
	}
}

func (b *browser) open(url string) *page {
	var target struct{ TargetID string }
	b.call("", "Target.createTarget", map[string]any{"url": url}, &target)
	var attached struct{ SessionID string }
	b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	return &page{b: b, session: attached.SessionID}
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
