package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/connection"
	"golang.org/x/sys/unix"
)

// The dispatcher and the workers (thread.c). The dispatcher's loop holds
// the listening sockets; each accepted fd goes round robin to one of N
// worker loops, each on its own goroutine locked to an OS thread, through
// the worker's Post (memcached's per-thread connection queue and its
// eventfd wake, in one); the connection then lives on that worker alone.
// The storage (Cache) is shared, each worker counting into its own stats
// block, summed by `stats`.

// server is what main starts: the settings, the cache, the dispatcher and
// the workers.
type server struct {
	cfg   config
	cache *Cache
	log   *slog.Logger

	el        *ae.EventLoop // the dispatcher's loop
	listeners []*connection.Listener
	lsocks    []listenSock // what the workers may read of them, fixed at start
	loops     *connection.Loops
	threads   []*thread
	next      int // the next worker, round robin (dispatch_conn_new's last_thread)

	// conns is memcached's conns[]: every client by its fd, for `stats
	// conns` to walk. Its owner worker stores and clears a slot; any
	// worker may read. 8 bytes per fd, where a map per worker cost an
	// idle connection 70 bytes and more (bench/NOTES.md, "memcache").
	conns []atomic.Pointer[conn]

	verbosity atomic.Int32

	// stats_state and the dispatcher's stats. totalConns starts at the
	// listeners' count, as memcached's conn_new counts theirs.
	currConns     atomic.Int64
	totalConns    atomic.Int64
	pausesAtReset atomic.Int64 // the listeners' Pauses at the last stats reset
	rejectedConns atomic.Int64
	connStructs   atomic.Int64

	// stats_state.accepting_conns and stats.time_in_listen_disabled_us:
	// the dispatcher publishes them before each poll (listenState), as
	// its listeners' pauses are its loop's alone to read.
	notAccepting   atomic.Bool
	listenDisabled atomic.Int64 // microseconds, summed when a pause ends
	pausedSince    time.Time    // the dispatcher's: when the pause began

	stopOnce sync.Once
	done     chan struct{}
}

// listenSock is a listener as `stats` shows it: its fields never change,
// and Pauses is atomic, so any worker reads it while the dispatcher owns
// the Listener.
type listenSock struct {
	fd   int
	addr string // "tcp:127.0.0.1:11211", "unix:/path"
	l    *connection.Listener
	made relTime // its conn's last_cmd_time: `stats conns` counts from it
}

// thread is LIBEVENT_THREAD: one worker's loop, its storage handle and
// stats block, and the buffers it lends its conns.
type thread struct {
	s  *server
	el *ae.EventLoop
	w  *Worker

	rbufs [][]byte // free read buffers (the thread's rbuf cache)
	wbufs [][]byte // free reply buffers (its response object cache)
	iov   [][]byte // transmit's scratch

	yield connection.Yielder // beforeSleep

	// The connections the dispatcher hands this worker (new_conn_queue),
	// and the queue's other half, drained last time and reused.
	cqMu      sync.Mutex
	cq        []connQueueItem
	cqSpare   []connQueueItem
	cqProcess func(*ae.EventLoop) // t.connQueueProcess, made once
}

// newServer makes the cache, binds the listeners on the dispatcher's loop
// and starts the workers. run then runs the dispatcher.
func newServer(cfg config, log *slog.Logger) (*server, error) {
	st := DefaultSettings()
	st.MaxBytes = cfg.memoryLimit
	st.ItemSizeMax = cfg.itemSizeMax
	st.Threads = cfg.threads
	cache, err := NewCache(st, time.Now().Unix())
	if err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, cache: cache, log: log, done: make(chan struct{})}
	s.verbosity.Store(int32(cfg.verbose))
	setsize := cfg.maxConns + 128
	s.conns = make([]atomic.Pointer[conn], setsize)
	if s.el, err = ae.New(setsize); err != nil {
		return nil, err
	}
	if err := s.serverSocket(); err != nil {
		s.el.Close()
		return nil, err
	}
	s.totalConns.Store(int64(len(s.lsocks)))
	s.threads = make([]*thread, cfg.threads)
	for i := range s.threads {
		t := &thread{s: s, w: cache.NewWorker(), iov: make([][]byte, 0, iovPerWrite)}
		t.cqProcess = t.connQueueProcess
		s.threads[i] = t
	}
	connection.ReserveProcs(cfg.threads + 1) // the workers and the dispatcher
	s.loops, err = connection.StartLoops(cfg.threads, setsize, func(i int, el *ae.EventLoop) error {
		s.threads[i].el = el
		el.SetBeforeSleepProc(s.threads[i].beforeSleep)
		return nil
	})
	if err != nil {
		s.closeListeners()
		s.el.Close()
		return nil, err
	}
	// clock_handler, once a second; the LRU crawler's slices with it.
	s.el.CreateTimeEvent(1000, s.clockHandler, nil, nil)
	s.el.SetBeforeSleepProc(s.listenState)
	return s, nil
}

