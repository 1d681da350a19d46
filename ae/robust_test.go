package ae

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The faults a review found in the loop (nested drains, panicking
// handlers, Close from inside, overflowing delays, half-registered fds),
// each pinned by a test that failed before the fix.

// catch runs f and returns what it panicked with, nil if it did not.
func catch(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// Input: after a warm-up batch (so the queue has a spare buffer), a
// posted function a that posts a1 and a2 and drains them with a nested
// ProcessEvents; a1 posts a1x and a1y, a2 posts a2x and drains again, a
// level deeper; b and c wait in the outer batch. Expected: every posted
// function runs exactly once, in the order the queue explains: a, its
// nested batch a1 a2, the deeper one a1x a1y a2x, then b c. Before the
// fix the nested drain handed the queue the buffer it was itself
// reading, so a1's posts overwrote a2: a2 was lost and a1y ran twice.
func TestNestedPostedProcessEvents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(16)
		for i := 0; i < 8; i++ {
			el.Post(func(*EventLoop) {})
		}
		el.ProcessEvents(FileEvents | DontWait)
		var got []string
		rec := func(name string) func(*EventLoop) {
			return func(*EventLoop) { got = append(got, name) }
		}
		el.Post(func(el *EventLoop) {
			got = append(got, "a")
			el.Post(func(el *EventLoop) {
				got = append(got, "a1")
				el.Post(rec("a1x"))
				el.Post(rec("a1y"))
			})
			el.Post(func(el *EventLoop) {
				got = append(got, "a2")
				el.Post(rec("a2x"))
				el.ProcessEvents(FileEvents | DontWait)
			})
			el.ProcessEvents(FileEvents | DontWait)
		})
		el.Post(rec("b"))
		el.Post(rec("c"))
		el.ProcessEvents(FileEvents | DontWait)
		el.ProcessEvents(FileEvents | DontWait)
		want := "[a a1 a2 a1x a1y a2x b c]"
		if s := fmt.Sprint(got); s != want {
			t.Fatalf("ran %s, want %s", s, want)
		}
		if n := el.ProcessEvents(FileEvents | DontWait); n != 0 {
			t.Fatalf("an extra iteration processed %d", n)
		}
	})
}

// Input: after a warm-up free (so the deleted list has a spare buffer),
// a deleted time event a whose finalizer deletes i1 and i2 and re-enters
// the loop; in that nested pass i1's finalizer deletes j1 and j2.
// Expected: each of the five finalizers runs exactly once. Before the
// fix the nested free handed t.deleted the buffer it was itself reading,
// so i1's deletions overwrote i2: i2's finalizer never ran and j2's ran
// twice.
func TestNestedFinalizerProcessEvents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(16)
		never := func(*EventLoop, int64, any) int { return NoMore }
		for i := 0; i < 4; i++ {
			el.DeleteTimeEvent(el.CreateTimeEvent(1<<40, never, nil, nil))
		}
		el.ProcessEvents(TimeEvents | DontWait)
		count := map[string]int{}
		fin := func(name string, then func(el *EventLoop)) EventFinalizerProc {
			return func(el *EventLoop, _ any) {
				count[name]++
				if then != nil {
					then(el)
				}
			}
		}
		j1 := el.CreateTimeEvent(1<<40, never, nil, fin("j1", nil))
		j2 := el.CreateTimeEvent(1<<40, never, nil, fin("j2", nil))
		i1 := el.CreateTimeEvent(1<<40, never, nil, fin("i1", func(el *EventLoop) {
			el.DeleteTimeEvent(j1)
			el.DeleteTimeEvent(j2)
		}))
		i2 := el.CreateTimeEvent(1<<40, never, nil, fin("i2", nil))
		a := el.CreateTimeEvent(1<<40, never, nil, fin("a", func(el *EventLoop) {
			el.DeleteTimeEvent(i1)
			el.DeleteTimeEvent(i2)
			el.ProcessEvents(TimeEvents | DontWait)
		}))
		el.DeleteTimeEvent(a)
		for i := 0; i < 3; i++ {
			el.ProcessEvents(TimeEvents | DontWait)
		}
		if s := fmt.Sprint(count); s != "map[a:1 i1:1 i2:1 j1:1 j2:1]" {
			t.Fatalf("finalizers ran %s, want each once", s)
		}
	})
}

