package ae

import (
	"sync"
	"testing"
	"time"

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

// Input: 4 goroutines posting in a tight loop while the loop's goroutine
// calls Close and at once opens pipes, which take the lowest free fd
// numbers, the wake fd's among them; 200 rounds. Expected: every Post
// either succeeds or returns ErrClosed, and no wake-up write lands in a
// pipe that took the wake fd's number (Post signals under the lock Close
// takes before closing the fd; a Post that signalled after unlocking
// would write its 8 bytes into the new pipe, or to fd -1, the number the
// closed waker keeps). The pipe check needs a lucky interleaving; under
// -race, as CI runs it, such a Post is caught every time: its read of
// the waker's fd races with Close's reset of it (checked by moving the
// signal after the unlock).
func TestPostRacingClose(t *testing.T) {
	for i := 0; i < 200; i++ {
		el, err := New(16)
		if err != nil {
			t.Fatal(err)
		}
		wakefd := el.post.wake.rfd
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := el.Post(func(*EventLoop) {}); err == ErrClosed {
						return
					} else if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		time.Sleep(20 * time.Microsecond)
		el.Close()
		// Take the freed numbers: the wake fd's (and, on the pipe waker,
		// its write end's) are now the lowest free ones.
		var pipes [][2]int
		for k := 0; k < 2; k++ {
			var p [2]int
			if err := unix.Pipe(p[:]); err != nil {
				t.Fatal(err)
			}
			unix.SetNonblock(p[0], true)
			pipes = append(pipes, p)
		}
		close(stop)
		wg.Wait()
		reused := false
		for _, p := range pipes {
			if p[0] == wakefd || p[1] == wakefd {
				reused = true
			}
			if n, _ := unix.Read(p[0], make([]byte, 64)); n > 0 {
				t.Fatalf("round %d: %d bytes reached a pipe opened after Close (fds %v, wake fd was %d)", i, n, p, wakefd)
			}
			unix.Close(p[0])
			unix.Close(p[1])
		}
		if !reused && i == 0 {
			t.Logf("the wake fd's number %d was not reused by the pipes; the check is weaker", wakefd)
		}
	}
}
