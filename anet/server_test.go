package anet_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/goae/goae/anet"
)

// TestTCPServerPortZero: TCPServer(0, "127.0.0.1") binds a free port,
// which FdToString(fd, SockName) reads back (non-zero, on 127.0.0.1); the
// fd listens (SO_ACCEPTCONN), has SO_REUSEADDR, is close-on-exec and, as
// in Redis, blocking.
func TestTCPServerPortZero(t *testing.T) {
	fd, port := listenTCP4(t)
	ip, port2, err := anet.FdToString(fd, anet.SockName)
	if err != nil || ip != "127.0.0.1" || port2 != port {
		t.Errorf("FdToString = %s, %d, %v; want 127.0.0.1, %d", ip, port2, err, port)
	}
	checkServerSocket(t, fd)
}

// checkServerSocket checks the state every server returns: listening,
// SO_REUSEADDR, close-on-exec, blocking.
func checkServerSocket(t *testing.T, fd int) {
	t.Helper()
	if getsockoptInt(t, fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN) == 0 {
		t.Error("not listening (SO_ACCEPTCONN = 0)")
	}
	if getsockoptInt(t, fd, unix.SOL_SOCKET, unix.SO_REUSEADDR) == 0 {
		t.Error("SO_REUSEADDR not set")
	}
	fl, fdfl := fdFlags(t, fd)
	if fl&unix.O_NONBLOCK != 0 {
		t.Error("server fd is non-blocking; Redis returns it blocking")
	}
	if fdfl&unix.FD_CLOEXEC == 0 {
		t.Error("server fd is not close-on-exec")
	}
}

// TestTCPServerAnyAddress: bindaddr "" and "*" bind 0.0.0.0 on a free
// port.
func TestTCPServerAnyAddress(t *testing.T) {
	for _, bindaddr := range []string{"", "*"} {
		fd, err := anet.TCPServer(0, bindaddr, 16)
		if err != nil {
			t.Fatalf("TCPServer(0, %q): %v", bindaddr, err)
		}
		closeLater(t, fd)
		ip, port, err := anet.FdToString(fd, anet.SockName)
		if err != nil || ip != "0.0.0.0" || port == 0 {
			t.Errorf("TCPServer(0, %q) bound %s:%d (%v); want 0.0.0.0 and a port", bindaddr, ip, port, err)
		}
	}
}

// TestTCPServerAddrInUse: a second TCPServer on 127.0.0.1 and the port a
// listener already holds fails with exactly "bind: address already in
// use", errors.Is EADDRINUSE, and fd -1 (SO_REUSEADDR does not allow
// two listeners).
func TestTCPServerAddrInUse(t *testing.T) {
	_, port := listenTCP4(t)
	fd, err := anet.TCPServer(port, "127.0.0.1", 16)
	if err == nil {
		closeLater(t, fd)
		t.Fatal("second TCPServer on a port in use succeeded")
	}
	if fd != -1 {
		t.Errorf("fd = %d on failure, want -1", fd)
	}
	checkErr(t, "TCPServer on a port in use", err, unix.EADDRINUSE, "bind: address already in use")
}

// TestTCPServerBadAddress: addresses of the wrong family ("::1" and "::*"
// for TCPServer, "127.0.0.1" for TCP6Server) and ports out of range (-1,
// 65536) are refused before any socket is made, naming the address or
// port.
func TestTCPServerBadAddress(t *testing.T) {
	cases := []struct {
		name   string
		server func(int, string, int) (int, error)
		port   int
		addr   string
		inMsg  string
	}{
		{"TCPServer", anet.TCPServer, 0, "::1", "::1"},
		{"TCPServer", anet.TCPServer, 0, "::*", "::*"},
		{"TCP6Server", anet.TCP6Server, 0, "127.0.0.1", "127.0.0.1"},
		{"TCPServer", anet.TCPServer, -1, "127.0.0.1", "-1"},
		{"TCPServer", anet.TCPServer, 65536, "127.0.0.1", "65536"},
	}
	for _, c := range cases {
		fd, err := c.server(c.port, c.addr, 16)
		if err == nil {
			unix.Close(fd)
			t.Errorf("%s(%d, %q) succeeded, want an error", c.name, c.port, c.addr)
			continue
		}
		if fd != -1 || !strings.Contains(err.Error(), c.inMsg) {
			t.Errorf("%s(%d, %q) = %d, %q; want -1 and an error naming %q", c.name, c.port, c.addr, fd, err, c.inMsg)
		}
	}
}

