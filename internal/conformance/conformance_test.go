package conformance_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/conformance"
	"github.com/stdrpc/stdrpc/internal/core"
)

// A tcase is one call, made on every path: the value the caller must see,
// or the error. A path whose shape cannot make the call (a stock net/rpc
// client has no context) skips it; a path listed in refused fails the call
// with the error given there, as the README's Fidelity section documents.
type tcase struct {
	name string
	call func(ctx context.Context, c conformance.Conformance) (any, error)
	want any

	code     stdrpc.Code // the error's code; OK for none
	err      string      // the error's text on remote paths
	localErr string      // the implementation's own error, when it differs
	is       error       // errors.Is(err, is) must hold on every path

	not     []string          // paths the case does not apply to
	refused map[string]string // path → the error text its caller sees instead
	// path → the code its caller sees instead, where the text names
	// addresses that change from run to run
	refusedCode map[string]stdrpc.Code

	// stock is what a stock net/rpc client sees, when gob's own round
	// trip of want is not it: netrpcx carries what gob loses in header
	// fields a stock peer skips, so a stock client sees gob's view.
	stock *sees
}

type sees struct{ v any }

func ptr[T any](v T) *T { return &v }

var (
	est     = time.FixedZone("EST", -5*3600)
	instant = time.Date(2026, 11, 22, 3, 55, 25, 791117131, time.UTC)
)

// full is an Entry with every field set, pointers to zero values and empty
// collections among them.
func full() conformance.Entry {
	return conformance.Entry{
		Name: "full", Note: ptr(""), Count: ptr(0), Tags: []string{}, Data: []byte{},
		Attrs: map[string]string{}, At: instant.In(est), Meta: &conformance.Meta{Note: ptr("")},
		Kids: []*conformance.Entry{{Name: "kid", Tags: []string{}}, {}}, Byte: map[string][]int{"a": {1}},
	}
}

