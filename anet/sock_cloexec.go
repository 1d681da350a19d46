//go:build dragonfly || freebsd || linux

// This file holds the socket and accept system calls for the systems where
// socket(2) and accept4(2) set the flags atomically. Redis 7.0 uses
// accept4 wherever it exists (HAVE_ACCEPT4).

package anet

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sysSocket returns a new close-on-exec stream socket of the given family.
//
// Redis leaves its sockets inheritable and calls anetCloexec on the ones it
// keeps; a Go program may fork and exec at any moment from another
// goroutine (os/exec), so, as the net package does, the flag is set at
// creation, with no window in which a child could inherit the fd.
func sysSocket(family int) (int, error) {
	s, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, wrapSyscallError("creating socket", err)
	}
	return s, nil
}

// accept accepts a connection on s and returns it non-blocking and
// close-on-exec in a single call to accept4(2), as anetGenericAccept,
// with the peer's address as sockaddrIPPort gives it. EINTR is retried: a
// signal arrived before any connection did.
//
// The system call is made here rather than through unix.Accept4, whose
// 112-byte raw address escapes to the heap and is then converted into a
// Sockaddr, two allocations per connection that an accept burst of
// thousands turns into garbage. Here the raw address stays on the stack;
// the ip string is the only allocation.
func accept(s int) (fd int, ip string, port int, err error) {
	var rsa unix.RawSockaddrAny
	for {
		n := uint32(unix.SizeofSockaddrAny)
		r, _, errno := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(s), uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&n)),
			unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return -1, "", 0, wrapSyscallError("accept", errno)
		}
		ip, port = rawIPPort(&rsa)
		return int(r), ip, port, nil
	}
}

// rawIPPort is sockaddrIPPort for a raw address as the kernel wrote it.
func rawIPPort(rsa *unix.RawSockaddrAny) (ip string, port int) {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return netip.AddrFrom4(sa.Addr).String(), netPort(sa.Port)
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		return netip.AddrFrom16(sa.Addr).String(), netPort(sa.Port)
	case unix.AF_UNIX:
		return "/unixsocket", 0
	}
	return "?", 0
}

// netPort reads a port stored in network byte order.
func netPort(p uint16) int {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return int(b[0])<<8 | int(b[1])
}
