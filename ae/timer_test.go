package ae

import (
	"testing"
	"time"
)

// runUntil runs time-event passes until cond holds, failing after a
// generous bound (the bound is a safety net, never the assertion).
func runUntil(t *testing.T, el *EventLoop, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
		el.ProcessEvents(AllEvents)
	}
}

// Input: a 30 ms time event that returns 20 twice, then NoMore.
// Expected: each run no earlier than asked (monotonic clock), then the
// finalizer, on the pass after NoMore, not during it.
func TestTimeEventSchedule(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(64)
		var runs []time.Duration
		finalized := 0
		start := time.Now()
		id := el.CreateTimeEvent(30, func(el *EventLoop, id int64, cd any) int {
			runs = append(runs, time.Since(start))
			if cd != "cd" {
				t.Errorf("clientData %v", cd)
			}
			if len(runs) < 3 {
				return 20
			}
			return NoMore
		}, "cd", func(el *EventLoop, cd any) { finalized++ })
		if id != 0 {
			t.Fatalf("first id = %d, want 0", id)
		}
		runUntil(t, el, func() bool { return len(runs) == 3 })
		if runs[0] < 30*time.Millisecond || runs[1]-runs[0] < 20*time.Millisecond || runs[2]-runs[1] < 20*time.Millisecond {
			t.Fatalf("ran early: %v (want >= 30ms, then gaps >= 20ms)", runs)
		}
		if finalized != 0 {
			t.Fatal("finalizer ran in the pass that returned NoMore")
		}
		if err := el.DeleteTimeEvent(id); err != ErrNoSuchEvent {
			t.Fatalf("DeleteTimeEvent after NoMore = %v, want ErrNoSuchEvent", err)
		}
		el.ProcessEvents(TimeEvents | DontWait)
		if finalized != 1 {
			t.Fatalf("finalized %d times after the next pass, want 1", finalized)
		}
		if el.CreateTimeEvent(1, func(*EventLoop, int64, any) int { return NoMore }, nil, nil) != 1 {
			t.Fatal("second id is not 1")
		}
	})
}

// Input: a proc that deletes its own event, then keeps running. Expected:
// Delete succeeds, the proc finishes, the finalizer runs on the next pass,
// a second Delete fails.
func TestDeleteTimeEventFromOwnProc(t *testing.T) {
	el, _ := newSpyLoop(t, 16)
	finalized := 0
	ranToEnd := false
	el.CreateTimeEvent(0, func(el *EventLoop, id int64, _ any) int {
		if err := el.DeleteTimeEvent(id); err != nil {
			t.Errorf("DeleteTimeEvent(self) = %v", err)
		}
		if finalized != 0 {
			t.Error("finalizer ran while its proc was running")
		}
		ranToEnd = true
		return 10 // ignored: the event is deleted
	}, nil, func(*EventLoop, any) { finalized++ })
	if n := el.ProcessEvents(TimeEvents | DontWait); n != 1 || !ranToEnd {
		t.Fatalf("processed %d ranToEnd %v", n, ranToEnd)
	}
	if finalized != 0 {
		t.Fatal("finalized in the same pass")
	}
	if n := el.ProcessEvents(TimeEvents | DontWait); n != 0 || finalized != 1 {
		t.Fatalf("next pass: processed %d finalized %d, want 0 1", n, finalized)
	}
	if err := el.DeleteTimeEvent(0); err != ErrNoSuchEvent {
		t.Fatalf("second delete = %v", err)
	}
}

// Input: a proc that creates a 0 ms event, and a proc returning 0.
// Expected: neither the new event nor the rescheduled one runs twice in
// one pass; both run in the next.
func TestTimeEventsCreatedDuringPassWait(t *testing.T) {
	el, _ := newSpyLoop(t, 16)
	var a, b, c int
	el.CreateTimeEvent(0, func(el *EventLoop, _ int64, _ any) int {
		a++
		if a == 1 {
			el.CreateTimeEvent(-5, func(*EventLoop, int64, any) int { b++; return NoMore }, nil, nil)
		}
		return NoMore
	}, nil, nil)
	el.CreateTimeEvent(0, func(*EventLoop, int64, any) int { c++; return 0 }, nil, nil)
	if n := el.ProcessEvents(TimeEvents | DontWait); n != 2 || a != 1 || b != 0 || c != 1 {
		t.Fatalf("pass 1: processed %d a %d b %d c %d, want 2 1 0 1", n, a, b, c)
	}
	if n := el.ProcessEvents(TimeEvents | DontWait); n != 2 || b != 1 || c != 2 {
		t.Fatalf("pass 2: processed %d b %d c %d, want 2 1 2", n, b, c)
	}
}

