//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package ae

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// kqueuePoller is the BSD and macOS backend (ae_kqueue.c). kqueue reports
// reading and writing as separate kevents; as Redis 7.0 does, poll merges
// them into one fired entry per fd, so a handler serving both directions
// still runs once.
type kqueuePoller struct {
	kq      int
	wakefd  int
	events  []unix.Kevent_t
	pending []uint8 // fd -> mask gathered in this poll
}

func newKqueuePoller(setsize, wakefd int) (poller, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, syscallErr("kqueue", err)
	}
	unix.CloseOnExec(kq)
	p := &kqueuePoller{
		kq:      kq,
		wakefd:  wakefd,
		events:  make([]unix.Kevent_t, 2*setsize+1),
		pending: make([]uint8, setsize),
	}
	if err := p.change(wakefd, unix.EVFILT_READ, unix.EV_ADD); err != nil {
		unix.Close(kq)
		return nil, err
	}
	return p, nil
}

// maxKeventTimeoutUs is the longest single kevent wait: 10^6 seconds.
const maxKeventTimeoutUs = 1e6 * 1e6

func (p *kqueuePoller) name() string { return "kqueue" }

func (p *kqueuePoller) change(fd, filter, flags int) error {
	var ch [1]unix.Kevent_t
	unix.SetKevent(&ch[0], fd, filter, flags)
	_, err := unix.Kevent(p.kq, ch[:], nil, nil)
	return syscallErr("kevent", err)
}

func (p *kqueuePoller) resize(setsize int) error {
	p.events = make([]unix.Kevent_t, 2*setsize+1)
	pending := make([]uint8, setsize)
	copy(pending, p.pending)
	p.pending = pending
	return nil
}

func (p *kqueuePoller) close() error { return syscallErr("close", unix.Close(p.kq)) }

func (p *kqueuePoller) add(fd int, old, mask Mask) error {
	if mask&Readable != 0 && old&Readable == 0 {
		if err := p.change(fd, unix.EVFILT_READ, unix.EV_ADD); err != nil {
			return err
		}
	}
	if mask&Writable != 0 && old&Writable == 0 {
		if err := p.change(fd, unix.EVFILT_WRITE, unix.EV_ADD); err != nil {
			return err
		}
	}
	return nil
}

func (p *kqueuePoller) del(fd int, old, delmask Mask) {
	if delmask&Readable != 0 && old&Readable != 0 {
		p.change(fd, unix.EVFILT_READ, unix.EV_DELETE)
	}
	if delmask&Writable != 0 && old&Writable != 0 {
		p.change(fd, unix.EVFILT_WRITE, unix.EV_DELETE)
	}
}

func (p *kqueuePoller) poll(fired []firedEvent, timeoutUs int64) (int, bool) {
	var ts *unix.Timespec
	if timeoutUs >= 0 {
		// Darwin's kevent refuses a timeout past 10^8 seconds with EINVAL,
		// which would panic the loop here; the runtime's netpoll_kqueue.go
		// caps its own at 10^6 seconds (11.6 days). A longer wait is
		// polled again by the loop, which finds nothing due yet.
		timeoutUs = min(timeoutUs, maxKeventTimeoutUs)
		t := unix.NsecToTimespec(timeoutUs * 1000)
		ts = &t
	}
	n, err := unix.Kevent(p.kq, nil, p.events, ts)
	if err != nil {
		if err == unix.EINTR {
			return 0, false
		}
		panic(fmt.Sprintf("aeApiPoll: kevent, %v", err))
	}
	woke := false
	numevents := 0
	for i := 0; i < n; i++ {
		e := &p.events[i]
		fd := int(e.Ident)
		if fd == p.wakefd {
			woke = true
			continue
		}
		if fd >= len(p.pending) {
			continue
		}
		if p.pending[fd] == 0 {
			fired[numevents] = firedEvent{fd: fd}
			numevents++
		}
		switch e.Filter {
		case unix.EVFILT_READ:
			p.pending[fd] |= uint8(Readable)
		case unix.EVFILT_WRITE:
			p.pending[fd] |= uint8(Writable)
		}
	}
	for i := 0; i < numevents; i++ {
		fd := fired[i].fd
		fired[i].mask = Mask(p.pending[fd])
		p.pending[fd] = 0
	}
	return numevents, woke
}
