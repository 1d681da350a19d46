package ae

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Time events.
//
// Redis keeps time events in an unsorted list and scans all of it twice per
// iteration (usUntilEarliestTimer, processTimeEvents): O(n) with n timers.
// goae keeps them in a binary min-heap ordered by due time, then id, so the
// nearest timer is read in O(1) and a firing costs O(log n); a map finds an
// event by id for DeleteTimeEvent.
//
// Deletion stays deferred as in Redis: DeleteTimeEvent and NoMore mark the
// event (id becomes DeletedEventID) and take it off the heap; it is freed,
// and its finalizer run, at the start of the next processTimeEvents pass,
// unless its proc is still running further up the stack (refcount > 0).
// Taking it off the heap at once is Redis 7.2's fix of a 7.0 bug (deleted
// events still shortened the poll timeout).

// timeEvent is one time event (aeTimeEvent).
type timeEvent struct {
	id         int64 // DeletedEventID once deleted
	key        int64 // the id it was created with, the key in byID
	when       int64 // monotonic microseconds
	proc       TimeProc
	finalizer  EventFinalizerProc
	clientData any
	refcount   int // > 0 while proc runs
	index      int // position in the heap, -1 when off it
}

// timers is the set of time events of one loop.
type timers struct {
	heap    []*timeEvent
	byID    map[int64]*timeEvent
	deleted []*timeEvent // marked, waiting to be freed
	spare   []*timeEvent // the other half of deleted, swapped each pass
	resched []*timeEvent // fired in the current pass, back on the heap at its end
	free    []*timeEvent // freed records, reused by CreateTimeEvent
}

func (t *timers) init() { t.byID = make(map[int64]*timeEvent) }

// clockBase anchors the monotonic clock; time.Since reads the monotonic
// clock (CLOCK_MONOTONIC on Linux), as Redis's getMonotonicUs does.
var clockBase = time.Now()

// monotonicUs returns microseconds on the monotonic clock.
func monotonicUs() int64 { return int64(time.Since(clockBase) / time.Microsecond) }

// afterMs returns now + ms milliseconds in microseconds, saturated: a
// delay too long to represent waits forever (math.MaxInt64 microseconds
// is 292,000 years) instead of wrapping to the past and firing at once,
// and a very negative one is simply due. Redis 7.0 computes ms*1000 in
// int and overflows past about 35 minutes; 7.4 widens it to 64 bits.
func afterMs(now, ms int64) int64 {
	const maxMs = (math.MaxInt64 - 1<<62) / 1000 // now < 2^62 µs: 146,000 years
	switch {
	case ms > maxMs:
		return math.MaxInt64
	case ms < -maxMs:
		return now - maxMs*1000
	}
	return now + ms*1000
}

// CreateTimeEvent schedules proc to run in ms milliseconds and returns the
// event's id (aeCreateTimeEvent). Ids start at 0 and only grow. finalizer,
// if not nil, runs when the event is freed after its deletion.
//
// A time event created while time events are being processed does not run
// in the same pass, whatever its delay. A delay too long to represent
// (past about 146,000 years) waits forever; a negative one is due at once.
// On a closed loop nothing is scheduled: the finalizer runs at once and
// the id returned is DeletedEventID.
func (el *EventLoop) CreateTimeEvent(ms int64, proc TimeProc, clientData any, finalizer EventFinalizerProc) int64 {
	if el.closed {
		// Nothing will run it: it is freed at once, as Close frees the
		// others.
		if finalizer != nil {
			finalizer(el, clientData)
		}
		return DeletedEventID
	}
	t := &el.timers
	id := el.timeEventNextID
	el.timeEventNextID++
	var te *timeEvent
	if n := len(t.free); n > 0 {
		te = t.free[n-1]
		t.free[n-1] = nil
		t.free = t.free[:n-1]
	} else {
		te = new(timeEvent)
	}
	*te = timeEvent{
		id:         id,
		key:        id,
		when:       afterMs(monotonicUs(), ms),
		proc:       proc,
		finalizer:  finalizer,
		clientData: clientData,
	}
	t.byID[id] = te
	t.push(te)
	return id
}

