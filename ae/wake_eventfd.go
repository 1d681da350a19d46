//go:build linux

package ae

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// waker wakes a loop sleeping in poll: an eventfd, whose counter any
// number of signals add to and one read resets.
type waker struct {
	rfd int // the fd the poller watches
	buf uint64
}

func newWaker() (waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return waker{}, syscallErr("eventfd", err)
	}
	return waker{rfd: fd}, nil
}

var one = uint64(1)

// signal makes the eventfd readable. EAGAIN (counter full) cannot lose a
// wake-up: the fd is readable already.
func (w *waker) signal() {
	for {
		_, err := unix.Write(w.rfd, (*[8]byte)(unsafe.Pointer(&one))[:])
		if err != unix.EINTR {
			return
		}
	}
}

// drain resets the counter.
func (w *waker) drain() {
	for {
		_, err := unix.Read(w.rfd, (*[8]byte)(unsafe.Pointer(&w.buf))[:])
		if err != unix.EINTR {
			return
		}
	}
}

// close closes the eventfd and forgets its number, so that a signal after
// close writes to fd -1 (EBADF) rather than to whatever file reused the
// number; and, under -race, such a signal shows as a data race.
func (w *waker) close() {
	unix.Close(w.rfd)
	w.rfd = -1
}
