package observe

import (
	"encoding/json"

	"github.com/stdrpc/stdrpc"
)

// String returns the metrics as JSON, which makes an Observer an
// expvar.Var:
//
//	expvar.Publish("stdrpc", obs) // served at /debug/vars with the others
//
// The value is {"server": [...], "client": [...]}, one object per method
// with the counters the Prometheus metrics have, and its histograms as
// count, sum and the 50th, 90th and 99th percentiles, estimated from the
// buckets as Prometheus's histogram_quantile does.
func (o *Observer) String() string {
	type hist struct {
		Count uint64  `json:"count"`
		Sum   float64 `json:"sum"`
		P50   float64 `json:"p50"`
		P90   float64 `json:"p90"`
		P99   float64 `json:"p99"`
	}
	type method struct {
		Transport     string            `json:"transport"`
		Service       string            `json:"service"`
		Method        string            `json:"method"`
		Started       uint64            `json:"started"`
		Finished      map[string]uint64 `json:"finished"`
		InFlight      *int64            `json:"in_flight,omitempty"`
		StreamsOpen   *int64            `json:"streams_open,omitempty"`
		ItemsSent     *uint64           `json:"items_sent,omitempty"`
		Retries       *uint64           `json:"retries,omitempty"`
		Failovers     *uint64           `json:"failovers,omitempty"`
		Duration      hist              `json:"duration_seconds"`
		RequestBytes  *hist             `json:"request_bytes,omitempty"`
		ResponseBytes *hist             `json:"response_bytes,omitempty"`
	}
	summary := func(h *histogram, scale float64) hist {
		counts := h.load()
		var total uint64
		for _, n := range counts {
			total += n
		}
		return hist{
			Count: total,
			Sum:   float64(h.sum.Load()) / scale,
			P50:   quantile(0.50, h.bounds, counts, total) / scale,
			P90:   quantile(0.90, h.bounds, counts, total) / scale,
			P99:   quantile(0.99, h.bounds, counts, total) / scale,
		}
	}
	out := struct {
		Server []method `json:"server"`
		Client []method `json:"client"`
	}{Server: []method{}, Client: []method{}}
	for _, m := range o.snapshot() {
		v := method{
			Transport: m.transport,
			Service:   m.info.Service,
			Method:    m.info.Method,
			Started:   m.started.Load(),
			Finished:  make(map[string]uint64),
			Duration:  summary(&m.duration, 1e9),
		}
		for code := range m.finished {
			if n := m.finished[code].Load(); n > 0 {
				v.Finished[stdrpc.Code(code).String()] = n
			}
		}
		switch {
		case m.client:
			v.InFlight = ptr(m.active())
			v.Retries = ptr(m.retries.Load())
			v.Failovers = ptr(m.failovers.Load())
		case m.stream:
			v.StreamsOpen = ptr(m.active())
			v.ItemsSent = ptr(m.items.Load())
			v.RequestBytes = ptr(summary(&m.request, 1))
		default:
			v.InFlight = ptr(m.active())
			v.RequestBytes = ptr(summary(&m.request, 1))
			v.ResponseBytes = ptr(summary(&m.response, 1))
		}
		if m.client {
			out.Client = append(out.Client, v)
		} else {
			out.Server = append(out.Server, v)
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "null" // cannot happen: the values are numbers and strings
	}
	return string(b)
}

func ptr[T any](v T) *T { return &v }

// quantile estimates the q-quantile of observations counted in buckets
// with the given upper bounds (the last bucket has none), interpolating
// linearly within the bucket it falls in, as histogram_quantile does. An
// estimate in the last bucket is its lower bound.
func quantile(q float64, bounds []int64, counts []uint64, total uint64) float64 {
	if total == 0 {
		return 0
	}
	rank := q * float64(total)
	var below uint64
	for i, n := range counts {
		if n == 0 || float64(below+n) < rank {
			below += n
			continue
		}
		if i == len(bounds) {
			return float64(bounds[len(bounds)-1])
		}
		lo := 0.0
		if i > 0 {
			lo = float64(bounds[i-1])
		}
		hi := float64(bounds[i])
		return lo + (hi-lo)*(rank-float64(below))/float64(n)
	}
	return float64(bounds[len(bounds)-1])
}
