package netrpcx_test

import (
	"bufio"
	"context"
	"encoding/gob"
	"net"
	"testing"
)

// The benchmarks measure a client stream of small items and a
// bidirectional ping-pong over loopback, each against what one would
// write with the standard library alone: a TCP connection carrying a gob
// stream of the items, and a ping-pong over one.
//
//	go test ./netrpcx -run '^$' -bench 'ClientStream|PingPong' -benchmem

func BenchmarkClientStream(b *testing.B) {
	addr, _ := serveSyncer(b, &syncer{upload: summarize})
	up := NewSyncerNetRPCClient(dial(b, addr))
	b.ReportAllocs()
	b.ResetTimer()
	got, err := up.Upload(context.Background(), chunks(b.N))
	if err != nil || got.Count != b.N || !got.InOrder {
		b.Fatalf("Upload = %+v, %v; want %d items in order", got, err, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

// gobPeer serves one TCP connection on loopback with serve, given the
// connection's gob decoder and buffered encoder, until the benchmark ends.
func gobPeer(b *testing.B, serve func(dec *gob.Decoder, enc *gob.Encoder, w *bufio.Writer)) net.Conn {
	b.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { lis.Close() })
	go func() {
		conn, err := lis.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		w := bufio.NewWriter(conn)
		serve(gob.NewDecoder(bufio.NewReader(conn)), gob.NewEncoder(w), w)
	}()
	conn, err := net.Dial("tcp", lis.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return conn
}

func BenchmarkClientStreamStockGob(b *testing.B) {
	conn := gobPeer(b, func(dec *gob.Decoder, enc *gob.Encoder, w *bufio.Writer) {
		s := Summary{InOrder: true}
		for {
			var c Chunk
			if err := dec.Decode(&c); err != nil {
				break
			}
			if c.N == 0 { // the end
				enc.Encode(s)
				w.Flush()
				return
			}
			s.Count++
			s.InOrder = s.InOrder && c.N == s.Count
			s.Last = c.N
		}
	})
	w := bufio.NewWriter(conn)
	enc, dec := gob.NewEncoder(w), gob.NewDecoder(conn)
	b.ReportAllocs()
	b.ResetTimer()
	for c := range chunks(b.N) {
		if err := enc.Encode(c); err != nil {
			b.Fatal(err)
		}
	}
	var got Summary
	if err := enc.Encode(Chunk{}); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := dec.Decode(&got); err != nil || got.Count != b.N || !got.InOrder {
		b.Fatalf("the stream = %+v, %v; want %d items in order", got, err, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

func BenchmarkBidiPingPong(b *testing.B) {
	addr, _ := serveSyncer(b, &syncer{sync: echo})
	sync := NewSyncerNetRPCClient(dial(b, addr)).Sync
	next := make(chan int, 1)
	in := func(yield func(Chunk) bool) {
		for n := range next {
			if !yield(Chunk{N: n}) {
				return
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	next <- 1
	n := 0
	for c, err := range sync(context.Background(), in) {
		if err != nil || c.N != n+1 {
			b.Fatalf("round %d: %+v, %v", n+1, c, err)
		}
		if n++; n == b.N {
			close(next)
			continue // the server's stream ends after the caller's
		}
		next <- n + 1
	}
	if n != b.N {
		b.Fatalf("%d rounds, want %d", n, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}

func BenchmarkBidiPingPongStockGob(b *testing.B) {
	conn := gobPeer(b, func(dec *gob.Decoder, enc *gob.Encoder, w *bufio.Writer) {
		for {
			var c Chunk
			if err := dec.Decode(&c); err != nil {
				return
			}
			if enc.Encode(c) != nil || w.Flush() != nil {
				return
			}
		}
	})
	w := bufio.NewWriter(conn)
	enc, dec := gob.NewEncoder(w), gob.NewDecoder(conn)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		if err := enc.Encode(Chunk{N: i}); err != nil {
			b.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		var c Chunk
		if err := dec.Decode(&c); err != nil || c.N != i {
			b.Fatalf("round %d: %+v, %v", i, c, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}
