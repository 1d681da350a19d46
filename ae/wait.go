package ae

import (
	"time"

	"golang.org/x/sys/unix"
)

// Wait waits up to ms milliseconds (forever if ms < 0) for fd to become
// readable or writable as asked by mask (aeWait). It returns the events
// that happened, or 0 on timeout. As in Redis, an error or hang-up
// condition is reported as Writable only: Wait serves blocking writes and
// connects, where the following write or SO_ERROR tells what went wrong.
//
// Unlike aeWait, an interrupted poll is retried with the time left: the Go
// runtime sends its threads signals a C program never gets.
func Wait(fd, mask int, ms int64) (int, error) {
	pfd := []unix.PollFd{{Fd: int32(fd)}}
	if mask&Readable != 0 {
		pfd[0].Events |= unix.POLLIN
	}
	if mask&Writable != 0 {
		pfd[0].Events |= unix.POLLOUT
	}
	var deadline time.Time
	if ms >= 0 {
		deadline = time.Now().Add(time.Duration(ms) * time.Millisecond)
	}
	timeout := int64(-1)
	for {
		if ms >= 0 {
			timeout = int64(time.Until(deadline) / time.Microsecond)
			if timeout < 0 {
				timeout = 0
			}
		}
		n, err := unix.Poll(pfd, timeoutMs(timeout))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, syscallErr("poll", err)
		}
		if n == 0 {
			return 0, nil
		}
		break
	}
	re := pfd[0].Revents
	retmask := 0
	if re&unix.POLLIN != 0 {
		retmask |= Readable
	}
	if re&unix.POLLOUT != 0 {
		retmask |= Writable
	}
	if re&(unix.POLLERR|unix.POLLHUP) != 0 {
		retmask |= Writable
	}
	return retmask, nil
}
