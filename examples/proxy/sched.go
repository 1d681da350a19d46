package main

// The Go scheduler and the loop (see package ae and examples/memcache's
// thread.go, where this was measured first). The loop's goroutine runs,
// or sits in epoll_wait as a system call. Pinned to one CPU (taskset, as
// nutcracker is usually run and as bench/proxy.sh runs it), Go starts with
// one P; the runtime's monitor (sysmon) then takes that P back from every
// epoll_wait it finds, as no other P is idle, and on each take goes back
// to waking every 20us, on the loop's own CPU. With a P more than the
// loops one is idle while the loop waits, and sysmon leaves the wait
// alone for 10ms; a loop that goes through the scheduler more often than
// that (yieldEvery) is never preempted by signal either.

import (
	"os"
	"runtime"
	"time"
)

// reserveProcs raises GOMAXPROCS to one P per loop and one more, unless
// GOMAXPROCS is set in the environment. The extra P adds no parallelism
// (only the loops' threads run Go code for long).
func reserveProcs(loops int) {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	if n := loops + 1; runtime.GOMAXPROCS(0) < n {
		runtime.GOMAXPROCS(n)
	}
}

// yieldEvery is how often the loop goes through the scheduler: well under
// the runtime's 10ms preemption limit.
const yieldEvery = 5 * time.Millisecond

// yieldBase anchors the monotonic clock maybeYield reads.
var yieldBase = time.Now()

// maybeYield runs before each poll and yields once yieldEvery (200 times
// a second under load; an idle loop sleeps in its poll).
func (ctx *ncContext) maybeYield() {
	if now := time.Since(yieldBase); now-ctx.lastYield >= yieldEvery {
		ctx.lastYield = now
		runtime.Gosched()
	}
}
