package main

// The config file is written off the loop. sentinel.c rewrites and
// fsyncs it inside the event loop on every state change (a vote, a new
// epoch, a new replica or sentinel), and on a slow disk that stall is
// long enough to trip TILT (spotahome/redis-operator#193). Here the loop
// does the cheap half, as sentinelFlushConfig's first half: it reads the
// old file (the page cache) and builds the new text from the current
// state; one writer goroutine (Redis's bio threads are the same idea)
// does the expensive half: the temporary file, its fsync, the rename, the
// directory's fsync, the extra fsync. Writes are coalesced: while one is
// on its way, only the newest text waits, so the file always ends at the
// latest state. A failure is logged on the loop with Redis's warning.
// What Redis does only after its synchronous flush waits for the write,
// holding only its own client (Blocked), not the loop: the replies of
// SENTINEL FLUSHCONFIG, MONITOR, REMOVE, SET and CONFIG SET, and of an
// is-master-down-by-addr that carries a vote not yet on disk; our own vote
// is not counted before it is on disk either (down.go). The first write at
// start (a new myid) is done before the loop runs, and the last one is
// waited for at shutdown.

import "sync"

// configWriter is the writer goroutine and its one-slot mailbox.
type configWriter struct {
	path  string
	write func(path, content string) error // writeConfigFile; tests slow it down
	// report is called on the writer goroutine after each write with the
	// generation it wrote and its error; it must hand over to the loop.
	report func(gen uint64, err error)

	mu      sync.Mutex
	wake    *sync.Cond
	content string // the newest text not yet written
	queued  uint64 // generation of content (0: nothing waiting)
	next    uint64
	closed  bool
	exited  chan struct{}
}

func newConfigWriter(path string, write func(string, string) error, report func(uint64, error)) *configWriter {
	w := &configWriter{path: path, write: write, report: report, exited: make(chan struct{})}
	w.wake = sync.NewCond(&w.mu)
	go w.run()
	return w
}

// submit queues content and returns its generation; an older text still
// waiting is dropped.
func (w *configWriter) submit(content string) uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.next++
	w.content, w.queued = content, w.next
	w.wake.Broadcast()
	return w.next
}

// close writes what is waiting, then stops the goroutine.
func (w *configWriter) close() {
	w.mu.Lock()
	w.closed = true
	w.wake.Broadcast()
	w.mu.Unlock()
	<-w.exited
}

func (w *configWriter) run() {
	defer close(w.exited)
	w.mu.Lock()
	for {
		for w.queued == 0 && !w.closed {
			w.wake.Wait()
		}
		if w.queued == 0 {
			w.mu.Unlock()
			return
		}
		content, gen := w.content, w.queued
		w.content, w.queued = "", 0
		w.mu.Unlock()
		err := w.write(w.path, content)
		w.report(gen, err)
		w.mu.Lock()
	}
}
