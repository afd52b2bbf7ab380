package netrpcx_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/gob"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// compressible returns a Payload of about 64 KiB that compresses well, as
// records of a log or a listing do.
func compressible() testsvc.Payload {
	p := testsvc.NewPayload()
	var b strings.Builder
	for i := 0; b.Len() < 64<<10; i++ {
		fmt.Fprintf(&b, `{"id":%d,"name":"item-%d","state":"active","owner":"team-%d"}`+"\n", i, i, i%7)
	}
	p.Data = []byte(b.String()[:64<<10])
	return p
}

// byteConn counts the bytes a connection moves each way.
type byteConn struct {
	net.Conn
	in, out *atomic.Int64
}

func (c *byteConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.in.Add(int64(n))
	return n, err
}

func (c *byteConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.out.Add(int64(n))
	return n, err
}

// countingDialer dials connections that count their bytes into in and out.
func countingDialer(in, out *atomic.Int64) netrpcx.ClientOption {
	var d net.Dialer
	return netrpcx.WithDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &byteConn{Conn: conn, in: in, out: out}, nil
	})
}

func TestCompressionIsAgreedByBothSides(t *testing.T) {
	p := compressible()
	for _, tt := range []struct {
		name           string
		server, client bool
		compressed     bool
	}{
		{"both", true, true, true},
		{"server only", true, false, false},
		{"client only", false, true, false},
		{"neither", false, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var sopts []netrpcx.ServerOption
			var in, out atomic.Int64
			copts := []netrpcx.ClientOption{countingDialer(&in, &out)}
			if tt.server {
				sopts = append(sopts, netrpcx.WithCompression(1024))
			}
			if tt.client {
				copts = append(copts, netrpcx.WithClientCompression(1024))
			}
			addr, _ := serve(t, &testsvc.Impl{}, sopts...)
			test := testsvc.NewTestNetRPCClient(dial(t, addr, copts...))
			ctx := context.Background()
			// Twice: the first call also carries the type definitions.
			for range 2 {
				in.Store(0)
				out.Store(0)
				got, err := test.Echo(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Data, p.Data) || got.Name != p.Name {
					t.Fatal("the echo differs from the payload")
				}
				// Small messages still go as they are.
				if sum, err := test.Add(ctx, 2, 3); err != nil || sum != 5 {
					t.Fatalf("Add = %d, %v", sum, err)
				}
			}
			sent, received := out.Load(), in.Load()
			t.Logf("64 KiB each way: %d bytes sent, %d received", sent, received)
			if small := sent < 16<<10 && received < 16<<10; small != tt.compressed {
				t.Fatalf("sent %d bytes and received %d for a payload of %d: compressed %v, want %v", sent, received, len(p.Data), small, tt.compressed)
			}
		})
	}
}

func TestCompressionNeverReachesStockPeers(t *testing.T) {
	p := compressible()
	t.Run("stock server", func(t *testing.T) {
		rs := rpc.NewServer()
		if err := rs.Register(Stock{}); err != nil {
			t.Fatal(err)
		}
		c := dial(t, serveStock(t, rs), netrpcx.WithClientCompression(1))
		var got testsvc.Payload
		if err := c.Call(context.Background(), "Stock.Echo", &p, &got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Data, p.Data) {
			t.Fatal("the echo differs from the payload")
		}
	})
	t.Run("stock client", func(t *testing.T) {
		addr, _ := serve(t, &testsvc.Impl{}, netrpcx.WithCompression(1))
		c, err := rpc.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var got testsvc.Payload
		if err := c.Call("Test.Echo", &p, &got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Data, p.Data) {
			t.Fatal("the echo differs from the payload")
		}
	})
}

// wireHello and wireHeader are netrpcx's hello and request header as a
// peer of its own would write them: gob matches fields by name.
type wireHello struct{ Gzip bool }

type wireHeader struct {
	ServiceMethod string
	Seq           uint64
}

var (
	bombOnce sync.Once
	bomb     []byte
)

// gzipBomb returns 1 GiB of zeros compressed: about 1.3 MB.
func gzipBomb(t *testing.T) []byte {
	bombOnce.Do(func() {
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
		zeros := make([]byte, 1<<20)
		for range 1 << 10 {
			w.Write(zeros)
		}
		w.Close()
		bomb = b.Bytes()
	})
	return bomb
}

// gobCount is a gob message count.
func gobCount(x uint64) []byte {
	if x < 0x80 {
		return []byte{byte(x)}
	}
	var b []byte
	for ; x > 0; x >>= 8 {
		b = append([]byte{byte(x)}, b...)
	}
	return append([]byte{byte(-len(b))}, b...)
}