// Input: two due time events; the first to run panics, the second does
// not. Expected: ProcessEvents panics with the proc's value; afterwards
// the loop is consistent: the panicking event is deleted (DeleteTimeEvent
// says ErrNoSuchEvent, its finalizer runs in the next pass, exactly
// once); the other event, if it ran, is rescheduled and runs again; more
// passes work. Before the fix the panicking event vanished from the heap
// while DeleteTimeEvent still accepted it, and its finalizer never ran.
func TestTimeProcPanic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(16)
		finalized, okRuns := 0, 0
		bad := el.CreateTimeEvent(0, func(*EventLoop, int64, any) int { panic("boom") },
			nil, func(*EventLoop, any) { finalized++ })
		el.CreateTimeEvent(0, func(*EventLoop, int64, any) int { okRuns++; return 0 }, nil, nil)
		time.Sleep(time.Millisecond)
		if v := catch(func() { el.ProcessEvents(TimeEvents | DontWait) }); v != "boom" {
			t.Fatalf("ProcessEvents panicked with %v, want boom", v)
		}
		if err := el.DeleteTimeEvent(bad); !errors.Is(err, ErrNoSuchEvent) {
			t.Fatalf("DeleteTimeEvent(panicked event) = %v, want ErrNoSuchEvent", err)
		}
		before := okRuns
		for i := 0; i < 3; i++ {
			el.ProcessEvents(TimeEvents | DontWait)
		}
		if finalized != 1 {
			t.Fatalf("finalizer of the panicked event ran %d times, want 1", finalized)
		}
		if okRuns < before+2 {
			t.Fatalf("the other event ran %d times in 3 passes after the panic, want >= 2", okRuns-before)
		}
		if len(el.timers.heap) != 1 || len(el.timers.byID) != 1 {
			t.Fatalf("heap %d, byID %d: want only the live event", len(el.timers.heap), len(el.timers.byID))
		}
	})
}

// Input: a readable fd whose handler panics, recovered 100 times.
// Expected: every call panics out of ProcessEvents, and afterwards depth
// is 0 and the loop still has one fired buffer (before the fix each
// recovered panic left depth raised and allocated another buffer of
// setsize entries); a second fd registered later is dispatched.
func TestFileProcPanic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(1024)
		r, w := pipe(t)
		write(t, w, "x")
		calls := 0
		el.CreateFileEvent(r, Readable, func(*EventLoop, int, any, Mask) { calls++; panic("read") }, nil)
		for i := 0; i < 100; i++ {
			if v := catch(func() { el.ProcessEvents(FileEvents | DontWait) }); v != "read" {
				t.Fatalf("iteration %d: panic %v, want read", i, v)
			}
		}
		if calls != 100 || el.depth != 0 || len(el.fired) != 1 {
			t.Fatalf("calls %d depth %d fired buffers %d; want 100, 0, 1", calls, el.depth, len(el.fired))
		}
		el.DeleteFileEvent(r, Readable)
		r2, w2 := pipe(t)
		write(t, w2, "y")
		ran := false
		el.CreateFileEvent(r2, Readable, func(*EventLoop, int, any, Mask) { ran = true }, nil)
		el.ProcessEvents(FileEvents | DontWait)
		if !ran {
			t.Fatal("the loop did not dispatch after recovered panics")
		}
	})
}

