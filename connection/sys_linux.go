//go:build linux

package connection

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// sysRead, sysWrite and sysWritev are read(2), write(2) and writev(2) on a
// non-blocking socket through RawSyscall. Such calls cannot block, so the
// runtime need not be told the goroutine entered a system call
// (entersyscall/exitsyscall, as unix.Read does): skipping that keeps the
// runtime's sysmon thread from waking every 20 µs on a loop that lives in
// system calls, which perf showed costing about 5% of the loop's core
// (kv, bench/kv.sh). EINTR cannot happen on a non-blocking socket.
func sysRead(fd int, p []byte) (int, error) {
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

func sysWrite(fd int, p []byte) (int, error) {
	n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// sysWritev fills iov (reused scratch) from bufs, skipping empty ones.
func sysWritev(fd int, bufs [][]byte, iov []unix.Iovec) (int, error) {
	iov = iov[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		v := unix.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		iov = append(iov, v)
	}
	if len(iov) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
	clear(iov) // drop the pointers into the buffers
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