// TestTCP6Server: TCP6Server(0, "::1") binds a free port on ::1 with
// IPV6_V6ONLY = 1 (read back), and the common server state; "::*" binds
// "::". Skipped when the machine has no IPv6 loopback.
func TestTCP6Server(t *testing.T) {
	fd, err := anet.TCP6Server(0, "::1", 16)
	if errors.Is(err, unix.EAFNOSUPPORT) || errors.Is(err, unix.EADDRNOTAVAIL) {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	if err != nil {
		t.Fatalf("TCP6Server(0, ::1): %v", err)
	}
	closeLater(t, fd)
	ip, port, err := anet.FdToString(fd, anet.SockName)
	if err != nil || ip != "::1" || port == 0 {
		t.Errorf("FdToString = %s, %d, %v; want ::1 and a port", ip, port, err)
	}
	if v := getsockoptInt(t, fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY); v != 1 {
		t.Errorf("IPV6_V6ONLY = %d, want 1", v)
	}
	checkServerSocket(t, fd)

	any6, err := anet.TCP6Server(0, "::*", 16)
	if err != nil {
		t.Fatalf("TCP6Server(0, ::*): %v", err)
	}
	closeLater(t, any6)
	if ip, _, _ := anet.FdToString(any6, anet.SockName); ip != "::" {
		t.Errorf("TCP6Server(0, ::*) bound %q, want \"::\"", ip)
	}
	if v := getsockoptInt(t, any6, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY); v != 1 {
		t.Errorf("wildcard: IPV6_V6ONLY = %d, want 1", v)
	}
}

// TestTCPAcceptAddressAndFlags: after a TCPNonBlockConnect to a listener,
// TCPAccept returns a fd that is non-blocking AND close-on-exec, and the
// ip and port equal the client's own FdToString(SockName).
func TestTCPAcceptAddressAndFlags(t *testing.T) {
	client, server, ip, port := connectPair(t)
	cip, cport, err := anet.FdToString(client, anet.SockName)
	if err != nil {
		t.Fatal(err)
	}
	if ip != cip || port != cport {
		t.Errorf("TCPAccept reported %s:%d, client is %s:%d", ip, port, cip, cport)
	}
	fl, fdfl := fdFlags(t, server)
	if fl&unix.O_NONBLOCK == 0 {
		t.Error("accepted fd is blocking, want O_NONBLOCK")
	}
	if fdfl&unix.FD_CLOEXEC == 0 {
		t.Error("accepted fd is not close-on-exec")
	}
}

// TestTCP6Accept: a connection from ::1 to a TCP6Server listener is
// reported as "::1" with the client's own port, decoded from the IPv6
// socket address.
func TestTCP6Accept(t *testing.T) {
	lfd, err := anet.TCP6Server(0, "::1", 16)
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	closeLater(t, lfd)
	_, lport, _ := anet.FdToString(lfd, anet.SockName)
	client, err := anet.TCPNonBlockConnect("::1", lport)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, client)
	server, ip, port, err := anet.TCPAccept(lfd)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, server)
	_, cport, _ := anet.FdToString(client, anet.SockName)
	if ip != "::1" || port != cport {
		t.Errorf("TCPAccept reported %s:%d, want ::1:%d", ip, port, cport)
	}
}

// TestTCPAcceptAllocs: accepting a pending IPv4 connection allocates
// only the ip string (unix.Accept4 would add its 112-byte raw address and
// a Sockaddr), so an accept burst leaves little garbage.
func TestTCPAcceptAllocs(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the raw accept4 path is Linux's")
	}
	lfd, err := anet.TCPServer(0, "127.0.0.1", 128)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, lfd)
	_, lport, _ := anet.FdToString(lfd, anet.SockName)
	const runs = 20
	for i := 0; i < runs+1; i++ { // AllocsPerRun calls once more to warm up
		c, err := anet.TCPNonBlockConnect("127.0.0.1", lport)
		if err != nil {
			t.Fatal(err)
		}
		closeLater(t, c)
	}
	allocs := testing.AllocsPerRun(runs, func() {
		fd, _, _, err := anet.TCPAccept(lfd)
		if err != nil {
			t.Fatal(err)
		}
		unix.Close(fd)
	})
	if allocs > 1 {
		t.Errorf("TCPAccept: %.1f allocations per call, want at most 1 (the ip string)", allocs)
	}
}

