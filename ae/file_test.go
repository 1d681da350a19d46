package ae

import (
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func nop(el *EventLoop, fd int, clientData any, mask Mask) {}

func TestApiName(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(16)
		want := map[string]bool{"epoll": true, "poll": true, "kqueue": true}
		if !want[el.APIName()] || !strings.Contains(t.Name(), el.APIName()) {
			t.Fatalf("APIName() = %q in subtest %s", el.APIName(), t.Name())
		}
	})
	el, err := New(16)
	if err != nil {
		t.Fatal(err)
	}
	defer el.Close()
	if got := el.APIName(); got != defaultApiName {
		t.Fatalf("New(16).APIName() = %q, want %q", got, defaultApiName)
	}
}

// Input: fds at setsize, setsize-1 and -1. Expected: setsize and -1 fail
// with ERANGE and change nothing; setsize-1 is accepted.
func TestCreateFileEventRange(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		a, _ := socketpair(t)
		el := newLoop(a + 1)
		for _, fd := range []int{a + 1, -1, 1 << 20} {
			err := el.CreateFileEvent(fd, Readable, nop, nil)
			if !isErrno(err, unix.ERANGE) {
				t.Fatalf("CreateFileEvent(fd=%d, setsize=%d) = %v, want ERANGE", fd, a+1, err)
			}
		}
		if el.MaxFD() != -1 {
			t.Fatalf("MaxFD after refused creates = %d, want -1", el.MaxFD())
		}
		if err := el.CreateFileEvent(a, Readable, nop, nil); err != nil {
			t.Fatalf("CreateFileEvent(fd=setsize-1=%d): %v", a, err)
		}
		if el.MaxFD() != a {
			t.Fatalf("MaxFD = %d, want %d", el.MaxFD(), a)
		}
	})
}

// Input: a nil handler. Expected: EINVAL, nothing registered (Redis would
// crash at dispatch).
func TestCreateFileEventNilProc(t *testing.T) {
	el, err := New(1024)
	if err != nil {
		t.Fatal(err)
	}
	defer el.Close()
	a, _ := socketpair(t)
	if err := el.CreateFileEvent(a, Readable, nil, nil); !isErrno(err, unix.EINVAL) {
		t.Fatalf("CreateFileEvent(nil proc) = %v, want EINVAL", err)
	}
	if el.GetFileEvents(a) != None {
		t.Fatalf("mask after refused create = %d", el.GetFileEvents(a))
	}
}

// Input: register three fds lo < mid < hi as hi, lo, mid, then delete.
// Expected: maxfd follows the highest fd with any event registered.
func TestMaxFD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		x, y := socketpair(t)
		z, _ := socketpair(t)
		fds := []int{x, y, z}
		sort.Ints(fds)
		lo, mid, hi := fds[0], fds[1], fds[2]
		el := newLoop(1024)
		if el.MaxFD() != -1 {
			t.Fatalf("new loop MaxFD = %d, want -1", el.MaxFD())
		}
		for _, fd := range []int{hi, lo} {
			if err := el.CreateFileEvent(fd, Readable, nop, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := el.CreateFileEvent(mid, Readable|Writable, nop, nil); err != nil {
			t.Fatal(err)
		}
		if el.MaxFD() != hi {
			t.Fatalf("MaxFD = %d, want %d", el.MaxFD(), hi)
		}
		el.DeleteFileEvent(hi, Readable)
		if el.MaxFD() != mid {
			t.Fatalf("after deleting %d: MaxFD = %d, want %d", hi, el.MaxFD(), mid)
		}
		el.DeleteFileEvent(mid, Readable) // Writable remains
		if el.MaxFD() != mid {
			t.Fatalf("after deleting R of %d (W left): MaxFD = %d, want %d", mid, el.MaxFD(), mid)
		}
		el.DeleteFileEvent(mid, Writable)
		if el.MaxFD() != lo {
			t.Fatalf("after deleting W of %d: MaxFD = %d, want %d", mid, el.MaxFD(), lo)
		}
		el.DeleteFileEvent(lo, Readable|Writable)
		if el.MaxFD() != -1 {
			t.Fatalf("all deleted: MaxFD = %d, want -1", el.MaxFD())
		}
		// Deleting again, or an fd out of range, is a no-op.
		el.DeleteFileEvent(lo, Readable)
		el.DeleteFileEvent(5000, Readable)
		el.DeleteFileEvent(-1, Readable)
	})
}

