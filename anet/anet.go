package anet

import (
	"math"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Kinds of address for FdToString and FormatFdAddr, as FD_TO_PEER_NAME and
// FD_TO_SOCK_NAME in anet.h.
const (
	PeerName = 0 // the remote end, from getpeername(2)
	SockName = 1 // the local end, from getsockname(2)
)

// wrapSyscallError names the system call that failed, so the message reads
// like Redis's ("bind: address already in use") while errors.Is still finds
// the errno. Errors that are not errnos pass through unchanged.
func wrapSyscallError(name string, err error) error {
	if _, ok := err.(unix.Errno); ok {
		return os.NewSyscallError(name, err)
	}
	return err
}

// ignoringEINTR calls fn until it fails with something other than EINTR.
func ignoringEINTR(fn func() (int, error)) (int, error) {
	for {
		n, err := fn()
		if err != unix.EINTR {
			return n, err
		}
	}
}

// setBlock clears or sets O_NONBLOCK on fd, as anetSetBlock. fcntl(2) with
// F_GETFL and F_SETFL cannot be interrupted by a signal, so there is no
// EINTR loop here.
func setBlock(fd int, nonBlock bool) error {
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return wrapSyscallError("fcntl(F_GETFL)", err)
	}
	// Nothing to do if the flag already has the wanted value: spare the
	// second system call.
	if (flags&unix.O_NONBLOCK != 0) == nonBlock {
		return nil
	}
	if nonBlock {
		flags |= unix.O_NONBLOCK
	} else {
		flags &^= unix.O_NONBLOCK
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags); err != nil {
		return wrapSyscallError("fcntl(F_SETFL,O_NONBLOCK)", err)
	}
	return nil
}

// NonBlock puts fd in non-blocking mode (anetNonBlock). It does nothing
// more than fcntl(F_GETFL) when O_NONBLOCK is already set.
func NonBlock(fd int) error {
	return setBlock(fd, true)
}

// Block puts fd in blocking mode (anetBlock). It does nothing more than
// fcntl(F_GETFL) when O_NONBLOCK is already clear.
func Block(fd int) error {
	return setBlock(fd, false)
}

// Cloexec sets FD_CLOEXEC on fd so that it is not inherited across exec
// (anetCloexec). Both fcntl(2) calls are retried on EINTR, and the second
// one is skipped when the flag is already set.
func Cloexec(fd int) error {
	flags, err := ignoringEINTR(func() (int, error) {
		return unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	})
	if err != nil {
		return wrapSyscallError("fcntl(F_GETFD)", err)
	}
	if flags&unix.FD_CLOEXEC != 0 {
		return nil
	}
	_, err = ignoringEINTR(func() (int, error) {
		return unix.FcntlInt(uintptr(fd), unix.F_SETFD, flags|unix.FD_CLOEXEC)
	})
	if err != nil {
		return wrapSyscallError("fcntl(F_SETFD,FD_CLOEXEC)", err)
	}
	return nil
}

// setsockoptInt sets an int option and names it in the error, as Redis
// does ("setsockopt TCP_NODELAY: ...").
func setsockoptInt(fd, level, opt, value int, name string) error {
	if err := unix.SetsockoptInt(fd, level, opt, value); err != nil {
		return wrapSyscallError("setsockopt "+name, err)
	}
	return nil
}

// setReuseAddr sets SO_REUSEADDR (anetSetReuseAddr). Redis sets it on every
// socket it creates, servers and clients, TCP and unix, so that
// connection-intensive tools such as redis-benchmark can open and close
// sockets a zillion times without running out of ports in TIME_WAIT.
func setReuseAddr(fd int) error {
	return setsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1, "SO_REUSEADDR")
}

// EnableTCPNoDelay sets TCP_NODELAY on fd, disabling Nagle's algorithm
// (anetEnableTcpNoDelay).
func EnableTCPNoDelay(fd int) error {
	return setsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1, "TCP_NODELAY")
}

// DisableTCPNoDelay clears TCP_NODELAY on fd, enabling Nagle's algorithm
// again (anetDisableTcpNoDelay).
func DisableTCPNoDelay(fd int) error {
	return setsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 0, "TCP_NODELAY")
}

// KeepAlive turns on TCP keep-alive on fd to detect dead peers
// (anetKeepAlive). interval is in seconds.
//
// The system defaults are of little use (Linux waits two hours before the
// first probe), so, as Redis 7.0, on Linux it also sets TCP_KEEPIDLE to
// interval, TCP_KEEPINTVL to interval/3 (at least 1) and TCP_KEEPCNT to 3:
// a dead peer is detected about 2*interval seconds after the last traffic.
// On macOS it sets only the idle time (TCP_KEEPALIVE). Elsewhere interval
// is ignored and only SO_KEEPALIVE is set.
func KeepAlive(fd, interval int) error {
	if err := setsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1, "SO_KEEPALIVE"); err != nil {
		return err
	}
	return setKeepAliveParams(fd, interval)
}

// SendTimeout sets SO_SNDTIMEO on fd to ms milliseconds; 0 disables the
// timeout (anetSendTimeout). A negative ms is rejected with EINVAL.
func SendTimeout(fd int, ms int64) error {
	return setTimeout(fd, unix.SO_SNDTIMEO, "SO_SNDTIMEO", ms)
}

// RecvTimeout sets SO_RCVTIMEO on fd to ms milliseconds; 0 disables the
// timeout (anetRecvTimeout). A negative ms is rejected with EINVAL.
func RecvTimeout(fd int, ms int64) error {
	return setTimeout(fd, unix.SO_RCVTIMEO, "SO_RCVTIMEO", ms)
}

func setTimeout(fd, opt int, name string, ms int64) error {
	if ms < 0 {
		// Redis would hand the kernel a negative timeval, which Linux
		// answers with EDOM or silently treats as "no timeout"; say no
		// plainly instead.
		return wrapSyscallError("setsockopt "+name, unix.EINVAL)
	}
	// Clamp so that the conversion to nanoseconds cannot overflow; the
	// limit is about 292 years.
	const maxMs = math.MaxInt64 / int64(time.Millisecond)
	if ms > maxMs {
		ms = maxMs
	}
	tv := unix.NsecToTimeval(ms * int64(time.Millisecond))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, opt, &tv); err != nil {
		return wrapSyscallError("setsockopt "+name, err)
	}
	return nil
}

// GetError returns the pending error of socket fd (SO_ERROR), which is how
// a non-blocking connect is finished (anetGetError, added in Redis 7.2):
// once fd is writable, GetError returns nil if the connection was
// established, or the reason it failed, reported as a connect error
// ("connect: connection refused", errors.Is(err, unix.ECONNREFUSED)).
// Before fd becomes writable it returns nil too, so wait first.
//
// Reading SO_ERROR also clears it. If getsockopt itself fails, that error
// is returned instead.
func GetError(fd int) error {
	soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return wrapSyscallError("getsockopt SO_ERROR", err)
	}
	if soerr != 0 {
		return os.NewSyscallError("connect", unix.Errno(soerr))
	}
	return nil
}
