package anet_test

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goae/goae/anet"
)

// Helpers shared by the tests. Every fd a test opens is closed by a
// t.Cleanup registered right after it is opened.

// closeLater closes fd when the test ends.
func closeLater(t testing.TB, fd int) {
	t.Helper()
	t.Cleanup(func() { unix.Close(fd) })
}

// listenTCP4 returns a listening socket on 127.0.0.1 and the free port
// the kernel chose for it.
func listenTCP4(t testing.TB) (fd, port int) {
	t.Helper()
	fd, err := anet.TCPServer(0, "127.0.0.1", 16)
	if err != nil {
		t.Fatalf("TCPServer(0, 127.0.0.1): %v", err)
	}
	closeLater(t, fd)
	_, port, err = anet.FdToString(fd, anet.SockName)
	if err != nil || port == 0 {
		t.Fatalf("FdToString(listener, SockName) = port %d, %v", port, err)
	}
	return fd, port
}

// waitFD polls fd for events for up to five seconds and returns the
// revents. poll(2) is never restarted after a signal, and the Go runtime
// sends signals to preempt goroutines, so EINTR is retried.
func waitFD(t testing.TB, fd int, events int16) int16 {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("fd %d: no event %#x within 5s", fd, events)
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: events}}
		n, err := unix.Poll(pfd, int(left/time.Millisecond)+1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		if n > 0 {
			return pfd[0].Revents
		}
	}
}

// connectPair returns a connected TCP pair on loopback: the client fd
// from TCPNonBlockConnect (connection finished with GetError) and the
// accepted fd with the address TCPAccept reported.
func connectPair(t testing.TB) (client, server int, ip string, port int) {
	t.Helper()
	lfd, lport := listenTCP4(t)
	client, err := anet.TCPNonBlockConnect("127.0.0.1", lport)
	if err != nil {
		t.Fatalf("TCPNonBlockConnect: %v", err)
	}
	closeLater(t, client)
	waitFD(t, client, unix.POLLOUT)
	if err := anet.GetError(client); err != nil {
		t.Fatalf("GetError after connect to a listener = %v, want nil", err)
	}
	server, ip, port, err = anet.TCPAccept(lfd) // lfd is blocking: waits
	if err != nil {
		t.Fatalf("TCPAccept: %v", err)
	}
	closeLater(t, server)
	return client, server, ip, port
}

// fdFlags returns the file status flags (F_GETFL) and the descriptor
// flags (F_GETFD) of fd.
func fdFlags(t testing.TB, fd int) (fl, fdfl int) {
	t.Helper()
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		t.Fatalf("F_GETFL: %v", err)
	}
	fdfl, err = unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil {
		t.Fatalf("F_GETFD: %v", err)
	}
	return fl, fdfl
}

func getsockoptInt(t testing.TB, fd, level, opt int) int {
	t.Helper()
	v, err := unix.GetsockoptInt(fd, level, opt)
	if err != nil {
		t.Fatalf("getsockopt(%d, %d): %v", level, opt, err)
	}
	return v
}

// checkErr fails unless err wraps want and its message is exactly msg.
func checkErr(t testing.TB, what string, err, want error, msg string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want errors.Is %v", what, err, want)
		return
	}
	if err.Error() != msg {
		t.Errorf("%s: message %q, want %q", what, err.Error(), msg)
	}
}

// rawSocket returns a TCP socket made without the package, so without
// SO_REUSEADDR, close-on-exec or O_NONBLOCK.
func rawSocket(t testing.TB) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	closeLater(t, fd)
	return fd
}

// TestNonBlockBlock: on a fresh (blocking) socket, Block is a no-op,
// NonBlock sets O_NONBLOCK, NonBlock again keeps it, Block clears it; on
// a bad fd both fail with
// "fcntl(F_GETFL): bad file descriptor".
func TestNonBlockBlock(t *testing.T) {
	fd := rawSocket(t)
	isNonBlock := func() bool {
		fl, _ := fdFlags(t, fd)
		return fl&unix.O_NONBLOCK != 0
	}
	steps := []struct {
		name string
		fn   func(int) error
		want bool
	}{
		{"Block on blocking", anet.Block, false},
		{"NonBlock", anet.NonBlock, true},
		{"NonBlock on non-blocking", anet.NonBlock, true},
		{"Block", anet.Block, false},
	}
	for _, s := range steps {
		if err := s.fn(fd); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := isNonBlock(); got != s.want {
			t.Fatalf("%s: O_NONBLOCK = %v, want %v", s.name, got, s.want)
		}
	}
	checkErr(t, "NonBlock(-1)", anet.NonBlock(-1), unix.EBADF, "fcntl(F_GETFL): bad file descriptor")
	checkErr(t, "Block(-1)", anet.Block(-1), unix.EBADF, "fcntl(F_GETFL): bad file descriptor")
}

