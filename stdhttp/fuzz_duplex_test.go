package stdhttp_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stdrpc/stdrpc/stdhttp"
)

// FuzzRequestLines feeds a client stream arbitrary NDJSON request bodies.
// Whatever the bytes, the server must answer the count of the items, or
// the error of the first line that is too long (413) or does not decode
// (400), naming that line; and it must go on serving.
func FuzzRequestLines(f *testing.F) {
	f.Add("{\"n\":1}\n{\"n\":2}\n")
	f.Add("{\"n\":1}\r\n\r\n{\"n\":2}")
	f.Add("{\"n\":1}\n{\"n\":\"x\"}\n{\"n\":3}\n")
	f.Add("{\"n\":1,}\n")
	f.Add("null\n[1]\n")
	f.Add("{\"note\":\"" + strings.Repeat("x", 80) + "\"}\n")
	f.Add("{\"n\":1} {\"n\":2}\n")
	f.Add("\n\n  \n")
	f.Add("{\"n\":1}\n{\"note\":\"\xff\"}\n")
	const limit = 64
	mux := http.NewServeMux()
	s := stdhttp.NewService(mux, "Dev", stdhttp.WithMaxBodyBytes(limit))
	stdhttp.HandleClientStream(s, "Sum", sum)
	f.Fuzz(func(t *testing.T, body string) {
		// What the server must say, worked out line by line.
		wantStatus, wantLine, count := http.StatusOK, 0, 0
		lines := strings.Split(body, "\n")
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1] // the newline ends the last line
		}
		for i, l := range lines {
			content := l
			if i < len(lines)-1 || strings.HasSuffix(body, "\n") {
				content = strings.TrimSuffix(l, "\r") // \r\n ends it, and is not counted
			}
			if len(content) > limit {
				wantStatus, wantLine = http.StatusRequestEntityTooLarge, i+1
				break
			}
			if len(bytes.TrimSpace([]byte(l))) == 0 {
				continue
			}
			var r reading
			if json.Unmarshal([]byte(l), &r) != nil {
				wantStatus, wantLine = http.StatusBadRequest, i+1
				break
			}
			count++
		}

		req := httptest.NewRequest(http.MethodPost, "/Dev/Sum", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-ndjson")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		got := rec.Body.String()
		if rec.Code != wantStatus {
			t.Fatalf("status %d, want %d: %s", rec.Code, wantStatus, got)
		}
		if wantStatus == http.StatusOK {
			var s summary
			if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil || s.Count != count {
				t.Fatalf("result %s, want a count of %d", got, count)
			}
			return
		}
		at := "request line " + strconv.Itoa(wantLine)
		if i := strings.Index(got, at); i < 0 || i+len(at) < len(got) && got[i+len(at)] >= '0' && got[i+len(at)] <= '9' {
			t.Fatalf("error %s does not name line %d", got, wantLine)
		}
	})
}

// TestRequestLongLines: lines longer than the server's read buffer are
// assembled whole, up to the limit exactly, with and without a newline at
// the end of the body; one byte more is refused naming the line.
func TestRequestLongLines(t *testing.T) {
	const limit = 12000
	mux := http.NewServeMux()
	s := stdhttp.NewService(mux, "Dev", stdhttp.WithMaxBodyBytes(limit))
	stdhttp.HandleClientStream(s, "Sum", sum)
	line := func(n int) string { // a reading whose JSON is n bytes long
		const head, tail = `{"n":1,"note":"`, `"}`
		return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
	}
	post := func(body string) (int, string) {
		req := httptest.NewRequest(http.MethodPost, "/Dev/Sum", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-ndjson")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	sizes := []int{4095, 4096, 4097, 8191, 8193, limit - 1, limit}
	var body strings.Builder
	for _, n := range sizes {
		body.WriteString(line(n) + "\n")
	}
	for _, end := range []string{"\n", "\r\n", ""} {
		b := body.String() + line(limit) + end
		if code, got := post(b); code != http.StatusOK || !strings.Contains(got, `"count":8,"total":8`) {
			t.Errorf("lines up to the limit, ending %q: %d %.200s", end, code, got)
		}
	}
	for _, end := range []string{"\n", "\r\n", ""} {
		b := body.String() + line(limit+1) + end
		if code, got := post(b); code != http.StatusRequestEntityTooLarge || !strings.Contains(got, "request line 8 is longer than this server's limit of 12000 bytes") {
			t.Errorf("a line over the limit, ending %q: %d %.200s", end, code, got)
		}
	}
}
