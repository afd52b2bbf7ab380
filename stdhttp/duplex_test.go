package stdhttp_test

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/stdhttp"
)

// reading is one item of the client and bidirectional streams under test.
type reading struct {
	N    int    `json:"n"`
	Note string `json:"note,omitempty"`
}

// summary is a client stream's result.
type summary struct {
	Count  int    `json:"count"`
	Total  int    `json:"total"`
	Tenant string `json:"tenant,omitempty"`
}

// A duplexProto is one way of carrying the streams: HTTP/1.1, HTTP/2 over
// TLS, and HTTP/2 without TLS (prior knowledge).
type duplexProto struct {
	name  string
	major int // the request's ProtoMajor the server must see
	// start serves h and returns its URL and an HTTP client for it.
	start func(t testing.TB, h http.Handler) (string, *http.Client)
}

var duplexProtos = []duplexProto{
	{"HTTP1", 1, func(t testing.TB, h http.Handler) (string, *http.Client) {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL, srv.Client()
	}},
	{"HTTP2", 2, func(t testing.TB, h http.Handler) (string, *http.Client) {
		srv := httptest.NewUnstartedServer(h)
		srv.EnableHTTP2 = true
		srv.StartTLS()
		t.Cleanup(srv.Close)
		return srv.URL, srv.Client()
	}},
	{"H2C", 2, func(t testing.TB, h http.Handler) (string, *http.Client) {
		srv := httptest.NewUnstartedServer(h)
		srv.Config.Protocols = new(http.Protocols)
		srv.Config.Protocols.SetHTTP1(true)
		srv.Config.Protocols.SetUnencryptedHTTP2(true)
		srv.Start()
		t.Cleanup(srv.Close)
		tr := stdhttp.NewTransport()
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetUnencryptedHTTP2(true)
		t.Cleanup(tr.CloseIdleConnections)
		return srv.URL, &http.Client{Transport: tr}
	}},
}

// forEachProto runs test over each protocol, checking that the server saw
// the protocol the case names.
func forEachProto(t *testing.T, test func(t *testing.T, serve func(register func(*stdhttp.Service), opts ...stdhttp.ServerOption) *stdhttp.Client)) {
	for _, p := range duplexProtos {
		t.Run(p.name, func(t *testing.T) {
			var wrong atomic.Int32
			serve := func(register func(*stdhttp.Service), opts ...stdhttp.ServerOption) *stdhttp.Client {
				mux := http.NewServeMux()
				register(stdhttp.NewService(mux, "Dev", opts...))
				url, hc := p.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.ProtoMajor != p.major {
						wrong.Store(int32(r.ProtoMajor))
					}
					mux.ServeHTTP(w, r)
				}))
				return stdhttp.NewClient(url, stdhttp.WithHTTPClient(hc))
			}
			test(t, serve)
			if m := wrong.Load(); m != 0 {
				t.Errorf("the server saw HTTP/%d, not HTTP/%d", m, p.major)
			}
		})
	}
}

// sum is a client stream: the count and total of its readings.
func sum(ctx context.Context, in iter.Seq[reading]) (summary, error) {
	var s summary
	for r := range in {
		s.Count++
		s.Total += r.N
	}
	if v := stdrpc.Incoming(ctx)["X-Tenant"]; len(v) > 0 {
		s.Tenant = v[0]
	}
	return s, ctx.Err()
}

// echo is a bidirectional stream: each reading back, doubled.
func echo(ctx context.Context, in iter.Seq[reading]) iter.Seq2[reading, error] {
	return func(yield func(reading, error) bool) {
		for r := range in {
			if !yield(reading{N: 2 * r.N, Note: r.Note}, nil) {
				return
			}
		}
	}
}

func upTo(n int) iter.Seq[reading] {
	return func(yield func(reading) bool) {
		for i := 1; i <= n; i++ {
			if !yield(reading{N: i}) {
				return
			}
		}
	}
}

