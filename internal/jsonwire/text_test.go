package jsonwire

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Short strings share blocks. Strings of every length around the limits,
// escaped or not, many to a document, come out as encoding/json reads
// them, and stay so after the decoder reads other documents, in other
// goroutines (under -race), into blocks of their own.
func TestSharedStrings(t *testing.T) {
	var want [][]string
	for g := range 8 {
		var doc []string
		for n := range maxShared + 8 {
			s := strings.Repeat(string(rune('a'+g)), n)
			if n%5 == 3 {
				s = `"\u00e9` + s // escaped, and longer decoded than read
			}
			doc = append(doc, s)
		}
		want = append(want, doc)
	}
	var (
		mu  sync.Mutex
		d   Decoder // shared, as a pooled one is, one goroutine at a time
		got = make([][]string, len(want))
	)
	var wg sync.WaitGroup
	for g, doc := range want {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data, _ := json.Marshal(doc)
			mu.Lock()
			d.Reset(data)
			var out []string
			for more := d.Array(); more; more = d.NextElem() {
				s, _ := d.String()
				out = append(out, s)
			}
			err := d.End()
			d.Reset(nil)
			mu.Unlock()
			if err != nil {
				t.Errorf("document %d: %v", g, err)
			}
			got[g] = out
		}()
	}
	wg.Wait()
	// Every document again, so that the blocks of the first reads would
	// be overwritten if they were reused.
	for _, doc := range want {
		data, _ := json.Marshal(doc)
		d.Reset(data)
		for more := d.Array(); more; more = d.NextElem() {
			d.String()
		}
	}
	for g := range want {
		if fmt.Sprint(got[g]) != fmt.Sprint(want[g]) {
			t.Errorf("document %d read as\n%q\nwant\n%q", g, got[g], want[g])
		}
	}
}

func TestMapKeysShared(t *testing.T) {
	var d Decoder
	d.Reset([]byte(`{"a": 1, "bb": 2, "ccc": 3}`))
	var keys []string
	for more := d.Object(); more; more = d.NextMember() {
		keys = append(keys, d.MapKey())
		d.Skip()
	}
	d.Reset([]byte(`{"xxxxxxxx": 1}`))
	d.Object()
	d.MapKey()
	if fmt.Sprint(keys) != "[a bb ccc]" {
		t.Errorf("keys %q, want [a bb ccc]", keys)
	}
}