func cases() []tcase {
	echo := func(e conformance.Entry) tcase {
		return tcase{call: func(ctx context.Context, c conformance.Conformance) (any, error) { return c.Echo(ctx, e) }, want: e}
	}
	named := func(name string, tc tcase) tcase { tc.name = name; return tc }
	get := func(key string) func(ctx context.Context, c conformance.Conformance) (any, error) {
		return func(ctx context.Context, c conformance.Conformance) (any, error) { return c.Get(ctx, key) }
	}
	put := func(e *conformance.Entry) func(ctx context.Context, c conformance.Conformance) (any, error) {
		return func(ctx context.Context, c conformance.Conformance) (any, error) { return c.Put(ctx, e) }
	}
	pair := func(s *string, b []byte) tcase {
		return tcase{call: func(ctx context.Context, c conformance.Conformance) (any, error) {
			rs, rb, err := c.Pair(ctx, s, b)
			return []any{rs, rb}, err
		}, want: []any{s, b}}
	}
	bytes := func(b []byte) tcase {
		return tcase{call: func(ctx context.Context, c conformance.Conformance) (any, error) { return c.Bytes(ctx, b) }, want: b}
	}
	maps := func(m map[string]int) tcase {
		return tcase{call: func(ctx context.Context, c conformance.Conformance) (any, error) { return c.Map(ctx, m) }, want: m}
	}
	entries := func(es []*conformance.Entry) tcase {
		return tcase{call: func(ctx context.Context, c conformance.Conformance) (any, error) { return c.Entries(ctx, es) }, want: es}
	}
	times := func(t time.Time) tcase {
		return tcase{call: func(ctx context.Context, c conformance.Conformance) (any, error) { return c.Time(ctx, t) }, want: t}
	}
	fail := func(kind string, code stdrpc.Code, text string) tcase {
		return tcase{name: "error " + kind, call: func(ctx context.Context, c conformance.Conformance) (any, error) {
			return nil, c.Fail(ctx, kind)
		}, code: code, err: text}
	}
	stream := func(n int, kind string, take int) func(ctx context.Context, c conformance.Conformance) (any, error) {
		return func(ctx context.Context, c conformance.Conformance) (any, error) {
			items := []int{}
			for it, err := range c.Count(ctx, n, kind) {
				if err != nil {
					return items, err
				}
				if items = append(items, it.N); len(items) == take {
					break
				}
			}
			return items, nil
		}
	}

	// items yields an item per note, N counting from 1, then, if more is
	// not zero, that many more: a caller whose stream the server ends
	// early.
	items := func(more int, notes ...string) iter.Seq[conformance.Item] {
		return func(yield func(conformance.Item) bool) {
			for i, n := range notes {
				if !yield(conformance.Item{N: i + 1, Note: n}) {
					return
				}
			}
			for i := range more {
				if !yield(conformance.Item{N: len(notes) + i + 1, Note: "more"}) {
					return
				}
			}
		}
	}
	collect := func(in iter.Seq[conformance.Item]) func(ctx context.Context, c conformance.Conformance) (any, error) {
		return func(ctx context.Context, c conformance.Conformance) (any, error) { return c.Collect(ctx, in) }
	}
	relay := func(in iter.Seq[conformance.Item], take int) func(ctx context.Context, c conformance.Conformance) (any, error) {
		return func(ctx context.Context, c conformance.Conformance) (any, error) {
			got := []int{}
			for it, err := range c.Relay(ctx, in) {
				if err != nil {
					return got, err
				}
				if got = append(got, it.N); len(got) == take {
					break
				}
			}
			return got, nil
		}
	}
	// canceling is a caller's stream that cancels the call after its
	// second item, then keeps offering items until the call stops taking
	// them (bounded, so a client that never stops fails the case).
	canceling := func(call func(ctx context.Context, c conformance.Conformance, in iter.Seq[conformance.Item]) (any, error)) func(ctx context.Context, c conformance.Conformance) (any, error) {
		return func(ctx context.Context, c conformance.Conformance) (any, error) {
			ctx, cancel := context.WithCancel(context.WithValue(ctx, cancels{}, true))
			defer cancel()
			in := func(yield func(conformance.Item) bool) {
				for i := range 100_000 {
					if i == 2 {
						cancel()
					}
					if !yield(conformance.Item{N: i + 1, Note: "c"}) {
						return
					}
					if i >= 2 {
						time.Sleep(time.Millisecond) // the call has time to see ctx end
					}
				}
			}
			return call(ctx, c, in)
		}
	}
	// Stock net/rpc peers and JSON-RPC cannot carry the caller's stream:
	// each is refused as unimplemented.
	noCallerStreams := map[string]stdrpc.Code{stock: stdrpc.Unimplemented, rpc2: stdrpc.Unimplemented}

	cs := []tcase{
		named("zero struct", echo(conformance.Entry{})),
		named("nil pointers, slices and maps in a struct", echo(conformance.Entry{Name: "nils"})),
		named("pointers to zero values, empty slices and maps in a struct", echo(full())),
		named("nested nils", echo(conformance.Entry{Meta: &conformance.Meta{}, Kids: []*conformance.Entry{{Meta: &conformance.Meta{Rev: 1}}}})),
		named("values", echo(conformance.Entry{Name: "v", Note: ptr("n"), Count: ptr(7), Tags: []string{"x", ""}, Data: []byte{0, 1},
			Attrs: map[string]string{"k": ""}, Meta: &conformance.Meta{Rev: 2, Note: ptr("m")}})),
		{name: "nil result", call: get("none"), want: (*conformance.Entry)(nil)},
		{name: "pointer to a zero struct as result", call: get("zero"), want: &conformance.Entry{}},
		{name: "full result", call: get("full"), want: conformance.Stored()},
		{name: "error result", call: get("missing"), code: stdrpc.NotFound, err: `not_found: no entry "missing"`},
		// A nil argument reaches the implementation as nil, as it does
		// locally; a stock client cannot send one (its gob encoder panics).
		{name: "nil lone pointer argument", call: put(nil), want: (*conformance.Entry)(nil), not: []string{stock}},
		{name: "lone pointer to a zero struct", call: put(&conformance.Entry{}), want: &conformance.Entry{}},
		func() tcase {
			tc := pair(ptr(""), []byte{})
			tc.name = "pointer to an empty string, empty bytes"
			tc.stock = &sees{[]any{(*string)(nil), []byte(nil)}}
			return tc
		}(),
		named("nil pointer, nil bytes", pair(nil, nil)),
		named("pointer to a string, bytes", pair(ptr("s"), []byte("b"))),
		named("empty bytes as the whole result", bytes([]byte{})),
		named("nil bytes as the whole result", bytes(nil)),
		named("nil map as the whole result", maps(nil)),
		named("empty map as the whole result", maps(map[string]int{})),
		named("map", maps(map[string]int{"a": 1, "": 0})),
		named("empty slice of pointers", entries([]*conformance.Entry{})),
		named("nil slice of pointers", entries(nil)),
		named("slice of pointers to zero structs", entries([]*conformance.Entry{{}, {Note: ptr("")}})),
		func() tcase {
			tc := entries([]*conformance.Entry{{}, nil})
			tc.name = "nil element in a slice"
			tc.code = stdrpc.InvalidArgument
			tc.not = []string{stock} // gob refuses it in the stock client
			tc.refused = map[string]string{netrpc: "invalid_argument: Conformance.Entries: request.Es[1] is nil, and gob cannot send a nil element of a slice, array or map: leave it out, or use values rather than pointers"}
			return tc
		}(),
		named("time in UTC with nanoseconds", times(instant)),
		named("time in a zone", times(instant.In(est))),
		named("time with a monotonic reading", times(time.Now())),
		named("zero time", times(time.Time{})),
		{name: "every marshaler", call: func(ctx context.Context, c conformance.Conformance) (any, error) {
			return c.Marshal(ctx, marshalers())
		}, want: marshalers()},
		{name: "zero marshalers", call: func(ctx context.Context, c conformance.Conformance) (any, error) {
			return c.Marshal(ctx, conformance.Marshalers{})
		}, want: conformance.Marshalers{}},

		fail("bare:not_found", stdrpc.NotFound, "not_found"),
		fail("bare:aborted", stdrpc.Aborted, "aborted"),
		{name: "plain error, text withheld", call: func(ctx context.Context, c conformance.Conformance) (any, error) {
			return nil, c.Fail(ctx, "plain")
		}, code: stdrpc.Unknown, err: "unknown: " + core.WithheldText, localErr: conformance.Secret},
		{name: "wrapped error", call: func(ctx context.Context, c conformance.Conformance) (any, error) {
			return nil, c.Fail(ctx, "wrapped")
		}, code: stdrpc.NotFound, err: "not_found: user 7", localErr: "loading: not_found: user 7"},
		{name: "context error", call: func(ctx context.Context, c conformance.Conformance) (any, error) {
			return nil, c.Fail(ctx, "context")
		}, code: stdrpc.DeadlineExceeded, err: "deadline_exceeded: context deadline exceeded", localErr: "context deadline exceeded", is: context.DeadlineExceeded},
		{name: "error with code ok", call: func(ctx context.Context, c conformance.Conformance) (any, error) {
			return nil, c.Fail(ctx, "ok")
		}, code: stdrpc.Unknown, err: "unknown: an error with code ok", localErr: "ok: an error with code ok", not: []string{local}},
		{name: "error with a code from the future", call: func(ctx context.Context, c conformance.Conformance) (any, error) {
			return nil, c.Fail(ctx, "future")
		}, code: stdrpc.Unknown, err: "unknown: a code from the future", not: []string{local}},
		{name: "panic", call: func(ctx context.Context, c conformance.Conformance) (any, error) {
			return nil, c.Fail(ctx, "panic")
		}, code: stdrpc.Internal, err: "internal: Conformance.Fail panicked; the server's log has the details", not: []string{local}},

		{name: "deadline", call: func(ctx context.Context, c conformance.Conformance) (any, error) {
			ctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			defer cancel()
			return nil, c.Sleep(ctx, time.Minute)
		}, code: stdrpc.DeadlineExceeded, err: "deadline_exceeded: context deadline exceeded", localErr: "context deadline exceeded", is: context.DeadlineExceeded},
		{name: "deadline passed before the call", call: func(ctx context.Context, c conformance.Conformance) (any, error) {
			ctx, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
			defer cancel()
			return nil, c.Sleep(ctx, time.Minute)
		}, code: stdrpc.DeadlineExceeded, err: "deadline_exceeded: context deadline exceeded", localErr: "context deadline exceeded", is: context.DeadlineExceeded},
		{name: "cancellation", call: func(ctx context.Context, c conformance.Conformance) (any, error) {
			ctx, cancel := context.WithCancel(ctx)
			t := time.AfterFunc(20*time.Millisecond, cancel)
			defer t.Stop()
			return nil, c.Sleep(ctx, time.Minute)
		}, code: stdrpc.Canceled, err: "canceled: context canceled", localErr: "context canceled", is: context.Canceled},
		{name: "metadata and interceptors", call: func(ctx context.Context, c conformance.Conformance) (any, error) {
			ctx = stdrpc.AppendOutgoing(ctx, "X-Trace", "1", "x-trace", "2")
			vs, seen, err := c.Meta(ctx, "X-Trace")
			return []any{vs, seen}, err
		}, want: []any{[]string{"1", "2"}, "a(Conformance.Meta)b(Conformance.Meta)"}, not: []string{local}},

		// Over a server's limit (4 MiB on both). A local call has none;
		// a stock client's connection would be closed, and the suite
		// shares it.
		{name: "oversized request", call: func(ctx context.Context, c conformance.Conformance) (any, error) {
			return c.Echo(ctx, conformance.Entry{Data: make([]byte, 5<<20)})
		}, code: stdrpc.ResourceExhausted, err: "resource_exhausted: request body is larger than this server's limit of 4194304 bytes",
			not: []string{local, stock}, refusedCode: map[string]stdrpc.Code{netrpc: stdrpc.Unavailable}},
		{name: "a call after the oversized request", call: get("zero"), want: &conformance.Entry{}},

		{name: "stream", call: stream(3, "", 0), want: []int{1, 2, 3}},
		{name: "empty stream", call: stream(0, "", 0), want: []int{}},
		{name: "stream error after items", call: stream(2, "not_found", 0), want: []int{1, 2}, code: stdrpc.NotFound, err: "not_found: the not_found case"},
		{name: "stream early break", call: stream(100, "", 2), want: []int{1, 2}},
		{name: "stream panic after items", call: stream(1, "panic", 0), want: []int{1}, code: stdrpc.Internal,
			err: "internal: Conformance.Count panicked; the server's log has the details", not: []string{local}},

		// Streams the caller sends: a client stream (Collect) and a
		// bidirectional one (Relay).
		{name: "client stream", call: collect(items(0, "a", "b", "c")), want: conformance.Tally{N: 3, Notes: "a,b,c"}, refusedCode: noCallerStreams},
		{name: "empty client stream", call: collect(items(0)), want: conformance.Tally{}, refusedCode: noCallerStreams},
		{name: "client stream the server ends early", call: collect(items(10_000, "a", "stop")), want: conformance.Tally{N: 2, Notes: "a,stop"}, refusedCode: noCallerStreams},
		{name: "client stream error after items", call: collect(items(5, "a", "not_found")), code: stdrpc.NotFound, err: "not_found: the not_found case", refusedCode: noCallerStreams},
		{name: "client stream canceled by its caller", call: canceling(func(ctx context.Context, c conformance.Conformance, in iter.Seq[conformance.Item]) (any, error) {
			return c.Collect(ctx, in)
		}), code: stdrpc.Canceled, err: "canceled: context canceled", localErr: "context canceled", is: context.Canceled, refusedCode: noCallerStreams},
		{name: "a call after the client streams", call: get("zero"), want: &conformance.Entry{}},
		{name: "bidirectional stream", call: relay(items(0, "a", "b", "c"), 0), want: []int{2, 4, 6}, refusedCode: noCallerStreams},
		{name: "empty bidirectional stream", call: relay(items(0), 0), want: []int{}, refusedCode: noCallerStreams},
		{name: "bidirectional stream the server ends early", call: relay(items(10_000, "a", "stop"), 0), want: []int{2, 4}, refusedCode: noCallerStreams},
		{name: "bidirectional stream the caller breaks", call: relay(items(10_000, "a", "b"), 3), want: []int{2, 4, 6}, refusedCode: noCallerStreams},
		{name: "bidirectional stream error after items", call: relay(items(5, "a", "not_found"), 0), want: []int{2}, code: stdrpc.NotFound, err: "not_found: the not_found case", refusedCode: noCallerStreams},
		{name: "bidirectional stream canceled by its caller", call: canceling(func(ctx context.Context, c conformance.Conformance, in iter.Seq[conformance.Item]) (any, error) {
			return relay(in, 0)(ctx, c)
		}), code: stdrpc.Canceled, err: "canceled: context canceled", localErr: "context canceled", is: context.Canceled, refusedCode: noCallerStreams},
		{name: "a call after the bidirectional streams", call: get("zero"), want: &conformance.Entry{}},
	}
	for c := stdrpc.Canceled; c <= stdrpc.Unauthenticated; c++ {
		cs = append(cs, fail(c.String(), c, c.String()+": the "+c.String()+" case"))
	}
	return cs
}

