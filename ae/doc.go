// Package ae is a Go port of Redis's ae event loop: one goroutine, file
// events and time events, the poller used raw (epoll on Linux, kqueue on
// the BSDs and macOS, poll(2) with the goae_poll build tag), nothing
// hidden.
//
// A server creates a loop, registers handlers for its fds and runs it:
//
//	el, _ := ae.New(1024)
//	el.CreateFileEvent(lfd, ae.Readable, acceptHandler, nil)
//	el.CreateTimeEvent(100, cron, nil, nil)
//	el.Main()
//
// Handlers run on the loop's goroutine, one at a time, and must not block.
// The loop is single-goroutine by design, as Redis's is: no method but
// Post may be called from another goroutine. Post queues a function to run
// on the loop and wakes it (an eventfd on Linux; wake-ups are coalesced).
//
// The loop's goroutine waits in epoll_wait(2) as a system call, keeping
// its P (the runtime's right to run Go code) while it sleeps, and the
// runtime's monitor thread (sysmon) takes the P back from a wait it finds
// too long so that other goroutines can run. How that costs depends on
// GOMAXPROCS, and the two examples measured opposite choices: kv, busy
// and pinned to one CPU, runs about 4% cheaper per request with two Ps
// than with one (fewer monitor wake-ups); idle cluster bus nodes, in
// 100 ms sleeps, cost clearly less with one P (10 of them: 72 CPU ticks
// in 30 s against 128 with two), because with two every sleep past 10 ms
// hands the P to another thread and back.
//
// # From ae.h to goae
//
//	Redis (ae.h)                    goae
//	AE_NONE/READABLE/WRITABLE/BARRIER ae.None, ae.Readable, ae.Writable, ae.Barrier (ae.Mask: 0, 1, 2, 4)
//	AE_FILE_EVENTS, AE_TIME_EVENTS  ae.FileEvents, ae.TimeEvents, ae.AllEvents (ae.Flags)
//	AE_DONT_WAIT                    ae.DontWait (ae.Flags)
//	AE_CALL_BEFORE/AFTER_SLEEP      ae.CallBeforeSleep, ae.CallAfterSleep (ae.Flags)
//	AE_NOMORE, AE_DELETED_EVENT_ID  ae.NoMore, ae.DeletedEventID (-1)
//	aeFileProc, aeTimeProc          ae.FileProc, ae.TimeProc
//	aeEventFinalizerProc            ae.EventFinalizerProc
//	aeBeforeSleepProc               ae.BeforeSleepProc
//	aeCreateEventLoop(setsize)      ae.New(setsize)
//	aeDeleteEventLoop               (*EventLoop).Close
//	aeStop, aeMain                  Stop, Main
//	aeCreateFileEvent               CreateFileEvent
//	aeDeleteFileEvent               DeleteFileEvent
//	aeGetFileEvents                 GetFileEvents
//	aeGetFileClientData             GetFileClientData
//	aeCreateTimeEvent               CreateTimeEvent
//	aeDeleteTimeEvent               DeleteTimeEvent
//	aeProcessEvents                 ProcessEvents
//	aeWait(fd, mask, ms)            ae.Wait(fd, mask, time.Duration)
//	aeGetApiName                    APIName
//	aeSetBeforeSleepProc            SetBeforeSleepProc
//	aeSetAfterSleepProc             SetAfterSleepProc
//	aeGetSetSize, aeResizeSetSize   SetSize, ResizeSetSize
//	aeSetDontWait                   SetDontWait
//	eventLoop->maxfd                MaxFD
//	(none)                          Post: the goroutine-safe entry
//
// AE_OK/AE_ERR become Go errors that keep the errno: an fd outside the set
// gives an error for which errors.Is(err, unix.ERANGE) holds, as Redis sets
// errno to ERANGE. Masks and ProcessEvents flags are distinct types (Mask,
// Flags): in C both are int, and AE_READABLE == AE_FILE_EVENTS, AE_BARRIER
// == AE_DONT_WAIT, so a mixed-up argument compiles; in Go it does not.
//
// # Semantics
//
// goae keeps Redis 7.0.15's semantics, with the fixes Redis made later to
// 7.0 bugs:
//
//   - File events are level-triggered. An error or hang-up on an fd fires
//     both registered directions. For each fired fd the readable handler
//     runs first, then the writable one, unless Barrier is set; a handler
//     registered for both runs once (see CreateFileEvent for what "the
//     same handler" means in Go). A handler may delete its own or any
//     other fd's events; the registered mask is read again before each
//     call.
//   - Redis keeps an aeFileEvent (the mask, two handlers, clientData) for
//     every fd of the set; goae keeps a 4-byte slot per fd and gives the
//     event record only to registered fds, from blocks of 256, reused
//     after DeleteFileEvent. A loop of setsize 10,000 then costs 40 KB and
//     40 bytes per registered fd, not 400 KB, which counts when clients
//     are spread over several loops (each touches every fd's slot).
//   - maxfd grows on CreateFileEvent and is recomputed downward when the
//     highest fd loses its last event. ResizeSetSize refuses setsize <=
//     maxfd.
//   - Time events run no earlier than asked, on the monotonic clock; the
//     proc's return value reschedules it, NoMore deletes it. Deletion is
//     deferred: the event is freed, and its finalizer run, at the start of
//     the next time-event pass. A time event created during a pass, or
//     rescheduled with 0, runs in the next pass.
//   - ProcessEvents follows Redis 7.2, which fixed three 7.0 bugs: the
//     before-sleep hook runs before the poll timeout is computed, so
//     SetDontWait from inside it applies at once (#12068); fired fds are
//     not dispatched unless FileEvents is given (#11428); deleted time
//     events no longer shorten the poll timeout (#11069). From Redis 7.4:
//     Close runs the finalizers of the time events it frees, and a
//     reschedule of more than 2^31 microseconds does not overflow.
//   - Time events sit in a min-heap, not Redis's unsorted list: finding
//     the nearest one is O(1) and firing one O(log n), so 100,000 timers
//     cost an iteration about what 10 do. The order differs from Redis's
//     where several are due in one pass: goae runs them earliest deadline
//     first, equal deadlines in creation order; Redis walks its list from
//     the head, where it inserts, so it runs the due ones newest first
//     whatever their deadlines. Code that needs an order between two
//     timers should not rely on either.
//   - Delays saturate: a CreateTimeEvent delay or TimeProc return too
//     large to represent waits forever rather than wrapping round and
//     firing at once, and Wait's timeout likewise. kqueue waits at most
//     10^6 seconds at a time, as Go's runtime does (Darwin refuses longer
//     ones), and the loop simply polls again.
//   - A handler may call ProcessEvents (Redis does so while loading), at
//     any depth, from a file handler, a time proc, a finalizer or a posted
//     function: each nesting level has its own fired buffer, posted
//     functions and deleted time events are drained into per-call lists,
//     and a time event whose proc is running is not run again by the
//     nested call.
//   - A handler that panics leaves the loop consistent, the way net/http
//     survives a handler's panic: the panic goes up to the caller of
//     ProcessEvents (or Main), and once it is recovered the loop can run
//     again. Nothing more of that iteration runs. The fds of the batch
//     not dispatched yet are reported by the next poll (level-triggered);
//     posted functions not run yet stay queued, in order; a time event
//     whose proc panicked is deleted as if it had returned NoMore, and its
//     finalizer runs in the next pass; the time events that already ran
//     are rescheduled. Redis has no such case: a C handler that crashes
//     takes the process.
//   - Close may be called from inside the loop; Main then returns, and
//     nothing else of the iteration runs.
//   - An fd must be unregistered (DeleteFileEvent) before it is closed,
//     as in Redis. What happens otherwise depends on the poller: epoll
//     and kqueue drop a closed fd by themselves, so its handlers never run
//     again, but the loop still counts it registered and a later
//     CreateFileEvent for a new fd of that number fails (epoll: ENOENT);
//     poll(2) reports it invalid (POLLNVAL), which goae passes on once as
//     both directions, so the handler's read or write sees EBADF, and
//     then stops watching the fd.
//   - A poll failure other than EINTR panics, as in Redis 7.0: it means
//     the loop's own fd is broken. Wait retries EINTR, which the Go
//     runtime's signals cause and C programs do not see.
//
// The hot path does not allocate: dispatching a fired fd and running a
// due timer cost no allocation in steady state (see the benchmarks).
package ae