// TestAcceptEAGAIN: on a non-blocking listener with nothing pending,
// TCPAccept and UnixAccept fail with an error for which errors.Is(err,
// unix.EAGAIN) holds, reading "accept: ...", and fd -1.
func TestAcceptEAGAIN(t *testing.T) {
	tcp, _ := listenTCP4(t)
	if err := anet.NonBlock(tcp); err != nil {
		t.Fatal(err)
	}
	fd, ip, port, err := anet.TCPAccept(tcp)
	if fd != -1 || ip != "" || port != 0 {
		t.Errorf("TCPAccept on empty listener = %d, %q, %d; want -1, \"\", 0", fd, ip, port)
	}
	checkErr(t, "TCPAccept on empty listener", err, unix.EAGAIN, "accept: "+unix.EAGAIN.Error())

	path := filepath.Join(t.TempDir(), "s")
	ux, err := anet.UnixServer(path, 0, 16)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, ux)
	if err := anet.NonBlock(ux); err != nil {
		t.Fatal(err)
	}
	fd, err = anet.UnixAccept(ux)
	if fd != -1 {
		t.Errorf("UnixAccept on empty listener = %d, want -1", fd)
	}
	checkErr(t, "UnixAccept on empty listener", err, unix.EAGAIN, "accept: "+unix.EAGAIN.Error())
}

// TestUnixServerAndAccept: UnixServer at a temp path listens with
// SO_REUSEADDR (as every Redis socket), close-on-exec and blocking;
// UnixNonBlockConnect connects; UnixAccept returns a non-blocking,
// close-on-exec fd; FdToString gives "/unixsocket", 0 on both ends, and
// bytes cross.
func TestUnixServerAndAccept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redis.sock")
	lfd, err := anet.UnixServer(path, 0, 16)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, lfd)
	checkServerSocket(t, lfd)

	client, err := anet.UnixNonBlockConnect(path)
	if err != nil {
		t.Fatalf("UnixNonBlockConnect: %v", err)
	}
	closeLater(t, client)
	if getsockoptInt(t, client, unix.SOL_SOCKET, unix.SO_REUSEADDR) == 0 {
		t.Error("unix client: SO_REUSEADDR not set")
	}
	if fl, _ := fdFlags(t, client); fl&unix.O_NONBLOCK == 0 {
		t.Error("unix client is blocking")
	}

	cfd, err := anet.UnixAccept(lfd)
	if err != nil {
		t.Fatalf("UnixAccept: %v", err)
	}
	closeLater(t, cfd)
	fl, fdfl := fdFlags(t, cfd)
	if fl&unix.O_NONBLOCK == 0 || fdfl&unix.FD_CLOEXEC == 0 {
		t.Errorf("accepted unix fd: O_NONBLOCK %v, FD_CLOEXEC %v; want both",
			fl&unix.O_NONBLOCK != 0, fdfl&unix.FD_CLOEXEC != 0)
	}

	for _, c := range []struct {
		name     string
		fd, kind int
	}{
		{"accepted, PeerName", cfd, anet.PeerName},
		{"accepted, SockName", cfd, anet.SockName},
		{"client, SockName", client, anet.SockName},
		{"listener, SockName", lfd, anet.SockName},
	} {
		ip, port, err := anet.FdToString(c.fd, c.kind)
		if err != nil || ip != "/unixsocket" || port != 0 {
			t.Errorf("FdToString(%s) = %q, %d, %v; want \"/unixsocket\", 0", c.name, ip, port, err)
		}
	}

	if _, err := unix.Write(client, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	waitFD(t, cfd, unix.POLLIN)
	buf := make([]byte, 16)
	if n, err := unix.Read(cfd, buf); err != nil || string(buf[:n]) != "hello" {
		t.Errorf("read %q, %v; want \"hello\"", buf[:n], err)
	}
}

// TestUnixServerPathTooLong: a path of sun_path bytes (108 on Linux, 104
// on macOS) is refused with Redis's message "unix socket path too long
// (108), must be under 108" and fd -1; one byte shorter is accepted.
func TestUnixServerPathTooLong(t *testing.T) {
	sunPath := len(unix.RawSockaddrUnix{}.Path)
	dir := t.TempDir()
	pathOfLen := func(n int) string {
		p := dir + "/"
		if len(p) >= n {
			t.Skipf("temp dir %q too long for the test", dir)
		}
		return p + strings.Repeat("x", n-len(p))
	}

	long := pathOfLen(sunPath)
	fd, err := anet.UnixServer(long, 0, 16)
	if err == nil {
		unix.Close(fd)
		t.Fatalf("UnixServer with a %d-byte path succeeded", len(long))
	}
	want := fmt.Sprintf("unix socket path too long (%d), must be under %d", sunPath, sunPath)
	if fd != -1 || err.Error() != want {
		t.Errorf("UnixServer(%d-byte path) = %d, %q; want -1, %q", len(long), fd, err, want)
	}
	if _, err := anet.UnixNonBlockConnect(long); err == nil || err.Error() != want {
		t.Errorf("UnixNonBlockConnect(%d-byte path) error %v, want %q", len(long), err, want)
	}

	fits := pathOfLen(sunPath - 1)
	fd, err = anet.UnixServer(fits, 0, 16)
	if err != nil {
		t.Fatalf("UnixServer with a %d-byte path: %v", len(fits), err)
	}
	unix.Close(fd)
}