func marshalers() conformance.Marshalers {
	return conformance.Marshalers{
		Text: conformance.Text{A: 1, B: 2}, Binary: conformance.NewBinaryJSON("bin"), Gob: conformance.NewGobJSON("gob"),
		Mixed: conformance.NewBinaryText(7), Named: 2, Times: []time.Time{instant, instant.In(est)},
	}
}

// TestConformance runs every case on every path.
func TestConformance(t *testing.T) {
	ps := paths(t)
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range ps {
				if slices.Contains(tc.not, p.name) {
					continue
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				got, err := tc.call(ctx, p.c)
				cancel()
				if errors.Is(err, errSkip) {
					continue
				}
				if msg := check(tc, p.name, got, err); msg != "" {
					t.Errorf("%s: %s", p.name, msg)
				}
			}
		})
	}
}

// check returns what is wrong with what a path's caller saw.
func check(tc tcase, path string, got any, err error) string {
	if want, ok := tc.refusedCode[path]; ok {
		if stdrpc.CodeOf(err) != want {
			return fmt.Sprintf("got error %v, want the documented refusal with code %v", err, want)
		}
		return ""
	}
	if want, ok := tc.refused[path]; ok {
		if err == nil || err.Error() != want {
			return fmt.Sprintf("got error %v, want the documented refusal %q", err, want)
		}
		return ""
	}
	if tc.code == stdrpc.OK || tc.err == "" {
		if err != nil {
			return fmt.Sprintf("unexpected error %v", err)
		}
	} else {
		want := tc.err
		if path == local && tc.localErr != "" {
			want = tc.localErr
		}
		switch {
		case err == nil:
			return fmt.Sprintf("no error, want %q", want)
		case stdrpc.CodeOf(err) != tc.code:
			return fmt.Sprintf("error %q has code %v, want %v", err, stdrpc.CodeOf(err), tc.code)
		case err.Error() != want:
			return fmt.Sprintf("error %q, want %q", err, want)
		case tc.is != nil && !errors.Is(err, tc.is):
			return fmt.Sprintf("errors.Is(%q, %v) is false", err, tc.is)
		}
		if path == netrpc || path == httpc {
			if _, ok := err.(*stdrpc.Error); !ok {
				return fmt.Sprintf("error %q is a %T, not a *stdrpc.Error", err, err)
			}
		}
	}
	if tc.want == nil {
		return ""
	}
	want := tc.want
	switch path {
	case stock:
		if tc.stock != nil {
			want = tc.stock.v
		} else {
			want = gobView(want)
		}
	case httpc, plain, rpc2:
		want = jsonView(want)
	}
	if d := diff("", reflect.ValueOf(want), reflect.ValueOf(got)); d != "" {
		return "value differs: " + d
	}
	return ""
}