// Input: a proc that deletes another due event, and one that deletes an
// event it has already seen run in this pass. Expected: the deleted event
// does not run; ids stay unique.
func TestDeleteOtherTimeEventInPass(t *testing.T) {
	el, _ := newSpyLoop(t, 16)
	ran := map[string]int{}
	var idB int64
	el.CreateTimeEvent(0, func(el *EventLoop, _ int64, _ any) int {
		ran["a"]++
		el.DeleteTimeEvent(idB)
		return NoMore
	}, nil, nil)
	idB = el.CreateTimeEvent(1, func(*EventLoop, int64, any) int { ran["b"]++; return NoMore }, nil, nil)
	time.Sleep(2 * time.Millisecond)
	el.ProcessEvents(TimeEvents | DontWait)
	el.ProcessEvents(TimeEvents | DontWait)
	if ran["a"] != 1 || ran["b"] != 0 {
		t.Fatalf("ran %v, want a once, b never", ran)
	}
}

// Input: 1000 timers with random delays deleted in random order, some from
// procs. Expected: the heap stays consistent (every live timer fires
// exactly once, no deleted one fires, every finalizer runs once).
func TestTimerHeapStress(t *testing.T) {
	el, _ := newSpyLoop(t, 16)
	const n = 1000
	fired := make([]int, n)
	finals := make([]int, n)
	ids := make([]int64, n)
	for i := 0; i < n; i++ {
		i := i
		ids[i] = el.CreateTimeEvent(int64((i*7919)%13), func(el *EventLoop, _ int64, _ any) int {
			fired[i]++
			if i%5 == 0 && i+1 < n {
				el.DeleteTimeEvent(ids[i+1]) // may already be gone
			}
			return NoMore
		}, nil, func(*EventLoop, any) { finals[i]++ })
	}
	deleted := map[int]bool{}
	for i := 3; i < n; i += 11 {
		if el.DeleteTimeEvent(ids[i]) == nil {
			deleted[i] = true
		}
	}
	runUntil(t, el, func() bool { return len(el.timers.heap) == 0 })
	el.ProcessEvents(TimeEvents | DontWait)
	for i := 0; i < n; i++ {
		if deleted[i] && fired[i] != 0 {
			t.Fatalf("timer %d fired after delete", i)
		}
		if fired[i] > 1 {
			t.Fatalf("timer %d fired %d times", i, fired[i])
		}
		if finals[i] != 1 {
			t.Fatalf("timer %d finalized %d times", i, finals[i])
		}
	}
}

// Input: a timer at 50 ms, then none, then SetDontWait, then DontWait in
// the flags, then SetDontWait from inside the before-sleep hook.
// Expected: the poll timeout the loop asks for follows Redis 7.2's rules.
func TestPollTimeout(t *testing.T) {
	el, spy := newSpyLoop(t, 16)
	a, _ := socketpair(t)
	el.CreateFileEvent(a, Readable, nop, nil)

	el.ProcessEvents(FileEvents)
	if got := spy.timeouts[len(spy.timeouts)-1]; got != -1 {
		t.Fatalf("FileEvents only: timeout %d, want -1 (infinite)", got)
	}
	el.ProcessEvents(AllEvents)
	if got := spy.timeouts[len(spy.timeouts)-1]; got != -1 {
		t.Fatalf("no timers: timeout %d, want -1", got)
	}
	id := el.CreateTimeEvent(50, func(*EventLoop, int64, any) int { return NoMore }, nil, nil)
	el.ProcessEvents(AllEvents)
	if got := spy.timeouts[len(spy.timeouts)-1]; got <= 0 || got > 50000 {
		t.Fatalf("timer in 50ms: timeout %dus, want (0, 50000]", got)
	}
	if ms := timeoutMs(1); ms != 1 {
		t.Fatalf("timeoutMs(1us) = %d, want 1 (rounded up)", ms)
	}
	el.ProcessEvents(AllEvents | DontWait)
	if got := spy.timeouts[len(spy.timeouts)-1]; got != 0 {
		t.Fatalf("DontWait flag: timeout %d, want 0", got)
	}
	el.SetDontWait(true)
	el.ProcessEvents(AllEvents)
	if got := spy.timeouts[len(spy.timeouts)-1]; got != 0 {
		t.Fatalf("SetDontWait(true): timeout %d, want 0", got)
	}
	el.SetDontWait(false)
	el.SetBeforeSleepProc(func(el *EventLoop) { el.SetDontWait(true) })
	el.ProcessEvents(AllEvents | CallBeforeSleep)
	if got := spy.timeouts[len(spy.timeouts)-1]; got != 0 {
		t.Fatalf("SetDontWait in before-sleep: timeout %d, want 0 in the same iteration", got)
	}
	el.SetBeforeSleepProc(nil)
	el.SetDontWait(false)
	// A deleted timer no longer shortens the timeout (7.2 fix).
	el.DeleteTimeEvent(id)
	el.ProcessEvents(FileEvents | TimeEvents)
	if got := spy.timeouts[len(spy.timeouts)-1]; got != -1 {
		t.Fatalf("after deleting the only timer: timeout %d, want -1", got)
	}
}

