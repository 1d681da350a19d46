package main

import (
	"testing"
	"unsafe"
)

// TestClientSize keeps kv's per-connection state in Go's 24-byte size
// class (tried: the size of a zero client; expected: at most 24 bytes).
func TestClientSize(t *testing.T) {
	if n := unsafe.Sizeof(client{}); n > 24 {
		t.Fatalf("client is %d bytes, want at most 24", n)
	}
}
