package netrpcx_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"io"
	"net"
	"net/rpc"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// Counts is a request and response type with a map field: gob makes the map
// as large as the count on the wire says before reading an entry.
type Counts struct{ M map[string]int }

type MapSvc struct{}

// Total returns the sum of the counts.
func (MapSvc) Total(args *Counts, reply *int) error {
	return netrpcx.Handle(args, func(ctx context.Context) error {
		for _, n := range args.M {
			*reply += n
		}
		return nil
	})
}

// hugeMap returns the gob stream of values (from a real gob.Encoder, type
// definitions included), whose last value is a Counts, with the count of
// its map, of one entry "K", changed to 2^34. A decoder that believed it
// would try to allocate hundreds of gigabytes before reading an entry.
func hugeMap(t *testing.T, values ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for _, v := range values {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	stream := buf.Bytes()
	last := lastMessage(stream)
	body := stream[last+1:] // one-byte counts: the messages are short
	patched := bytes.Replace(body, []byte("\x01\x01K"), []byte("\xFB\x04\x00\x00\x00\x00\x01K"), 1)
	if bytes.Equal(patched, body) {
		t.Fatal("the map's count was not found in the encoding")
	}
	out := append([]byte{}, stream[:last]...)
	return append(append(out, byte(len(patched))), patched...)
}

// A request whose map claims 2^34 entries closes that connection; the
// process lives and the server goes on serving others.
func TestHostileMapRequest(t *testing.T) {
	rs := rpc.NewServer()
	if err := rs.Register(MapSvc{}); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	s := netrpcx.NewServer(rs, netrpcx.WithLogger(logs.logger()))
	go s.Serve(lis)
	t.Cleanup(func() { s.Close() })
	addr := lis.Addr().String()

	good := dial(t, addr)
	check := func(when string) {
		t.Helper()
		var total int
		err := good.Call(context.Background(), "MapSvc.Total", &Counts{map[string]int{"a": 2, "b": 3}}, &total)
		if err != nil || total != 5 {
			t.Fatalf("%s: a well-behaved client's Total = %d, %v", when, total, err)
		}
	}
	check("before")

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	type header struct { // net/rpc's rpc.Request
		ServiceMethod string
		Seq           uint64
	}
	if _, err := conn.Write(hugeMap(t, header{"MapSvc.Total", 1}, Counts{map[string]int{"K": 1}})); err != nil {
		t.Fatal(err)
	}
	// The server answers the call with why it failed, then closes.
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	dec := gob.NewDecoder(conn)
	var resp struct {
		Seq   uint64
		Error string
		Code  string // netrpcx's extension of the response header
	}
	if err := dec.Decode(&resp); err != nil || resp.Seq != 1 || !strings.Contains(resp.Error, "map of 17179869184 entries") {
		t.Fatalf("the answer: %+v, %v; want the call failed saying why", resp, err)
	}
	if resp.Code != "invalid_argument" {
		t.Errorf("the answer's code is %q; a refused request is invalid_argument", resp.Code)
	}
	if err := dec.Decode(new(struct{})); err != nil {
		t.Fatalf("the answer's body: %v", err)
	}
	if err := dec.Decode(new(int)); err != io.EOF {
		t.Fatalf("after the answer: %v, want the connection closed", err)
	}

	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Fatalf("the server allocated %d bytes serving a map of 2^34 entries", grew)
	}
	check("after")
	if !strings.Contains(logs.String(), "map of 17179869184 entries") {
		t.Errorf("the server's log does not say why it closed the connection:\n%s", logs)
	}
}

// A response whose map claims 2^34 entries fails the call with
// unavailable; the process lives and the client redials.
func TestHostileMapResponse(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lis.Close() })

	// The server answers the first connection's first call with a hostile
	// response and serves later connections honestly.
	type request struct {
		ServiceMethod string
		Seq           uint64
	}
	type response struct { // net/rpc's rpc.Response
		ServiceMethod string
		Seq           uint64
		Error         string
	}
	// The client's first call has Seq 1.
	hostile := hugeMap(t, response{"MapSvc.Echo", 1, ""}, Counts{map[string]int{"K": 1}})
	go func() {
		for i := 0; ; i++ {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				dec := gob.NewDecoder(conn)
				enc := gob.NewEncoder(conn)
				if answerHello(dec, enc) != nil {
					return
				}
				var req request
				var args Counts
				if dec.Decode(&req) != nil || dec.Decode(&args) != nil {
					return
				}
				if i == 0 {
					conn.Write(hostile)
					io.Copy(io.Discard, conn) // until the client closes
					return
				}
				enc.Encode(response{req.ServiceMethod, req.Seq, ""})
				enc.Encode(args)
				io.Copy(io.Discard, conn)
			}()
		}
	}()

	c := dial(t, lis.Addr().String(), netrpcx.WithBackoff(time.Millisecond, 10*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var reply Counts
	err = c.Call(ctx, "MapSvc.Echo", &Counts{map[string]int{"a": 1}}, &reply)
	if stdrpc.CodeOf(err) != stdrpc.Unavailable || !strings.Contains(err.Error(), "map of 17179869184 entries") {
		t.Fatalf("a call answered with a map of 2^34 entries: %v, want unavailable saying why", err)
	}

	// The client dropped that connection; the next call redials.
	for i := 0; ; i++ {
		reply = Counts{}
		err := c.Call(ctx, "MapSvc.Echo", &Counts{map[string]int{"a": 1}}, &reply)
		if err == nil && reply.M["a"] == 1 {
			break
		}
		if stdrpc.CodeOf(err) != stdrpc.Unavailable || i == 2 {
			t.Fatalf("a call after the hostile response: %v, %v", reply, err)
		}
	}
}