// Input: posts a, b, c, where b panics. Expected: the iteration panics
// after a; c is not lost: it runs in the next iteration, once, and then
// nothing more is pending.
func TestPostedPanicKeepsTheRest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(16)
		var got []string
		el.Post(func(*EventLoop) { got = append(got, "a") })
		el.Post(func(*EventLoop) { got = append(got, "b"); panic("b") })
		el.Post(func(*EventLoop) { got = append(got, "c") })
		if v := catch(func() { el.ProcessEvents(FileEvents | DontWait) }); v != "b" {
			t.Fatalf("panic %v, want b", v)
		}
		el.Post(func(*EventLoop) { got = append(got, "d") })
		el.ProcessEvents(FileEvents | DontWait)
		if s := fmt.Sprint(got); s != "[a b c d]" {
			t.Fatalf("ran %s, want [a b c d]", s)
		}
		if n := el.ProcessEvents(FileEvents | DontWait); n != 0 {
			t.Fatalf("an extra iteration processed %d", n)
		}
	})
}

// Input: three deleted time events whose first finalizer panics.
// Expected: the panic comes out of ProcessEvents; the panicking event is
// freed (its finalizer is not run again) and the two others are freed by
// the next pass, each finalizer once.
func TestFinalizerPanic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(16)
		count := make([]int, 3)
		never := func(*EventLoop, int64, any) int { return NoMore }
		for i := range count {
			id := el.CreateTimeEvent(1<<40, never, nil, func(*EventLoop, any) {
				count[i]++
				if i == 0 {
					panic("fin")
				}
			})
			el.DeleteTimeEvent(id)
		}
		if v := catch(func() { el.ProcessEvents(TimeEvents | DontWait) }); v != "fin" {
			t.Fatalf("panic %v, want fin", v)
		}
		el.ProcessEvents(TimeEvents | DontWait)
		el.ProcessEvents(TimeEvents | DontWait)
		if fmt.Sprint(count) != "[1 1 1]" {
			t.Fatalf("finalizers ran %v, want [1 1 1]", count)
		}
	})
}

// Input: Main running, a readable fd whose handler calls Close. Expected:
// Main returns (before the fix it spun at 100% CPU forever on a loop
// whose ProcessEvents returned 0 at once); the time events' finalizers
// ran once; the loop refuses new fds with ErrClosed.
func TestCloseFromHandlerEndsMain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(64)
		r, w := pipe(t)
		write(t, w, "x")
		finalized := 0
		el.CreateTimeEvent(1<<40, func(*EventLoop, int64, any) int { return 0 }, nil, func(*EventLoop, any) { finalized++ })
		el.CreateFileEvent(r, Readable, func(el *EventLoop, _ int, _ any, _ Mask) {
			if err := el.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}, nil)
		mainReturns(t, el)
		if finalized != 1 {
			t.Fatalf("finalizer ran %d times, want 1", finalized)
		}
		if err := el.CreateFileEvent(r, Readable, nop, nil); !errors.Is(err, ErrClosed) {
			t.Fatalf("CreateFileEvent after Close = %v, want ErrClosed", err)
		}
		if el.MaxFD() != -1 || el.GetFileEvents(r) != None {
			t.Fatalf("a closed loop still reports fd %d registered", r)
		}
	})
}

