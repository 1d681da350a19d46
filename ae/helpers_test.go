package ae

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// backend is one poller implementation under test.
type backend struct {
	name string
	new  func(setsize, wakefd int) (poller, error)
}

// forEachBackend runs f once per poller compiled for this OS, so every
// semantic rule is checked on two implementations of the interface.
func forEachBackend(t *testing.T, f func(t *testing.T, newLoop func(setsize int) *EventLoop)) {
	for _, b := range testBackends {
		b := b
		t.Run(b.name, func(t *testing.T) {
			f(t, func(setsize int) *EventLoop {
				t.Helper()
				el, err := newWithPoller(setsize, b.new)
				if err != nil {
					t.Fatalf("newWithPoller(%d): %v", setsize, err)
				}
				t.Cleanup(func() { el.Close() })
				return el
			})
		})
	}
}

// socketpair returns a connected non-blocking AF_UNIX stream pair, closed
// at the end of the test.
func socketpair(t testing.TB) (a, b int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	nonblock(t, fds[:])
	return fds[0], fds[1]
}

// pipe returns a non-blocking pipe (read end, write end).
func pipe(t testing.TB) (r, w int) {
	t.Helper()
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		t.Fatalf("pipe: %v", err)
	}
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	nonblock(t, p[:])
	return p[0], p[1]
}

// nonblock makes fds non-blocking and close-on-exec, portably (darwin has
// no SOCK_NONBLOCK or pipe2).
func nonblock(t testing.TB, fds []int) {
	t.Helper()
	for _, fd := range fds {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatalf("set non-blocking: %v", err)
		}
	}
}

func write(t testing.TB, fd int, s string) {
	t.Helper()
	if _, err := unix.Write(fd, []byte(s)); err != nil {
		t.Fatalf("write(%d): %v", fd, err)
	}
}

// spyPoller records the timeouts the loop asks for. Unless pass is set it
// returns at once with nothing fired, so a test can check an infinite
// timeout without blocking.
type spyPoller struct {
	poller
	pass     bool
	timeouts []int64
}

func (s *spyPoller) poll(fired []firedEvent, timeoutUs int64) (int, bool) {
	s.timeouts = append(s.timeouts, timeoutUs)
	if s.pass {
		return s.poller.poll(fired, timeoutUs)
	}
	return 0, false
}

// newSpyLoop returns a loop whose poller is a spy around the default one.
func newSpyLoop(t *testing.T, setsize int) (*EventLoop, *spyPoller) {
	t.Helper()
	var spy *spyPoller
	el, err := newWithPoller(setsize, func(setsize, wakefd int) (poller, error) {
		p, err := newDefaultPoller(setsize, wakefd)
		spy = &spyPoller{poller: p}
		return spy, err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { el.Close() })
	return el, spy
}

func isErrno(err error, errno unix.Errno) bool { return errors.Is(err, errno) }
