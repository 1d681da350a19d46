package main

import (
	"testing"
	"unsafe"
)

// TestConnSize keeps conn in the 256-byte size class: a server holds one
// per client, idle or not, so a field added here costs every idle
// connection (bench/memcache.sh MODE=conns; memcached's conn costs about
// 640 bytes in all). What only a busy conn needs is lent by its worker
// (the read and reply buffers, the parser's scratch) or made on first use
// (an ms's echo list).
func TestConnSize(t *testing.T) {
	if n := unsafe.Sizeof(conn{}); n > 256 {
		t.Fatalf("conn is %d bytes, want at most 256", n)
	}
}
