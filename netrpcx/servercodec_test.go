package netrpcx

import (
	"bytes"
	"context"
	"encoding/gob"
	"io"
	"log/slog"
	"net/rpc"
	"testing"
)

type FuzzArgs struct{ A, B int }

type FuzzService struct{}

func (s FuzzService) Add(args *FuzzArgs, reply *int) error {
	return Run(args, func(ctx context.Context) error { return s.add(ctx, args, reply) })
}

func (FuzzService) add(_ context.Context, args *FuzzArgs, reply *int) error {
	*reply = args.A + args.B
	return nil
}

func (s FuzzService) Ping(args *Empty, reply *struct{}) error {
	return Run(args, func(ctx context.Context) error { return s.ping(ctx, args, reply) })
}

func (FuzzService) ping(context.Context, *Empty, *struct{}) error { return nil }

// stream is a byte stream in; what the server writes goes to out.
type stream struct {
	io.Reader
	out bytes.Buffer
}

func (s *stream) Write(p []byte) (int, error) { return s.out.Write(p) }
func (s *stream) Close() error                { return nil }

// requests returns a client's byte stream for the given calls.
func requests(t testing.TB, calls ...any) []byte {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for _, v := range calls {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// FuzzServerCodec feeds arbitrary bytes to a served connection: the server
// must neither panic nor hang nor leave a call behind, whatever the peer
// sends.
func FuzzServerCodec(f *testing.F) {
	f.Add(requests(f,
		requestHeader{ServiceMethod: "Fuzz.Add", Seq: 1, Timeout: 1e9, Metadata: []string{"K", "v"}}, FuzzArgs{1, 2},
		requestHeader{ServiceMethod: "Fuzz.Ping", Seq: 2}, struct{}{},
		requestHeader{ServiceMethod: cancelMethod, Seq: 2}, struct{}{},
		requestHeader{ServiceMethod: "Fuzz.Nope", Seq: 3}, struct{}{},
		requestHeader{ServiceMethod: "Fuzz.Add", Seq: 4}, "not args",
	))
	f.Add(requests(f, requestHeader{ServiceMethod: "Fuzz.Add", Seq: 1}, FuzzArgs{1, 2}, requestHeader{ServiceMethod: "Fuzz.Add", Seq: 1}, FuzzArgs{1, 2}))
	f.Add([]byte{0xFC, 0x40, 0, 0, 0})
	f.Add(requests(f, requestHeader{ServiceMethod: "Plain.Add", Seq: 1}, FuzzArgs{1, 2}, requestHeader{ServiceMethod: "Fuzz.Ping", Seq: 2}, struct{}{}))
	rs := fuzzServer(f)
	opts := newServerOptions([]ServerOption{WithMaxMessageBytes(1024), WithMaxInFlight(4), WithLogger(slog.New(slog.DiscardHandler))})
	f.Fuzz(func(t *testing.T, input []byte) {
		s := &stream{Reader: bytes.NewReader(input)}
		c := newServerCodec(s, opts, methodsOf(rs), nil, nil)
		rs.ServeCodec(c)
		<-c.closed // the workers' calls too
	})
}

// fuzzServer serves FuzzService as "Fuzz", whose calls the codec runs
// itself, and as "Plain", whose calls rpc.Server dispatches.
func fuzzServer(t testing.TB) *rpc.Server {
	rs := rpc.NewServer()
	s := FuzzService{}
	if err := Register(rs, "Fuzz", s, NewMethod("Add", s.Add, Unary(s.add)), NewMethod("Ping", s.Ping, Unary(s.ping))); err != nil {
		t.Fatal(err)
	}
	if err := rs.RegisterName("Plain", s); err != nil {
		t.Fatal(err)
	}
	return rs
}

// The well-formed seed gets the answers a client expects, from either
// dispatch.
func TestServerCodecAnswers(t *testing.T) {
	rs := fuzzServer(t)
	s := &stream{Reader: bytes.NewReader(requests(t,
		requestHeader{ServiceMethod: "Fuzz.Add", Seq: 1}, FuzzArgs{1, 2},
		requestHeader{ServiceMethod: "Fuzz.Nope", Seq: 2}, struct{}{},
		requestHeader{ServiceMethod: "Fuzz.Add", Seq: 3}, "not args",
		requestHeader{ServiceMethod: "Plain.Add", Seq: 4}, FuzzArgs{1, 2},
		requestHeader{ServiceMethod: "Plain.Add", Seq: 5}, "not args",
	))}
	c := newServerCodec(s, newServerOptions([]ServerOption{WithLogger(slog.New(slog.DiscardHandler))}), methodsOf(rs), nil, nil)
	rs.ServeCodec(c)
	<-c.closed

	dec := gob.NewDecoder(&s.out)
	got := map[uint64]string{}
	for {
		var h responseHeader
		if err := dec.Decode(&h); err != nil {
			break
		}
		var sum int
		if h.Error == "" {
			dec.Decode(&sum)
		} else {
			discard(dec)
		}
		got[h.Seq] = h.Code
		if (h.Seq == 1 || h.Seq == 4) && sum != 3 {
			t.Errorf("seq %d: Add(1, 2) = %d", h.Seq, sum)
		}
	}
	want := map[uint64]string{1: "", 2: "unimplemented", 3: "invalid_argument", 4: "", 5: "invalid_argument"}
	for seq, code := range want {
		if c, ok := got[seq]; !ok || c != code {
			t.Errorf("seq %d: code %q (answered %v), want %q", seq, c, ok, code)
		}
	}
}