// TestUnixServerPerm: perm 0o640 gives the socket file mode 0640 whatever
// the umask; perm 0 leaves the mode the umask gives (0777 &^ 077 = 0700
// with umask 077).
func TestUnixServerPerm(t *testing.T) {
	old := unix.Umask(0o077)
	defer unix.Umask(old)
	dir := t.TempDir()
	for _, c := range []struct {
		perm uint32
		want os.FileMode
	}{
		{0o640, 0o640},
		{0o600, 0o600},
		{0, 0o700},
	} {
		path := filepath.Join(dir, fmt.Sprintf("perm%o.sock", c.perm))
		fd, err := anet.UnixServer(path, c.perm, 16)
		if err != nil {
			t.Fatalf("UnixServer(perm %#o): %v", c.perm, err)
		}
		unix.Close(fd)
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != c.want {
			t.Errorf("perm %#o: file mode %v, want socket with %v", c.perm, st.Mode(), c.want)
		}
	}
}

// TestUnixServerErrors: binding where a file already exists fails with
// "bind: address already in use"; in a missing directory with "bind: no
// such file or directory"; fd -1 both times.
func TestUnixServerErrors(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "taken")
	if err := os.WriteFile(existing, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	fd, err := anet.UnixServer(existing, 0, 16)
	if fd != -1 {
		unix.Close(fd)
		t.Errorf("UnixServer on an existing file: fd %d", fd)
	}
	checkErr(t, "UnixServer on an existing file", err, unix.EADDRINUSE, "bind: address already in use")

	fd, err = anet.UnixServer(filepath.Join(dir, "nodir", "s"), 0, 16)
	if fd != -1 {
		unix.Close(fd)
		t.Errorf("UnixServer in a missing dir: fd %d", fd)
	}
	checkErr(t, "UnixServer in a missing dir", err, unix.ENOENT, "bind: no such file or directory")
}

// TestFailuresDoNotLeakFDs: the number of entries in /proc/self/fd is the
// same before and after a series of failing calls that get as far as
// creating a socket (bind to a port in use, v4 and v6; unix bind on an
// existing file and in a missing dir; bind-connect from an address that
// is not local; connect to a unix path nobody listens on), plus failures
// before any socket. Linux only.
func TestFailuresDoNotLeakFDs(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd")
	}
	_, port := listenTCP4(t)
	dir := t.TempDir()
	existing := filepath.Join(dir, "taken")
	if err := os.WriteFile(existing, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	port6 := 0
	if fd6, err := anet.TCP6Server(0, "::1", 16); err == nil {
		closeLater(t, fd6)
		_, port6, _ = anet.FdToString(fd6, anet.SockName)
	}

	type call struct {
		name string
		fn   func() (int, error)
	}
	failing := []call{
		{"TCPServer in use", func() (int, error) { return anet.TCPServer(port, "127.0.0.1", 16) }},
		{"TCPServer wrong family", func() (int, error) { return anet.TCPServer(0, "::1", 16) }},
		{"UnixServer existing", func() (int, error) { return anet.UnixServer(existing, 0o600, 16) }},
		{"UnixServer no dir", func() (int, error) { return anet.UnixServer(filepath.Join(dir, "x", "y"), 0, 16) }},
		{"UnixServer too long", func() (int, error) { return anet.UnixServer(strings.Repeat("x", 200), 0, 16) }},
		{"UnixNonBlockConnect nobody", func() (int, error) { return anet.UnixNonBlockConnect(filepath.Join(dir, "none")) }},
	}
	if !nonlocalBind() {
		failing = append(failing, call{"BindConnect bad source", func() (int, error) { return anet.TCPNonBlockBindConnect("127.0.0.1", port, notLocal) }})
	}
	if port6 != 0 {
		failing = append(failing, call{"TCP6Server in use", func() (int, error) { return anet.TCP6Server(port6, "::1", 16) }})
	}

	countFDs := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(ents)
	}
	countFDs() // let the runtime open whatever it opens lazily (netpoll)
	before := countFDs()
	for _, f := range failing {
		for i := 0; i < 3; i++ {
			fd, err := f.fn()
			if err == nil {
				unix.Close(fd)
				t.Fatalf("%s: succeeded, want an error", f.name)
			}
			if fd != -1 {
				t.Errorf("%s: fd %d on failure, want -1", f.name, fd)
			}
		}
	}
	if after := countFDs(); after != before {
		t.Errorf("open fds: %d before the failing calls, %d after", before, after)
	}
}
