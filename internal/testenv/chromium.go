package testenv

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// installChromium is how a developer or CI gets the browser.
const installChromium = "apt-get install chromium"

// Chromium opens url in headless Chromium, which runs until t ends; a page
// reports what it finds to the test by a request of its own. Without the
// browser it calls Missing.
func Chromium(t *testing.T, url string) {
	t.Helper()
	chromium := LookPath(t, installChromium, "chromium", "chromium-browser", "google-chrome")
	// Not t.TempDir: Chromium's helpers may still be writing the profile
	// when the test's cleanup would remove it.
	profile, err := os.MkdirTemp("", "stdrpc-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, url)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Asked to stop, Chromium stops its helpers; it is killed only if
		// it does not exit in time.
		cmd.Process.Signal(syscall.SIGTERM)
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
}
