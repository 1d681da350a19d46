package anet_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/goae/goae/anet"
)

// notLocal is an address from TEST-NET-1 (RFC 5737): no machine has it,
// so binding to it fails with EADDRNOTAVAIL.
const notLocal = "192.0.2.1"

// nonlocalBind reports whether Linux is set to let sockets bind addresses
// the machine does not have, which defeats notLocal.
func nonlocalBind() bool {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_nonlocal_bind")
	return err == nil && strings.TrimSpace(string(b)) != "0"
}

func skipIfNonlocalBind(t *testing.T) {
	t.Helper()
	if nonlocalBind() {
		t.Skip("net.ipv4.ip_nonlocal_bind is on: any address can be bound")
	}
}

// closedPort returns a loopback port nobody listens on: one the kernel
// gave a listener that is then closed.
func closedPort(t *testing.T) int {
	t.Helper()
	fd, err := anet.TCPServer(0, "127.0.0.1", 1)
	if err != nil {
		t.Fatal(err)
	}
	_, port, err := anet.FdToString(fd, anet.SockName)
	unix.Close(fd)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// TestTCPNonBlockConnectRefused: TCPNonBlockConnect to a closed loopback
// port returns a non-blocking fd at once (connect in progress); once poll
// says it is writable, GetError returns "connect: connection refused",
// errors.Is ECONNREFUSED. (Should the kernel refuse synchronously, the
// same error must come from TCPNonBlockConnect itself.)
func TestTCPNonBlockConnectRefused(t *testing.T) {
	port := closedPort(t)
	fd, err := anet.TCPNonBlockConnect("127.0.0.1", port)
	if err != nil {
		checkErr(t, "TCPNonBlockConnect to a closed port", err, unix.ECONNREFUSED, "connect: connection refused")
		return
	}
	closeLater(t, fd)
	if fl, _ := fdFlags(t, fd); fl&unix.O_NONBLOCK == 0 {
		t.Error("client fd is blocking")
	}
	waitFD(t, fd, unix.POLLOUT)
	checkErr(t, "GetError after refused connect", anet.GetError(fd), unix.ECONNREFUSED, "connect: connection refused")
	if err := anet.GetError(fd); err != nil {
		t.Errorf("second GetError = %v, want nil (SO_ERROR is cleared by reading)", err)
	}
}

// TestTCPNonBlockConnectSocket: a client fd from TCPNonBlockConnect to a
// listener is non-blocking, close-on-exec, has SO_REUSEADDR (as every
// Redis socket) and, once writable, GetError is nil and it is connected
// to the listener's port.
func TestTCPNonBlockConnectSocket(t *testing.T) {
	lfd, lport := listenTCP4(t)
	fd, err := anet.TCPNonBlockConnect("127.0.0.1", lport)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, fd)
	fl, fdfl := fdFlags(t, fd)
	if fl&unix.O_NONBLOCK == 0 || fdfl&unix.FD_CLOEXEC == 0 {
		t.Errorf("client fd: O_NONBLOCK %v, FD_CLOEXEC %v; want both", fl&unix.O_NONBLOCK != 0, fdfl&unix.FD_CLOEXEC != 0)
	}
	if getsockoptInt(t, fd, unix.SOL_SOCKET, unix.SO_REUSEADDR) == 0 {
		t.Error("client fd: SO_REUSEADDR not set")
	}
	waitFD(t, fd, unix.POLLOUT)
	if err := anet.GetError(fd); err != nil {
		t.Fatalf("GetError = %v, want nil", err)
	}
	if ip, port, err := anet.FdToString(fd, anet.PeerName); err != nil || ip != "127.0.0.1" || port != lport {
		t.Errorf("peer = %s:%d (%v), want 127.0.0.1:%d", ip, port, err, lport)
	}
	cfd, _, _, err := anet.TCPAccept(lfd)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(cfd)
}

// TestTCPNonBlockConnectBadPort: ports out of range (-1, 65536) are
// errors with fd -1, before any socket is made.
func TestTCPNonBlockConnectBadPort(t *testing.T) {
	for _, port := range []int{-1, 65536} {
		fd, err := anet.TCPNonBlockConnect("127.0.0.1", port)
		if err == nil || fd != -1 {
			if err == nil {
				unix.Close(fd)
			}
			t.Errorf("TCPNonBlockConnect(127.0.0.1, %d) = %d, %v; want -1 and an error", port, fd, err)
		}
	}
}