// DeleteTimeEvent deletes the time event id (aeDeleteTimeEvent). It may be
// called from any handler, including the event's own proc, which then runs
// to its end. The finalizer runs when the event is freed, at the start of
// the next time-event pass. An unknown or already deleted id gives
// ErrNoSuchEvent.
func (el *EventLoop) DeleteTimeEvent(id int64) error {
	t := &el.timers
	te, ok := t.byID[id]
	if !ok {
		return ErrNoSuchEvent
	}
	t.markDeleted(te)
	return nil
}

func (t *timers) markDeleted(te *timeEvent) {
	delete(t.byID, te.key)
	te.id = DeletedEventID
	if te.index >= 0 {
		t.remove(te.index)
	}
	t.deleted = append(t.deleted, te)
}

// usUntilEarliest returns the microseconds until the nearest time event,
// 0 when one is due, -1 when there is none (usUntilEarliestTimer).
func (t *timers) usUntilEarliest() int64 {
	if len(t.heap) == 0 {
		return -1
	}
	d := t.heap[0].when - monotonicUs()
	if d < 0 {
		return 0
	}
	return d
}

// processTimeEvents frees deleted events and runs the due ones
// (processTimeEvents). It returns the number of procs run.
//
// A proc may panic. The pass then ends where it is, the way net/http
// ends one request: the events that already ran this pass go back on the
// heap as they would have, and the one that panicked is deleted, as if
// it had returned NoMore (it has no return value to reschedule it by);
// its finalizer runs in the next pass. The panic goes on up to the
// caller of ProcessEvents, and the loop is usable once it is recovered.
func (el *EventLoop) processTimeEvents() int {
	t := &el.timers
	el.freeDeleted()
	if el.closed {
		return 0 // a finalizer closed the loop
	}

	processed := 0
	maxID := el.timeEventNextID - 1
	now := monotonicUs()
	// A recursive ProcessEvents from inside a proc appends after base and
	// puts back only its own part.
	base := len(t.resched)
	var running *timeEvent // set while a proc runs: the one that panicked
	defer func() {
		if running != nil {
			running.refcount--
			// On a closed loop Close has freed it, finalizer included.
			if running.id != DeletedEventID && !el.closed {
				t.markDeleted(running)
			}
		}
		el.endTimePass(base)
	}()
	for len(t.heap) > 0 && t.heap[0].when <= now {
		te := t.heap[0]
		t.remove(0)
		if te.id > maxID {
			// Created during this pass: it waits for the next one.
			t.resched = append(t.resched, te)
			continue
		}
		te.refcount++
		running = te
		ret := te.proc(el, te.id, te.clientData)
		running = nil
		te.refcount--
		processed++
		if el.closed {
			return processed // the proc closed the loop: all is freed
		}
		now = monotonicUs()
		switch {
		case te.id == DeletedEventID:
			// Deleted by its own proc: already queued to be freed.
		case ret == NoMore:
			t.markDeleted(te)
		default:
			// Back on the heap only after the pass: a proc returning 0
			// runs again in the next iteration, not in this one.
			te.when = afterMs(now, int64(ret))
			t.resched = append(t.resched, te)
		}
	}
	return processed
}

// endTimePass puts the events fired or skipped since base back on the
// heap, the end of a processTimeEvents pass.
func (el *EventLoop) endTimePass(base int) {
	t := &el.timers
	if el.closed || base > len(t.resched) {
		return // Close freed everything, resched included
	}
	for i := base; i < len(t.resched); i++ {
		// Skip events deleted meanwhile; a recursive pass may even have
		// freed and reused the record, which is then on the heap already.
		if te := t.resched[i]; te.id != DeletedEventID && te.index < 0 {
			t.push(te)
		}
		t.resched[i] = nil
	}
	t.resched = t.resched[:base]
}

