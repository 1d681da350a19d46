package ae

// poller is what a backend implements, as ae_epoll.c, ae_kqueue.c and
// ae_select.c each implement aeApiCreate, aeApiResize, aeApiFree,
// aeApiAddEvent, aeApiDelEvent, aeApiPoll and aeApiName. A backend is
// created with the loop's wake fd, which it watches for reading on its
// own: that fd is no file event, is not bound by setsize and is reported
// by poll's woke result, never in fired.
type poller interface {
	// name is aeApiName.
	name() string
	// add adds the Readable/Writable bits of mask to fd, whose registered
	// mask is old (aeApiAddEvent).
	add(fd int, old, mask Mask) error
	// del removes the bits of delmask from fd, whose registered mask is
	// old (aeApiDelEvent). Errors are ignored, as in Redis: the fd may
	// already be closed.
	del(fd int, old, delmask Mask)
	// resize makes room for fds up to setsize-1 (aeApiResize).
	resize(setsize int) error
	// poll waits up to timeoutUs microseconds (-1: forever, 0: not at
	// all), stores the ready fds in fired and returns how many, and
	// whether the wake fd was readable (aeApiPoll). An interrupted wait
	// returns 0; any other failure panics, as Redis 7.0 does, since it
	// means the loop's own state is broken.
	poll(fired []firedEvent, timeoutUs int64) (n int, woke bool)
	// close releases the backend (aeApiFree).
	close() error
}

// timeoutMs converts a timeout in microseconds to poll's milliseconds,
// rounding up as ae_epoll.c does, so a timer is never polled for too
// early and the loop does not wake just before it is due.
func timeoutMs(us int64) int {
	if us < 0 {
		return -1
	}
	ms := (us + 999) / 1000
	if ms > 1<<31-1 {
		ms = 1<<31 - 1
	}
	return int(ms)
}