var timeType = reflect.TypeFor[time.Time]()

// diff compares a value sent with the value that arrived, exactly: nil is
// not empty, a pointer to a zero value is not nil. Times compare as the
// same instant in the same offset from UTC; their monotonic reading and
// their zone's name stay in the process that made them (see the README).
func diff(at string, a, b reflect.Value) string {
	if a.IsValid() != b.IsValid() {
		return fmt.Sprintf("%s: %v vs %v", at, a, b)
	}
	if !a.IsValid() {
		return ""
	}
	if a.Type() != b.Type() {
		return fmt.Sprintf("%s: type %v vs %v", at, a.Type(), b.Type())
	}
	if a.Type() == timeType {
		ta, tb := a.Interface().(time.Time), b.Interface().(time.Time)
		_, oa := ta.Zone()
		_, ob := tb.Zone()
		if !ta.Equal(tb) || oa != ob {
			return fmt.Sprintf("%s: %v vs %v", at, ta, tb)
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() != b.IsNil() {
			return fmt.Sprintf("%s: nil %v vs nil %v", at, a.IsNil(), b.IsNil())
		}
		if a.IsNil() {
			return ""
		}
		return diff(at, a.Elem(), b.Elem())
	case reflect.Slice, reflect.Map:
		if a.IsNil() != b.IsNil() {
			return fmt.Sprintf("%s: nil %v (%v) vs nil %v (%v)", at, a.IsNil(), a, b.IsNil(), b)
		}
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d elements vs %d", at, a.Len(), b.Len())
		}
		if a.Kind() == reflect.Map {
			for _, k := range a.MapKeys() {
				if d := diff(fmt.Sprintf("%s[%v]", at, k), a.MapIndex(k), b.MapIndex(k)); d != "" {
					return d
				}
			}
			return ""
		}
		fallthrough
	case reflect.Array:
		for i := range a.Len() {
			if d := diff(fmt.Sprintf("%s[%d]", at, i), a.Index(i), b.Index(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Struct:
		for i := range a.NumField() {
			name := a.Type().Field(i).Name
			if !a.Type().Field(i).IsExported() {
				if !reflect.DeepEqual(fmt.Sprint(a.Field(i)), fmt.Sprint(b.Field(i))) {
					return fmt.Sprintf("%s.%s: %v vs %v", at, name, a.Field(i), b.Field(i))
				}
				continue
			}
			if d := diff(at+"."+name, a.Field(i), b.Field(i)); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return fmt.Sprintf("%s: %#v vs %#v", at, a.Interface(), b.Interface())
	}
	return ""
}

// gobView is v as gob delivers it: what a stock net/rpc peer sees.
func gobView(v any) any {
	if _, ok := v.([]any); ok {
		return v // several results: each case states gob's view itself
	}
	var buf bytes.Buffer
	in := reflect.New(reflect.TypeOf(v))
	in.Elem().Set(reflect.ValueOf(v))
	if err := gob.NewEncoder(&buf).EncodeValue(in); err != nil {
		return fmt.Sprintf("gob cannot encode %#v: %v", v, err)
	}
	out := reflect.New(reflect.TypeOf(v))
	if err := gob.NewDecoder(&buf).DecodeValue(out); err != nil {
		return fmt.Sprintf("gob cannot decode %#v: %v", v, err)
	}
	return out.Elem().Interface()
}

// jsonView is v as the JSON transports deliver it: every nil slice and map
// (a nil []byte too) empty, at any depth, as a client in another language
// needs them; pointers stay as they are. A result of several values
// ([]any) is viewed value by value.
func jsonView(v any) any {
	if v == nil {
		return nil
	}
	in := reflect.ValueOf(v)
	out := reflect.New(in.Type()).Elem()
	emptied(out, in, 0)
	return out.Interface()
}

// emptied sets out, a settable value of in's type, to a deep copy of in with
// nil slices and maps made empty.
func emptied(out, in reflect.Value, depth int) {
	if depth > 100 {
		panic("jsonView: a value this deep is not in the suite")
	}
	switch in.Kind() {
	case reflect.Slice:
		out.Set(reflect.MakeSlice(in.Type(), in.Len(), in.Len()))
		for i := range in.Len() {
			emptied(out.Index(i), in.Index(i), depth+1)
		}
	case reflect.Map:
		out.Set(reflect.MakeMapWithSize(in.Type(), in.Len()))
		for it := in.MapRange(); it.Next(); {
			e := reflect.New(in.Type().Elem()).Elem()
			emptied(e, it.Value(), depth+1)
			out.SetMapIndex(it.Key(), e)
		}
	case reflect.Pointer:
		if in.IsNil() {
			return
		}
		out.Set(reflect.New(in.Type().Elem()))
		emptied(out.Elem(), in.Elem(), depth+1)
	case reflect.Interface:
		if in.IsNil() {
			return
		}
		e := reflect.New(in.Elem().Type()).Elem()
		emptied(e, in.Elem(), depth+1)
		out.Set(e)
	case reflect.Struct:
		out.Set(in) // unexported fields (a time's, a marshaler's) as they are
		for i := range in.NumField() {
			if in.Type().Field(i).IsExported() {
				emptied(out.Field(i), in.Field(i), depth+1)
			}
		}
	default:
		out.Set(in)
	}
}