// TestBestEffortBindConnectFallsBack: with a source address that cannot be
// bound (192.0.2.1, not local), TCPNonBlockBestEffortBindConnect still
// connects, from an ordinary loopback address: the attempt is retried
// without binding.
func TestBestEffortBindConnectFallsBack(t *testing.T) {
	skipIfNonlocalBind(t)
	lfd, lport := listenTCP4(t)
	fd, err := anet.TCPNonBlockBestEffortBindConnect("127.0.0.1", lport, notLocal)
	if err != nil {
		t.Fatalf("TCPNonBlockBestEffortBindConnect with source %s: %v", notLocal, err)
	}
	closeLater(t, fd)
	waitFD(t, fd, unix.POLLOUT)
	if err := anet.GetError(fd); err != nil {
		t.Fatalf("GetError = %v, want nil", err)
	}
	if ip, _, _ := anet.FdToString(fd, anet.SockName); ip != "127.0.0.1" {
		t.Errorf("client address %q, want 127.0.0.1", ip)
	}
	cfd, _, _, err := anet.TCPAccept(lfd)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(cfd)
}

// TestBindConnectUnusableSource: TCPNonBlockBindConnect (6.2, no retry)
// with the same unusable source fails with "bind: cannot assign requested
// address", errors.Is EADDRNOTAVAIL, fd -1.
func TestBindConnectUnusableSource(t *testing.T) {
	skipIfNonlocalBind(t)
	_, lport := listenTCP4(t)
	fd, err := anet.TCPNonBlockBindConnect("127.0.0.1", lport, notLocal)
	if err == nil {
		unix.Close(fd)
		t.Fatalf("TCPNonBlockBindConnect with source %s succeeded", notLocal)
	}
	if fd != -1 {
		t.Errorf("fd = %d on failure, want -1", fd)
	}
	checkErr(t, "TCPNonBlockBindConnect with unusable source", err, unix.EADDRNOTAVAIL,
		"bind: cannot assign requested address")
}

// TestBindConnectUsesSource: on Linux all of 127.0.0.0/8 is local, so
// both bind-connect variants with source 127.0.0.2 connect from
// 127.0.0.2, and the server's TCPAccept sees that address.
func TestBindConnectUsesSource(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("127.0.0.2 is local on Linux only")
	}
	connects := map[string]func(string, int, string) (int, error){
		"TCPNonBlockBindConnect":           anet.TCPNonBlockBindConnect,
		"TCPNonBlockBestEffortBindConnect": anet.TCPNonBlockBestEffortBindConnect,
	}
	for name, connect := range connects {
		lfd, lport := listenTCP4(t)
		fd, err := connect("127.0.0.1", lport, "127.0.0.2")
		if err != nil {
			t.Fatalf("%s from 127.0.0.2: %v", name, err)
		}
		closeLater(t, fd)
		waitFD(t, fd, unix.POLLOUT)
		if err := anet.GetError(fd); err != nil {
			t.Fatalf("%s: GetError = %v", name, err)
		}
		cfd, ip, _, err := anet.TCPAccept(lfd)
		if err != nil {
			t.Fatal(err)
		}
		unix.Close(cfd)
		if ip != "127.0.0.2" {
			t.Errorf("%s: server saw client %q, want 127.0.0.2", name, ip)
		}
	}
}

// TestUnixNonBlockConnectNoListener: connecting to a path where nothing
// exists fails with "connect: no such file or directory" and fd -1.
func TestUnixNonBlockConnectNoListener(t *testing.T) {
	fd, err := anet.UnixNonBlockConnect(filepath.Join(t.TempDir(), "none.sock"))
	if fd != -1 {
		unix.Close(fd)
		t.Errorf("fd = %d, want -1", fd)
	}
	checkErr(t, "UnixNonBlockConnect to nothing", err, unix.ENOENT, "connect: no such file or directory")
}