// Input: no fds, no timers, various flags. Expected: Redis's rule, no poll
// (and no hook) unless the loop waits for a timer.
func TestNoPollWithoutFdsOrWait(t *testing.T) {
	el, spy := newSpyLoop(t, 16)
	hooks := 0
	el.SetBeforeSleepProc(func(*EventLoop) { hooks++ })
	if n := el.ProcessEvents(FileEvents | DontWait | CallBeforeSleep); n != 0 {
		t.Fatalf("processed %d", n)
	}
	el.ProcessEvents(FileEvents | CallBeforeSleep)
	el.ProcessEvents(TimeEvents | DontWait | CallBeforeSleep)
	if len(spy.timeouts) != 0 || hooks != 0 {
		t.Fatalf("polled %d times, hooks %d; want 0, 0", len(spy.timeouts), hooks)
	}
	el.ProcessEvents(TimeEvents | CallBeforeSleep)
	if len(spy.timeouts) != 1 || hooks != 1 {
		t.Fatalf("TimeEvents without DontWait: polled %d hooks %d, want 1 1", len(spy.timeouts), hooks)
	}
}

// Input: hooks set, ProcessEvents with and without the call flags, then
// Main stopped by a timer. Expected: hooks run only when asked; Main runs
// both each iteration, before-sleep before after-sleep.
func TestSleepHooks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(16)
		var log []string
		el.SetBeforeSleepProc(func(*EventLoop) { log = append(log, "before") })
		el.SetAfterSleepProc(func(*EventLoop) { log = append(log, "after") })
		el.ProcessEvents(AllEvents | DontWait)
		a, _ := socketpair(t)
		el.CreateFileEvent(a, Writable, func(*EventLoop, int, any, Mask) { log = append(log, "file") }, nil)
		el.ProcessEvents(AllEvents | DontWait)
		if len(log) != 1 || log[0] != "file" {
			t.Fatalf("without call flags: %v", log)
		}
		log = nil
		el.ProcessEvents(AllEvents | DontWait | CallBeforeSleep)
		el.ProcessEvents(AllEvents | DontWait | CallAfterSleep)
		if got := len(log); got != 4 || log[0] != "before" || log[3] != "file" || log[2] != "after" {
			t.Fatalf("with one flag each: %v", log)
		}
		el.DeleteFileEvent(a, Writable)
		log = nil
		el.CreateTimeEvent(1, func(el *EventLoop, _ int64, _ any) int {
			log = append(log, "timer")
			el.Stop()
			return NoMore
		}, nil, nil)
		el.Main()
		if n := len(log); n < 3 || log[n-3] != "before" || log[n-2] != "after" || log[n-1] != "timer" {
			t.Fatalf("Main: %v, want ... before after timer", log)
		}
	})
}

// Input: Close with a live timer, a deleted one not yet freed and a
// posted function. Expected: each finalizer runs once, Close again gives
// ErrClosed, Post gives ErrClosed, ProcessEvents does nothing.
func TestClose(t *testing.T) {
	el, err := New(16)
	if err != nil {
		t.Fatal(err)
	}
	finals := 0
	fin := func(*EventLoop, any) { finals++ }
	el.CreateTimeEvent(1000, func(*EventLoop, int64, any) int { return NoMore }, nil, fin)
	id := el.CreateTimeEvent(1000, func(*EventLoop, int64, any) int { return NoMore }, nil, fin)
	el.DeleteTimeEvent(id)
	if err := el.Close(); err != nil {
		t.Fatal(err)
	}
	if finals != 2 {
		t.Fatalf("finalizers run %d, want 2", finals)
	}
	if err := el.Close(); err != ErrClosed {
		t.Fatalf("second Close = %v", err)
	}
	if err := el.Post(func(*EventLoop) {}); err != ErrClosed {
		t.Fatalf("Post after Close = %v", err)
	}
	if n := el.ProcessEvents(AllEvents); n != 0 {
		t.Fatalf("ProcessEvents after Close = %d", n)
	}
	if _, err := New(0); err == nil {
		t.Fatal("New(0) succeeded")
	}
}
