package connection

import (
	"testing"
	"unsafe"
)

// TestConnSize keeps Conn in the 64-byte size class: a server holds one
// per client, so a field added here costs every idle connection (tried:
// the size of a zero Conn; expected: at most 64 bytes, what an idle
// accepted connection costs besides its kernel socket).
func TestConnSize(t *testing.T) {
	if n := unsafe.Sizeof(Conn{}); n > 64 {
		t.Fatalf("Conn is %d bytes, want at most 64: move what only some connections use to connAux", n)
	}
}