// serverSocket is server_sockets: listen on -s, or on each -l address.
func (s *server) serverSocket() error {
	lc := connection.ListenConfig{Backlog: s.cfg.backlog, Log: s.log}
	if s.cfg.unixSocket != "" {
		lc.UnixPerm = 0o700
		lc.Handoff = s.handoff(len(s.lsocks))
		l, err := connection.Listen(s.el, "unix", s.cfg.unixSocket, lc, nil)
		if err != nil {
			return fmt.Errorf("failed to listen on UNIX socket \"%s\": %w", s.cfg.unixSocket, err)
		}
		s.listeners = append(s.listeners, l)
		s.lsocks = append(s.lsocks, listenSock{l.FD(), "unix:" + l.Addr(), l, s.cache.CurrentTime()})
		return nil
	}
	for _, host := range s.cfg.listen {
		addr := net.JoinHostPort(host, strconv.Itoa(s.cfg.port))
		lc.Handoff = s.handoff(len(s.lsocks))
		l, err := connection.Listen(s.el, "tcp", addr, lc, nil)
		if err != nil {
			s.closeListeners()
			return fmt.Errorf("failed to listen on TCP port %d: %w", s.cfg.port, err)
		}
		s.listeners = append(s.listeners, l)
		s.lsocks = append(s.lsocks, listenSock{l.FD(), "tcp:" + l.Addr(), l, s.cache.CurrentTime()})
		if s.cfg.port == 0 {
			s.cfg.port = l.Port() // stats settings' tcpport
		}
	}
	return nil
}

func (s *server) closeListeners() {
	for _, l := range s.listeners {
		l.Close()
	}
	s.listeners = nil
}

// Addr returns the first listener's address ("127.0.0.1:11211", or the
// unix socket's path).
func (s *server) Addr() string {
	a := s.lsocks[0].addr
	return a[strings.IndexByte(a, ':')+1:]
}

// handoff is conn_listening's accept half (drive_machine) and
// dispatch_conn_new: past -c the client hears "ERROR Too many open
// connections" and is closed, as memcached's maxconns_fast does; otherwise
// its fd goes to the next worker. The listener hands over bare fds
// (ListenConfig.Handoff): a Conn made on the dispatcher's loop would only
// be garbage, 64 bytes per accept. The handoff of listener i finds it in
// s.lsocks, complete before the dispatcher's loop runs and accepts.
func (s *server) handoff(i int) func(fd int, ip string, port int) {
	return func(fd int, ip string, port int) {
		ls := &s.lsocks[i]
		if s.currConns.Load() >= int64(s.cfg.maxConns) {
			// Counted before the reply, as memcached does: a client that
			// has read it must find it in rejected_connections.
			s.rejectedConns.Add(1)
			c := connection.NewAcceptedSocket(s.el, fd)
			c.Write([]byte("ERROR Too many open connections\r\n"))
			c.Close()
			return
		}
		n := s.currConns.Add(1)
		s.totalConns.Add(1)
		for {
			m := s.connStructs.Load()
			if n <= m || s.connStructs.CompareAndSwap(m, n) {
				break
			}
		}
		t := s.threads[s.next]
		s.next = (s.next + 1) % len(s.threads)
		t.cqPush(connQueueItem{fd: int32(fd), port: uint16(port), ip: ip, ls: ls})
	}
}

// connQueueItem is CQ_ITEM: a connection on its way from the dispatcher
// to a worker.
type connQueueItem struct {
	fd   int32
	port uint16
	ip   string
	ls   *listenSock
}

// cqPush is dispatch_conn_new's second half: queue the connection for t
// and wake t (memcached's eventfd write; here Post, whose wakes coalesce).
// The posted func is made once per worker, so a connection costs the
// dispatcher no allocation but its queue slot. If t's loop is gone (the
// server is stopping), what is queued for it is closed.
func (t *thread) cqPush(it connQueueItem) {
	t.cqMu.Lock()
	t.cq = append(t.cq, it)
	t.cqMu.Unlock()
	if err := t.el.Post(t.cqProcess); err != nil {
		for _, it := range t.cqTake() {
			unix.Close(int(it.fd))
			t.s.connClosed()
		}
	}
}

// cqTake empties t's queue and returns what it held.
func (t *thread) cqTake() []connQueueItem {
	t.cqMu.Lock()
	q := t.cq
	t.cq = t.cqSpare[:0]
	t.cqSpare = nil
	t.cqMu.Unlock()
	return q
}

