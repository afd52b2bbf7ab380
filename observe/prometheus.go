package observe

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/stdrpc/stdrpc"
)

// ContentType is the media type of the metrics ServeHTTP writes:
// Prometheus's text exposition format, version 0.0.4.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// ServeHTTP writes the metrics in Prometheus's text exposition format,
// which Prometheus, the OpenTelemetry Collector's Prometheus receiver,
// VictoriaMetrics, Grafana Agent and Datadog scrape:
//
//	mux.Handle("GET /metrics", obs)
//
// Every series has the labels transport, service and method; the finished
// counters also code (a stdrpc code, such as "not_found"). The package
// documentation lists the metrics.
func (o *Observer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b := o.AppendText(nil)
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}

// snapshot returns the methods, servers' first, then sorted by transport,
// service and method.
func (o *Observer) snapshot() []*Method {
	o.mu.Lock()
	ms := make([]*Method, 0, len(o.methods))
	for _, m := range o.methods {
		ms = append(ms, m)
	}
	o.mu.Unlock()
	slices.SortFunc(ms, func(a, b *Method) int {
		if a.client != b.client {
			if a.client {
				return 1
			}
			return -1
		}
		return cmp.Or(
			strings.Compare(a.transport, b.transport),
			strings.Compare(a.info.Service, b.info.Service),
			strings.Compare(a.info.Method, b.info.Method),
		)
	})
	return ms
}

// A family is one metric: its name, help, type, which methods have it,
// and how to write a method's samples.
type family struct {
	name, help, typ string
	client          bool
	has             func(*Method) bool
	write           func(b []byte, name, labels string, m *Method) []byte
}

func always(*Method) bool         { return true }
func unary(m *Method) bool        { return !m.stream }
func serverStream(m *Method) bool { return m.stream }

var families = []family{
	{name: "stdrpc_server_calls_started_total", typ: "counter", has: always,
		help:  "Calls the server began to serve; a stream is one call.",
		write: counter(func(m *Method) uint64 { return m.started.Load() })},
	{name: "stdrpc_server_calls_finished_total", typ: "counter", has: always,
		help:  "Calls the server finished serving, by the stdrpc code they ended with.",
		write: finished},
	{name: "stdrpc_server_calls_in_flight", typ: "gauge", has: unary,
		help:  "Unary calls being served now.",
		write: gauge(func(m *Method) int64 { return m.active() })},
	{name: "stdrpc_server_streams_open", typ: "gauge", has: serverStream,
		help:  "Server streams open now.",
		write: gauge(func(m *Method) int64 { return m.active() })},
	{name: "stdrpc_server_stream_items_sent_total", typ: "counter", has: serverStream,
		help:  "Items the server's streams sent.",
		write: counter(func(m *Method) uint64 { return m.items.Load() })},
	{name: "stdrpc_server_call_duration_seconds", typ: "histogram", has: always,
		help:  "Time from a call's request to its response (a stream's: to its end).",
		write: hist(func(m *Method) *histogram { return &m.duration }, 1e9)},
	{name: "stdrpc_server_request_bytes", typ: "histogram", has: always,
		help:  "Size of requests as received: the body over HTTP, the body's gob message over net/rpc.",
		write: hist(func(m *Method) *histogram { return &m.request }, 1)},
	{name: "stdrpc_server_response_bytes", typ: "histogram", has: unary,
		help:  "Size of unary calls' responses as sent: the body over HTTP, the body's gob message over net/rpc.",
		write: hist(func(m *Method) *histogram { return &m.response }, 1)},

	{name: "stdrpc_client_calls_started_total", typ: "counter", client: true, has: always,
		help:  "Calls the client began; a stream is one call.",
		write: counter(func(m *Method) uint64 { return m.started.Load() })},
	{name: "stdrpc_client_calls_finished_total", typ: "counter", client: true, has: always,
		help:  "Calls the client finished, by the stdrpc code they ended with.",
		write: finished},
	{name: "stdrpc_client_calls_in_flight", typ: "gauge", client: true, has: always,
		help:  "Calls (streams included) the client is making now.",
		write: gauge(func(m *Method) int64 { return m.active() })},
	{name: "stdrpc_client_call_duration_seconds", typ: "histogram", client: true, has: always,
		help:  "Time from a call's start to its result as the caller saw it, retries included.",
		write: hist(func(m *Method) *histogram { return &m.duration }, 1e9)},
	{name: "stdrpc_client_retries_total", typ: "counter", client: true, has: always,
		help:  "Attempts of idempotent calls sent again after an attempt that may have reached a server failed.",
		write: counter(func(m *Method) uint64 { return m.retries.Load() })},
	{name: "stdrpc_client_failovers_total", typ: "counter", client: true, has: always,
		help:  "Calls moved to another server because they could not be sent where they were going.",
		write: counter(func(m *Method) uint64 { return m.failovers.Load() })},
}

