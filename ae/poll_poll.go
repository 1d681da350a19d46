//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package ae

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// pollPoller is the portable backend on poll(2), the counterpart of
// ae_select.c without select's FD_SETSIZE limit. It keeps a dense pollfd
// array (the wake fd first) and each fd's index in it, so adding and
// deleting are O(1) and a poll scans only registered fds.
//
// An fd closed while still registered (the caller's bug: see the package
// doc) makes poll(2) report POLLNVAL at every call, where epoll simply
// forgets a closed fd. The poller reports it once, both directions, so
// its handler sees EBADF, and then drops it: the entry's fd is negated
// (poll(2) skips negative fds) until the loop deletes it or registers the
// fd number again.
type pollPoller struct {
	pfds  []unix.PollFd
	index []int32 // fd -> position in pfds, 0 when absent (0 is the wake fd)
}

// entryFd is the fd of a pfds entry, dropped (negated) or not.
func entryFd(pfd *unix.PollFd) int32 {
	if pfd.Fd < 0 {
		return ^pfd.Fd
	}
	return pfd.Fd
}

func newPollPoller(setsize, wakefd int) (poller, error) {
	p := &pollPoller{
		pfds:  []unix.PollFd{{Fd: int32(wakefd), Events: unix.POLLIN}},
		index: make([]int32, setsize),
	}
	return p, nil
}

func (p *pollPoller) name() string { return "poll" }

func (p *pollPoller) resize(setsize int) error {
	index := make([]int32, setsize)
	copy(index, p.index)
	p.index = index
	return nil
}

func (p *pollPoller) close() error { return nil }

func pollEvents(mask Mask) int16 {
	var ev int16
	if mask&Readable != 0 {
		ev |= unix.POLLIN
	}
	if mask&Writable != 0 {
		ev |= unix.POLLOUT
	}
	return ev
}

func (p *pollPoller) add(fd int, old, mask Mask) error {
	i := p.index[fd]
	if i == 0 {
		i = int32(len(p.pfds))
		p.pfds = append(p.pfds, unix.PollFd{Fd: int32(fd)})
		p.index[fd] = i
	}
	p.pfds[i].Fd = int32(fd) // an entry dropped after POLLNVAL is live again
	p.pfds[i].Events = pollEvents(old | mask)
	return nil
}

func (p *pollPoller) del(fd int, old, delmask Mask) {
	i := p.index[fd]
	if i == 0 {
		return
	}
	if mask := old &^ delmask; mask&(Readable|Writable) != None {
		p.pfds[i].Events = pollEvents(mask)
		return
	}
	// Move the last entry into the hole.
	last := int32(len(p.pfds) - 1)
	if i != last {
		p.pfds[i] = p.pfds[last]
		p.index[entryFd(&p.pfds[i])] = i
	}
	p.pfds = p.pfds[:last]
	p.index[fd] = 0
}

func (p *pollPoller) poll(fired []firedEvent, timeoutUs int64) (int, bool) {
	n, err := unix.Poll(p.pfds, timeoutMs(timeoutUs))
	if err != nil {
		if err == unix.EINTR {
			return 0, false
		}
		panic(fmt.Sprintf("aeApiPoll: poll, %v", err))
	}
	woke := false
	numevents := 0
	for i := range p.pfds {
		if n == 0 {
			break
		}
		pfd := &p.pfds[i]
		re := pfd.Revents
		if re == 0 {
			continue
		}
		n--
		pfd.Revents = 0
		if i == 0 {
			woke = true
			continue
		}
		var mask Mask
		if re&unix.POLLIN != 0 {
			mask |= Readable
		}
		if re&unix.POLLOUT != 0 {
			mask |= Writable
		}
		// As with epoll, errors and hang-ups wake both directions. POLLNVAL
		// (an fd closed while registered) does too, once, so its handler
		// sees EBADF; then the entry is dropped rather than reported at
		// every poll, a spin.
		if re&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 {
			mask |= Readable | Writable
		}
		fd := pfd.Fd
		if re&unix.POLLNVAL != 0 {
			pfd.Fd = ^fd
		}
		fired[numevents] = firedEvent{fd: int(fd), mask: mask}
		numevents++
	}
	return numevents, woke
}
