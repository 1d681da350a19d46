//go:build !linux

package connection

import "golang.org/x/sys/unix"

func sysRead(fd int, p []byte) (int, error) {
	n, err := unix.Read(fd, p)
	return max(n, 0), err
}

func sysWrite(fd int, p []byte) (int, error) {
	n, err := unix.Write(fd, p)
	return max(n, 0), err
}

// sysWritev writes the buffers one write(2) each: golang.org/x/sys has no
// writev for these systems (Darwin's would go through libc). It stops at
// the first short write, so the result means what writev's does; an error
// after some bytes were written is reported as those bytes.
func sysWritev(fd int, bufs [][]byte, _ []unix.Iovec) (int, error) {
	total := 0
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		n, err := unix.Write(fd, b)
		if n > 0 {
			total += n
		}
		if err != nil {
			if total > 0 {
				return total, nil
			}
			return 0, err
		}
		if n < len(b) {
			break
		}
	}
	return total, nil
}
