//go:build linux || freebsd || openbsd

package anet

import "golang.org/x/sys/unix"

func setSockMark(fd int, id uint32) error {
	return wrapSyscallError("setsockopt", unix.SetsockoptInt(fd, unix.SOL_SOCKET, sockMarkOpt, int(id)))
}
