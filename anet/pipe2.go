//go:build freebsd || linux

package anet

import "golang.org/x/sys/unix"

// pipe2 is pipe2(2), which Redis uses on Linux and FreeBSD.
func pipe2(p []int, flags int) error {
	return unix.Pipe2(p, flags)
}
