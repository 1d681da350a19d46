package connection

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/rlimit"
	"github.com/goae/goae/internal/testenv"
	"golang.org/x/sys/unix"
)

// dialN dials n clients to port, all completing their handshake before
// the loop runs (the backlog holds them), closed at the end.
func dialN(t *testing.T, port, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		t.Cleanup(func() { c.Close() })
	}
}

// acceptAll is an AcceptHandler that takes every connection and keeps it
// for the end of the test.
func acceptAll(t *testing.T, conns *[]*Conn) AcceptHandler {
	return func(c *Conn, ip string, port int) {
		if err := c.Accept(nil); err != nil {
			t.Error(err)
		}
		*conns = append(*conns, c)
		t.Cleanup(c.Close)
	}
}

// Input: 2500 connections pending before the loop runs. Expected: the
// first accept call takes exactly 1000 (MAX_ACCEPTS_PER_CALL), the next
// 1000, the third the last 500; level-triggered epoll brings the handler
// back each iteration; every Conn is non-blocking, StateConnected, with
// the peer's address.
func TestBoundedAcceptBatch(t *testing.T) {
	testenv.RaiseNofile(t, 6000)
	el := newLoop(t, 6000)
	var conns []*Conn
	var peers []string
	l, err := Listen(el, "tcp4", "127.0.0.1:0", ListenConfig{Backlog: 3000, Log: quietLog()}, func(c *Conn, ip string, port int) {
		peers = append(peers, ip+":"+strconv.Itoa(port))
		acceptAll(t, &conns)(c, ip, port)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dialN(t, l.Port(), 2500)
	for i, want := range []int64{1000, 2000, 2500} {
		el.ProcessEvents(ae.FileEvents | ae.DontWait)
		if got := l.Accepted.Load(); got != want {
			t.Fatalf("after iteration %d: accepted %d, want %d", i+1, got, want)
		}
	}
	if calls := l.Calls.Load(); calls != 3 {
		t.Fatalf("accept handler calls = %d, want 3", calls)
	}
	for i, c := range conns {
		fl, _ := unix.FcntlInt(uintptr(c.FD()), unix.F_GETFL, 0)
		if fl&unix.O_NONBLOCK == 0 || c.State() != StateConnected {
			t.Fatalf("conn %d: flags %#x state %v", i, fl, c.State())
		}
		if addr, _ := c.PeerAddr(); addr != peers[i] || addr[:10] != "127.0.0.1:" {
			t.Fatalf("conn %d: PeerAddr %q, handler got %q", i, addr, peers[i])
		}
	}
}

// Input: a pending connection while Hold reports true (Redis's "loading"
// check), then false. Expected: nothing accepted while held, although the
// handler is called; accepted once released.
func TestHold(t *testing.T) {
	el := newLoop(t, 64)
	held := true
	var conns []*Conn
	l, err := Listen(el, "tcp", "127.0.0.1:0", ListenConfig{Log: quietLog(), Hold: func() bool { return held }}, acceptAll(t, &conns))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dialN(t, l.Port(), 3)
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

// Input: Close with a connection pending, and Close from inside the
// accept handler with more pending. Expected: the listener is no longer
// registered and nothing more is accepted; a Listen-made listener's fd is
// closed.
func TestListenerClose(t *testing.T) {
	el := newLoop(t, 64)
	var conns []*Conn
	l, err := Listen(el, "tcp", "127.0.0.1:0", ListenConfig{Log: quietLog()}, acceptAll(t, &conns))
	if err != nil {
		t.Fatal(err)
	}
	dialN(t, l.Port(), 1)
	lfd := l.FD()
	l.Close()
	if el.GetFileEvents(lfd) != ae.None || l.FD() != -1 {
		t.Fatal("listener still registered or open after Close")
	}
	el.ProcessEvents(ae.FileEvents | ae.DontWait)
	if l.Accepted.Load() != 0 {
		t.Fatal("accepted after Close")
	}

	var l2 *Listener
	l2, err = Listen(el, "tcp", "127.0.0.1:0", ListenConfig{Log: quietLog()}, func(c *Conn, _ string, _ int) {
		c.Close()
		l2.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	dialN(t, l2.Port(), 3)
	el.ProcessEvents(ae.FileEvents | ae.DontWait)
	if l2.Accepted.Load() != 1 {
		t.Fatalf("accepted %d after Close from the handler, want 1", l2.Accepted.Load())
	}
}

// Input: the process left with 2 free fds and 6 clients dialled to a
// listener. Expected: 2 are accepted, then accept fails with EMFILE and
// the listener pauses (Paused, Pauses 1, its read event removed) instead
// of being called again and again: 20 more iterations make no more accept
// calls. Once fds are free again, the retry timer re-arms it and the rest
// are accepted.
func TestAcceptPausesOnEMFILE(t *testing.T) {
	el := newLoop(t, 1024)
	var conns []*Conn
	l, err := Listen(el, "tcp", "127.0.0.1:0", ListenConfig{Log: quietLog(), RetryAfter: 50 * time.Millisecond}, acceptAll(t, &conns))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dialN(t, l.Port(), 6)
	restore := testenv.LeaveFreeFds(t, 2)
	el.ProcessEvents(ae.FileEvents | ae.DontWait)
	if l.Accepted.Load() != 2 || !l.Paused() || l.Pauses.Load() != 1 || el.GetFileEvents(l.FD()) != ae.None {
		t.Fatalf("at EMFILE: accepted %d, paused %v (%d), mask %d", l.Accepted.Load(), l.Paused(), l.Pauses.Load(), el.GetFileEvents(l.FD()))
	}
	calls := l.Calls.Load()
	for i := 0; i < 20; i++ {
		el.ProcessEvents(ae.FileEvents | ae.DontWait)
	}
	if l.Calls.Load() != calls {
		t.Fatalf("the paused listener was called %d more times", l.Calls.Load()-calls)
	}
	restore()
	runUntil(t, el, "accept after the pause", func() bool { return l.Accepted.Load() == 6 })
	if l.Paused() {
		t.Fatal("still paused")
	}
}

// Input: two listeners on one port with ReusePort, one without; a unix
// listener with UnixPerm 0600. Expected: the second ReusePort bind
// succeeds, the plain one fails with EADDRINUSE; the socket file has mode
// 0600 and Close removes it; an unknown network is refused.
func TestListenOptions(t *testing.T) {
	el := newLoop(t, 64)
	nop := func(c *Conn, _ string, _ int) { c.Close() }
	a, err := Listen(el, "tcp", "127.0.0.1:0", ListenConfig{ReusePort: true}, nop)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	addr := a.Addr()
	b, err := Listen(el, "tcp", addr, ListenConfig{ReusePort: true}, nop)
	if err != nil {
		t.Fatalf("second SO_REUSEPORT listener on %s: %v", addr, err)
	}
	defer b.Close()
	if _, err := Listen(el, "tcp", addr, ListenConfig{}, nop); err == nil {
		t.Fatal("a listener without SO_REUSEPORT bound the same port")
	}
	path := filepath.Join(t.TempDir(), "s.sock")
	u, err := Listen(el, "unix", path, ListenConfig{UnixPerm: 0o600}, nop)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 || !u.Unix() || u.Addr() != path {
		t.Fatalf("unix socket: %v, %v, Unix %v, Addr %q", st, err, u.Unix(), u.Addr())
	}
	u.Close()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("socket file left after Close: %v", err)
	}
	if _, err := Listen(el, "udp", ":0", ListenConfig{}, nop); err == nil {
		t.Fatal("udp accepted")
	}
}

// Input: 4 loops started with StartLoops, each listening on the same port
// with ReusePort and counting the connections it accepts; 64 clients
// dial it and each sends "x" and reads the reply. Expected: every client
// gets its reply from some loop, more than one loop accepted (the kernel
// spreads connections by their 4-tuple hash: all 64 on one of 4 loops has
// probability 4^-63), and Stop returns with every loop closed.
func TestLoopsShareAPort(t *testing.T) {
	if cur, _, _ := rlimit.NoFile(); cur < 512 {
		t.Skip("RLIMIT_NOFILE too low")
	}
	// A free port, picked first: the setups run concurrently.
	probe, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := probe.Addr().(*net.TCPAddr).Port
	probe.Close()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	counts := make([]int, 4)
	g, err := StartLoops(4, 256, func(i int, el *ae.EventLoop) error {
		q := NewWriteQueue(el)
		el.SetBeforeSleepProc(func(*ae.EventLoop) { q.BeforeSleep() })
		l, err := Listen(el, "tcp4", addr, ListenConfig{ReusePort: true, Log: quietLog()}, func(c *Conn, _ string, _ int) {
			counts[i]++ // this loop's own slot
			c.SetWriteQueue(q)
			c.SetReadHandler(func(c *Conn) {
				var b [16]byte
				if n, err := c.Read(b[:]); err == nil {
					c.AppendString("loop" + strconv.Itoa(i) + ":" + string(b[:n]))
				} else if err != ErrWouldBlock {
					c.Close()
				}
			})
			c.Accept(nil)
		})
		if err != nil {
			return err
		}
		if l.Port() != port {
			return fmt.Errorf("loop %d bound %d", i, l.Port())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 64; i++ {
		c, err := net.DialTimeout("tcp4", "127.0.0.1:"+strconv.Itoa(port), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write([]byte("x"))
		var b [16]byte
		n, err := c.Read(b[:])
		if err != nil || n < 7 {
			t.Fatalf("client %d: %q, %v", i, b[:n], err)
		}
		c.Close()
	}
	g.Stop()
	used := 0
	for _, n := range counts {
		if n > 0 {
			used++
		}
	}
	if used < 2 {
		t.Fatalf("connections per loop %v: the port was not shared", counts)
	}
}

// Input: a listener with Handoff and a nil AcceptHandler, and 3 clients
// pending. Expected: Handoff gets 3 open, non-blocking fds with the peers'
// addresses, and nothing of them is registered on the listener's loop (no
// Conn was made there); a byte written on a handed fd reaches its client.
func TestListenerHandoff(t *testing.T) {
	el := newLoop(t, 64)
	type handed struct {
		fd   int
		ip   string
		port int
	}
	var got []handed
	l, err := Listen(el, "tcp4", "127.0.0.1:0", ListenConfig{Log: quietLog(),
		Handoff: func(fd int, ip string, port int) { got = append(got, handed{fd, ip, port}) }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var clients []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp4", l.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	deadline := time.Now().Add(3 * time.Second)
	for len(got) < 3 && time.Now().Before(deadline) {
		el.ProcessEvents(ae.FileEvents | ae.DontWait)
		time.Sleep(time.Millisecond)
	}
	if len(got) != 3 {
		t.Fatalf("Handoff got %d fds, want 3", len(got))
	}
	for _, h := range got {
		defer unix.Close(h.fd)
		if h.ip != "127.0.0.1" || h.port == 0 {
			t.Errorf("fd %d: peer %q:%d", h.fd, h.ip, h.port)
		}
		if fl, err := unix.FcntlInt(uintptr(h.fd), unix.F_GETFL, 0); err != nil || fl&unix.O_NONBLOCK == 0 {
			t.Errorf("fd %d: flags %#x, %v: not non-blocking", h.fd, fl, err)
		}
		if m := el.GetFileEvents(h.fd); m != ae.None {
			t.Errorf("fd %d: %v registered on the listener's loop", h.fd, m)
		}
	}
	if _, err := unix.Write(got[0].fd, []byte("x")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	// The handed fds are in accept order, which need not be dial order:
	// one of the clients reads the byte.
	read := false
	for _, c := range clients {
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if n, _ := c.Read(buf); n == 1 && buf[0] == 'x' {
			read = true
		}
	}
	if !read {
		t.Error("no client read the byte written on a handed fd")
	}
}
