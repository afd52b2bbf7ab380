package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkFanout measures what a chat room built on generated streams
// delivers: 1,000 subscribers on one server, each its own HTTP stream
// through the generated client, and one sender. b.N is the number of
// messages sent; it reports deliveries per second and the send-to-delivery
// latency (from the server stamping the message to a subscriber's loop
// receiving it) at the 50th and 99th percentile.
//
//	go test ./examples/chat -run '^$' -bench Fanout -benchtime 200x
func BenchmarkFanout(b *testing.B) {
	const subscribers = 1000
	// The sender keeps at most this many messages undelivered, so that no
	// subscriber falls subscriberBuffer behind and is dropped: the
	// benchmark measures delivery, not the drop policy.
	const window = 32

	srv := httptest.NewServer(newHandler(newHub()))
	defer srv.Close()
	client := NewChatHTTPClient(srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var (
		ready     sync.WaitGroup
		done      sync.WaitGroup
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, subscribers*b.N)
		delivered = make([]int, b.N) // per message, how many subscribers have it
		progress  = sync.NewCond(&mu)
		lowest    int // every message below this is fully delivered
	)
	ready.Add(subscribers)
	done.Add(subscribers)
	for range subscribers {
		go func() {
			defer done.Done()
			n, isReady := 0, false
			for msg, err := range client.Subscribe(ctx, "bench") {
				if err != nil {
					if ctx.Err() == nil {
						b.Errorf("subscriber: %v", err)
					}
					return
				}
				if msg.Text == "ready" {
					if !isReady {
						isReady = true
						ready.Done()
					}
					continue
				}
				lat := time.Since(msg.At)
				var seq int
				fmt.Sscanf(msg.Text, "%d", &seq)
				mu.Lock()
				latencies = append(latencies, lat)
				delivered[seq]++
				for lowest < len(delivered) && delivered[lowest] == subscribers {
					lowest++
				}
				progress.Broadcast()
				mu.Unlock()
				if n++; n == b.N {
					return
				}
			}
		}()
	}
	// A subscriber is subscribed once its stream carries a message: send
	// "ready" until all have seen one.
	allReady := make(chan struct{})
	go func() { ready.Wait(); close(allReady) }()
	for waiting := true; waiting; {
		if err := client.Send(ctx, "bench", "bench", "ready"); err != nil {
			b.Fatal(err)
		}
		select {
		case <-allReady:
			waiting = false
		case <-time.After(50 * time.Millisecond):
		}
	}

	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		mu.Lock()
		for i-lowest >= window {
			progress.Wait()
		}
		mu.Unlock()
		if err := client.Send(ctx, "bench", "bench", fmt.Sprint(i)); err != nil {
			b.Fatal(err)
		}
	}
	done.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[int(float64(len(latencies)-1)*p)] }
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
}
