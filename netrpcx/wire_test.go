package netrpcx_test

import (
	"context"
	"testing"

	"github.com/stdrpc/stdrpc/internal/testsvc"
)

// A message that fits the reader's buffer arrives in one read, however many
// came before it: calls of about 1.3 KiB, one at a time, cost each side
// one read a message, not one more whenever the buffer's end splits one.
func TestOneReadPerMessage(t *testing.T) {
	var n connCounts
	test := countedClient(t, &n)
	ctx := context.Background()
	p := testsvc.NewPayload()
	if _, err := test.Echo(ctx, p); err != nil { // past the hello and the type definitions
		t.Fatal(err)
	}
	n.reset()
	const calls = 30
	for range calls {
		if _, err := test.Echo(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	// A keepalive or a cancel may add a message now and then.
	if got := n.server.reads.Load(); got > calls+2 {
		t.Errorf("the server made %d reads for %d requests, want one each", got, calls)
	}
	if got := n.client.reads.Load(); got > calls+2 {
		t.Errorf("the client made %d reads for %d responses, want one each", got, calls)
	}
}