// Input: resize to maxfd, maxfd+1, the same size, and larger with an event
// registered. Expected: maxfd refused (ERANGE), the rest accepted, events
// kept and still delivered.
func TestResizeSetSize(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		a, b := socketpair(t)
		el := newLoop(a + 10)
		calls := 0
		if err := el.CreateFileEvent(a, Readable, func(el *EventLoop, fd int, cd any, mask Mask) {
			calls++
			if cd != "data" {
				t.Errorf("clientData = %v after resize", cd)
			}
		}, "data"); err != nil {
			t.Fatal(err)
		}
		if err := el.ResizeSetSize(a); !isErrno(err, unix.ERANGE) {
			t.Fatalf("ResizeSetSize(maxfd=%d) = %v, want ERANGE", a, err)
		}
		if err := el.ResizeSetSize(a + 10); err != nil {
			t.Fatalf("ResizeSetSize(same) = %v", err)
		}
		if err := el.ResizeSetSize(a + 1); err != nil {
			t.Fatalf("ResizeSetSize(maxfd+1) = %v", err)
		}
		if el.SetSize() != a+1 {
			t.Fatalf("SetSize = %d, want %d", el.SetSize(), a+1)
		}
		if err := el.ResizeSetSize(4096); err != nil {
			t.Fatalf("ResizeSetSize(grow) = %v", err)
		}
		if el.GetFileEvents(a) != Readable || el.GetFileClientData(a) != "data" {
			t.Fatalf("after grow: mask %d data %v", el.GetFileEvents(a), el.GetFileClientData(a))
		}
		write(t, b, "x")
		el.ProcessEvents(FileEvents | DontWait)
		if calls != 1 {
			t.Fatalf("handler calls after resize = %d, want 1", calls)
		}
		if err := el.ResizeSetSize(0); !isErrno(err, unix.EINVAL) {
			t.Fatalf("ResizeSetSize(0) = %v, want EINVAL", err)
		}
	})
}

// Input: one byte sits unread. Expected: the read handler fires on every
// iteration until it is read (level-triggered), then no more.
func TestLevelTriggered(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		a, b := socketpair(t)
		el := newLoop(1024)
		calls := 0
		el.CreateFileEvent(a, Readable, func(*EventLoop, int, any, Mask) { calls++ }, nil)
		write(t, b, "x")
		for i := 0; i < 3; i++ {
			if n := el.ProcessEvents(FileEvents | DontWait); n != 1 {
				t.Fatalf("iteration %d processed %d, want 1", i, n)
			}
		}
		if calls != 3 {
			t.Fatalf("calls = %d, want 3", calls)
		}
		var buf [1]byte
		unix.Read(a, buf[:])
		if n := el.ProcessEvents(FileEvents | DontWait); n != 0 || calls != 3 {
			t.Fatalf("after read: processed %d, calls %d", n, calls)
		}
	})
}

// Input: a pipe's write end registered Readable only, then its read end
// closed (EPOLLERR/POLLERR), and a pipe's read end registered Writable
// only, then its write end closed (EPOLLHUP/POLLHUP). Expected: the one
// registered handler fires with both bits in its mask.
func TestErrorAndHangupWakeBothDirections(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(1024)
		r1, w1 := pipe(t)
		r2, w2 := pipe(t)
		var gotErr, gotHup Mask
		el.CreateFileEvent(w1, Readable, func(_ *EventLoop, _ int, _ any, mask Mask) { gotErr = mask }, nil)
		el.CreateFileEvent(r2, Writable, func(_ *EventLoop, _ int, _ any, mask Mask) { gotHup = mask }, nil)
		if n := el.ProcessEvents(FileEvents | DontWait); n != 0 {
			t.Fatalf("nothing ready yet, processed %d", n)
		}
		unix.Close(r1)
		unix.Close(w2)
		el.ProcessEvents(FileEvents | DontWait)
		if gotErr != Readable|Writable {
			t.Errorf("reader gone: mask %d, want Readable|Writable", gotErr)
		}
		if gotHup != Readable|Writable {
			t.Errorf("writer gone: mask %d, want Readable|Writable", gotHup)
		}
	})
}

