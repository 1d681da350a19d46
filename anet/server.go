package anet

import (
	"fmt"
	"net/netip"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// newSocket creates a stream socket with SO_REUSEADDR set
// (anetCreateSocket). The fd is closed if the option cannot be set.
func newSocket(family int) (int, error) {
	s, err := sysSocket(family)
	if err != nil {
		return -1, err
	}
	if err := setReuseAddr(s); err != nil {
		unix.Close(s)
		return -1, err
	}
	return s, nil
}

// TCPServer returns a listening IPv4 TCP socket bound to bindaddr and port
// with the given backlog (anetTcpServer); Redis's default backlog is 511.
//
// bindaddr is an IPv4 address or a host name (only its IPv4 addresses are
// considered, and the first one is used); "" or "*" means any address.
// Port 0 lets the kernel pick a free port; read it back with
// FdToString(fd, SockName).
//
// The socket has SO_REUSEADDR set and is close-on-exec. It is in blocking
// mode, as in Redis: callers that serve it from an event loop make it
// non-blocking with NonBlock first.
//
// On failure no fd is left open and the error names the failing step, for
// example "bind: address already in use" (errors.Is(err,
// unix.EADDRINUSE)).
func TCPServer(port int, bindaddr string, backlog int) (fd int, err error) {
	return tcpServer(port, bindaddr, unix.AF_INET, backlog, ServerOptions{})
}

// ServerOptions are socket options TCPServerWith and TCP6ServerWith set
// before bind, beyond what Redis sets.
type ServerOptions struct {
	// ReusePort sets SO_REUSEPORT, so that several sockets (one per event
	// loop, say) can listen on the same address and port; on Linux the
	// kernel then spreads incoming connections over them.
	ReusePort bool
	// DualStack clears IPV6_V6ONLY on an IPv6 socket, so that it accepts
	// IPv4 connections too (as ::ffff:a.b.c.d); Redis always sets it.
	DualStack bool
}

// TCPServerWith is TCPServer with the options in opts set before bind.
func TCPServerWith(port int, bindaddr string, backlog int, opts ServerOptions) (fd int, err error) {
	return tcpServer(port, bindaddr, unix.AF_INET, backlog, opts)
}

// TCP6ServerWith is TCP6Server with the options in opts set before bind.
func TCP6ServerWith(port int, bindaddr string, backlog int, opts ServerOptions) (fd int, err error) {
	return tcpServer(port, bindaddr, unix.AF_INET6, backlog, opts)
}

// TCP6Server is TCPServer for IPv6 (anetTcp6Server): bindaddr is an IPv6
// address or a host name whose IPv6 addresses are used, and "", "*" or
// "::*" means any address. IPV6_V6ONLY is set, so the socket never accepts
// IPv4 connections; listen on both families with TCPServer and TCP6Server.
func TCP6Server(port int, bindaddr string, backlog int) (fd int, err error) {
	return tcpServer(port, bindaddr, unix.AF_INET6, backlog, ServerOptions{})
}

// tcpServer is _anetTcpServer. Redis binds the first address getaddrinfo
// returns for which socket() succeeds; since every address has the same
// family, that is the first address.
func tcpServer(port int, bindaddr string, af int, backlog int, opts ServerOptions) (int, error) {
	if err := checkPort(port); err != nil {
		return -1, err
	}
	var ip netip.Addr
	switch {
	case bindaddr == "" || bindaddr == "*":
		ip = netip.IPv4Unspecified()
		if af == unix.AF_INET6 {
			ip = netip.IPv6Unspecified()
		}
	case af == unix.AF_INET6 && bindaddr == "::*":
		ip = netip.IPv6Unspecified()
	default:
		addrs, err := lookup(bindaddr, af, false)
		if err != nil {
			return -1, err
		}
		ip = addrs[0]
	}
	sa, err := sockaddr(ip, port)
	if err != nil {
		return -1, err
	}

	s, err := sysSocket(af)
	if err != nil {
		return -1, err
	}
	if err := setupTCPListener(s, af, sa, backlog, opts); err != nil {
		unix.Close(s)
		return -1, err
	}
	return s, nil
}

func setupTCPListener(s, af int, sa unix.Sockaddr, backlog int, opts ServerOptions) error {
	if af == unix.AF_INET6 {
		// Without this, a wildcard IPv6 socket would also take the IPv4
		// port (on Linux by default) and TCPServer on the same port
		// would fail with EADDRINUSE.
		v6only := 1
		if opts.DualStack {
			v6only = 0
		}
		if err := setsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v6only, "IPV6_V6ONLY"); err != nil {
			return err
		}
	}
	if err := setReuseAddr(s); err != nil {
		return err
	}
	if opts.ReusePort {
		if err := setsockoptInt(s, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1, "SO_REUSEPORT"); err != nil {
			return err
		}
	}
	return bindListen(s, sa, backlog, "", 0)
}