func TestClientStreamSum(t *testing.T) {
	forEachProto(t, func(t *testing.T, serve func(func(*stdhttp.Service), ...stdhttp.ServerOption) *stdhttp.Client) {
		c := serve(func(s *stdhttp.Service) { stdhttp.HandleClientStream(s, "Sum", sum) })
		ctx := stdrpc.AppendOutgoing(context.Background(), "X-Tenant", "acme")
		for _, n := range []int{0, 1, 1000} {
			var got summary
			if err := stdhttp.ClientStream(ctx, c, "/Dev/Sum", upTo(n), &got); err != nil {
				t.Fatalf("%d items: %v", n, err)
			}
			if want := (summary{Count: n, Total: n * (n + 1) / 2, Tenant: "acme"}); got != want {
				t.Errorf("%d items: got %+v, want %+v", n, got, want)
			}
		}
	})
}

// TestBidiStreamPingPong sends each item only after the answer to the one
// before arrived, and the server greets before it reads anything: it works
// only if both sides send while the other's stream is open, and each item
// is flushed as it is produced.
func TestBidiStreamPingPong(t *testing.T) {
	forEachProto(t, func(t *testing.T, serve func(func(*stdhttp.Service), ...stdhttp.ServerOption) *stdhttp.Client) {
		c := serve(func(s *stdhttp.Service) {
			stdhttp.HandleBidiStream(s, "Echo", func(ctx context.Context, in iter.Seq[reading]) iter.Seq2[reading, error] {
				return func(yield func(reading, error) bool) {
					if !yield(reading{N: 0, Note: "hello"}, nil) {
						return
					}
					for v, err := range echo(ctx, in) {
						if !yield(v, err) {
							return
						}
					}
				}
			})
		})
		const rounds = 50
		ctx, cancel := context.WithTimeout(context.Background(), within)
		defer cancel()
		turn := make(chan int, 1)
		in := func(yield func(reading) bool) {
			for {
				select {
				case n, ok := <-turn:
					if !ok || !yield(reading{N: n}) {
						return
					}
				case <-ctx.Done():
					return
				}
			}
		}
		var got []int
		for v, err := range stdhttp.BidiStream[reading, reading](ctx, c, "/Dev/Echo", in) {
			if err != nil {
				t.Fatalf("after %v: %v", got, err)
			}
			got = append(got, v.N)
			if len(got) <= rounds {
				turn <- len(got)
			} else if len(got) == rounds+1 {
				close(turn) // the client ends its side; the server's in ends, and so does its stream
			}
		}
		want := []int{0}
		for i := 1; i <= rounds; i++ {
			want = append(want, 2*i)
		}
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

// TestBidiStreamErrorAfterItems: the server's error after items is the
// last value, after them; before any item it is the call's error.
func TestBidiStreamErrorAfterItems(t *testing.T) {
	forEachProto(t, func(t *testing.T, serve func(func(*stdhttp.Service), ...stdhttp.ServerOption) *stdhttp.Client) {
		c := serve(func(s *stdhttp.Service) {
			stdhttp.HandleBidiStream(s, "Fail", func(ctx context.Context, in iter.Seq[reading]) iter.Seq2[reading, error] {
				return func(yield func(reading, error) bool) {
					for r := range in {
						if r.N < 0 {
							yield(reading{}, stdrpc.Errorf(stdrpc.NotFound, "no reading %d", r.N))
							return
						}
						if !yield(r, nil) {
							return
						}
					}
				}
			})
		})
		items, err := collect(t, stdhttp.BidiStream[reading, reading](context.Background(), c, "/Dev/Fail",
			slices.Values([]reading{{N: 1}, {N: 2}, {N: -3}, {N: 4}})))
		if len(items) != 2 || stdrpc.CodeOf(err) != stdrpc.NotFound || !strings.Contains(err.Error(), "no reading -3") {
			t.Errorf("got %v, %v; want 2 items, then not_found", items, err)
		}
		items, err = collect(t, stdhttp.BidiStream[reading, reading](context.Background(), c, "/Dev/Fail",
			slices.Values([]reading{{N: -1}})))
		if len(items) != 0 || stdrpc.CodeOf(err) != stdrpc.NotFound {
			t.Errorf("got %v, %v; want not_found alone", items, err)
		}
	})
}

// waitFor waits, a bounded time, for ok to hold.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %v", what, within)
		}
	}
}

