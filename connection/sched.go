package connection

// The Go scheduler and a loop's goroutine. A loop's goroutine never
// blocks in the scheduler: it runs, or sits in epoll_wait as a system
// call. Two things in the runtime then cost it CPU that a C server's
// threads do not pay (measured on examples/memcache and examples/proxy,
// bench/NOTES.md "memcache"):
//
//   - sysmon takes the P of a goroutine that stays in a system call while
//     no other P is idle, and on each take goes back to polling every
//     20us for the next millisecond or more. With GOMAXPROCS equal to the
//     loops (or 1 under taskset -c 0), every epoll_wait leaves no idle P
//     and sysmon is busy all the time: 20% of the CPU at memcached -t 2 on
//     two cores. ReserveProcs gives the process a P more than its loops,
//     so one is idle while they wait.
//   - a goroutine that has not been through the scheduler for 10ms is
//     preempted (a signal and, for a locked thread, a hand-off of its P to
//     another thread and back); if it is in epoll_wait at that moment its
//     P is taken, which puts sysmon back to its 20us polling. A loop that
//     yields now and then, by its own choice and between two polls, is
//     never seen running that long: Yielder, from the before-sleep hook.
//
// Both are for loops that are busy. A single loop that is mostly at rest
// (a monitor such as examples/sentinel, a cluster bus node) is the
// opposite case: with more than one P the runtime hands the sleeping
// loop's P to another thread and back on every timer tick, and one P
// (GOMAXPROCS=1) is the cheaper setting (bench/NOTES.md, "Cluster bus CPU
// at rest: one P").

import (
	"os"
	"runtime"
	"time"
)

// ReserveProcs raises GOMAXPROCS to one P per loop and one more, unless
// GOMAXPROCS is set in the environment (which always wins) or is already
// that high. loops counts every loop of the process (workers and
// dispatcher). The extra P adds no parallelism: only the loops' threads
// run Go code for long, and they are as many as before; it costs some
// memory (each P caches spans of its own: about 500 KB with 5 Ps).
func ReserveProcs(loops int) {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	if n := loops + 1; runtime.GOMAXPROCS(0) < n {
		runtime.GOMAXPROCS(n)
	}
}

// YieldEvery is how often a Yielder goes through the scheduler: well under
// the runtime's 10ms preemption limit (forcePreemptNS).
const YieldEvery = 5 * time.Millisecond

// yieldBase anchors the monotonic clock Yielders read.
var yieldBase = time.Now()

// Yielder yields a loop's goroutine to the scheduler at most once every
// YieldEvery. Call Maybe from the loop's before-sleep hook: 200 times a
// second under load, and at most once per wake for a loop at rest. The
// zero value is ready; one Yielder per loop.
type Yielder struct {
	last time.Duration // since yieldBase, when Maybe last yielded; 0: never
}

// Maybe yields (runtime.Gosched) if YieldEvery has passed since it last
// did, and reports whether it did.
func (y *Yielder) Maybe() bool {
	now := time.Since(yieldBase)
	if y.last != 0 && now-y.last < YieldEvery {
		return false
	}
	y.last = max(now, 1)
	runtime.Gosched()
	return true
}
