package ae

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Mask is a set of file events on one fd (the mask of aeFileEvent). It
// is its own type so that a mask cannot be passed where ProcessEvents
// flags are wanted: in Redis both are ints, and AE_READABLE ==
// AE_FILE_EVENTS, AE_BARRIER == AE_DONT_WAIT.
type Mask int

// File event masks (AE_NONE, AE_READABLE, AE_WRITABLE, AE_BARRIER).
const (
	// None is the mask of an fd with nothing registered.
	None Mask = 0
	// Readable fires when the fd is readable.
	Readable Mask = 1
	// Writable fires when the fd is writable.
	Writable Mask = 2
	// Barrier, set together with Writable, makes the loop call the
	// writable handler before the readable one when both fire in the same
	// iteration. Redis uses it to persist data before replying: never
	// write after read in one iteration.
	Barrier Mask = 4
)

// Flags tell ProcessEvents what to do in one iteration (the flags
// argument of aeProcessEvents).
type Flags int

// ProcessEvents flags (AE_FILE_EVENTS ... AE_CALL_AFTER_SLEEP).
const (
	// FileEvents processes file events.
	FileEvents Flags = 1 << 0
	// TimeEvents processes time events.
	TimeEvents Flags = 1 << 1
	// AllEvents is FileEvents|TimeEvents.
	AllEvents = FileEvents | TimeEvents
	// DontWait polls without blocking.
	DontWait Flags = 1 << 2
	// CallBeforeSleep calls the before-sleep hook before polling.
	CallBeforeSleep Flags = 1 << 3
	// CallAfterSleep calls the after-sleep hook right after polling.
	CallAfterSleep Flags = 1 << 4
)

const (
	// NoMore, returned by a TimeProc, deletes the time event (AE_NOMORE).
	NoMore = -1
	// DeletedEventID marks a time event deleted but not yet freed
	// (AE_DELETED_EVENT_ID).
	DeletedEventID = -1
)

// FileProc handles a file event (aeFileProc). mask is what the poller
// reported for fd and may hold both Readable and Writable.
type FileProc func(el *EventLoop, fd int, clientData any, mask Mask)

// TimeProc handles a time event (aeTimeProc). It returns the number of
// milliseconds until it should run again, or NoMore to delete the event.
type TimeProc func(el *EventLoop, id int64, clientData any) int

// EventFinalizerProc runs when a deleted time event is freed
// (aeEventFinalizerProc).
type EventFinalizerProc func(el *EventLoop, clientData any)

// BeforeSleepProc is the before-sleep and after-sleep hook
// (aeBeforeSleepProc).
type BeforeSleepProc func(el *EventLoop)

// ErrClosed is returned by Post, Close, CreateFileEvent and
// ResizeSetSize once the loop is closed.
var ErrClosed = errors.New("ae: event loop closed")

// ErrNoSuchEvent is returned by DeleteTimeEvent for an id that is not a
// live time event (AE_ERR in aeDeleteTimeEvent).
var ErrNoSuchEvent = errors.New("ae: no such time event")

// fileEvent is one registered fd (aeFileEvent). It holds only what
// Redis's does (the mask, the two handlers, clientData): one handler
// registered for both directions is recognised in dispatch (see funcID),
// not by identities stored here.
type fileEvent struct {
	mask       Mask
	rproc      FileProc
	wproc      FileProc
	clientData any
}

// Redis's loop has an aeFileEvent per fd of the set, indexed by fd. Here
// the per-fd array holds a 4-byte slot, and fileEvents (40 bytes) are
// given only to registered fds, from blocks of eventBlock. A server whose
// clients are spread over several loops (memcached's workers) has every
// fd's slot touched in every loop: with 40 bytes per fd per loop, 10,000
// idle clients over 4 loops cost 1.6 MB of event arrays; with slots, 0.2
// MB and one fileEvent each (bench/NOTES.md, "memcache").

// eventBlock is how many fileEvents one block holds: 256 x 40 bytes fill
// the 10,240-byte size class.
const eventBlock = 256

// noEvent is what an fd with nothing registered reads: mask None. It is
// never written.
var noEvent fileEvent

// firedEvent is one fd reported ready by the poller (aeFiredEvent).
type firedEvent struct {
	fd   int
	mask Mask
}

