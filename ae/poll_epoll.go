//go:build linux

package ae

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// epollPoller is the Linux backend (ae_epoll.c): level-triggered epoll,
// one epoll_event buffer the size of the set (plus one for the wake fd).
type epollPoller struct {
	epfd   int
	wakefd int
	events []unix.EpollEvent
}

func newEpollPoller(setsize, wakefd int) (poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, syscallErr("epoll_create1", err)
	}
	p := &epollPoller{epfd: epfd, wakefd: wakefd, events: make([]unix.EpollEvent, setsize+1)}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(epfd)
		return nil, syscallErr("epoll_ctl", err)
	}
	return p, nil
}

func (p *epollPoller) name() string { return "epoll" }

func (p *epollPoller) resize(setsize int) error {
	p.events = make([]unix.EpollEvent, setsize+1)
	return nil
}

func (p *epollPoller) close() error { return syscallErr("close", unix.Close(p.epfd)) }

func epollMask(mask Mask) uint32 {
	var ev uint32
	if mask&Readable != 0 {
		ev |= unix.EPOLLIN
	}
	if mask&Writable != 0 {
		ev |= unix.EPOLLOUT
	}
	return ev
}

func (p *epollPoller) add(fd int, old, mask Mask) error {
	// ADD the first time, else MOD with the union of old and new.
	op := unix.EPOLL_CTL_MOD
	if old == None {
		op = unix.EPOLL_CTL_ADD
	}
	ev := unix.EpollEvent{Events: epollMask(old | mask), Fd: int32(fd)}
	return syscallErr("epoll_ctl", unix.EpollCtl(p.epfd, op, fd, &ev))
}

func (p *epollPoller) del(fd int, old, delmask Mask) {
	mask := old &^ delmask
	ev := unix.EpollEvent{Events: epollMask(mask), Fd: int32(fd)}
	if mask&(Readable|Writable) != None {
		unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev)
	} else {
		// Kernels before 2.6.9 want a non-nil event even for DEL.
		unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, &ev)
	}
}

func (p *epollPoller) poll(fired []firedEvent, timeoutUs int64) (int, bool) {
	n, err := unix.EpollWait(p.epfd, p.events, timeoutMs(timeoutUs))
	if err != nil {
		if err == unix.EINTR {
			return 0, false
		}
		panic(fmt.Sprintf("aeApiPoll: epoll_wait, %v", err))
	}
	numevents, woke := 0, false
	for i := 0; i < n; i++ {
		e := &p.events[i]
		if int(e.Fd) == p.wakefd {
			woke = true
			continue
		}
		var mask Mask
		if e.Events&unix.EPOLLIN != 0 {
			mask |= Readable
		}
		if e.Events&unix.EPOLLOUT != 0 {
			mask |= Writable
		}
		// An error or hang-up wakes both directions: whichever handler
		// is registered finds out from its read or write.
		if e.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
			mask |= Readable | Writable
		}
		fired[numevents] = firedEvent{fd: int(e.Fd), mask: mask}
		numevents++
	}
	return numevents, woke
}
