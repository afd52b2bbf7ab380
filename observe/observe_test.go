package observe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"expvar"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/rpc"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/feedsvc"
	"github.com/stdrpc/stdrpc/internal/testenv"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
	"github.com/stdrpc/stdrpc/observe"
	"github.com/stdrpc/stdrpc/stdhttp"
)

var _ expvar.Var = (*observe.Observer)(nil)

// system is a Test and a Feed service served over both transports with
// one Observer, and clients of both that report to it.
type system struct {
	obs        *observe.Observer
	log        *recorder
	metricsURL string
	netAddr    string
	httpURL    string

	test map[string]testsvc.Test // by transport
	feed map[string]feedsvc.Feed
}

func start(t *testing.T) *system {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	rec := &recorder{}
	obs := observe.New(observe.WithAccessLog(slog.New(rec), nil))
	s := &system{obs: obs, log: rec, test: map[string]testsvc.Test{}, feed: map[string]feedsvc.Feed{}}

	rs := rpc.NewServer()
	if err := testsvc.RegisterTestNetRPC(rs, &testsvc.Impl{}); err != nil {
		t.Fatal(err)
	}
	if err := feedsvc.RegisterFeedNetRPC(rs, &feedsvc.Impl{}); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := netrpcx.NewServer(rs, netrpcx.WithObserver(obs), netrpcx.WithLogger(quiet))
	go srv.Serve(lis)
	t.Cleanup(func() { srv.Close() })
	s.netAddr = lis.Addr().String()
	c, err := netrpcx.Dial("tcp", s.netAddr, netrpcx.WithClientObserver(obs))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s.test[observe.NetRPC] = testsvc.NewTestNetRPCClient(c)
	s.feed[observe.NetRPC] = feedsvc.NewFeedNetRPCClient(c)

	mux := http.NewServeMux()
	testsvc.RegisterTestHTTP(mux, &testsvc.Impl{}, stdhttp.WithObserver(obs), stdhttp.WithLogger(quiet))
	feedsvc.RegisterFeedHTTP(mux, &feedsvc.Impl{}, stdhttp.WithObserver(obs), stdhttp.WithLogger(quiet))
	mux.Handle("GET /metrics", obs)
	hs := httptest.NewServer(mux) // on 127.0.0.1
	t.Cleanup(hs.Close)
	s.httpURL = hs.URL
	s.metricsURL = hs.URL + "/metrics"
	s.test[observe.HTTP] = testsvc.NewTestHTTPClient(hs.URL, stdhttp.WithClientObserver(obs))
	s.feed[observe.HTTP] = feedsvc.NewFeedHTTPClient(hs.URL, stdhttp.WithClientObserver(obs))
	return s
}

// traffic makes the same known calls over a transport: 3 Adds and a Ping
// that succeed, 2 Divides by zero (invalid_argument), a stream of 3 items
// that ends well and one of 2 items that fails with not_found.
func traffic(t *testing.T, test testsvc.Test, feed feedsvc.Feed) {
	t.Helper()
	ctx := context.Background()
	for i := range 3 {
		if sum, err := test.Add(ctx, i, 1); err != nil || sum != i+1 {
			t.Fatalf("Add(%d, 1) = %d, %v", i, sum, err)
		}
	}
	if err := test.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, _, err := test.Divide(ctx, 1, 0); stdrpc.CodeOf(err) != stdrpc.InvalidArgument {
			t.Fatalf("Divide(1, 0): %v, want invalid_argument", err)
		}
	}
	var items []int
	for v, err := range feed.Count(ctx, 3, "") {
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, v)
	}
	var last error
	for v, err := range feed.Count(ctx, 2, "not_found") {
		if err != nil {
			last = err
			break
		}
		items = append(items, v)
	}
	if len(items) != 5 || stdrpc.CodeOf(last) != stdrpc.NotFound {
		t.Fatalf("streams gave %v and %v; want 1 2 3 1 2 and not_found", items, last)
	}
}

