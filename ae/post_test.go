package ae

import (
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// Input: 1000 posts while the loop is not running. Expected: one wake-up
// signal (the eventfd counter reads 1 on Linux), then all 1000 run in
// order in one iteration, on the loop, counted as processed.
func TestPostCoalescesAndRunsInOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(16)
		var got []int
		for i := 0; i < 1000; i++ {
			i := i
			if err := el.Post(func(*EventLoop) { got = append(got, i) }); err != nil {
				t.Fatal(err)
			}
		}
		if el.MaxFD() != -1 {
			t.Fatalf("the wake fd shows in MaxFD: %d", el.MaxFD())
		}
		checkOneSignal(t, el)
		if n := el.ProcessEvents(FileEvents | DontWait); n != 1000 {
			t.Fatalf("processed %d, want 1000", n)
		}
		for i, v := range got {
			if v != i {
				t.Fatalf("posted funcs ran out of order at %d: %d", i, v)
			}
		}
		if len(got) != 1000 {
			t.Fatalf("ran %d", len(got))
		}
		if n := el.ProcessEvents(FileEvents | DontWait); n != 0 {
			t.Fatalf("second iteration processed %d", n)
		}
		// Posting from a posted func: runs in the next iteration.
		ran := 0
		el.Post(func(el *EventLoop) { el.Post(func(*EventLoop) { ran++ }) })
		el.ProcessEvents(FileEvents | DontWait)
		if ran != 0 {
			t.Fatal("a post from a posted func ran in the same iteration")
		}
		el.ProcessEvents(FileEvents | DontWait)
		if ran != 1 {
			t.Fatal("a post from a posted func did not run in the next iteration")
		}
		if err := el.Post(nil); !isErrno(err, unix.EINVAL) {
			t.Fatalf("Post(nil) = %v", err)
		}
	})
}

// Input: Main running on its own goroutine with nothing registered and no
// timers (it sleeps in poll forever), 8 goroutines posting 1000 funcs
// each, then a post that stops it. Expected: every func runs on the loop
// (the counter needs no lock; -race checks it) and Main returns.
func TestPostWakesSleepingLoop(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLoop func(int) *EventLoop) {
		el := newLoop(1) // the wake fd needs no slot
		count := 0
		done := make(chan struct{})
		go func() {
			el.Main()
			close(done)
		}()
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 1000; i++ {
					if err := el.Post(func(*EventLoop) { count++ }); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		result := make(chan int, 1)
		el.Post(func(el *EventLoop) { result <- count; el.Stop() })
		<-done
		if got := <-result; got != 8000 {
			t.Fatalf("ran %d posted funcs, want 8000", got)
		}
	})
}

// Input: Post racing Close. Expected: every Post either succeeds or
// returns ErrClosed; no write reaches a closed fd (-race, no panic).
func TestPostRacingClose(t *testing.T) {
	for i := 0; i < 20; i++ {
		el, err := New(16)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < 100; j++ {
					if err := el.Post(func(*EventLoop) {}); err != nil && err != ErrClosed {
						t.Error(err)
					}
				}
			}()
		}
		el.Close()
		wg.Wait()
	}
}