// bindListen binds s to sa and listens (anetListen). For unix sockets
// with a non-zero perm, the socket file is chmod-ed in between, before any
// client can connect.
func bindListen(s int, sa unix.Sockaddr, backlog int, path string, perm uint32) error {
	if err := unix.Bind(s, sa); err != nil {
		return wrapSyscallError("bind", err)
	}
	if perm != 0 {
		if err := unix.Chmod(path, perm); err != nil {
			return wrapSyscallError("chmod", err)
		}
	}
	if err := unix.Listen(s, backlog); err != nil {
		return wrapSyscallError("listen", err)
	}
	return nil
}

// sunPathLen is the size of sun_path in struct sockaddr_un: 108 on Linux,
// 104 on macOS and the BSDs.
const sunPathLen = len(unix.RawSockaddrUnix{}.Path)

// unixSockaddr checks that path fits in sun_path with its terminating NUL,
// with Redis's message when it does not.
func unixSockaddr(path string) (*unix.SockaddrUnix, error) {
	if len(path) > sunPathLen-1 {
		return nil, fmt.Errorf("unix socket path too long (%d), must be under %d", len(path), sunPathLen)
	}
	return &unix.SockaddrUnix{Name: path}, nil
}

// isAbstract reports whether path names a Linux abstract socket:
// golang.org/x/sys/unix turns a leading '@' into the NUL that marks them.
func isAbstract(path string) bool {
	return (runtime.GOOS == "linux" || runtime.GOOS == "android") && strings.HasPrefix(path, "@")
}

// UnixServer returns a unix socket listening at path with the given
// backlog (anetUnixServer). If perm is not zero the socket file gets that
// mode (as chmod(2), for example 0o700) between bind and listen, so no
// client can connect before the permissions are right.
//
// path must be shorter than sun_path (107 bytes on Linux). An existing
// file at path makes bind fail with EADDRINUSE: Redis removes a stale
// socket file before calling this, and so should callers. On Linux, a path
// starting with "@" names an abstract socket (the golang.org/x/sys/unix
// convention), which has no file and therefore ignores perm.
//
// As TCPServer, the socket has SO_REUSEADDR set, is close-on-exec and in
// blocking mode, and on failure no fd is left open. Unlike Redis, which
// ignores it, a chmod failure is an error: a socket left with the wrong
// permissions could let in clients it should not.
func UnixServer(path string, perm uint32, backlog int) (int, error) {
	sa, err := unixSockaddr(path)
	if err != nil {
		return -1, err
	}
	s, err := newSocket(unix.AF_UNIX)
	if err != nil {
		return -1, err
	}
	if isAbstract(path) {
		perm = 0
	}
	if err := bindListen(s, sa, backlog, path, perm); err != nil {
		unix.Close(s)
		return -1, err
	}
	return s, nil
}

// TCPAccept accepts a connection on the listening TCP socket fd and
// returns it with the client's address (anetTcpAccept): ip is in dotted
// or IPv6 text form, without brackets.
//
// As Redis 7.0, the new fd is non-blocking and close-on-exec, atomically
// with accept4(2) where it exists. EINTR is retried. When no connection is
// pending on a non-blocking fd the error satisfies errors.Is(err,
// unix.EAGAIN), which event loops treat as "done for now" rather than a
// failure. Errors read "accept: ...".
func TCPAccept(fd int) (cfd int, ip string, port int, err error) {
	return accept(fd)
}

// UnixAccept is TCPAccept for a listening unix socket (anetUnixAccept):
// the same flags and errors, and no address.
func UnixAccept(fd int) (int, error) {
	cfd, _, _, err := accept(fd)
	return cfd, err
}
