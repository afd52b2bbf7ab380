package netrpcx_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"io"
	"net"
	"net/rpc"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"time"

	"github.com/stdrpc/stdrpc"

	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// expectClosed asserts that the server closes conn after it sent its bytes.
func expectClosed(t *testing.T, conn net.Conn) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server did not close the connection")
	}
	if n != 0 {
		t.Fatalf("the server answered %d bytes", n)
	}
}

func TestHostilePeers(t *testing.T) {
	addr, _ := serve(t, &testsvc.Impl{})
	good := testsvc.NewTestNetRPCClient(dial(t, addr))
	ctx := context.Background()
	check := func(when string) {
		t.Helper()
		if sum, err := good.Add(ctx, 2, 3); err != nil || sum != 5 {
			t.Fatalf("%s: a well-behaved client's Add = %d, %v", when, sum, err)
		}
	}
	check("before")

	t.Run("1 GiB length prefix", func(t *testing.T) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)

		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// gob's count for 1<<30: the negated byte count, then 4 bytes.
		if _, err := conn.Write([]byte{0xFC, 0x40, 0x00, 0x00, 0x00, 1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		expectClosed(t, conn)

		runtime.ReadMemStats(&after)
		if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 4<<20 {
			t.Fatalf("the heap grew by %d bytes serving a 1 GiB prefix", grew)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
			t.Fatalf("the server allocated %d bytes serving a 1 GiB prefix", grew)
		}
	})
	check("after the 1 GiB prefix")

	t.Run("just over the limit", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		n := netrpcx.DefaultMaxMessageBytes + 1
		conn.Write([]byte{0xFD, byte(n >> 16), byte(n >> 8), byte(n)})
		expectClosed(t, conn)
	})

	t.Run("garbage", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// An HTTP request: 'G' reads as a 71-byte message, which the
		// padding completes, and which is not gob.
		req := "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n" + strings.Repeat("x", 100)
		conn.Write([]byte(req))
		expectClosed(t, conn)
	})
	check("after garbage")

	t.Run("header with a map of 2^34 entries", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.Write(hugeMapHeader(t))
		expectClosed(t, conn)
	})
	check("after a huge map")

	t.Run("cut short", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte{0x20, 1, 2, 3}) // promises 32 bytes, sends 3
		conn.Close()
	})
	check("after a cut-short message")
}

// A request over the configured limit fails with resource_exhausted and a
// hint, the server closes the connection, and the client redials.
func TestMaxMessageBytes(t *testing.T) {
	addr, _ := serve(t, &testsvc.Impl{}, netrpcx.WithMaxMessageBytes(512))
	test := testsvc.NewTestNetRPCClient(dial(t, addr, netrpcx.WithBackoff(time.Millisecond, 10*time.Millisecond)))
	_, err := test.Echo(context.Background(), testsvc.NewPayload())
	if stdrpc.CodeOf(err) != stdrpc.ResourceExhausted || !strings.Contains(err.Error(), "WithMaxMessageBytes") {
		t.Fatalf("Echo of 1 KiB with a 512-byte limit: %v, want resource_exhausted naming the option", err)
	}
	// A call racing the closing connection may fail with unavailable; the
	// next one redials.
	for i := 0; ; i++ {
		sum, err := test.Add(context.Background(), 1, 2)
		if err == nil && sum == 3 {
			break
		}
		if stdrpc.CodeOf(err) != stdrpc.Unavailable || i == 2 {
			t.Fatalf("Add after an oversized message = %d, %v", sum, err)
		}
	}
}

// hugeMapHeader returns a request header whose Metadata is a gob map that
// claims 2^34 entries in a message of a few bytes. gob makes a map as large
// as its count says before reading entries (the runtime refuses only sizes
// over 2^48 bytes), so a server that decoded metadata as a map would try to
// allocate terabytes and die of it.
func hugeMapHeader(t *testing.T) []byte {
	type header struct {
		ServiceMethod string
		Seq           uint64
		Metadata      map[string][]string
	}
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	if err := enc.Encode(header{"Test.Add", 1, map[string][]string{"K": {"v"}}}); err != nil {
		t.Fatal(err)
	}
	stream := buf.Bytes()
	// The last message is the value; within it, the map's count 1 precedes
	// the key "K".
	last := lastMessage(stream)
	body := stream[last+1:] // a one-byte count: the message is short
	patched := bytes.Replace(body, []byte("\x01\x01K"), []byte("\xFB\x04\x00\x00\x00\x00\x01K"), 1)
	if bytes.Equal(patched, body) {
		t.Fatal("the map's count was not found in the encoding")
	}
	out := append([]byte{}, stream[:last]...)
	return append(append(out, byte(len(patched))), patched...)
}

// lastMessage returns the offset of the last gob message in stream, whose
// counts are all one byte long.
func lastMessage(stream []byte) int {
	off := 0
	for {
		next := off + 1 + int(stream[off])
		if next >= len(stream) {
			return off
		}
		off = next
	}
}

// A request body that gob cannot decode fails that call with
// invalid_argument; the connection goes on serving.
func TestMalformedBodyKeepsConnection(t *testing.T) {
	addr, _ := serve(t, &testsvc.Impl{})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))

	type args struct{ A, B int }
	type response struct {
		ServiceMethod string
		Seq           uint64
		Error         string
		Code          string
	}
	var req bytes.Buffer
	enc := gob.NewEncoder(&req)
	for seq := range uint64(2) {
		if err := enc.Encode(rpc.Request{ServiceMethod: "Test.Add", Seq: seq}); err != nil {
			t.Fatal(err)
		}
		start := req.Len()
		if err := enc.Encode(args{2, 3}); err != nil {
			t.Fatal(err)
		}
		if seq == 0 { // field 5 of a struct of two: out of range
			body := req.Bytes()[start:]
			i := bytes.LastIndex(body, []byte{0x01, 0x06, 0x00})
			if i < 0 {
				t.Fatalf("B's field not found in % x", body)
			}
			body[i] = 0x05
		}
	}
	if _, err := conn.Write(req.Bytes()); err != nil {
		t.Fatal(err)
	}

	dec := gob.NewDecoder(conn)
	for seq := range uint64(2) {
		var resp response
		if err := dec.Decode(&resp); err != nil {
			t.Fatalf("response %d: %v", seq, err)
		}
		var sum int
		body := reflect.ValueOf(&sum)
		if resp.Error != "" {
			body = reflect.Value{} // an empty struct, discarded
		}
		if err := dec.DecodeValue(body); err != nil {
			t.Fatalf("response %d: %v", seq, err)
		}
		switch {
		case resp.Seq != seq:
			t.Fatalf("response for seq %d, want %d", resp.Seq, seq)
		case seq == 0 && resp.Code != "invalid_argument":
			t.Fatalf("the malformed body got %+v, want invalid_argument", resp)
		case seq == 1 && (resp.Error != "" || sum != 5):
			t.Fatalf("the next call on the connection got %+v, sum %d", resp, sum)
		}
	}
}