// Input: Readable registered, then Writable in a second call, then
// Writable deleted. Expected: the masks merge (a second EPOLL_CTL_ADD
// would fail with EEXIST), and deleting one direction keeps the other.
func TestSecondMaskMergesAndDeleteKeepsOther(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		a, b := socketpair(t)
		el := newLoop(1024)
		var reads, writes int
		if err := el.CreateFileEvent(a, Readable, func(*EventLoop, int, any, Mask) { reads++ }, nil); err != nil {
			t.Fatal(err)
		}
		if err := el.CreateFileEvent(a, Writable|Barrier, func(*EventLoop, int, any, Mask) { writes++ }, nil); err != nil {
			t.Fatalf("adding Writable to a Readable fd: %v", err)
		}
		if got := el.GetFileEvents(a); got != Readable|Writable|Barrier {
			t.Fatalf("mask = %d, want R|W|Barrier", got)
		}
		el.ProcessEvents(FileEvents | DontWait) // writable, not readable
		if reads != 0 || writes != 1 {
			t.Fatalf("reads %d writes %d, want 0 1", reads, writes)
		}
		el.DeleteFileEvent(a, Writable)
		if got := el.GetFileEvents(a); got != Readable {
			t.Fatalf("after deleting Writable mask = %d, want Readable (Barrier goes with Writable)", got)
		}
		write(t, b, "x")
		el.ProcessEvents(FileEvents | DontWait)
		if reads != 1 || writes != 1 {
			t.Fatalf("reads %d writes %d, want 1 1", reads, writes)
		}
	})
}

// readyPair returns an fd that is both readable and writable.
func readyPair(t *testing.T) int {
	a, b := socketpair(t)
	write(t, b, "x")
	return a
}

var order []string

func sharedProc(el *EventLoop, fd int, cd any, mask Mask) { order = append(order, "shared") }

// Input: an fd both readable and writable, with several registrations.
// Expected: Redis's order and the one-call rule for a shared handler.
func TestDispatchOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		rd := func(*EventLoop, int, any, Mask) { order = append(order, "read") }
		wr := func(*EventLoop, int, any, Mask) { order = append(order, "write") }
		type reg struct {
			mask Mask
			proc FileProc
		}
		makeClosure := func(name string) FileProc {
			return func(*EventLoop, int, any, Mask) { order = append(order, name) }
		}
		closure := makeClosure("closure")
		cases := []struct {
			name string
			regs []reg
			want string
		}{
			{"different procs: read then write", []reg{{Readable, rd}, {Writable, wr}}, "read write"},
			{"barrier: write then read", []reg{{Readable, rd}, {Writable | Barrier, wr}}, "write read"},
			{"one call R|W: once", []reg{{Readable | Writable, sharedProc}}, "shared"},
			{"two calls, same function: once", []reg{{Readable, sharedProc}, {Writable, sharedProc}}, "shared"},
			{"two calls, same closure: once", []reg{{Readable, closure}, {Writable, closure}}, "closure"},
			{"same function with barrier: once", []reg{{Readable, sharedProc}, {Writable | Barrier, sharedProc}}, "shared"},
			{"two closures of one literal: both", []reg{{Readable, makeClosure("c1")}, {Writable, makeClosure("c2")}}, "c1 c2"},
		}
		for _, c := range cases {
			el := newLoop(1024)
			fd := readyPair(t)
			for _, r := range c.regs {
				if err := el.CreateFileEvent(fd, r.mask, r.proc, nil); err != nil {
					t.Fatal(err)
				}
			}
			order = nil
			if n := el.ProcessEvents(FileEvents | DontWait); n != 1 {
				t.Errorf("%s: processed %d, want 1 (one fired fd)", c.name, n)
			}
			if got := strings.Join(order, " "); got != c.want {
				t.Errorf("%s: calls %q, want %q", c.name, got, c.want)
			}
		}
	})
}

