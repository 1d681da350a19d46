package connection

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"golang.org/x/sys/unix"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newLoop(t testing.TB, setsize int) *ae.EventLoop {
	t.Helper()
	el, err := ae.New(setsize)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { el.Close() })
	return el
}

// pair returns an accepted, connected Conn on one end of a unix
// socketpair and the other end's raw fd (non-blocking), closed at the end.
func pair(t testing.TB, el *ae.EventLoop) (*Conn, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.SetNonblock(fds[0], true)
	unix.SetNonblock(fds[1], true)
	c := NewAcceptedSocket(el, fds[0])
	if err := c.Accept(nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); unix.Close(fds[1]) })
	return c, fds[1]
}

// runUntil runs loop iterations until cond holds, failing after a
// generous bound (a safety net, never the assertion).
func runUntil(t testing.TB, el *ae.EventLoop, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached in 10 s", what)
		}
		el.ProcessEvents(ae.AllEvents | ae.CallBeforeSleep)
	}
}

// drain reads what fd has now, without blocking.
func drain(fd int) []byte {
	var out []byte
	buf := make([]byte, 64*1024)
	for {
		n, err := unix.Read(fd, buf)
		if n <= 0 || err != nil {
			return out
		}
		out = append(out, buf[:n]...)
	}
}
