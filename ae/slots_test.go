package ae

import "testing"

// Input: 600 fds (three blocks of fileEvents) registered, every other one
// deleted, then registered again with other client data, in reverse
// order. Expected: every fd reads back its own mask and client data (the
// released fileEvents are reused, never shared), the deleted ones read
// None and nil, MaxFD follows, and no more blocks are made than the live
// fds need.
func TestFileEventSlotsReused(t *testing.T) {
	el, err := New(2048)
	if err != nil {
		t.Fatal(err)
	}
	defer el.Close()
	proc := func(*EventLoop, int, any, Mask) {}
	// The poller needs open fds: a socketpair gives two.
	var fds []int
	for len(fds) < 600 {
		a, b := socketpair(t)
		fds = append(fds, a, b)
	}
	for i, fd := range fds {
		if err := el.CreateFileEvent(fd, Readable, proc, i); err != nil {
			t.Fatalf("fd %d: %v", fd, err)
		}
	}
	for i := 0; i < len(fds); i += 2 {
		el.DeleteFileEvent(fds[i], Readable)
	}
	for i, fd := range fds {
		want, wantData := Readable, any(i)
		if i%2 == 0 {
			want, wantData = None, nil
		}
		if m, d := el.GetFileEvents(fd), el.GetFileClientData(fd); m != want || d != wantData {
			t.Fatalf("fd %d after deleting the even ones: mask %v data %v, want %v %v", fd, m, d, want, wantData)
		}
	}
	for i := len(fds) - 2; i >= 0; i -= 2 {
		if err := el.CreateFileEvent(fds[i], Writable, proc, -i); err != nil {
			t.Fatal(err)
		}
	}
	for i, fd := range fds {
		want, wantData := Readable, any(i)
		if i%2 == 0 {
			want, wantData = Writable, any(-i)
		}
		if m, d := el.GetFileEvents(fd), el.GetFileClientData(fd); m != want || d != wantData {
			t.Fatalf("fd %d after re-registering: mask %v data %v, want %v %v", fd, m, d, want, wantData)
		}
	}
	if n := len(el.blocks); n != (len(fds)+eventBlock-1)/eventBlock {
		t.Errorf("%d blocks for %d live fds", n, len(fds))
	}
	for _, fd := range fds {
		el.DeleteFileEvent(fd, Readable|Writable)
	}
	if el.MaxFD() != -1 {
		t.Errorf("MaxFD %d with nothing registered", el.MaxFD())
	}
}

// Input: a readable handler that deletes its own fd and registers another
// fd (which takes the released fileEvent), on a socketpair end that also
// has a writable handler pending. Expected: the writable half of the first
// fd does not run (its fd has nothing registered now), and the second fd's
// handler and data are its own.
func TestHandlerReleasesSlotToAnotherFd(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(1024)
		a, b := socketpair(t)
		c, _ := socketpair(t)
		write(t, b, "x")
		wrote, other := 0, 0
		el.CreateFileEvent(a, Writable, func(*EventLoop, int, any, Mask) { wrote++ }, "a")
		el.CreateFileEvent(a, Readable, func(el *EventLoop, fd int, _ any, _ Mask) {
			el.DeleteFileEvent(fd, Readable|Writable)
			el.CreateFileEvent(c, Writable, func(_ *EventLoop, _ int, d any, _ Mask) {
				if d != "c" {
					t.Errorf("fd c's handler got data %v", d)
				}
				other++
			}, "c")
		}, "a")
		el.ProcessEvents(FileEvents | DontWait)
		if wrote != 0 {
			t.Errorf("fd a's writable handler ran %d times after a's events were deleted", wrote)
		}
		if el.GetFileClientData(c) != "c" || el.GetFileEvents(a) != None {
			t.Errorf("after: a %v, c data %v", el.GetFileEvents(a), el.GetFileClientData(c))
		}
		el.ProcessEvents(FileEvents | DontWait)
		if other != 1 {
			t.Errorf("fd c's handler ran %d times, want 1", other)
		}
	})
}

// Input: register and delete the same fd, and two fds in turn, in steady
// state. Expected: no allocation (a released fileEvent is reused; the free
// list has room for every index).
func TestZeroAllocsRegisterDelete(t *testing.T) {
	el, err := New(64)
	if err != nil {
		t.Fatal(err)
	}
	defer el.Close()
	a, b := socketpair(t)
	proc := func(*EventLoop, int, any, Mask) {}
	el.CreateFileEvent(a, Readable, proc, nil)
	el.DeleteFileEvent(a, Readable)
	if n := testing.AllocsPerRun(1000, func() {
		el.CreateFileEvent(a, Readable, proc, nil)
		el.CreateFileEvent(b, Readable|Writable, proc, nil)
		el.DeleteFileEvent(a, Readable)
		el.DeleteFileEvent(b, Readable|Writable)
	}); n != 0 {
		t.Errorf("register + delete: %v allocs", n)
	}
}