// EventLoop is the state of one event loop (aeEventLoop).
//
// An EventLoop belongs to one goroutine: every method except Post must be
// called from the goroutine that runs it (the one calling Main or
// ProcessEvents), or while no goroutine runs it. Handlers run on that
// goroutine and may call any method. Post is the one entry other
// goroutines may use.
type EventLoop struct {
	maxfd           int // highest registered fd, -1 when none
	setsize         int // fds 0 .. setsize-1 may be registered
	timeEventNextID int64
	slots           []int32 // indexed by fd: 1 + its fileEvent's index, 0 when none
	blocks          []*[eventBlock]fileEvent
	free            []int32 // indexes released, reused first; room for every index
	used            int32   // indexes handed out, released or not
	fired           [][]firedEvent
	depth           int // ProcessEvents recursion depth
	timers          timers
	stop            bool
	api             poller
	beforesleep     BeforeSleepProc
	aftersleep      BeforeSleepProc
	flags           Flags // only DontWait, set by SetDontWait
	post            postQueue
	closed          bool
}

// New creates an event loop that can watch fds 0 .. setsize-1
// (aeCreateEventLoop) with the default poller: epoll on Linux, kqueue on
// the BSDs and macOS, poll(2) when built with the goae_poll tag.
func New(setsize int) (*EventLoop, error) {
	return newWithPoller(setsize, newDefaultPoller)
}

func newWithPoller(setsize int, newPoller func(setsize, wakefd int) (poller, error)) (*EventLoop, error) {
	if setsize < 1 {
		return nil, fmt.Errorf("ae: setsize %d: %w", setsize, unix.EINVAL)
	}
	el := &EventLoop{
		maxfd:   -1,
		setsize: setsize,
		slots:   make([]int32, setsize),
		fired:   [][]firedEvent{make([]firedEvent, setsize)},
	}
	el.timers.init()
	w, err := newWaker()
	if err != nil {
		return nil, err
	}
	el.post.wake = w
	el.api, err = newPoller(setsize, w.rfd)
	if err != nil {
		w.close()
		return nil, err
	}
	return el, nil
}

// Close releases the poller and the wake fd and frees every time event,
// running its finalizer (aeDeleteEventLoop). Registered fds are the
// caller's and stay open; the loop forgets them.
//
// Close may be called from a handler, a finalizer or a posted function:
// the loop then does nothing more (the rest of the fired batch is not
// dispatched, no more time events run, ProcessEvents returns and Main
// returns), and the methods that would need the poller fail with
// ErrClosed or do nothing. In Redis, aeDeleteEventLoop from inside the
// loop would free memory the loop is still using.
//
// Redis 7.0 freed time events without their finalizers; 7.4 calls them,
// and so does goae, so that finalizers can release what they own.
func (el *EventLoop) Close() error {
	if el.closed {
		return ErrClosed
	}
	el.closed = true
	el.post.close()
	err := el.api.close()
	clear(el.slots)
	el.blocks, el.free, el.used = nil, nil, 0
	el.maxfd = -1
	el.timers.freeAll(el)
	return err
}

// Stop makes Main return after the current iteration (aeStop). It is not
// safe to call from another goroutine; use Post(func(el) { el.Stop() }).
func (el *EventLoop) Stop() { el.stop = true }

// Main runs the loop until Stop or Close (aeMain): each iteration
// processes file and time events and calls both sleep hooks.
func (el *EventLoop) Main() {
	el.stop = false
	for !el.stop && !el.closed {
		el.ProcessEvents(AllEvents | CallBeforeSleep | CallAfterSleep)
	}
}

// APIName returns the name of the poller: "epoll", "kqueue" or "poll"
// (aeGetApiName).
func (el *EventLoop) APIName() string { return el.api.name() }

// SetBeforeSleepProc sets the hook called before the loop polls, when
// ProcessEvents is given CallBeforeSleep (aeSetBeforeSleepProc).
func (el *EventLoop) SetBeforeSleepProc(proc BeforeSleepProc) { el.beforesleep = proc }

// SetAfterSleepProc sets the hook called right after the loop polls, when
// ProcessEvents is given CallAfterSleep (aeSetAfterSleepProc).
func (el *EventLoop) SetAfterSleepProc(proc BeforeSleepProc) { el.aftersleep = proc }

