package ae

import (
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// postQueue holds functions posted from other goroutines. Post appends
// under mu and signals the wake fd only when no signal is pending, so a
// burst of posts costs one write(2) and wakes the loop once.
type postQueue struct {
	mu      sync.Mutex
	fns     []func(*EventLoop)
	spare   []func(*EventLoop)
	closed  bool
	pending atomic.Bool // the wake fd has been signalled and not drained
	wake    waker
}

// Post queues fn to run on the loop's goroutine and wakes the loop if it
// sleeps in poll. It is the one EventLoop method that is safe to call from
// any goroutine. Posted functions run in order, in the next iteration
// that processes file events, before the fired fds are dispatched; one
// posted while they run waits for the following iteration. Post fails
// with ErrClosed once Close has been called.
//
// To stop a loop from another goroutine:
//
//	el.Post(func(el *ae.EventLoop) { el.Stop() })
func (el *EventLoop) Post(fn func(el *EventLoop)) error {
	if fn == nil {
		return fmt.Errorf("ae: Post of a nil func: %w", unix.EINVAL)
	}
	q := &el.post
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	q.fns = append(q.fns, fn)
	// Signal under mu: Close takes mu before closing the wake fd, so the
	// write can never reach a closed (or reused) fd.
	if q.pending.CompareAndSwap(false, true) {
		q.wake.signal()
	}
	return nil
}

// runPosted drains the wake fd and runs the queued functions.
func (el *EventLoop) runPosted() int {
	q := &el.post
	q.wake.drain()
	// Clear pending before taking the queue: a Post that comes after this
	// store signals again, so its fn is never left without a wake-up.
	q.pending.Store(false)
	q.mu.Lock()
	fns := q.fns
	q.fns = q.spare[:0]
	q.mu.Unlock()
	for i, fn := range fns {
		fns[i] = nil
		fn(el)
	}
	q.mu.Lock()
	q.spare = fns[:0]
	q.mu.Unlock()
	return len(fns)
}

func (q *postQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.fns = nil
	q.mu.Unlock()
	q.wake.close()
}