// TestDuplexEarlyEnd: either side may stop before the other. The server
// that stops reading answers, and the caller's iterator is then stopped;
// a caller that stops sending still gets the server's items.
func TestDuplexEarlyEnd(t *testing.T) {
	forEachProto(t, func(t *testing.T, serve func(func(*stdhttp.Service), ...stdhttp.ServerOption) *stdhttp.Client) {
		c := serve(func(s *stdhttp.Service) {
			stdhttp.HandleClientStream(s, "First3", func(ctx context.Context, in iter.Seq[reading]) (summary, error) {
				var s summary
				for r := range in {
					s.Count++
					s.Total += r.N
					if s.Count == 3 {
						break
					}
				}
				return s, nil
			})
			stdhttp.HandleBidiStream(s, "Then", func(ctx context.Context, in iter.Seq[reading]) iter.Seq2[reading, error] {
				return func(yield func(reading, error) bool) {
					n := 0
					for range in {
						n++
					}
					for i := range 3 { // after the caller's side ended
						if !yield(reading{N: n, Note: strconv.Itoa(i)}, nil) {
							return
						}
					}
				}
			})
		})

		// The server breaks after 3 of an endless stream.
		var made, stopped atomic.Int64
		endless := func(yield func(reading) bool) {
			for i := 1; ; i++ {
				made.Add(1)
				if !yield(reading{N: i, Note: strings.Repeat("x", 100)}) {
					stopped.Add(1)
					return
				}
			}
		}
		var got summary
		if err := stdhttp.ClientStream(context.Background(), c, "/Dev/First3", endless, &got); err != nil {
			t.Fatal(err)
		}
		if got.Count != 3 || got.Total != 6 {
			t.Errorf("got %+v, want the first 3", got)
		}
		waitFor(t, "the caller's iterator stopping", func() bool { return stopped.Load() == 1 })

		// The caller ends its side first.
		items, err := collect(t, stdhttp.BidiStream[reading, reading](context.Background(), c, "/Dev/Then", upTo(5)))
		if err != nil || len(items) != 3 || items[2] != (reading{N: 5, Note: "2"}) {
			t.Errorf("got %v, %v; want 3 items counting 5", items, err)
		}
	})
}

// blockingIn is an iterator that yields first and then waits for ctx.
func blockingIn(ctx context.Context, first ...reading) iter.Seq[reading] {
	return func(yield func(reading) bool) {
		for _, r := range first {
			if !yield(r) {
				return
			}
		}
		<-ctx.Done()
	}
}

// serverEnd records the error of a method's context when its in ends.
type serverEnd chan error

func (e serverEnd) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-e:
		return err
	case <-time.After(within):
		t.Fatal("the server's method did not end")
		return nil
	}
}

// TestDuplexCancel: a caller that cancels, or breaks out of its loop,
// ends the call on the server too, which may be waiting for its next item.
func TestDuplexCancel(t *testing.T) {
	forEachProto(t, func(t *testing.T, serve func(func(*stdhttp.Service), ...stdhttp.ServerOption) *stdhttp.Client) {
		ended := make(serverEnd, 2)
		started := make(chan struct{}, 2)
		c := serve(func(s *stdhttp.Service) {
			stdhttp.HandleClientStream(s, "Wait", func(ctx context.Context, in iter.Seq[reading]) (summary, error) {
				for range in {
					started <- struct{}{}
				}
				ended <- ctx.Err()
				return summary{}, nil
			})
			stdhttp.HandleBidiStream(s, "Echo", func(ctx context.Context, in iter.Seq[reading]) iter.Seq2[reading, error] {
				return func(yield func(reading, error) bool) {
					defer func() { ended <- ctx.Err() }()
					for v := range echo(ctx, in) {
						if !yield(v, nil) {
							return
						}
					}
				}
			})
		})

		// The caller cancels while the server waits for its second item.
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			errc <- stdhttp.ClientStream(ctx, c, "/Dev/Wait", blockingIn(ctx, reading{N: 1}), new(summary))
		}()
		<-started
		cancel()
		if err := <-errc; stdrpc.CodeOf(err) != stdrpc.Canceled || !errors.Is(err, context.Canceled) {
			t.Errorf("ClientStream after cancel: %v, want canceled", err)
		}
		if err := ended.wait(t); err == nil {
			t.Error("the server's context was not canceled")
		}

		// The caller breaks out of its loop while the server waits.
		ctx, cancel = context.WithCancel(context.Background())
		defer cancel()
		for v, err := range stdhttp.BidiStream[reading, reading](ctx, c, "/Dev/Echo", blockingIn(ctx, reading{N: 1})) {
			if err != nil || v.N != 2 {
				t.Fatalf("got %v, %v", v, err)
			}
			break
		}
		if err := ended.wait(t); err == nil {
			t.Error("the server's context was not canceled after the caller broke out")
		}
	})
}