// SetDontWait makes every poll non-blocking while noWait is true
// (aeSetDontWait). Redis sets it from beforeSleep while TLS has buffered
// data; set inside the before-sleep hook, it applies to the same
// iteration.
func (el *EventLoop) SetDontWait(noWait bool) {
	if noWait {
		el.flags |= DontWait
	} else {
		el.flags &^= DontWait
	}
}

// SetSize returns the number of fd slots (aeGetSetSize).
func (el *EventLoop) SetSize() int { return el.setsize }

// MaxFD returns the highest registered fd, or -1 when none is registered
// (eventLoop->maxfd).
func (el *EventLoop) MaxFD() int { return el.maxfd }

// ResizeSetSize changes the number of fd slots (aeResizeSetSize). Every
// registered event is kept. It fails, with an error matching unix.ERANGE,
// when a registered fd would not fit: setsize <= MaxFD().
func (el *EventLoop) ResizeSetSize(setsize int) error {
	if el.closed {
		return ErrClosed
	}
	if setsize == el.setsize {
		return nil
	}
	if setsize < 1 {
		return fmt.Errorf("ae: setsize %d: %w", setsize, unix.EINVAL)
	}
	if el.maxfd >= setsize {
		return fmt.Errorf("ae: cannot resize to %d slots, fd %d is registered: %w", setsize, el.maxfd, unix.ERANGE)
	}
	if err := el.api.resize(setsize); err != nil {
		return err
	}
	slots := make([]int32, setsize)
	copy(slots, el.slots)
	el.slots = slots
	for i := range el.fired {
		el.fired[i] = make([]firedEvent, setsize)
	}
	el.setsize = setsize
	return nil
}

// CreateFileEvent registers proc for the events in mask on fd
// (aeCreateFileEvent). Masks accumulate: registering Writable on an fd
// that is Readable keeps both. proc replaces the handler of the
// directions in mask only; clientData replaces the fd's data in every
// case, as in Redis, where one clientData serves both directions.
//
// fd must be in 0 .. SetSize()-1, else the error matches unix.ERANGE.
// mask must hold Readable or Writable or both, Barrier only beside them,
// and proc must not be nil, else the error matches unix.EINVAL. On a
// closed loop the error is ErrClosed.
//
// When the same handler serves both directions and both fire, it runs
// once, with both bits in its mask. "The same" means the same func value:
// the same top-level function, or the same closure or method value (keep
// a method value in a field and pass that field each time: evaluating
// c.handle twice makes two values).
func (el *EventLoop) CreateFileEvent(fd int, mask Mask, proc FileProc, clientData any) error {
	if el.closed {
		return ErrClosed
	}
	if fd < 0 || fd >= el.setsize {
		return fmt.Errorf("ae: fd %d outside the set of %d: %w", fd, el.setsize, unix.ERANGE)
	}
	// A mask with neither direction would register the fd with the
	// poller for nothing (an epoll ADD of no events, after which a real
	// registration is a MOD the loop would not make): refuse it.
	if mask&(Readable|Writable) == 0 || mask&^(Readable|Writable|Barrier) != 0 {
		return fmt.Errorf("ae: mask %#x for fd %d: want Readable and/or Writable (Barrier only with them): %w", int(mask), fd, unix.EINVAL)
	}
	if proc == nil {
		return fmt.Errorf("ae: nil handler for fd %d: %w", fd, unix.EINVAL)
	}
	fe := el.event(fd)
	if err := el.api.add(fd, fe.mask, mask); err != nil {
		return err
	}
	if fe == &noEvent {
		fe = el.newEvent(fd)
	}
	fe.mask |= mask
	if mask&Readable != 0 {
		fe.rproc = proc
	}
	if mask&Writable != 0 {
		fe.wproc = proc
	}
	fe.clientData = clientData
	if fd > el.maxfd {
		el.maxfd = fd
	}
	return nil
}

