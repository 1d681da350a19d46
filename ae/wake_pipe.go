//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package ae

import "golang.org/x/sys/unix"

// waker wakes a loop sleeping in poll: a non-blocking pipe, written to
// signal and read empty to drain.
type waker struct {
	rfd, wfd int
	buf      [64]byte
}

func newWaker() (waker, error) {
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		return waker{}, syscallErr("pipe", err)
	}
	for _, fd := range p {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return waker{}, syscallErr("fcntl", err)
		}
	}
	return waker{rfd: p[0], wfd: p[1]}, nil
}

var one = []byte{1}

// signal writes one byte. EAGAIN (pipe full) cannot lose a wake-up: the
// read end is readable already.
func (w *waker) signal() {
	for {
		_, err := unix.Write(w.wfd, one)
		if err != unix.EINTR {
			return
		}
	}
}

// drain reads the pipe empty.
func (w *waker) drain() {
	for {
		n, err := unix.Read(w.rfd, w.buf[:])
		if err == unix.EINTR || n == len(w.buf) {
			continue
		}
		return
	}
}

// close closes both ends and forgets their numbers, so that a signal
// after close writes to fd -1 (EBADF) rather than to whatever file reused
// the number; and, under -race, such a signal shows as a data race.
func (w *waker) close() {
	unix.Close(w.rfd)
	unix.Close(w.wfd)
	w.rfd, w.wfd = -1, -1
}
