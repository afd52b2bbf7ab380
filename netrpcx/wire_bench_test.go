package netrpcx_test

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/rpc"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// The wire benchmarks measure what a call costs the network: the floor a
// raw length-prefixed TCP echo sets, and the reads and writes each side of
// stock net/rpc and netrpcx makes per call, counted on the connections
// (each Read or Write of a net.Conn is one read or write system call that
// moved bytes; the kernel may add a read that finds nothing before the
// poller parks the goroutine, for every peer alike).
//
//	go test ./netrpcx -run '^$' -bench 'RawEcho|Wire' -benchmem

// rawMessage is the size of the raw echo's message: about what a net/rpc
// Add takes on the wire, header and body.
const rawMessage = 64

// BenchmarkRawEcho is the floor: each caller writes a length-prefixed
// message and reads it back, on a connection of its own, and the server
// echoes it with one read and one write. Nothing is encoded.
func BenchmarkRawEcho(b *testing.B) {
	b.Run("1", func(b *testing.B) { benchRawEcho(b, false, nil) })
	b.Run("64", func(b *testing.B) { benchRawEcho(b, true, nil) })
}

// BenchmarkWire is the Add of BenchmarkAdd and BenchmarkAddParallel64 with
// the connections' reads and writes counted on each side, beside the raw
// echo's.
func BenchmarkWire(b *testing.B) {
	for _, callers := range []struct {
		name     string
		parallel bool
	}{{"1", false}, {"64", true}} {
		b.Run("raw/"+callers.name, func(b *testing.B) {
			var n connCounts
			benchRawEcho(b, callers.parallel, &n)
			n.report(b)
		})
		b.Run("stock/"+callers.name, func(b *testing.B) {
			var n connCounts
			rs := rpc.NewServer()
			if err := rs.Register(Stock{}); err != nil {
				b.Fatal(err)
			}
			lis := listen(b)
			go func() {
				for {
					conn, err := lis.Accept()
					if err != nil {
						return
					}
					go rs.ServeConn(&countedConn{Conn: conn, n: &n.server})
				}
			}()
			conn, err := net.Dial("tcp", lis.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			c := rpc.NewClient(&countedConn{Conn: conn, n: &n.client})
			b.Cleanup(func() { c.Close() })
			n.reset()
			run(b, callers.parallel, func() error {
				var sum int
				return c.Call("Stock.Add", &StockArgs{A: 2, B: 3}, &sum)
			})
			n.report(b)
		})
		b.Run("netrpcx/"+callers.name, func(b *testing.B) {
			var n connCounts
			test := countedClient(b, &n)
			ctx := context.Background()
			if _, err := test.Add(ctx, 2, 3); err != nil { // past the hello and the type definitions
				b.Fatal(err)
			}
			n.reset()
			run(b, callers.parallel, func() error {
				_, err := test.Add(ctx, 2, 3)
				return err
			})
			n.report(b)
		})
	}
}

// benchRawEcho runs the raw echo from one caller or 64, counting the
// connections' reads and writes into n if it is not nil.
func benchRawEcho(b *testing.B, parallel bool, n *connCounts) {
	if n == nil {
		n = new(connCounts)
	}
	lis := listen(b)
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			go rawEchoServe(&countedConn{Conn: conn, n: &n.server})
		}
	}()
	var mu sync.Mutex
	var conns []net.Conn
	b.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	dial := func() *rawCaller {
		conn, err := net.Dial("tcp", lis.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		mu.Lock()
		conns = append(conns, conn)
		mu.Unlock()
		r := &rawCaller{conn: &countedConn{Conn: conn, n: &n.client}, msg: make([]byte, 4+rawMessage), in: make([]byte, 4096)}
		binary.BigEndian.PutUint32(r.msg, rawMessage)
		return r
	}
	b.ReportAllocs()
	if !parallel {
		r := dial()
		n.reset()
		for b.Loop() {
			if err := r.call(); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	// One connection per caller, dialed before the clock starts.
	callers := make(chan *rawCaller, 64)
	for range 64 {
		callers <- dial()
	}
	n.reset()
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := <-callers
		for pb.Next() {
			if err := r.call(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// rawCaller is one caller of the raw echo: it writes its message and
// reads the echo, with one write and, when the echo arrives whole, one read.
type rawCaller struct {
	conn    io.ReadWriter
	msg, in []byte
}

func (r *rawCaller) call() error {
	if _, err := r.conn.Write(r.msg); err != nil {
		return err
	}
	_, err := io.ReadAtLeast(r.conn, r.in, len(r.msg))
	return err
}

// rawEchoServe echoes each length-prefixed message back, reading as much as
// arrives at once and writing back every whole message it holds.
func rawEchoServe(conn io.ReadWriteCloser) {
	defer conn.Close()
	buf := make([]byte, 64<<10)
	have := 0
	for {
		m, err := conn.Read(buf[have:])
		if err != nil {
			return
		}
		have += m
		whole := 0
		for have-whole >= 4 {
			size := 4 + int(binary.BigEndian.Uint32(buf[whole:]))
			if size > len(buf) {
				return
			}
			if have-whole < size {
				break
			}
			whole += size
		}
		if whole == 0 {
			continue
		}
		if _, err := conn.Write(buf[:whole]); err != nil {
			return
		}
		have = copy(buf, buf[whole:have])
	}
}

func listen(tb testing.TB) net.Listener {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { lis.Close() })
	return lis
}

// countedClient starts a netrpcx server and returns a generated client of
// it, the reads and writes of both sides' connections counted into n.
func countedClient(tb testing.TB, n *connCounts) testsvc.Test {
	lis := listen(tb)
	s := newServer(tb, &testsvc.Impl{})
	go s.Serve(&countedListener{Listener: lis, n: &n.server})
	tb.Cleanup(func() { s.Close() })
	var d net.Dialer
	c := dial(tb, lis.Addr().String(), netrpcx.WithDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countedConn{Conn: conn, n: &n.client}, nil
	}))
	return testsvc.NewTestNetRPCClient(c)
}

// ioCounts counts a side's reads and writes.
type ioCounts struct{ reads, writes atomic.Int64 }

// connCounts counts the reads and writes of both sides of a benchmark.
type connCounts struct{ client, server ioCounts }

func (n *connCounts) reset() {
	n.client.reads.Store(0)
	n.client.writes.Store(0)
	n.server.reads.Store(0)
	n.server.writes.Store(0)
}

// report reports the counts per call. The last calls' reads may still be
// under way when it runs, which the counts of many calls drown.
func (n *connCounts) report(b *testing.B) {
	per := func(v *atomic.Int64) float64 { return float64(v.Load()) / float64(b.N) }
	b.ReportMetric(per(&n.client.writes), "cwrites/op")
	b.ReportMetric(per(&n.client.reads), "creads/op")
	b.ReportMetric(per(&n.server.writes), "swrites/op")
	b.ReportMetric(per(&n.server.reads), "sreads/op")
}

// countedConn counts the reads and writes of a connection that move bytes.
type countedConn struct {
	net.Conn
	n *ioCounts
}

func (c *countedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.n.reads.Add(1)
	}
	return n, err
}

func (c *countedConn) Write(p []byte) (int, error) {
	c.n.writes.Add(1)
	return c.Conn.Write(p)
}

// countedListener hands out counted connections.
type countedListener struct {
	net.Listener
	n *ioCounts
}

func (l *countedListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countedConn{Conn: conn, n: l.n}, nil
}