// Input: Close from inside a time proc, with another event due in the
// same pass and one waiting, and Close from a posted function and from
// the before-sleep hook. Expected: ProcessEvents returns without touching
// the freed state (no panic), every finalizer runs exactly once
// (including the running event's and the one fired earlier in the pass,
// which are off the heap at that moment), and Main returns.
func TestCloseFromTimeProcPostAndHook(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(64)
		count := map[string]int{}
		fin := func(name string) EventFinalizerProc {
			return func(*EventLoop, any) { count[name]++ }
		}
		el.CreateTimeEvent(0, func(*EventLoop, int64, any) int { return 0 }, nil, fin("first"))
		el.CreateTimeEvent(0, func(el *EventLoop, _ int64, _ any) int { el.Close(); return 5 }, nil, fin("closer"))
		el.CreateTimeEvent(1<<40, func(*EventLoop, int64, any) int { return 0 }, nil, fin("later"))
		time.Sleep(time.Millisecond)
		mainReturns(t, el)
		if fmt.Sprint(count) != "map[closer:1 first:1 later:1]" {
			t.Fatalf("finalizers %v, want each once", count)
		}
		if id := el.CreateTimeEvent(1, nil, nil, fin("after")); id != DeletedEventID || count["after"] != 1 {
			t.Fatalf("CreateTimeEvent on a closed loop = %d, finalizer ran %d; want %d and once", id, count["after"], DeletedEventID)
		}

		el2 := newLoop(64)
		el2.Post(func(el *EventLoop) { el.Close() })
		mainReturns(t, el2)

		el3 := newLoop(64)
		el3.SetBeforeSleepProc(func(el *EventLoop) { el.Close() })
		el3.CreateTimeEvent(1<<40, func(*EventLoop, int64, any) int { return 0 }, nil, nil)
		mainReturns(t, el3)
	})
}

// mainReturns runs Main and fails if it has not returned in 10 s.
func mainReturns(t *testing.T, el *EventLoop) {
	t.Helper()
	done := make(chan struct{})
	go func() { el.Main(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Main did not return after Close")
	}
}

// Input: a time event created with a delay of math.MaxInt64 ms and one
// whose proc returns math.MaxInt; the saturating addition itself.
// Expected: neither fires again (before the fix ms*1000 wrapped into the
// past and they fired at once); the poll timeout is long, not 0.
func TestTimeEventDelaysSaturate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(16)
		fired := 0
		el.CreateTimeEvent(math.MaxInt64, func(*EventLoop, int64, any) int { fired++; return NoMore }, nil, nil)
		el.ProcessEvents(TimeEvents | DontWait)
		if fired != 0 {
			t.Fatal("a time event math.MaxInt64 ms away fired at once")
		}
		if us := el.timers.usUntilEarliest(); us < 1<<60 {
			t.Fatalf("time until it: %d us, want saturated", us)
		}
		runs := 0
		el.CreateTimeEvent(0, func(*EventLoop, int64, any) int { runs++; return math.MaxInt }, nil, nil)
		time.Sleep(time.Millisecond)
		for i := 0; i < 5; i++ {
			el.ProcessEvents(TimeEvents | DontWait)
		}
		if runs != 1 {
			t.Fatalf("a proc returning math.MaxInt ran %d times, want 1", runs)
		}
	})
	for _, c := range []struct{ now, ms, want int64 }{
		{1000, 5, 6000},
		{1000, -5, -4000},
		{1000, math.MaxInt64, math.MaxInt64},
		{1 << 61, math.MaxInt64 / 1000, math.MaxInt64},
		{1000, math.MinInt64, 1000 - (math.MaxInt64-1<<62)/1000*1000},
	} {
		if got := afterMs(c.now, c.ms); got != c.want {
			t.Errorf("afterMs(%d, %d) = %d, want %d", c.now, c.ms, got, c.want)
		}
	}
}