// freeDeleted frees the deleted events whose proc is not running, calling
// their finalizers (the AE_DELETED_EVENT_ID branch of processTimeEvents).
//
// The list being freed is this call's alone: a finalizer may delete time
// events, which go to a new list for the next pass, and may call
// ProcessEvents, whose own freeDeleted must not touch this list. So the
// spare buffer is lent to t.deleted only while no free is running (spare
// is nil meanwhile). Each record is released before its finalizer runs:
// if the finalizer panics, that event is freed all the same and the ones
// not reached yet go back on the list, for the next pass.
func (el *EventLoop) freeDeleted() {
	t := &el.timers
	if len(t.deleted) == 0 {
		return
	}
	list := t.deleted
	t.deleted, t.spare = t.spare[:0], nil
	i := 0
	defer func() {
		if i < len(list) {
			// A finalizer panicked: the rest wait for the next pass.
			t.deleted = append(t.deleted, list[i+1:]...)
		}
	}()
	for ; i < len(list); i++ {
		te := list[i]
		list[i] = nil
		// Once a finalizer has closed the loop, the rest of this list,
		// which Close could not see, is freed here: every finalizer
		// still runs once.
		if te.refcount > 0 && !el.closed {
			t.deleted = append(t.deleted, te)
			continue
		}
		finalizer, clientData := te.finalizer, te.clientData
		t.release(te)
		if finalizer != nil {
			finalizer(el, clientData)
		}
	}
	if t.spare == nil && !el.closed {
		t.spare = list[:0]
	}
}

// release puts a freed record on the free list, dropping its references.
func (t *timers) release(te *timeEvent) {
	*te = timeEvent{id: DeletedEventID, index: -1}
	t.free = append(t.free, te)
}

// freeAll frees every time event, live or deleted, running the finalizers
// (aeDeleteEventLoop as in Redis 7.4), oldest first. Live events are the
// ones in byID: on the heap, and also those off it while a pass runs
// (fired and waiting to go back, or running now, when Close is called
// from a proc).
func (t *timers) freeAll(el *EventLoop) {
	all := make([]*timeEvent, 0, len(t.byID)+len(t.deleted))
	for _, te := range t.byID {
		all = append(all, te)
	}
	all = append(all, t.deleted...)
	slices.SortFunc(all, func(a, b *timeEvent) int { return cmp.Compare(a.key, b.key) })
	t.heap, t.deleted, t.spare, t.resched, t.free = nil, nil, nil, nil, nil
	t.byID = make(map[int64]*timeEvent)
	for _, te := range all {
		te.id, te.index = DeletedEventID, -1
		if te.finalizer != nil {
			te.finalizer(el, te.clientData)
		}
	}
}

// The heap: ordered by when, ties by id so equal deadlines fire in
// creation order.

func (t *timers) less(i, j int) bool {
	a, b := t.heap[i], t.heap[j]
	return a.when < b.when || (a.when == b.when && a.key < b.key)
}

func (t *timers) swap(i, j int) {
	h := t.heap
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (t *timers) push(te *timeEvent) {
	te.index = len(t.heap)
	t.heap = append(t.heap, te)
	t.up(te.index)
}

// remove takes the element at i off the heap.
func (t *timers) remove(i int) {
	h := t.heap
	n := len(h) - 1
	te := h[i]
	if i != n {
		t.swap(i, n)
	}
	h[n] = nil
	t.heap = h[:n]
	if i != n {
		if !t.down(i) {
			t.up(i)
		}
	}
	te.index = -1
}

func (t *timers) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !t.less(j, i) {
			break
		}
		t.swap(i, j)
		j = i
	}
}

// down sifts i down and reports whether it moved.
func (t *timers) down(i0 int) bool {
	i, n := i0, len(t.heap)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && t.less(r, l) {
			j = r
		}
		if !t.less(j, i) {
			break
		}
		t.swap(i, j)
		i = j
	}
	return i > i0
}