// TestCloexec: a socket made without SOCK_CLOEXEC gets FD_CLOEXEC from
// Cloexec, a second call keeps it; a bad fd gives "fcntl(F_GETFD): bad
// file descriptor".
func TestCloexec(t *testing.T) {
	fd := rawSocket(t)
	if _, fdfl := fdFlags(t, fd); fdfl&unix.FD_CLOEXEC != 0 {
		t.Fatal("raw socket already close-on-exec; test cannot tell")
	}
	for i := 0; i < 2; i++ {
		if err := anet.Cloexec(fd); err != nil {
			t.Fatalf("Cloexec: %v", err)
		}
		if _, fdfl := fdFlags(t, fd); fdfl&unix.FD_CLOEXEC == 0 {
			t.Fatalf("call %d: FD_CLOEXEC not set", i+1)
		}
	}
	checkErr(t, "Cloexec(-1)", anet.Cloexec(-1), unix.EBADF, "fcntl(F_GETFD): bad file descriptor")
}

// TestTCPNoDelay: EnableTCPNoDelay makes getsockopt(TCP_NODELAY) non-zero,
// DisableTCPNoDelay makes it 0; on a bad fd the error is "setsockopt
// TCP_NODELAY: bad file descriptor".
func TestTCPNoDelay(t *testing.T) {
	fd := rawSocket(t)
	if err := anet.EnableTCPNoDelay(fd); err != nil {
		t.Fatal(err)
	}
	if v := getsockoptInt(t, fd, unix.IPPROTO_TCP, unix.TCP_NODELAY); v == 0 {
		t.Error("TCP_NODELAY = 0 after EnableTCPNoDelay")
	}
	if err := anet.DisableTCPNoDelay(fd); err != nil {
		t.Fatal(err)
	}
	if v := getsockoptInt(t, fd, unix.IPPROTO_TCP, unix.TCP_NODELAY); v != 0 {
		t.Errorf("TCP_NODELAY = %d after DisableTCPNoDelay", v)
	}
	checkErr(t, "EnableTCPNoDelay(-1)", anet.EnableTCPNoDelay(-1), unix.EBADF,
		"setsockopt TCP_NODELAY: bad file descriptor")
}

// TestKeepAliveSetsSOKeepAlive: KeepAlive(fd, 300) turns SO_KEEPALIVE on
// (the per-platform timers are checked in keepalive_linux_test.go); a bad
// fd gives "setsockopt SO_KEEPALIVE: bad file descriptor".
func TestKeepAliveSetsSOKeepAlive(t *testing.T) {
	fd := rawSocket(t)
	if err := anet.KeepAlive(fd, 300); err != nil {
		t.Fatal(err)
	}
	if v := getsockoptInt(t, fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE); v == 0 {
		t.Error("SO_KEEPALIVE = 0 after KeepAlive")
	}
	checkErr(t, "KeepAlive(-1)", anet.KeepAlive(-1, 300), unix.EBADF,
		"setsockopt SO_KEEPALIVE: bad file descriptor")
}

// TestTimeouts: SendTimeout/RecvTimeout(1500) read back as 1 s 500000 µs
// from SO_SNDTIMEO/SO_RCVTIMEO, 0 reads back as zero (disabled), a
// negative value is EINVAL, a bad fd is EBADF with the option named.
func TestTimeouts(t *testing.T) {
	for _, c := range []struct {
		name string
		set  func(int, int64) error
		opt  int
	}{
		{"SO_SNDTIMEO", anet.SendTimeout, unix.SO_SNDTIMEO},
		{"SO_RCVTIMEO", anet.RecvTimeout, unix.SO_RCVTIMEO},
	} {
		fd := rawSocket(t)
		for _, ms := range []int64{1500, 0} {
			if err := c.set(fd, ms); err != nil {
				t.Fatalf("%s(%d): %v", c.name, ms, err)
			}
			tv, err := unix.GetsockoptTimeval(fd, unix.SOL_SOCKET, c.opt)
			if err != nil {
				t.Fatalf("getsockopt %s: %v", c.name, err)
			}
			got := time.Duration(tv.Nano())
			if want := time.Duration(ms) * time.Millisecond; got != want {
				t.Errorf("%s after setting %d ms = %v, want %v", c.name, ms, got, want)
			}
		}
		checkErr(t, c.name+"(-1 ms)", c.set(fd, -1), unix.EINVAL,
			"setsockopt "+c.name+": invalid argument")
		checkErr(t, c.name+" on bad fd", c.set(-1, 10), unix.EBADF,
			"setsockopt "+c.name+": bad file descriptor")
	}
}

// TestFormatAddr: IPv4 and names print as ip:port, anything with a colon
// (IPv6) as [ip]:port.
func TestFormatAddr(t *testing.T) {
	for _, c := range []struct {
		ip   string
		port int
		want string
	}{
		{"127.0.0.1", 6379, "127.0.0.1:6379"},
		{"::1", 6379, "[::1]:6379"},
		{"fe80::1", 0, "[fe80::1]:0"},
		{"/unixsocket", 0, "/unixsocket:0"},
		{"?", 0, "?:0"},
	} {
		if got := anet.FormatAddr(c.ip, c.port); got != c.want {
			t.Errorf("FormatAddr(%q, %d) = %q, want %q", c.ip, c.port, got, c.want)
		}
	}
}

