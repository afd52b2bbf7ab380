package netrpcx

import (
	"testing"
	"unsafe"
)

// Parallel calls on different shards must not contend through a shared
// cache line, so a shard fills exactly one 64-byte line.
func TestRegistryShardFillsACacheLine(t *testing.T) {
	if size := unsafe.Sizeof(calls.shards[0]); size != 64 {
		t.Errorf("a registry shard is %d bytes; adjust its padding to make it 64", size)
	}
}
