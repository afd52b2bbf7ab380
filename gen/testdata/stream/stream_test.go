package stream

import (
	"bufio"
	"context"
	"net/http"
	"net/rpc"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/gen/testdata/looptest"
	"github.com/stdrpc/stdrpc/gen/testdata/stream/iter"
	"github.com/stdrpc/stdrpc/gen/testdata/stream/other"
)

// collect ranges over seq, returning its items and the error that ended it.
func collect[T any](seq func(func(T, error) bool)) ([]T, error) {
	var items []T
	for v, err := range seq {
		if err != nil {
			return items, err
		}
		items = append(items, v)
	}
	return items, nil
}

func TestRoundTrip(t *testing.T) {
	ended := make(chan struct{}, 1)
	srv := impl{ended: ended}
	nc := looptest.NetRPC(t, func(s *rpc.Server) error {
		if err := RegisterEventsNetRPC(s, srv); err != nil {
			return err
		}
		return RegisterAliasedNetRPC(s, aliased{})
	})
	mux := http.NewServeMux()
	RegisterEventsHTTP(mux, srv)
	RegisterAliasedHTTP(mux, aliased{})
	url := looptest.HTTP(t, mux)

	type clients struct {
		events  Events
		aliased Aliased
	}
	for name, c := range map[string]clients{
		"netrpc": {NewEventsNetRPCClient(nc), NewAliasedNetRPCClient(nc)},
		"http":   {NewEventsHTTPClient(url), NewAliasedHTTPClient(url)},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()

			events, err := collect(c.events.Watch(ctx, "news", 7, []string{"a", "b"}))
			want := []Event{{"news", 7, []string{"a", "b"}}, {"news", 8, []string{"a", "b"}}, {"news", 9, []string{"a", "b"}}}
			if err != nil || !reflect.DeepEqual(events, want) {
				t.Errorf("Watch = %v, %v; want %v in order", events, err, want)
			}

			levels, err := collect(c.events.Levels(ctx, 3, ""))
			if err != nil || !reflect.DeepEqual(levels, []other.Level{1, 2, 3}) {
				t.Errorf("Levels = %v, %v; want [1 2 3]", levels, err)
			}
			levels, err = collect(c.events.Levels(ctx, 2, "not_found"))
			if !reflect.DeepEqual(levels, []other.Level{1, 2}) || stdrpc.CodeOf(err) != stdrpc.NotFound {
				t.Errorf("Levels failing = %v, %v; want [1 2] then a not_found error", levels, err)
			}

			pages, err := collect(c.events.Pages(ctx, 2))
			wantPages := []Page[other.Level]{{Items: []other.Level{1}, Next: 2}, {Items: []other.Level{1, 2}, Next: 3}}
			if err != nil || !reflect.DeepEqual(pages, wantPages) {
				t.Errorf("Pages = %v, %v; want %v", pages, err, wantPages)
			}

			sums, err := collect(c.events.Iter(ctx, 1, "ab", "cde"))
			if err != nil || !reflect.DeepEqual(sums, []int{6}) {
				t.Errorf("Iter = %v, %v; want [6]", sums, err)
			}

			items, err := collect(c.aliased.Items(ctx, 3))
			if err != nil || !reflect.DeepEqual(items, []iter.Item[string]{{V: "a"}, {V: "b"}, {V: "c"}}) {
				t.Errorf("Items = %v, %v; want [{a} {b} {c}]", items, err)
			}

			sum, err := c.events.Add(ctx, 2, 3)
			if err != nil || sum != 5 {
				t.Errorf("Add = %v, %v; want 5", sum, err)
			}

			// Breaking out of the loop ends the server's stream.
			var got []int
			for n, err := range c.events.Forever(ctx) {
				if err != nil {
					t.Fatalf("Forever: %v", err)
				}
				got = append(got, n)
				if len(got) == 3 {
					break
				}
			}
			if !reflect.DeepEqual(got, []int{1, 2, 3}) {
				t.Errorf("Forever = %v; want [1 2 3]", got)
			}
			select {
			case <-ended:
			case <-time.After(10 * time.Second):
				t.Errorf("the server's Forever stream still runs 10s after the client broke out of its loop")
			}
		})
	}
}

// TestRoute reads Watch's GET route as NDJSON: the path and the query bind
// to the parameters.
func TestRoute(t *testing.T) {
	url := looptest.HTTP(t, NewEventsHTTPHandler(impl{}))
	req, err := http.NewRequest("GET", url+"/topics/news/events?from=4&tags=x&tags=y", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var lines []string
	for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
		lines = append(lines, sc.Text())
	}
	want := []string{
		`{"result":{"Topic":"news","Seq":4,"Tags":["x","y"]}}`,
		`{"result":{"Topic":"news","Seq":5,"Tags":["x","y"]}}`,
		`{"result":{"Topic":"news","Seq":6,"Tags":["x","y"]}}`,
		`{"end":true}`,
	}
	if resp.StatusCode != http.StatusOK || !reflect.DeepEqual(lines, want) {
		t.Errorf("GET /topics/news/events = %d\n%s\nwant 200\n%s", resp.StatusCode, strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}