// TestFdToStringAndFormatFdAddr: on a TCP pair, each end's SockName is the
// other's PeerName; FormatFdAddr formats the same; a listener has no peer
// (ENOTCONN, ip "?"), a bad fd gives "?", 0 and EBADF, and FormatFdAddr
// then gives "?:0".
func TestFdToStringAndFormatFdAddr(t *testing.T) {
	client, server, _, _ := connectPair(t)
	cip, cport, err := anet.FdToString(client, anet.SockName)
	if err != nil {
		t.Fatal(err)
	}
	pip, pport, err := anet.FdToString(server, anet.PeerName)
	if err != nil {
		t.Fatal(err)
	}
	if cip != "127.0.0.1" || cip != pip || cport != pport {
		t.Errorf("client sockname %s:%d, server's peer %s:%d; want equal, on 127.0.0.1", cip, cport, pip, pport)
	}
	if s, err := anet.FormatFdAddr(server, anet.PeerName); err != nil || s != anet.FormatAddr(cip, cport) {
		t.Errorf("FormatFdAddr(server, PeerName) = %q, %v; want %q", s, err, anet.FormatAddr(cip, cport))
	}

	lfd, _ := listenTCP4(t)
	ip, port, err := anet.FdToString(lfd, anet.PeerName)
	if ip != "?" || port != 0 {
		t.Errorf("FdToString(listener, PeerName) = %q, %d; want \"?\", 0", ip, port)
	}
	checkErr(t, "FdToString(listener, PeerName)", err, unix.ENOTCONN,
		"getpeername: "+unix.ENOTCONN.Error())

	ip, port, err = anet.FdToString(-1, anet.SockName)
	if ip != "?" || port != 0 {
		t.Errorf("FdToString(-1) = %q, %d; want \"?\", 0", ip, port)
	}
	checkErr(t, "FdToString(-1, SockName)", err, unix.EBADF, "getsockname: bad file descriptor")
	s, err := anet.FormatFdAddr(-1, anet.PeerName)
	if s != "?:0" || !errors.Is(err, unix.EBADF) {
		t.Errorf("FormatFdAddr(-1) = %q, %v; want \"?:0\", EBADF", s, err)
	}
}

// TestGetError: a connected socket has no pending error (nil); a bad fd
// reports getsockopt's own failure.
func TestGetError(t *testing.T) {
	client, _, _, _ := connectPair(t)
	if err := anet.GetError(client); err != nil {
		t.Errorf("GetError(connected) = %v, want nil", err)
	}
	checkErr(t, "GetError(-1)", anet.GetError(-1), unix.EBADF, "getsockopt SO_ERROR: bad file descriptor")
}

// TestPipe: Pipe(O_NONBLOCK, 0) gives a non-blocking read end and a
// blocking write end, both close-on-exec where pipe2 is used (Linux);
// Pipe(O_CLOEXEC|O_NONBLOCK, same) gives both ends both flags; bytes
// written to w come out of r.
func TestPipe(t *testing.T) {
	r, w, err := anet.Pipe(unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, r)
	closeLater(t, w)
	rfl, rfd := fdFlags(t, r)
	wfl, wfd := fdFlags(t, w)
	if rfl&unix.O_NONBLOCK == 0 || wfl&unix.O_NONBLOCK != 0 {
		// Fatal: reading an empty blocking read end below would hang.
		t.Fatalf("O_NONBLOCK: read end %v, write end %v; want true, false",
			rfl&unix.O_NONBLOCK != 0, wfl&unix.O_NONBLOCK != 0)
	}
	if isLinux() && (rfd&unix.FD_CLOEXEC == 0 || wfd&unix.FD_CLOEXEC == 0) {
		t.Error("pipe2 ends not close-on-exec")
	}
	if _, err := unix.Write(w, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if n, err := unix.Read(r, buf); err != nil || string(buf[:n]) != "ping" {
		t.Errorf("read %q, %v; want \"ping\"", buf[:n], err)
	}
	if _, err := unix.Read(r, buf); !errors.Is(err, unix.EAGAIN) {
		t.Errorf("read on empty non-blocking read end: %v, want EAGAIN", err)
	}

	flags := unix.O_CLOEXEC | unix.O_NONBLOCK
	r2, w2, err := anet.Pipe(flags, flags)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, r2)
	closeLater(t, w2)
	for _, fd := range []int{r2, w2} {
		fl, fdfl := fdFlags(t, fd)
		if fl&unix.O_NONBLOCK == 0 || fdfl&unix.FD_CLOEXEC == 0 {
			t.Errorf("fd %d: O_NONBLOCK %v, FD_CLOEXEC %v; want both", fd,
				fl&unix.O_NONBLOCK != 0, fdfl&unix.FD_CLOEXEC != 0)
		}
	}
}

func isLinux() bool { return runtime.GOOS == "linux" }
