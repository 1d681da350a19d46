//go:build dragonfly || freebsd || linux

// This file holds the socket and accept system calls for the systems where
// socket(2) and accept4(2) set the flags atomically. Redis 7.0 uses
// accept4 wherever it exists (HAVE_ACCEPT4).

package anet

import "golang.org/x/sys/unix"

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
// close-on-exec in a single call to accept4(2), as anetGenericAccept.
// EINTR is retried: a signal arrived before any connection did.
func accept(s int) (int, unix.Sockaddr, error) {
	for {
		fd, sa, err := unix.Accept4(s, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, nil, wrapSyscallError("accept", err)
		}
		return fd, sa, nil
	}
}