// Input: a shared handler that deletes its fd's read event while both
// directions fired. Expected: it is not called again for the write half,
// as in Redis, where the stale rfileProc still equals wfileProc.
func TestSharedHandlerDeletingReadRunsOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(1024)
		fd := readyPair(t)
		calls := 0
		h := func(el *EventLoop, fd int, _ any, _ Mask) {
			calls++
			el.DeleteFileEvent(fd, Readable)
		}
		el.CreateFileEvent(fd, Readable|Writable, h, nil)
		el.ProcessEvents(FileEvents | DontWait)
		if calls != 1 {
			t.Fatalf("calls = %d, want 1", calls)
		}
	})
}

// Input: a shared handler h for both directions of a ready fd; without a
// barrier its read call replaces the read handler with g; with a barrier
// its write call replaces the write handler with g.
// Expected: h's other half runs too, because Redis compares the current
// handlers (g != h) after the first call, not the ones it started with;
// g is not called in this iteration.
func TestSharedHandlerReplacedRunsOtherHalf(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		for _, barrier := range []Mask{0, Barrier} {
			el := newLoop(1024)
			fd := readyPair(t)
			var calls []string
			g := func(*EventLoop, int, any, Mask) { calls = append(calls, "g") }
			h := func(el *EventLoop, fd int, _ any, mask Mask) {
				calls = append(calls, "h")
				if len(calls) == 1 {
					replace := Readable
					if barrier != 0 {
						replace = Writable
					}
					el.CreateFileEvent(fd, replace, g, nil)
				}
			}
			el.CreateFileEvent(fd, Readable|Writable|barrier, h, nil)
			el.ProcessEvents(FileEvents | DontWait)
			if got := strings.Join(calls, " "); got != "h h" {
				t.Errorf("barrier=%v: calls %q, want \"h h\"", barrier != 0, got)
			}
		}
	})
}

// Input: two readable fds whose handlers each delete the other's event.
// Expected: exactly one handler runs; the other, fired in the same batch,
// is skipped because the mask is read again before each call.
func TestHandlerDeletesOtherFd(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(1024)
		a := readyPair(t)
		b := readyPair(t)
		calls := 0
		el.CreateFileEvent(a, Readable, func(el *EventLoop, _ int, _ any, _ Mask) { calls++; el.DeleteFileEvent(b, Readable) }, nil)
		el.CreateFileEvent(b, Readable, func(el *EventLoop, _ int, _ any, _ Mask) { calls++; el.DeleteFileEvent(a, Readable) }, nil)
		if n := el.ProcessEvents(FileEvents | DontWait); n != 2 {
			t.Fatalf("processed %d, want 2 (each fired fd counts)", n)
		}
		if calls != 1 {
			t.Fatalf("calls = %d, want 1", calls)
		}
	})
}

// Input: the read handler deletes the fd's write event; then, in another
// case, the write handler (barrier first) deletes the read event.
// Expected: the deleted half is not called.
func TestHandlerDeletesOwnOtherHalf(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		for _, barrier := range []Mask{0, Barrier} {
			el := newLoop(1024)
			fd := readyPair(t)
			var reads, writes int
			el.CreateFileEvent(fd, Readable, func(el *EventLoop, fd int, _ any, _ Mask) { reads++; el.DeleteFileEvent(fd, Writable) }, nil)
			el.CreateFileEvent(fd, Writable|barrier, func(el *EventLoop, fd int, _ any, _ Mask) { writes++; el.DeleteFileEvent(fd, Readable) }, nil)
			el.ProcessEvents(FileEvents | DontWait)
			if reads+writes != 1 {
				t.Fatalf("barrier=%d: reads %d writes %d, want one call", barrier, reads, writes)
			}
			if (barrier == 0) != (reads == 1) {
				t.Fatalf("barrier=%d: wrong half ran (reads %d writes %d)", barrier, reads, writes)
			}
		}
	})
}

