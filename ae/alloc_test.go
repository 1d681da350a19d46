package ae

import "testing"

// Input: steady-state iterations that dispatch a fired fd (read and write
// handlers), run a due timer, and poll with nothing ready. Expected: zero
// allocations per iteration (counted, not timed).
func TestZeroAllocsHotPath(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(1024)
		a, b := socketpair(t)
		write(t, b, "x") // stays unread: fires every iteration
		reads, writes := 0, 0
		conn := &struct{ n int }{}
		el.CreateFileEvent(a, Readable, func(_ *EventLoop, _ int, cd any, _ Mask) { reads++; cd.(*struct{ n int }).n++ }, conn)
		el.CreateFileEvent(a, Writable, func(*EventLoop, int, any, Mask) { writes++ }, conn)
		if n := testing.AllocsPerRun(1000, func() { el.ProcessEvents(FileEvents | DontWait) }); n != 0 {
			t.Errorf("file event dispatch: %v allocs per iteration", n)
		}
		if reads == 0 || writes == 0 {
			t.Fatal("handlers did not run")
		}
		el.DeleteFileEvent(a, Readable|Writable)

		fires := 0
		el.CreateTimeEvent(0, func(*EventLoop, int64, any) int { fires++; return 0 }, nil, nil)
		for i := 0; i < 10; i++ {
			el.CreateTimeEvent(int64(1000+i), func(*EventLoop, int64, any) int { return NoMore }, nil, nil)
		}
		if n := testing.AllocsPerRun(1000, func() { el.ProcessEvents(AllEvents | DontWait) }); n != 0 {
			t.Errorf("timer firing: %v allocs per iteration", n)
		}
		if fires < 1000 {
			t.Fatalf("timer fired %d times", fires)
		}
		// Create, fire with NoMore, free: the record is reused.
		el.ProcessEvents(TimeEvents | DontWait)
		once := func(*EventLoop, int64, any) int { return NoMore }
		if n := testing.AllocsPerRun(1000, func() {
			el.CreateTimeEvent(-1, once, nil, nil)
			el.ProcessEvents(TimeEvents | DontWait)
		}); n != 0 {
			t.Errorf("one-shot timer create+fire+free: %v allocs", n)
		}
	})
}

// Input: a posted func per iteration. Expected: the queue itself does not
// allocate in steady state (the func value is the caller's).
func TestZeroAllocsPost(t *testing.T) {
	el, err := New(16)
	if err != nil {
		t.Fatal(err)
	}
	defer el.Close()
	n := 0
	fn := func(*EventLoop) { n++ }
	if a := testing.AllocsPerRun(1000, func() {
		el.Post(fn)
		el.ProcessEvents(FileEvents | DontWait)
	}); a != 0 {
		t.Errorf("Post + run: %v allocs", a)
	}
	if n < 1000 {
		t.Fatalf("ran %d", n)
	}
}
