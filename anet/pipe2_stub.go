//go:build !freebsd && !linux

package anet

import "golang.org/x/sys/unix"

// pipe2 reports ENOSYS: Redis uses pipe(2) and fcntl(2) on these systems,
// and so does Pipe.
func pipe2(p []int, flags int) error {
	return unix.ENOSYS
}
