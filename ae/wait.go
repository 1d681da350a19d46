package ae

import (
	"time"

	"golang.org/x/sys/unix"
)

// Wait waits up to timeout (forever if timeout < 0) for fd to become
// readable or writable as asked by mask (aeWait, whose timeout is in
// milliseconds). It returns the events that happened, or None on timeout.
// As in Redis, an error or hang-up condition is reported as Writable only:
// Wait serves blocking writes and connects, where the following write or
// SO_ERROR tells what went wrong.
//
// Unlike aeWait, an interrupted poll is retried with the time left: the Go
// runtime sends its threads signals a C program never gets. A timeout too
// long for one poll(2) (about 24.8 days) is waited in several.
func Wait(fd int, mask Mask, timeout time.Duration) (Mask, error) {
	pfd := []unix.PollFd{{Fd: int32(fd)}}
	if mask&Readable != 0 {
		pfd[0].Events |= unix.POLLIN
	}
	if mask&Writable != 0 {
		pfd[0].Events |= unix.POLLOUT
	}
	start := time.Now()
	for {
		ms := -1
		if timeout >= 0 {
			// Measured from start on the monotonic clock: no deadline is
			// computed, so no timeout can overflow one.
			ms = timeoutMs(int64((timeout - time.Since(start)) / time.Microsecond))
			if ms < 0 {
				ms = 0
			}
		}
		n, err := unix.Poll(pfd, ms)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return None, syscallErr("poll", err)
		}
		if n > 0 {
			break
		}
		if timeout >= 0 && time.Since(start) >= timeout {
			return None, nil
		}
		// Woken early (a clamped poll, or a clock ahead of the kernel's
		// rounding): wait for the rest.
	}
	re := pfd[0].Revents
	var retmask Mask
	if re&unix.POLLIN != 0 {
		retmask |= Readable
	}
	if re&unix.POLLOUT != 0 {
		retmask |= Writable
	}
	if re&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 {
		retmask |= Writable
	}
	return retmask, nil
}
