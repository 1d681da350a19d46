package listener

import (
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"golang.org/x/sys/unix"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// setup returns a loop and a listening socket with a backlog large enough
// to hold n pending connections, and dials n clients that all complete
// their handshake before the loop runs.
func setup(t *testing.T, n int) (*ae.EventLoop, int) {
	t.Helper()
	el, err := ae.New(2*n + 256)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { el.Close() })
	lfd, err := anet.TCPServer(0, "127.0.0.1", n+100)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(lfd) })
	_, port, _ := anet.FdToString(lfd, anet.SockName)
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", anet.FormatAddr("127.0.0.1", port))
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		t.Cleanup(func() { c.Close() })
	}
	return el, lfd
}

// Input: 2500 connections pending before the loop runs. Expected: the
// first accept call takes exactly 1000 (MAX_ACCEPTS_PER_CALL), the next
// 1000, the third the last 500; level-triggered epoll brings the handler
// back each iteration.
func TestBoundedAcceptBatch(t *testing.T) {
	var rl unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_NOFILE, &rl)
	if rl.Cur < 6000 {
		t.Skipf("RLIMIT_NOFILE %d is too low for 2500 connection pairs", rl.Cur)
	}
	el, lfd := setup(t, 2500)
	var fds []int
	l, err := New(el, lfd, Config{Log: quietLog()}, func(fd int, ip string, port int) {
		if ip != "127.0.0.1" || port == 0 {
			t.Errorf("peer %s:%d", ip, port)
		}
		fds = append(fds, fd)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	})
	for i, want := range []int64{1000, 2000, 2500} {
		el.ProcessEvents(ae.FileEvents | ae.DontWait)
		if got := l.Accepted.Load(); got != want {
			t.Fatalf("after iteration %d: accepted %d, want %d", i+1, got, want)
		}
	}
	if calls := l.Calls.Load(); calls != 3 {
		t.Fatalf("accept handler calls = %d, want 3", calls)
	}
	for _, fd := range fds {
		if fl, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); fl&unix.O_NONBLOCK == 0 {
			t.Fatalf("accepted fd %d is blocking", fd)
		}
	}
}

// Input: a pending connection while Hold reports true (Redis's "loading"
// check), then false. Expected: nothing accepted while held, although the
// handler is called; accepted once released.
func TestHold(t *testing.T) {
	el, lfd := setup(t, 3)
	held := true
	var fds []int
	l, err := New(el, lfd, Config{Log: quietLog(), Hold: func() bool { return held }}, func(fd int, _ string, _ int) {
		fds = append(fds, fd)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	})
	for i := 0; i < 3; i++ {
		el.ProcessEvents(ae.FileEvents | ae.DontWait)
	}
	if l.Accepted.Load() != 0 || l.Calls.Load() != 3 {
		t.Fatalf("while held: accepted %d, calls %d; want 0, 3", l.Accepted.Load(), l.Calls.Load())
	}
	held = false
	el.ProcessEvents(ae.FileEvents | ae.DontWait)
	if l.Accepted.Load() != 3 {
		t.Fatalf("after release: accepted %d, want 3", l.Accepted.Load())
	}
}

// Input: Close with a connection pending. Expected: the listener is no
// longer registered and nothing is accepted.
func TestClose(t *testing.T) {
	el, lfd := setup(t, 1)
	l, err := New(el, lfd, Config{Log: quietLog()}, func(fd int, _ string, _ int) { unix.Close(fd) })
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if el.GetFileEvents(lfd) != ae.None {
		t.Fatal("listener still registered after Close")
	}
	el.ProcessEvents(ae.FileEvents | ae.DontWait)
	if l.Accepted.Load() != 0 {
		t.Fatal("accepted after Close")
	}
}
