//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package ae

import (
	"testing"

	"golang.org/x/sys/unix"
)

// checkOneSignal reads the pipe: many posts, one byte. It writes the byte
// back so the loop still sees the wake-up.
func checkOneSignal(t *testing.T, el *EventLoop) {
	t.Helper()
	var b [16]byte
	n, err := unix.Read(el.post.wake.rfd, b[:])
	if err != nil || n != 1 {
		t.Fatalf("wake pipe held %d bytes (%v), want 1", n, err)
	}
	unix.Write(el.post.wake.wfd, b[:1])
}
