//go:build !(dragonfly || freebsd || linux)

// This file holds the socket and accept system calls for the systems
// without accept4(2) (as far as golang.org/x/sys/unix goes), macOS first:
// the flags are set with fcntl(2) right after the call, as Redis does
// without HAVE_ACCEPT4.

package anet

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// sysSocket returns a new close-on-exec stream socket of the given family.
//
// See the accept4 variant for why the flag is set here. Holding
// syscall.ForkLock for reading keeps os/exec from forking between
// socket(2) and fcntl(2), as the net package does on these systems.
func sysSocket(family int) (int, error) {
	syscall.ForkLock.RLock()
	s, err := unix.Socket(family, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(s)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, wrapSyscallError("creating socket", err)
	}
	return s, nil
}

// accept accepts a connection on s and makes it close-on-exec and
// non-blocking, as anetGenericAccept does without accept4(2). EINTR is
// retried: a signal arrived before any connection did.
//
// Unlike sysSocket, this does not hold syscall.ForkLock: s may be in
// blocking mode (servers return blocking fds), and holding the lock while
// blocked in accept would stall every fork in the process. The standard
// library makes the same choice.
func accept(s int) (cfd int, ip string, port int, err error) {
	var (
		fd int
		sa unix.Sockaddr
	)
	for {
		fd, sa, err = unix.Accept(s)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return -1, "", 0, wrapSyscallError("accept", err)
	}
	if err := Cloexec(fd); err != nil {
		unix.Close(fd)
		return -1, "", 0, err
	}
	if err := NonBlock(fd); err != nil {
		unix.Close(fd)
		return -1, "", 0, err
	}
	ip, port, _ = sockaddrIPPort(sa)
	return fd, ip, port, nil
}
