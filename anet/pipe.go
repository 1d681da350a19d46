package anet

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Pipe creates a pipe and returns its read and write ends, with readFlags
// and writeFlags applied to each (anetPipe). The flags are open(2) flags:
// O_CLOEXEC, and the file status flags fcntl(F_SETFL) accepts, O_NONBLOCK
// above all, for example Pipe(unix.O_CLOEXEC|unix.O_NONBLOCK, unix.O_CLOEXEC).
//
// Where pipe2(2) exists (Linux, FreeBSD) the flags common to both ends are
// applied by it, together with O_CLOEXEC on both ends whether asked or
// not: as Redis says, there is no harm in preventing fd leaks. Elsewhere
// pipe(2) is used and each end gets exactly the flags asked for. On
// failure no fd is left open.
func Pipe(readFlags, writeFlags int) (r, w int, err error) {
	var p [2]int
	pipeFlags := unix.O_CLOEXEC | (readFlags & writeFlags)
	switch err := pipe2(p[:], pipeFlags); err {
	case nil:
		// Clear what pipe2 already did; if the ends want the same flags
		// there is nothing left.
		readFlags &^= pipeFlags
		writeFlags &^= pipeFlags
	case unix.ENOSYS, unix.EINVAL:
		// No pipe2 here (or an old kernel), or a flag pipe2 does not
		// take: fall back on pipe and fcntl, holding ForkLock so that
		// os/exec cannot fork before FD_CLOEXEC is set.
		syscall.ForkLock.RLock()
		defer syscall.ForkLock.RUnlock()
		if err := unix.Pipe(p[:]); err != nil {
			return -1, -1, wrapSyscallError("pipe", err)
		}
	default:
		return -1, -1, wrapSyscallError("pipe2", err)
	}
	if err := setPipeFlags(p[0], readFlags); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return -1, -1, err
	}
	if err := setPipeFlags(p[1], writeFlags); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return -1, -1, err
	}
	return p[0], p[1], nil
}

// setPipeFlags applies open(2)-style flags to one end of a pipe: O_CLOEXEC
// is a file descriptor flag (F_SETFD), the rest are file status flags
// (F_SETFL), which replace the current ones, as in Redis.
func setPipeFlags(fd, flags int) error {
	if flags&unix.O_CLOEXEC != 0 {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
			return wrapSyscallError("fcntl(F_SETFD,FD_CLOEXEC)", err)
		}
	}
	flags &^= unix.O_CLOEXEC
	if flags != 0 {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags); err != nil {
			return wrapSyscallError("fcntl(F_SETFL)", err)
		}
	}
	return nil
}
