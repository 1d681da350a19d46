package ae

import (
	"fmt"
	"testing"
)

// BenchmarkDispatch measures one loop iteration that dispatches k fired
// fds (each readable, never drained, so level-triggered epoll reports it
// every time), and reports the cost per event.
func BenchmarkDispatch(b *testing.B) {
	for _, be := range testBackends {
		for _, k := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/fds=%d", be.name, k), func(b *testing.B) {
				el, err := newWithPoller(4096, be.new)
				if err != nil {
					b.Fatal(err)
				}
				defer el.Close()
				calls := 0
				h := func(*EventLoop, int, any, Mask) { calls++ }
				for i := 0; i < k; i++ {
					a, p := socketpair(b)
					write(b, p, "x")
					el.CreateFileEvent(a, Readable, h, nil)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					el.ProcessEvents(FileEvents | DontWait)
				}
				b.StopTimer()
				if calls != b.N*k {
					b.Fatalf("calls %d, want %d", calls, b.N*k)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(calls), "ns/event")
			})
		}
	}
}

// BenchmarkTimerFire measures an iteration that runs one due timer.
func BenchmarkTimerFire(b *testing.B) {
	el, err := New(16)
	if err != nil {
		b.Fatal(err)
	}
	defer el.Close()
	el.CreateTimeEvent(0, func(*EventLoop, int64, any) int { return 0 }, nil, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		el.ProcessEvents(TimeEvents | DontWait)
	}
}

// BenchmarkTimerScaling measures one loop iteration (poll without waiting,
// one due timer run and rescheduled) with n live timers. Redis's list
// makes it O(n); the heap keeps it near constant: compare live=10 with
// live=100000 (bench/ae.sh prints the ratio).
func BenchmarkTimerScaling(b *testing.B) {
	for _, n := range []int{10, 1000, 100000} {
		b.Run(fmt.Sprintf("live=%d", n), func(b *testing.B) {
			el, err := New(16)
			if err != nil {
				b.Fatal(err)
			}
			defer el.Close()
			idle := func(*EventLoop, int64, any) int { return NoMore }
			for i := 0; i < n-1; i++ {
				el.CreateTimeEvent(int64(3600_000+i%1000), idle, nil, nil)
			}
			el.CreateTimeEvent(0, func(*EventLoop, int64, any) int { return 0 }, nil, nil)
			a, _ := socketpair(b)
			el.CreateFileEvent(a, Readable, nop, nil)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				el.ProcessEvents(AllEvents | DontWait)
			}
			b.StopTimer() // Close frees n timers: not part of an iteration
		})
	}
}

// BenchmarkPost measures Post from another goroutine to a running loop.
func BenchmarkPost(b *testing.B) {
	el, err := New(16)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { el.Main(); close(done) }()
	n := 0
	fn := func(*EventLoop) { n++ }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		el.Post(fn)
	}
	b.StopTimer()
	el.Post(func(el *EventLoop) { el.Stop() })
	<-done
	el.Close()
}
