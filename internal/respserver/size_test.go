package respserver

import (
	"testing"
	"unsafe"
)

// TestClientSize keeps Client in the 256-byte size class, so that a client
// and its 64-byte connection.Conn together cost what Redis's port cost
// before the connection layer (one 320-byte client). Tried: the size of a
// zero Client; expected: at most 256 bytes.
func TestClientSize(t *testing.T) {
	if n := unsafe.Sizeof(Client{}); n > 256 {
		t.Fatalf("Client is %d bytes, want at most 256", n)
	}
}
