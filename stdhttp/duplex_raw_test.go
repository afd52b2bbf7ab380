package stdhttp_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/stdhttp"
)

// rawConn is an HTTP/1.1 client written on a bare connection: what any
// language can do to speak to a client or bidirectional stream.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, url string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(within))
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

// start sends the request's head, for a chunked body.
func (r *rawConn) start(path string, headers ...string) {
	head := "POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n"
	for _, h := range headers {
		head += h + "\r\n"
	}
	r.write(head + "\r\n")
}

// line sends one line as a chunk of its own.
func (r *rawConn) line(s string) { r.write(fmt.Sprintf("%x\r\n%s\n\r\n", len(s)+1, s)) }

// end sends the last chunk: the client's side is over.
func (r *rawConn) end() { r.write("0\r\n\r\n") }

func (r *rawConn) write(s string) {
	r.t.Helper()
	if _, err := io.WriteString(r.c, s); err != nil {
		r.t.Fatal(err)
	}
}

// response reads the status line and headers.
func (r *rawConn) response() *http.Response {
	r.t.Helper()
	resp, err := http.ReadResponse(r.br, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp
}

// TestBidiStreamRawHTTP1 speaks chunked NDJSON over a bare connection: the
// answer to each line arrives before the next line is sent, and the
// stream's end line after the client's last chunk.
func TestBidiStreamRawHTTP1(t *testing.T) {
	mux := http.NewServeMux()
	s := stdhttp.NewService(mux, "Dev")
	stdhttp.HandleBidiStream(s, "Echo", echo)
	stdhttp.HandleClientStream(s, "Sum", sum)
	url := newServer(t, mux)

	r := dialRaw(t, url)
	r.start("/Dev/Echo")
	r.line(`{"n":1}`)
	resp := r.response()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := bufio.NewReader(resp.Body)
	next := func() string {
		l, err := lines.ReadString('\n')
		if err != nil {
			t.Fatalf("reading a line: %v", err)
		}
		return strings.TrimSuffix(l, "\n")
	}
	if got := next(); got != `{"result":{"n":2}}` {
		t.Fatalf("first line %q", got)
	}
	r.line(`{"n":5,"note":"five"}`)
	if got := next(); got != `{"result":{"n":10,"note":"five"}}` {
		t.Fatalf("second line %q", got)
	}
	r.line("") // a blank line is skipped
	r.end()
	if got := next(); got != `{"end":true}` {
		t.Fatalf("last line %q", got)
	}
	if _, err := lines.ReadString('\n'); err != io.EOF {
		t.Errorf("after the end line: %v, want the body to end", err)
	}

	// A bad line before any item: an ordinary error response, 400.
	r = dialRaw(t, url)
	r.start("/Dev/Sum")
	r.line(`{"n":1}`)
	r.line(`{"n":2,}`)
	resp = r.response()
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"code":"invalid_argument"`) ||
		!strings.Contains(body, `request line 2 is not valid JSON`) {
		t.Errorf("bad line: %d %s", resp.StatusCode, body)
	}

	// A whole body at once, with a Content-Length, as curl --data-binary sends a file.
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	payload := "{\"n\":1}\n{\"n\":2}\r\n{\"n\":3}"
	fmt.Fprintf(c, "POST /Dev/Sum HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-ndjson\r\nContent-Length: %d\r\n\r\n%s", len(payload), payload)
	resp, err = http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != http.StatusOK || strings.TrimSpace(body) != `{"count":3,"total":6}` {
		t.Errorf("whole body: %d %s", resp.StatusCode, body)
	}
}

// TestDuplexServerDeadline: Stdrpc-Timeout-Ms ends the method's context,
// and a range over in waiting for a line that never comes, over HTTP/1.1
// and HTTP/2; the caller gets 504 before any item.
func TestDuplexServerDeadline(t *testing.T) {
	ended := make(serverEnd, 1)
	mux := http.NewServeMux()
	s := stdhttp.NewService(mux, "Dev")
	stdhttp.HandleBidiStream(s, "Wait", func(ctx context.Context, in iter.Seq[reading]) iter.Seq2[reading, error] {
		return func(yield func(reading, error) bool) {
			for range in {
			}
			ended <- ctx.Err()
		}
	})
	url := newServer(t, mux)

	r := dialRaw(t, url)
	r.start("/Dev/Wait", stdhttp.TimeoutHeader+": 100")
	r.line(`{"n":1}`)
	resp := r.response()
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusGatewayTimeout || !strings.Contains(body, "deadline_exceeded") {
		t.Errorf("HTTP/1.1: %d %s", resp.StatusCode, body)
	}
	if err := ended.wait(t); err != context.DeadlineExceeded {
		t.Errorf("HTTP/1.1: the method's context ended with %v", err)
	}

	// HTTP/2, with a body that sends one line and then nothing.
	for _, p := range duplexProtos[1:] {
		url, hc := p.start(t, mux)
		pr, pw := io.Pipe()
		defer pw.Close()
		go io.WriteString(pw, `{"n":1}`+"\n")
		req, _ := http.NewRequest(http.MethodPost, url+"/Dev/Wait", pr)
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set(stdhttp.TimeoutHeader, "100")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if body := readAll(t, resp); resp.StatusCode != http.StatusGatewayTimeout || resp.ProtoMajor != 2 {
			t.Errorf("%s: HTTP/%d %d %s", p.name, resp.ProtoMajor, resp.StatusCode, body)
		}
		if err := ended.wait(t); err != context.DeadlineExceeded {
			t.Errorf("%s: the method's context ended with %v", p.name, err)
		}
	}
}

// TestClientStreamEncodings: a gzip body is read when the service takes
// compressed requests, and refused with 415 otherwise, as for unary calls.
func TestClientStreamEncodings(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	io.WriteString(zw, "{\"n\":1}\n{\"n\":2}\n")
	zw.Close()
	for _, tc := range []struct {
		opts []stdhttp.ServerOption
		want int
	}{
		{nil, http.StatusUnsupportedMediaType},
		{[]stdhttp.ServerOption{stdhttp.WithCompression(1)}, http.StatusOK},
	} {
		mux := http.NewServeMux()
		stdhttp.HandleClientStream(stdhttp.NewService(mux, "Dev", tc.opts...), "Sum", sum)
		req, _ := http.NewRequest(http.MethodPost, newServer(t, mux)+"/Dev/Sum", bytes.NewReader(z.Bytes()))
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Content-Encoding", "gzip")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if body := readAll(t, resp); resp.StatusCode != tc.want || tc.want == http.StatusOK && !strings.Contains(body, `"count":2`) {
			t.Errorf("%d options: %d %s", len(tc.opts), resp.StatusCode, body)
		}
	}
}
