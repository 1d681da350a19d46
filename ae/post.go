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
//
// The batch taken off the queue is this call's alone: a posted function
// may call ProcessEvents, whose own runPosted must neither read nor
// refill the slice being run here. So the spare buffer is lent to the
// queue only while no drain holds it (q.spare is nil during a drain),
// and a nested drain makes do with a fresh slice.
//
// If a posted function panics, the rest of its batch goes back to the
// front of the queue, with the wake fd signalled again, so that they run
// in the next iteration, in order, when the caller recovers.
func (el *EventLoop) runPosted() int {
	q := &el.post
	q.wake.drain()
	// Clear pending before taking the queue: a Post that comes after this
	// store signals again, so its fn is never left without a wake-up.
	q.pending.Store(false)
	q.mu.Lock()
	fns := q.fns
	q.fns, q.spare = q.spare[:0], nil
	q.mu.Unlock()
	i := 0
	defer func() {
		if i < len(fns) {
			q.requeue(fns[i+1:])
		}
	}()
	for ; i < len(fns); i++ {
		fn := fns[i]
		fns[i] = nil
		fn(el)
	}
	q.mu.Lock()
	if q.spare == nil {
		q.spare = fns[:0]
	}
	q.mu.Unlock()
	return len(fns)
}

// requeue puts the functions a panic left unrun back at the front of the
// queue and signals the loop, so the next iteration runs them.
func (q *postQueue) requeue(rest []func(*EventLoop)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.fns = append(append(make([]func(*EventLoop), 0, len(rest)+len(q.fns)), rest...), q.fns...)
	clear(rest)
	if len(q.fns) > 0 && q.pending.CompareAndSwap(false, true) {
		q.wake.signal()
	}
}

func (q *postQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.fns = nil
	q.mu.Unlock()
	q.wake.close()
}