// DeleteFileEvent unregisters the events in mask from fd
// (aeDeleteFileEvent). Removing Writable also removes Barrier. Deleting
// what is not registered, or an fd outside the set, does nothing.
func (el *EventLoop) DeleteFileEvent(fd int, mask Mask) {
	if fd < 0 || fd >= el.setsize || el.closed {
		return
	}
	fe := el.event(fd)
	if fe.mask == None {
		return
	}
	// Writable without Barrier would make no sense.
	if mask&Writable != 0 {
		mask |= Barrier
	}
	el.api.del(fd, fe.mask, mask)
	fe.mask &^= mask
	// Drop references so the GC can free them (Redis leaves the stale
	// pointers; dispatch remembers the identity of the handler it ran
	// instead, see there).
	if fe.mask&Readable == 0 {
		fe.rproc = nil
	}
	if fe.mask&Writable == 0 {
		fe.wproc = nil
	}
	if fe.mask != None {
		return
	}
	fe.clientData = nil
	el.free = append(el.free, el.slots[fd]-1) // within its capacity: see newEvent
	el.slots[fd] = 0
	if fd == el.maxfd {
		j := el.maxfd - 1
		for j >= 0 && el.slots[j] == 0 {
			j--
		}
		el.maxfd = j
	}
}

// event returns fd's fileEvent, or &noEvent when nothing is registered
// for it. fd must be within the set.
func (el *EventLoop) event(fd int) *fileEvent {
	if i := el.slots[fd]; i != 0 {
		i--
		return &el.blocks[i/eventBlock][i%eventBlock]
	}
	return &noEvent
}

// newEvent gives fd a zero fileEvent: a released one, or the next of the
// last block, or the first of a new block. free's capacity grows with the
// blocks, so releasing never allocates.
func (el *EventLoop) newEvent(fd int) *fileEvent {
	var i int32
	if n := len(el.free); n > 0 {
		i = el.free[n-1]
		el.free = el.free[:n-1]
	} else {
		i = el.used
		el.used++
		if int(i/eventBlock) == len(el.blocks) {
			el.blocks = append(el.blocks, new([eventBlock]fileEvent))
			free := make([]int32, len(el.free), len(el.blocks)*eventBlock)
			copy(free, el.free)
			el.free = free
		}
	}
	el.slots[fd] = i + 1
	return &el.blocks[i/eventBlock][i%eventBlock]
}

// GetFileEvents returns the mask registered for fd, Barrier included
// (aeGetFileEvents); None for an fd outside the set.
func (el *EventLoop) GetFileEvents(fd int) Mask {
	if fd < 0 || fd >= el.setsize {
		return None
	}
	return el.event(fd).mask
}

// GetFileClientData returns the clientData of fd, or nil when nothing is
// registered for it (aeGetFileClientData).
func (el *EventLoop) GetFileClientData(fd int) any {
	if fd < 0 || fd >= el.setsize {
		return nil
	}
	return el.event(fd).clientData
}

// funcID returns the identity of a func value: the address of the
// closure record a func value points to. Go does not allow comparing
// funcs with ==, and reflect's Pointer gives the code address, which all
// closures of one function literal share, so it would wrongly merge two
// closures over different state. The closure record is unique per
// closure (and static per top-level function), so equal identities mean
// the very same handler, and at worst two distinct values of one method
// run twice, which is the behaviour of two different handlers.
func funcID(f FileProc) uintptr {
	return *(*uintptr)(unsafe.Pointer(&f))
}

// ProcessEvents runs one iteration of the loop (aeProcessEvents) and
// returns the number of events processed: fired fds, time events run and
// posted functions run. Without FileEvents and TimeEvents it returns 0 at
// once.
//
// The order is Redis 7.2's, which fixed three 7.0 bugs: the before-sleep
// hook runs first (so SetDontWait inside it applies now), then the poll
// timeout is computed (zero with DontWait, else until the nearest time
// event, else infinite when TimeEvents is given), then the loop polls,
// calls the after-sleep hook, runs posted functions and dispatches fired
// fds (only when FileEvents is given; 7.0 dispatched them always), then
// runs due time events when TimeEvents is given. The loop does not poll
// at all when no fd is registered, no post is pending and it is not to
// wait for a timer.
func (el *EventLoop) ProcessEvents(flags Flags) int {
	if flags&(TimeEvents|FileEvents) == 0 || el.closed {
		return 0
	}
	processed := 0
	posted := flags&FileEvents != 0 && el.post.pending.Load()
	if el.maxfd != -1 || (flags&TimeEvents != 0 && flags&DontWait == 0) || posted {
		if el.beforesleep != nil && flags&CallBeforeSleep != 0 {
			el.beforesleep(el)
			if el.closed {
				return 0
			}
		}
		timeout := int64(-1)
		if flags&DontWait != 0 || el.flags&DontWait != 0 {
			timeout = 0
		} else if flags&TimeEvents != 0 {
			timeout = el.timers.usUntilEarliest()
		}
		processed += el.pollAndDispatch(flags, timeout)
	}
	if flags&TimeEvents != 0 && !el.closed {
		processed += el.processTimeEvents()
	}
	return processed
}