// AppendText appends the metrics in Prometheus's text exposition format to
// b and returns the result; ServeHTTP writes it.
func (o *Observer) AppendText(b []byte) []byte {
	ms := o.snapshot()
	labels := make([]string, len(ms))
	for i, m := range ms {
		labels[i] = labelsOf(m)
	}
	for _, f := range families {
		header := false
		for i, m := range ms {
			if m.client != f.client || !f.has(m) {
				continue
			}
			if !header {
				header = true
				b = append(b, "# HELP "...)
				b = append(b, f.name...)
				b = append(b, ' ')
				b = append(b, f.help...)
				b = append(b, "\n# TYPE "...)
				b = append(b, f.name...)
				b = append(b, ' ')
				b = append(b, f.typ...)
				b = append(b, '\n')
			}
			b = f.write(b, f.name, labels[i], m)
		}
	}
	return b
}

func labelsOf(m *Method) string {
	var b []byte
	b = append(b, `transport="`...)
	b = appendLabelValue(b, m.transport)
	b = append(b, `",service="`...)
	b = appendLabelValue(b, m.info.Service)
	b = append(b, `",method="`...)
	b = appendLabelValue(b, m.info.Method)
	b = append(b, '"')
	return string(b)
}

// appendLabelValue escapes a label value as the text format requires:
// backslash, double quote and line feed.
func appendLabelValue(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

func sample(b []byte, name, labels, extra string) []byte {
	b = append(b, name...)
	b = append(b, '{')
	b = append(b, labels...)
	b = append(b, extra...)
	b = append(b, "} "...)
	return b
}

func counter(v func(*Method) uint64) func([]byte, string, string, *Method) []byte {
	return func(b []byte, name, labels string, m *Method) []byte {
		b = sample(b, name, labels, "")
		b = strconv.AppendUint(b, v(m), 10)
		return append(b, '\n')
	}
}

func gauge(v func(*Method) int64) func([]byte, string, string, *Method) []byte {
	return func(b []byte, name, labels string, m *Method) []byte {
		b = sample(b, name, labels, "")
		b = strconv.AppendInt(b, v(m), 10)
		return append(b, '\n')
	}
}

// finished writes a sample per code a call ended with, and one for ok
// even before any call did, so that rates of success start from zero.
func finished(b []byte, name, labels string, m *Method) []byte {
	for code := range m.finished {
		n := m.finished[code].Load()
		if n == 0 && code != int(stdrpc.OK) {
			continue
		}
		b = sample(b, name, labels, `,code="`+stdrpc.Code(code).String()+`"`)
		b = strconv.AppendUint(b, n, 10)
		b = append(b, '\n')
	}
	return b
}

// hist writes a histogram whose observations are in units of 1/scale of
// the metric's unit (nanoseconds for seconds: 1e9).
func hist(h func(*Method) *histogram, scale float64) func([]byte, string, string, *Method) []byte {
	return func(b []byte, name, labels string, m *Method) []byte {
		hg := h(m)
		counts := hg.load()
		var total uint64
		for i, n := range counts {
			total += n
			le := "+Inf"
			if i < len(hg.bounds) {
				le = strconv.FormatFloat(float64(hg.bounds[i])/scale, 'g', -1, 64)
			}
			b = sample(b, name+"_bucket", labels, `,le="`+le+`"`)
			b = strconv.AppendUint(b, total, 10)
			b = append(b, '\n')
		}
		b = sample(b, name+"_sum", labels, "")
		b = strconv.AppendFloat(b, float64(hg.sum.Load())/scale, 'g', -1, 64)
		b = append(b, '\n')
		b = sample(b, name+"_count", labels, "")
		b = strconv.AppendUint(b, total, 10)
		return append(b, '\n')
	}
}

// load returns the counts of the buckets.
func (h *histogram) load() []uint64 {
	out := make([]uint64, len(h.counts))
	for i := range h.counts {
		out[i] = h.counts[i].Load()
	}
	return out
}