// TestDuplexDeadline: the caller's deadline ends its call, and the
// server's copy of it (Stdrpc-Timeout-Ms) ends the method, even while it
// waits for an item that never comes.
func TestDuplexDeadline(t *testing.T) {
	forEachProto(t, func(t *testing.T, serve func(func(*stdhttp.Service), ...stdhttp.ServerOption) *stdhttp.Client) {
		ended := make(serverEnd, 1)
		c := serve(func(s *stdhttp.Service) {
			stdhttp.HandleBidiStream(s, "Echo", func(ctx context.Context, in iter.Seq[reading]) iter.Seq2[reading, error] {
				return func(yield func(reading, error) bool) {
					defer func() { ended <- ctx.Err() }()
					for v := range echo(ctx, in) {
						if !yield(v, nil) {
							return
						}
					}
				}
			})
		})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		// The iterator ignores ctx: the call must end regardless.
		hold := make(chan struct{})
		defer close(hold)
		in := func(yield func(reading) bool) {
			if yield(reading{N: 1}) {
				<-hold
			}
		}
		items, err := collect(t, stdhttp.BidiStream[reading, reading](ctx, c, "/Dev/Echo", in))
		if len(items) != 1 || stdrpc.CodeOf(err) != stdrpc.DeadlineExceeded {
			t.Errorf("got %v, %v; want one item, then deadline_exceeded", items, err)
		}
		if err := ended.wait(t); err == nil {
			t.Error("the server's context did not end")
		}
	})
}

// TestClientStreamItemSizes: items of many sizes, some larger than one
// write of the transport, arrive whole and in order, whether the iterator
// is faster than the connection or not.
func TestClientStreamItemSizes(t *testing.T) {
	forEachProto(t, func(t *testing.T, serve func(func(*stdhttp.Service), ...stdhttp.ServerOption) *stdhttp.Client) {
		c := serve(func(s *stdhttp.Service) {
			stdhttp.HandleClientStream(s, "Check", func(ctx context.Context, in iter.Seq[reading]) (summary, error) {
				var s summary
				for r := range in {
					if r.N != s.Count || len(r.Note) != r.N*1237%70000 || strings.Trim(r.Note, "x") != "" {
						return s, stdrpc.Errorf(stdrpc.InvalidArgument, "item %d: n=%d, %d bytes", s.Count, r.N, len(r.Note))
					}
					s.Count++
					s.Total += len(r.Note)
				}
				return s, nil
			})
		})
		const n = 300
		items := func(yield func(reading) bool) {
			for i := range n {
				if i%50 == 0 {
					time.Sleep(time.Millisecond) // now and then, slower than the connection
				}
				if !yield(reading{N: i, Note: strings.Repeat("x", i*1237%70000)}) {
					return
				}
			}
		}
		var got summary
		if err := stdhttp.ClientStream(context.Background(), c, "/Dev/Check", items, &got); err != nil || got.Count != n {
			t.Errorf("%+v, %v", got, err)
		}
	})
}