// pollAndDispatch polls for up to timeoutUs, calls the after-sleep hook,
// runs posted functions and dispatches the fired fds: the middle of
// aeProcessEvents.
//
// Each recursion depth has its own fired buffer: a handler that calls
// ProcessEvents must not overwrite the batch being dispatched (in Redis it
// does). depth is restored by a deferred call, so a handler that panics
// leaves the loop as it was: the rest of its batch is not dispatched, but
// the fds stay registered and, being level-triggered, are reported again
// by the next poll.
func (el *EventLoop) pollAndDispatch(flags Flags, timeoutUs int64) int {
	if el.depth == len(el.fired) {
		el.fired = append(el.fired, make([]firedEvent, el.setsize))
	}
	fired := el.fired[el.depth]
	numevents, woke := el.api.poll(fired, timeoutUs)
	if flags&FileEvents == 0 {
		numevents, woke = 0, false
	}
	if el.aftersleep != nil && flags&CallAfterSleep != 0 {
		el.aftersleep(el)
		if el.closed {
			return 0
		}
	}
	processed := 0
	el.depth++
	defer func() { el.depth-- }()
	if woke {
		processed += el.runPosted()
	}
	for j := 0; j < numevents && !el.closed; j++ {
		el.dispatch(fired[j].fd, fired[j].mask)
		processed++
	}
	return processed
}

// dispatch calls the handlers of one fired fd. The registered mask is read
// again before each call because a handler may delete events of this or
// any fd, or resize the set.
func (el *EventLoop) dispatch(fd int, mask Mask) {
	if fd >= el.setsize {
		return // the set shrank under a deleted fd during this batch
	}
	fe := el.event(fd)
	// Normally the readable handler runs first: a reply can then be
	// written right after the query is processed. With Barrier the
	// writable handler runs first (see Barrier).
	//
	// Redis runs the second handler only if nothing fired yet or
	// wfileProc != rfileProc, comparing the current handler of the other
	// direction with the one of the direction that fired, which is stale
	// when that handler deleted itself (Redis keeps the pointer). Here
	// deleting drops the func value, so ran keeps the identity of the
	// handler that ran, replaced by the current one if its direction is
	// still registered: the same comparison.
	invert := fe.mask&Barrier != 0
	fired := false
	var ran uintptr
	if !invert && fe.mask&mask&Readable != 0 {
		ran = funcID(fe.rproc)
		fe.rproc(el, fd, fe.clientData, mask)
		fired = true
		if fd >= el.setsize {
			return
		}
		fe = el.event(fd)
		if fe.mask&Readable != 0 {
			ran = funcID(fe.rproc)
		}
	}
	if fe.mask&mask&Writable != 0 && (!fired || funcID(fe.wproc) != ran) {
		ran = funcID(fe.wproc)
		fe.wproc(el, fd, fe.clientData, mask)
		fired = true
		if fd >= el.setsize {
			return
		}
		fe = el.event(fd)
		if fe.mask&Writable != 0 {
			ran = funcID(fe.wproc)
		}
	}
	if invert && fe.mask&mask&Readable != 0 && (!fired || funcID(fe.rproc) != ran) {
		fe.rproc(el, fd, fe.clientData, mask)
	}
}

// syscallErr wraps a failed system call's errno with the call's name, so
// the message says what failed and errors.Is still sees the errno.
func syscallErr(call string, err error) error {
	if err == nil {
		return nil
	}
	return os.NewSyscallError(call, err)
}