// Input: CreateFileEvent twice with different clientData. Expected: the
// second replaces it for both directions; GetFileClientData is nil once
// nothing is registered.
func TestClientData(t *testing.T) {
	el, err := New(1024)
	if err != nil {
		t.Fatal(err)
	}
	defer el.Close()
	a, _ := socketpair(t)
	if el.GetFileClientData(a) != nil {
		t.Fatal("clientData of unregistered fd is not nil")
	}
	el.CreateFileEvent(a, Readable, nop, "one")
	el.CreateFileEvent(a, Writable, nop, "two")
	if got := el.GetFileClientData(a); got != "two" {
		t.Fatalf("clientData = %v, want two", got)
	}
	el.DeleteFileEvent(a, Readable|Writable)
	if el.GetFileClientData(a) != nil || el.GetFileEvents(a) != None {
		t.Fatal("clientData or mask left after deleting everything")
	}
	if el.GetFileClientData(-1) != nil || el.GetFileEvents(1<<20) != None {
		t.Fatal("out-of-range fd reports data")
	}
}

// Input: flags with only TimeEvents while an fd is readable. Expected: the
// file handler is not called (Redis 7.2's fix; 7.0 called it).
func TestTimeOnlyFlagsSkipFileEvents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(1024)
		fd := readyPair(t)
		calls := 0
		el.CreateFileEvent(fd, Readable, func(*EventLoop, int, any, Mask) { calls++ }, nil)
		if n := el.ProcessEvents(TimeEvents | DontWait); n != 0 || calls != 0 {
			t.Fatalf("TimeEvents only: processed %d, calls %d, want 0 0", n, calls)
		}
		if el.ProcessEvents(0) != 0 {
			t.Fatal("no flags: processed events")
		}
		el.ProcessEvents(FileEvents | DontWait)
		if calls != 1 {
			t.Fatalf("with FileEvents: calls %d, want 1", calls)
		}
	})
}

// Input: two fds a and b fired in the outer batch; the first one
// dispatched drains the other, makes two new fds c and d readable and runs
// a nested ProcessEvents, which fires exactly c and d. Expected: the outer
// batch then still dispatches its own second fd (a or b), because each
// nesting level has its own fired buffer. With one shared buffer (as in
// Redis) the nested poll overwrites the outer entries with c and d, and the
// second outer fd is never dispatched.
func TestNestedProcessEvents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(1024)
		a, apeer := socketpair(t)
		b, bpeer := socketpair(t)
		c, cpeer := socketpair(t)
		d, dpeer := socketpair(t)
		write(t, apeer, "x")
		write(t, bpeer, "x")
		var outer, nested []int
		depth := 0
		var buf [8]byte
		h := func(el *EventLoop, fd int, _ any, _ Mask) {
			if depth > 0 {
				nested = append(nested, fd)
				unix.Read(fd, buf[:])
				return
			}
			outer = append(outer, fd)
			unix.Read(fd, buf[:])
			if len(outer) == 1 {
				other := a
				if fd == a {
					other = b
				}
				unix.Read(other, buf[:]) // the other outer fd is no longer ready
				write(t, cpeer, "y")
				write(t, dpeer, "y")
				depth++
				el.ProcessEvents(FileEvents | DontWait)
				depth--
			}
		}
		for _, fd := range []int{a, b, c, d} {
			el.CreateFileEvent(fd, Readable, h, nil)
		}
		el.ProcessEvents(FileEvents | DontWait)
		if len(nested) != 2 {
			t.Fatalf("nested call dispatched %v, want c=%d and d=%d", nested, c, d)
		}
		if len(outer) != 2 || outer[0] == outer[1] || (outer[1] != a && outer[1] != b) {
			t.Fatalf("outer batch dispatched %v, want a=%d and b=%d (the nested poll must not overwrite it)", outer, a, b)
		}
	})
}