// scrape gets the metrics over HTTP, as Prometheus does, and returns them
// by series (name and labels as written) with the raw body.
func scrape(t *testing.T, url string) (map[string]float64, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != observe.ContentType {
		t.Fatalf("GET /metrics: %s, Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	series := map[string]float64{}
	for line := range strings.Lines(string(body)) {
		line = strings.TrimSuffix(line, "\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		if _, dup := series[line[:i]]; dup {
			t.Fatalf("series %s appears twice", line[:i])
		}
		series[line[:i]] = v
	}
	return series, body
}

func labels(transport, service, method string, more ...string) string {
	l := `{transport="` + transport + `",service="` + service + `",method="` + method + `"`
	for i := 0; i < len(more); i += 2 {
		l += `,` + more[i] + `="` + more[i+1] + `"`
	}
	return l + "}"
}

// TestScrapeCounts scrapes a running server after known traffic on both
// transports and finds every call counted, by code, on both sides.
func TestScrapeCounts(t *testing.T) {
	s := start(t)
	for _, tr := range []string{observe.NetRPC, observe.HTTP} {
		traffic(t, s.test[tr], s.feed[tr])
	}
	// Names the servers do not have are refused and make no series.
	c, err := netrpcx.Dial("tcp", s.netAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Call(context.Background(), "Test.Nope", struct{}{}, nil); stdrpc.CodeOf(err) != stdrpc.Unimplemented {
		t.Fatalf("Test.Nope over net/rpc: %v", err)
	}
	if resp, err := http.Post(s.httpURL+"/Test/Nope", "application/json", strings.NewReader("{}")); err != nil || resp.StatusCode != 404 {
		t.Fatalf("POST /Test/Nope: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	got, body := scrape(t, s.metricsURL)
	want := map[string]float64{}
	for _, tr := range []string{observe.NetRPC, observe.HTTP} {
		for _, side := range []string{"server", "client"} {
			p := "stdrpc_" + side + "_"
			want[p+"calls_started_total"+labels(tr, "Test", "Add")] = 3
			want[p+"calls_finished_total"+labels(tr, "Test", "Add", "code", "ok")] = 3
			want[p+"calls_started_total"+labels(tr, "Test", "Ping")] = 1
			want[p+"calls_finished_total"+labels(tr, "Test", "Ping", "code", "ok")] = 1
			want[p+"calls_started_total"+labels(tr, "Test", "Divide")] = 2
			want[p+"calls_finished_total"+labels(tr, "Test", "Divide", "code", "ok")] = 0
			want[p+"calls_finished_total"+labels(tr, "Test", "Divide", "code", "invalid_argument")] = 2
			want[p+"calls_started_total"+labels(tr, "Feed", "Count")] = 2
			want[p+"calls_finished_total"+labels(tr, "Feed", "Count", "code", "ok")] = 1
			want[p+"calls_finished_total"+labels(tr, "Feed", "Count", "code", "not_found")] = 1
			want[p+"call_duration_seconds_count"+labels(tr, "Test", "Add")] = 3
			want[p+"call_duration_seconds_bucket"+labels(tr, "Test", "Add", "le", "+Inf")] = 3
			want[p+"call_duration_seconds_count"+labels(tr, "Feed", "Count")] = 2
			want[p+"calls_in_flight"+labels(tr, "Test", "Add")] = 0
		}
		want["stdrpc_server_streams_open"+labels(tr, "Feed", "Count")] = 0
		want["stdrpc_server_stream_items_sent_total"+labels(tr, "Feed", "Count")] = 5
		want["stdrpc_server_request_bytes_count"+labels(tr, "Test", "Divide")] = 2
		want["stdrpc_server_response_bytes_count"+labels(tr, "Test", "Divide")] = 2
		want["stdrpc_server_request_bytes_count"+labels(tr, "Feed", "Count")] = 2
		want["stdrpc_client_retries_total"+labels(tr, "Test", "Add")] = 0
		want["stdrpc_client_failovers_total"+labels(tr, "Test", "Add")] = 0
	}
	for series, v := range want {
		if g, ok := got[series]; !ok || g != v {
			t.Errorf("%s = %v (present: %v), want %v", series, g, ok, v)
		}
	}
	for series := range got {
		if strings.Contains(series, `method="Nope"`) {
			t.Errorf("a method the servers lack has a series: %s", series)
		}
		if strings.HasPrefix(series, "stdrpc_server_calls_in_flight") && strings.Contains(series, `method="Count"`) {
			t.Errorf("a stream method has an in-flight gauge: %s", series)
		}
	}
	// A response of Add's is a small JSON number over HTTP: in the
	// smallest bucket; over net/rpc, a gob message of a few bytes.
	for _, tr := range []string{observe.NetRPC, observe.HTTP} {
		if n := got["stdrpc_server_response_bytes_bucket"+labels(tr, "Test", "Add", "le", "64")]; n != 3 {
			t.Errorf("%s: Add responses of at most 64 bytes: %v, want 3", tr, n)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", body)
	}
}

// TestPromtool checks the exposition with Prometheus's own linter.
func TestPromtool(t *testing.T) {
	promtool := testenv.LookPath(t, "sudo apt-get install prometheus", "promtool")
	s := start(t)
	for _, tr := range []string{observe.NetRPC, observe.HTTP} {
		traffic(t, s.test[tr], s.feed[tr])
	}
	observe.New().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/metrics", nil)) // empty: no panic
	s.obs.Retried(observe.HTTP, stdrpc.CallInfo{Service: `we"ird\service`, Method: "Add"})
	_, body := scrape(t, s.metricsURL)
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("promtool check metrics: %v\n%s\nthe metrics:\n%s", err, out, body)
	}
	if dump := os.Getenv("STDRPC_METRICS_DUMP"); dump != "" {
		os.WriteFile(dump, body, 0o644) // to read or show; not a check
	}
}

// TestAccessLog finds one record per call, with what an operator filters
// and alerts on, at the level of its code; a stream's once, at its end.
func TestAccessLog(t *testing.T) {
	s := start(t)
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	ctx := stdrpc.AppendOutgoing(context.Background(), "traceparent", tp)
	for _, tr := range []string{observe.NetRPC, observe.HTTP} {
		if _, err := s.test[tr].Add(ctx, 2, 3); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.test[tr].Divide(context.Background(), 1, 0); err == nil {
			t.Fatal("Divide by zero succeeded")
		}
		n := 0
		for _, err := range s.feed[tr].Count(context.Background(), 4, "") {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	recs := s.log.wait(t, 6)
	for _, tr := range []string{observe.NetRPC, observe.HTTP} {
		add := find(t, recs, tr, "Add")
		if add.level != slog.LevelInfo || add.msg != "call" || add.attrs["service"] != "Test" || add.attrs["code"] != "ok" ||
			add.attrs["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" {
			t.Errorf("%s: Add's record: %+v", tr, add)
		}
		if d, ok := add.attrs["duration"].(time.Duration); !ok || d <= 0 {
			t.Errorf("%s: Add's duration: %v", tr, add.attrs["duration"])
		}
		if p, ok := add.attrs["peer"].(string); !ok || !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("%s: Add's peer: %v", tr, add.attrs["peer"])
		}
		for _, k := range []string{"request_bytes", "response_bytes"} {
			if n, ok := add.attrs[k].(int64); !ok || n <= 0 {
				t.Errorf("%s: Add's %s: %v", tr, k, add.attrs[k])
			}
		}
		div := find(t, recs, tr, "Divide")
		if div.attrs["code"] != "invalid_argument" || div.level != slog.LevelInfo {
			t.Errorf("%s: Divide's record: %+v", tr, div)
		}
		if _, ok := div.attrs["trace_id"]; ok {
			t.Errorf("%s: a call without a trace logged a trace id: %+v", tr, div)
		}
		count := find(t, recs, tr, "Count")
		if count.attrs["items"] != int64(4) || count.attrs["code"] != "ok" {
			t.Errorf("%s: the stream's record: %+v", tr, count)
		}
		if _, ok := count.attrs["response_bytes"]; ok {
			t.Errorf("%s: the stream's record has response_bytes: %+v", tr, count)
		}
	}
	if len(recs) != 6 {
		t.Errorf("%d records, want 6 (one per call):\n%+v", len(recs), recs)
	}
}

// TestAccessLogLevel logs at the level the code is given, and not at all
// below the logger's level.
func TestAccessLogLevel(t *testing.T) {
	rec := &recorder{min: slog.LevelWarn}
	obs := observe.New(observe.WithAccessLog(slog.New(rec), func(c stdrpc.Code) slog.Level {
		if c == stdrpc.InvalidArgument {
			return slog.LevelError
		}
		return slog.LevelDebug
	}))
	hs := httptest.NewServer(testsvc.NewTestHTTPHandler(&testsvc.Impl{}, stdhttp.WithObserver(obs)))
	defer hs.Close()
	test := testsvc.NewTestHTTPClient(hs.URL)
	ctx := context.Background()
	test.Add(ctx, 1, 2)
	test.Divide(ctx, 1, 0)
	recs := rec.wait(t, 1)
	if len(recs) != 1 || recs[0].level != slog.LevelError || recs[0].attrs["method"] != "Divide" {
		t.Fatalf("records %+v; want only Divide's, at ERROR", recs)
	}
	if observe.DefaultLevel(stdrpc.Internal) != slog.LevelError || observe.DefaultLevel(stdrpc.Unavailable) != slog.LevelWarn ||
		observe.DefaultLevel(stdrpc.NotFound) != slog.LevelInfo {
		t.Error("DefaultLevel maps internal, unavailable or not_found otherwise than documented")
	}
}

// TestExpvar reads the same counts as JSON.
func TestExpvar(t *testing.T) {
	s := start(t)
	traffic(t, s.test[observe.HTTP], s.feed[observe.HTTP])
	var v struct {
		Server []struct {
			Transport, Service, Method string
			Started                    uint64
			Finished                   map[string]uint64
			InFlight                   *int64  `json:"in_flight"`
			ItemsSent                  *uint64 `json:"items_sent"`
			Duration                   struct {
				Count         uint64
				P50, P90, P99 float64
			} `json:"duration_seconds"`
		}
		Client []struct{ Service, Method string }
	}
	if err := json.Unmarshal([]byte(s.obs.String()), &v); err != nil {
		t.Fatalf("String is not JSON: %v\n%s", err, s.obs.String())
	}
	seen := 0
	for _, m := range v.Server {
		if m.Transport != observe.HTTP {
			continue // the net/rpc server's methods are there from the start, with nothing counted
		}
		switch m.Service + "." + m.Method {
		case "Test.Divide":
			seen++
			if m.Started != 2 || m.Finished["invalid_argument"] != 2 || m.InFlight == nil || *m.InFlight != 0 || m.Duration.Count != 2 {
				t.Errorf("Test.Divide: %+v", m)
			}
			if !(m.Duration.P50 > 0 && m.Duration.P50 <= m.Duration.P90 && m.Duration.P90 <= m.Duration.P99 && m.Duration.P99 < 10) {
				t.Errorf("Test.Divide's percentiles: %+v", m.Duration)
			}
		case "Feed.Count":
			seen++
			if m.Started != 2 || m.ItemsSent == nil || *m.ItemsSent != 5 || m.Finished["ok"] != 1 || m.Finished["not_found"] != 1 {
				t.Errorf("Feed.Count: %+v", m)
			}
		}
	}
	if seen != 2 || len(v.Client) == 0 {
		t.Errorf("expvar JSON lacks methods: %s", s.obs.String())
	}
}

// record is what a test reads of a slog record.
type record struct {
	level slog.Level
	msg   string
	attrs map[string]any
}

// recorder is a slog.Handler that keeps the records, at min and above.
type recorder struct {
	min  slog.Level
	mu   sync.Mutex
	recs []record
}

func (r *recorder) Enabled(_ context.Context, l slog.Level) bool { return l >= r.min }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler           { return r }
func (r *recorder) WithGroup(string) slog.Handler                { return r }

func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	x := record{level: rec.Level, msg: rec.Message, attrs: map[string]any{}}
	rec.Attrs(func(a slog.Attr) bool {
		x.attrs[a.Key] = a.Value.Any()
		return true
	})
	r.mu.Lock()
	r.recs = append(r.recs, x)
	r.mu.Unlock()
	return nil
}

// wait returns the records once there are n, or fails after 5 seconds: a
// net/rpc call's record is written after its response is sent. It then
// waits a little longer, to catch a record too many.
func (r *recorder) wait(t *testing.T, n int) []record {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.mu.Lock()
		got := len(r.recs)
		r.mu.Unlock()
		if got >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d access log records after 5s, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]record(nil), r.recs...)
}

func find(t *testing.T, recs []record, transport, method string) record {
	t.Helper()
	for _, r := range recs {
		if r.attrs["transport"] == transport && r.attrs["method"] == method {
			return r
		}
	}
	t.Fatalf("no record of %s over %s in %+v", method, transport, recs)
	return record{}
}

// TestAccessLogJSONRPC logs each JSON-RPC call of a batch once, with the
// call's own sizes (its params and result, not the batch's), and counts
// them under the jsonrpc transport.
func TestAccessLogJSONRPC(t *testing.T) {
	rec := &recorder{}
	obs := observe.New(observe.WithAccessLog(slog.New(rec), nil))
	j := stdhttp.NewJSONRPC()
	testsvc.RegisterTestJSONRPC(j, &testsvc.Impl{}, stdhttp.WithObserver(obs), stdhttp.WithLogger(slog.New(slog.DiscardHandler)))
	hs := httptest.NewServer(j)
	defer hs.Close()
	batch := `[{"jsonrpc":"2.0","method":"Test.Add","params":[2,3],"id":1},` +
		`{"jsonrpc":"2.0","method":"Test.Divide","params":{"a":1,"b":0},"id":2}]`
	resp, err := http.Post(hs.URL, "application/json", strings.NewReader(batch))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	recs := rec.wait(t, 2)
	byMethod := map[string]record{}
	for _, r := range recs {
		byMethod[r.attrs["method"].(string)] = r
	}
	add, div := byMethod["Add"], byMethod["Divide"]
	if add.attrs["transport"] != "jsonrpc" || add.attrs["code"] != "ok" || add.attrs["request_bytes"] != int64(len("[2,3]")) || add.attrs["response_bytes"] != int64(len("5")) {
		t.Errorf("Add's record %v; want transport jsonrpc, code ok, request_bytes 5, response_bytes 1", add.attrs)
	}
	if div.attrs["code"] != "invalid_argument" || div.attrs["request_bytes"] != int64(len(`{"a":1,"b":0}`)) {
		t.Errorf("Divide's record %v; want code invalid_argument and request_bytes 13", div.attrs)
	}
	if len(recs) != 2 {
		t.Errorf("%d records for a batch of 2 calls", len(recs))
	}
}
