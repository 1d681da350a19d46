//go:build linux

package ae

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// checkOneSignal reads the eventfd counter: many posts, one write. It
// writes the value back so the loop still sees the wake-up.
func checkOneSignal(t *testing.T, el *EventLoop) {
	t.Helper()
	var b [8]byte
	if _, err := unix.Read(el.post.wake.rfd, b[:]); err != nil {
		t.Fatalf("read eventfd: %v", err)
	}
	if v := binary.LittleEndian.Uint64(b[:]); v != 1 {
		t.Fatalf("eventfd counter = %d, want 1 (coalesced wake-ups)", v)
	}
	unix.Write(el.post.wake.rfd, b[:])
}