// connQueueProcess is thread_libevent_process: on t's loop, make a conn
// of each connection queued for it. The two queues swap, so neither grows
// past the largest burst.
func (t *thread) connQueueProcess(*ae.EventLoop) {
	q := t.cqTake()
	for i := range q {
		it := &q[i]
		t.connNew(int(it.fd), it.ip, int(it.port), it.ls)
		*it = connQueueItem{}
	}
	t.cqMu.Lock()
	if t.cqSpare == nil {
		t.cqSpare = q[:0]
	}
	t.cqMu.Unlock()
}

// listenState runs on the dispatcher's loop before each poll: accepting
// is off while a listener rests after EMFILE/ENFILE (memcached's
// accept_new_conns(false), which its stats show as accepting_conns 0),
// and the time it rested is added up when it accepts again
// (do_accept_new_conns(true)). The -c limit does not pause accepting:
// past it the client is refused (handoff), as with memcached's
// maxconns_fast.
func (s *server) listenState(*ae.EventLoop) {
	paused := false
	for _, l := range s.listeners {
		paused = paused || l.Paused()
	}
	switch was := s.notAccepting.Load(); {
	case paused && !was:
		s.pausedSince = time.Now()
		s.notAccepting.Store(true)
	case !paused && was:
		s.listenDisabled.Add(time.Since(s.pausedSince).Microseconds())
		s.notAccepting.Store(false)
	}
}

// connClosed counts a client gone.
func (s *server) connClosed() { s.currConns.Add(-1) }

// clockHandler is clock_handler: current_time once a second, and a slice
// of the LRU crawler's expiry pass.
func (s *server) clockHandler(*ae.EventLoop, int64, any) int {
	s.cache.Tick(time.Now().Unix())
	s.cache.Crawl(1000)
	return 1000
}

// run runs the dispatcher until stop.
func (s *server) run() {
	s.el.Main()
	s.closeListeners()
	s.loops.Stop()
	s.el.Close()
	close(s.done)
}

// stop stops the dispatcher and the workers; run returns. Any goroutine
// but the loops' own may call it.
func (s *server) stop() {
	s.stopOnce.Do(func() {
		if err := s.el.Post(func(el *ae.EventLoop) { el.Stop() }); errors.Is(err, ae.ErrClosed) {
			return
		}
	})
	<-s.done
}

func (s *server) verbose() int { return int(s.verbosity.Load()) }

// rbufAlloc is rbuf_alloc: a read buffer from the thread's cache.
func (t *thread) rbufAlloc() []byte {
	if n := len(t.rbufs); n > 0 {
		b := t.rbufs[n-1]
		t.rbufs[n-1] = nil
		t.rbufs = t.rbufs[:n-1]
		return b
	}
	return make([]byte, readBufferSize)
}

// rbufFree gives a read buffer back; one grown for a long line goes to the
// collector, and the cache keeps at most a few.
func (t *thread) rbufFree(b []byte) {
	if len(b) == readBufferSize && len(t.rbufs) < 16 {
		t.rbufs = append(t.rbufs, b)
	}
}

// wbufAlloc lends a reply buffer (empty, with its capacity).
func (t *thread) wbufAlloc() []byte {
	if n := len(t.wbufs); n > 0 {
		b := t.wbufs[n-1]
		t.wbufs[n-1] = nil
		t.wbufs = t.wbufs[:n-1]
		return b
	}
	return make([]byte, 0, writeBufferSize)
}

// wbufFree takes a reply buffer back, unless it grew.
func (t *thread) wbufFree(b []byte) {
	if cap(b) == writeBufferSize && len(t.wbufs) < 16 {
		t.wbufs = append(t.wbufs, b[:0])
	}
}

// register puts c in the server's table at its fd. An fd past the table
// cannot be registered on the loop either (the same setsize), so that
// conn is closed at once and needs no slot.
func (t *thread) register(c *conn) {
	if int(c.fd) < len(t.s.conns) {
		t.s.conns[c.fd].Store(c)
	}
}

// unregister clears c's slot unless another worker's conn holds it
// already: the fd may have been closed, accepted again and handed to
// another worker before this runs.
func (t *thread) unregister(c *conn) {
	if int(c.fd) < len(t.s.conns) {
		t.s.conns[c.fd].CompareAndSwap(c, nil)
	}
}

// eachConn calls f for every conn of t, in fd order; on t's loop, f sees
// every one of them.
func (t *thread) eachConn(f func(*conn)) {
	for i := range t.s.conns {
		if o := t.s.conns[i].Load(); o != nil && o.t == t {
			f(o)
		}
	}
}

// beforeSleep runs on a worker's loop before each poll: it yields to the
// scheduler now and then (connection.Yielder: why a loop's goroutine
// should, and why the process keeps a P more than its loops,
// connection.ReserveProcs).
func (t *thread) beforeSleep(*ae.EventLoop) { t.yield.Maybe() }