// Input: Wait on an empty pipe with a timeout of 1<<62 ns (146 years),
// then a byte written 50 ms later from another goroutine. Expected: Wait
// does not return at once (before the fix the deadline overflowed and it
// returned 0 immediately); it returns Readable after the write.
func TestWaitHugeTimeout(t *testing.T) {
	r, w := pipe(t)
	go func() {
		time.Sleep(50 * time.Millisecond)
		unix.Write(w, []byte("x"))
	}()
	start := time.Now()
	mask, err := Wait(r, Readable, 1<<62)
	if err != nil || mask != Readable {
		t.Fatalf("Wait = %d, %v; want Readable", mask, err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("Wait with a huge timeout returned after %v, before the write", d)
	}
}

// Input: CreateFileEvent with None, with Barrier alone and with an
// unknown bit. Expected: each is refused with EINVAL and leaves nothing
// behind: MaxFD stays -1 and a real registration afterwards works and
// fires (before the fix None made an epoll ADD of no events, MaxFD
// reported the fd, and the real registration was then refused).
func TestCreateFileEventRejectsEmptyMask(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(64)
		r, w := pipe(t)
		for _, m := range []Mask{None, Barrier, 8, Readable | 16} {
			if err := el.CreateFileEvent(r, m, nop, nil); !isErrno(err, unix.EINVAL) {
				t.Fatalf("CreateFileEvent(mask %#x) = %v, want EINVAL", int(m), err)
			}
		}
		if el.MaxFD() != -1 || el.GetFileEvents(r) != None {
			t.Fatalf("a refused mask left MaxFD %d, mask %d", el.MaxFD(), el.GetFileEvents(r))
		}
		ran := false
		if err := el.CreateFileEvent(r, Readable, func(*EventLoop, int, any, Mask) { ran = true }, nil); err != nil {
			t.Fatalf("real registration after refused ones: %v", err)
		}
		write(t, w, "x")
		el.ProcessEvents(FileEvents | DontWait)
		if !ran {
			t.Fatal("the fd did not fire")
		}
	})
}

// Input: a pipe's read end registered, then closed without
// DeleteFileEvent (the caller's bug), and the loop run three times.
// Expected, per poller: epoll forgets the fd, so the handler never runs;
// poll reports POLLNVAL once, as both directions, so the handler sees
// EBADF, and then drops the fd: no call in the next iterations (before
// the fix poll reported it at every iteration, a busy spin). Either way
// DeleteFileEvent afterwards cleans up.
func TestClosedWithoutDelete(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(64)
		var p [2]int
		if err := unix.Pipe(p[:]); err != nil {
			t.Fatal(err)
		}
		defer unix.Close(p[1])
		var masks []Mask
		el.CreateFileEvent(p[0], Readable, func(_ *EventLoop, fd int, _ any, m Mask) {
			masks = append(masks, m)
			if _, err := unix.Read(fd, make([]byte, 1)); err != unix.EBADF {
				t.Errorf("read from the closed fd: %v, want EBADF", err)
			}
		}, nil)
		unix.Close(p[0])
		for i := 0; i < 3; i++ {
			el.ProcessEvents(FileEvents | DontWait)
		}
		want := "[]"
		if el.APIName() == "poll" {
			want = fmt.Sprint([]Mask{Readable | Writable})
		}
		if s := fmt.Sprint(masks); s != want {
			t.Fatalf("%s: handler called with %s, want %s", el.APIName(), s, want)
		}
		el.DeleteFileEvent(p[0], Readable)
		if el.MaxFD() != -1 {
			t.Fatalf("MaxFD %d after DeleteFileEvent", el.MaxFD())
		}
	})
}

// Input: four time events all due in one pass: created in the order
// d30, d10, e10, d20 with deadlines 30, 10, 10 and 20 ms. Expected (the
// documented difference from Redis): earliest deadline first, equal
// deadlines in creation order: d10 e10 d20 d30. Redis would run them
// newest first: d20 e10 d10 d30.
func TestDueTimersRunInDeadlineOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(16)
		var got []string
		for _, c := range []struct {
			name string
			ms   int64
		}{{"d30", 30}, {"d10", 10}, {"e10", 10}, {"d20", 20}} {
			name := c.name
			el.CreateTimeEvent(c.ms, func(*EventLoop, int64, any) int { got = append(got, name); return NoMore }, nil, nil)
		}
		time.Sleep(40 * time.Millisecond)
		el.ProcessEvents(TimeEvents | DontWait)
		if s := fmt.Sprint(got); s != "[d10 e10 d20 d30]" {
			t.Fatalf("ran %s, want [d10 e10 d20 d30]", s)
		}
	})
}
