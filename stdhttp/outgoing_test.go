package stdhttp_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stdrpc/stdrpc/stdhttp"
)

// A request body is copied into its request's allocation, in a room
// sized for it. Bodies of every size around the rooms' edges, sent
// concurrently under -race over each protocol, arrive whole, each with
// no byte of another.
func TestRequestBodySizes(t *testing.T) {
	var sizes []int
	for _, edge := range []int{0, 64, 128, 192, 256, 320, 384, 512, 640, 768, 1024, 1280, 1536, 2048, 2560, 3072, 4096, 8192} {
		for d := -3; d <= 3; d++ {
			if n := edge + d; n >= 0 {
				sizes = append(sizes, n)
			}
		}
	}
	forEachProto(t, func(t *testing.T, serve func(func(*stdhttp.Service), ...stdhttp.ServerOption) *stdhttp.Client) {
		c := serve(func(s *stdhttp.Service) {
			stdhttp.Handle(s, "Echo", func(ctx context.Context, req *string) (string, error) { return *req, nil })
		})
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, n := range sizes {
					// The JSON of s is n bytes long: two quotes around n-2 letters.
					s := strings.Repeat(string(rune('a'+g)), max(n-2, 0))
					var got string
					if err := c.Call(context.Background(), "/Dev/Echo", &s, &got); err != nil || got != s {
						t.Errorf("a body of %d bytes came back as %d bytes (%v)", len(s)+2, len(got), err)
						return
					}
				}
			}()
		}
		wg.Wait()
	})
}