// helloConn connects to addr as a netrpcx peer that reads and sends
// compressed messages, and returns the connection past the hello.
func helloConn(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	enc := gob.NewEncoder(conn)
	if err := enc.Encode(wireHeader{ServiceMethod: "_netrpcx.Hello"}); err != nil {
		t.Fatal(err)
	}
	if err := enc.Encode(wireHello{Gzip: true}); err != nil {
		t.Fatal(err)
	}
	dec := gob.NewDecoder(conn)
	var h struct {
		ServiceMethod string
		Error         string
	}
	var body struct{ Gzip bool }
	if err := dec.Decode(&h); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&body); err != nil || !body.Gzip {
		t.Fatalf("hello answered %+v, %+v, %v: want Gzip", h, body, err)
	}
	return conn
}

// closedByServer waits for the server to close conn, reading what it
// sends.
func closedByServer(t *testing.T, conn net.Conn) {
	t.Helper()
	if _, err := io.Copy(io.Discard, conn); err != nil {
		t.Fatalf("the server did not close the connection: %v", err)
	}
}

func TestCompressedBombIsRefused(t *testing.T) {
	const limit = 4 << 20
	addr, _ := serve(t, &testsvc.Impl{}, netrpcx.WithCompression(1), netrpcx.WithMaxMessageBytes(limit))
	z := gzipBomb(t)

	t.Run("claims its size", func(t *testing.T) {
		// A message that says it is 1 GiB is refused before a byte of it
		// is read: the server closes at once, though the rest never comes.
		conn := helloConn(t, addr)
		conn.Write(append(append([]byte{0x80}, gobCount(1<<30)...), gobCount(uint64(len(z)))...))
		closedByServer(t, conn)
	})
	t.Run("claims less", func(t *testing.T) {
		// The same bomb claiming the limit: the server inflates the
		// limit's worth, finds more, and closes.
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		conn := helloConn(t, addr)
		frame := append(append([]byte{0x80}, gobCount(limit)...), gobCount(uint64(len(z)))...)
		go conn.Write(append(frame, z...))
		closedByServer(t, conn)
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
			t.Fatalf("refusing a bomb of 1 GiB allocated %d MiB", grew>>20)
		}
	})
	t.Run("claims more than it holds", func(t *testing.T) {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte("short"))
		w.Close()
		conn := helloConn(t, addr)
		conn.Write(append(append(append([]byte{0x80}, gobCount(100)...), gobCount(uint64(b.Len()))...), b.Bytes()...))
		closedByServer(t, conn)
	})
	// The server goes on serving.
	test := testsvc.NewTestNetRPCClient(dial(t, addr, netrpcx.WithClientCompression(1)))
	if got, err := test.Echo(context.Background(), compressible()); err != nil || len(got.Data) != 64<<10 {
		t.Fatalf("after the bombs: %d bytes, %v", len(got.Data), err)
	}
}

func TestCompressedResponseOverTheClientLimit(t *testing.T) {
	// The client's limit holds for the decompressed size.
	addr, _ := serve(t, &testsvc.Impl{}, netrpcx.WithCompression(1))
	test := testsvc.NewTestNetRPCClient(dial(t, addr, netrpcx.WithClientCompression(1), netrpcx.WithMaxResponseBytes(32<<10)))
	_, err := test.Echo(context.Background(), compressible())
	if err == nil || !strings.Contains(err.Error(), "exceeds the limit of 32768 bytes") {
		t.Fatalf("got %v, want the response refused for its decompressed size", err)
	}
}

// BenchmarkCompression echoes a compressible 64 KiB payload with and
// without compression, reporting the bytes each call puts on the wire.
func BenchmarkCompression(b *testing.B) {
	p := compressible()
	for _, on := range []bool{false, true} {
		b.Run(map[bool]string{false: "off", true: "gzip"}[on], func(b *testing.B) {
			var in, out atomic.Int64
			var sopts []netrpcx.ServerOption
			copts := []netrpcx.ClientOption{countingDialer(&in, &out)}
			if on {
				sopts = append(sopts, netrpcx.WithCompression(1024))
				copts = append(copts, netrpcx.WithClientCompression(1024))
			}
			addr, _ := serve(b, &testsvc.Impl{}, sopts...)
			test := testsvc.NewTestNetRPCClient(dial(b, addr, copts...))
			ctx := context.Background()
			if _, err := test.Echo(ctx, p); err != nil {
				b.Fatal(err)
			}
			in.Store(0)
			out.Store(0)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := test.Echo(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(in.Load()+out.Load())/float64(b.N), "wirebytes/op")
		})
	}
}
