package anet

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// TCPNonBlockConnect starts a non-blocking TCP connection to addr and port
// and returns its fd without waiting for the handshake
// (anetTcpNonBlockConnect). addr is an IP address or a host name; its IPv4
// and IPv6 addresses are tried in order, moving to the next one when
// socket(2) fails or connect(2) fails at once, and the first connect that
// succeeds or is in progress wins.
//
// To finish, wait until fd is writable (in an event loop: a writable event)
// and call GetError. The fd is non-blocking, close-on-exec, has
// SO_REUSEADDR set, and belongs to the caller. When every address fails,
// the error is the last one ("connect: network is unreachable").
func TCPNonBlockConnect(addr string, port int) (int, error) {
	return tcpGenericConnect(addr, port, "", false)
}

// TCPNonBlockBestEffortBindConnect is TCPNonBlockConnect from the local
// address source (anetTcpNonBlockBestEffortBindConnect), used by Redis for
// replication and cluster links with bind-source-addr. If anything fails
// once addr has been resolved, the bind included, the whole attempt is
// made again without binding: the source address is a wish, not a
// requirement.
func TCPNonBlockBestEffortBindConnect(addr string, port int, source string) (int, error) {
	return tcpGenericConnect(addr, port, source, true)
}

// TCPNonBlockBindConnect is TCPNonBlockConnect from the local address
// source, which must be usable: when no address of source can be bound,
// it fails with "bind: ..." (anetTcpNonBlockBindConnect).
//
// This is Redis 6.2 API, absent from 7.0, kept for ports of code that used
// it.
func TCPNonBlockBindConnect(addr string, port int, source string) (int, error) {
	return tcpGenericConnect(addr, port, source, false)
}

// tcpGenericConnect is anetTcpGenericConnect with ANET_CONNECT_NONBLOCK,
// and ANET_CONNECT_BE_BINDING when bestEffort is set.
func tcpGenericConnect(addr string, port int, source string, bestEffort bool) (int, error) {
	if err := checkPort(port); err != nil {
		return -1, err
	}
	// A failure to resolve addr is final: there is nothing a retry
	// without the source address could change.
	addrs, err := lookup(addr, unix.AF_UNSPEC, false)
	if err != nil {
		return -1, err
	}
	s, err := tcpConnect(addrs, port, source)
	if err != nil && source != "" && bestEffort {
		return tcpConnect(addrs, port, "")
	}
	return s, err
}

// tcpConnect tries the addresses in order, as the loop over getaddrinfo's
// results in anetTcpGenericConnect.
func tcpConnect(addrs []netip.Addr, port int, source string) (int, error) {
	// Resolve the source once; Redis does it for every candidate socket,
	// with the same result.
	var srcs []netip.Addr
	if source != "" {
		var err error
		if srcs, err = lookup(source, unix.AF_UNSPEC, false); err != nil {
			return -1, err
		}
	}
	var lastErr error
	for _, ip := range addrs {
		sa, err := sockaddr(ip, port)
		if err != nil {
			lastErr = err
			continue
		}
		s, err := sysSocket(family(ip))
		if err != nil {
			// This family may be unavailable (no IPv6): next address.
			lastErr = err
			continue
		}
		if err := setReuseAddr(s); err != nil {
			unix.Close(s)
			return -1, err
		}
		if err := NonBlock(s); err != nil {
			unix.Close(s)
			return -1, err
		}
		if srcs != nil {
			if err := bindSource(s, srcs); err != nil {
				// Redis gives up here rather than trying the next
				// address.
				unix.Close(s)
				return -1, err
			}
		}
		switch err := unix.Connect(s, sa); err {
		case nil, unix.EINPROGRESS:
			// In progress is the normal outcome for a non-blocking
			// socket: the caller finishes with GetError.
			return s, nil
		case unix.EINTR:
			// A signal cut connect short, but the connection goes on
			// in the background (POSIX), exactly as if EINPROGRESS
			// had been returned; the net package treats it the same.
			return s, nil
		default:
			unix.Close(s)
			lastErr = wrapSyscallError("connect", err)
		}
	}
	return -1, lastErr
}

// bindSource binds s to the first address in srcs that the kernel accepts
// (one of another family is simply refused). If none is, the error is the
// last bind's.
func bindSource(s int, srcs []netip.Addr) error {
	var lastErr error
	for _, ip := range srcs {
		sa, err := sockaddr(ip, 0)
		if err != nil {
			lastErr = err
			continue
		}
		if err := unix.Bind(s, sa); err != nil {
			lastErr = wrapSyscallError("bind", err)
			continue
		}
		return nil
	}
	return lastErr
}

// UnixNonBlockConnect starts a non-blocking connection to the unix socket
// at path and returns its fd (anetUnixNonBlockConnect). Connecting to a
// unix socket completes at once or fails (EAGAIN when the listener's
// backlog is full, ENOENT or ECONNREFUSED when nobody listens), so there is
// usually nothing to wait for. The fd is non-blocking, close-on-exec and
// has SO_REUSEADDR set, as Redis sets it on every socket.
//
// Redis silently truncates a path that does not fit in sun_path; here it
// is an error, with UnixServer's message.
//
// This is Redis 6.2 API, absent from 7.0, kept for ports of code that used
// it.
func UnixNonBlockConnect(path string) (int, error) {
	sa, err := unixSockaddr(path)
	if err != nil {
		return -1, err
	}
	s, err := newSocket(unix.AF_UNIX)
	if err != nil {
		return -1, err
	}
	if err := NonBlock(s); err != nil {
		unix.Close(s)
		return -1, err
	}
	if err := unix.Connect(s, sa); err != nil && err != unix.EINPROGRESS {
		unix.Close(s)
		return -1, wrapSyscallError("connect", err)
	}
	return s, nil
}
