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

	verbosity atomic.Int32

	// stats_state and the dispatcher's stats.
	currConns     atomic.Int64
	totalConns    atomic.Int64
	rejectedConns atomic.Int64
	connStructs   atomic.Int64

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

	connsMu sync.Mutex // guards conns, for `stats conns` on another worker
	conns   map[*conn]struct{}
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
	if s.el, err = ae.New(setsize); err != nil {
		return nil, err
	}
	if err := s.serverSocket(); err != nil {
		s.el.Close()
		return nil, err
	}
	s.threads = make([]*thread, cfg.threads)
	for i := range s.threads {
		s.threads[i] = &thread{s: s, w: cache.NewWorker(), iov: make([][]byte, 0, iovPerWrite),
			conns: make(map[*conn]struct{})}
	}
	s.loops, err = connection.StartLoops(cfg.threads, setsize, func(i int, el *ae.EventLoop) error {
		s.threads[i].el = el
		return nil
	})
	if err != nil {
		s.closeListeners()
		s.el.Close()
		return nil, err
	}
	// clock_handler, once a second; the LRU crawler's slices with it.
	s.el.CreateTimeEvent(1000, s.clockHandler, nil, nil)
	return s, nil
}

// serverSocket is server_sockets: listen on -s, or on each -l address.
func (s *server) serverSocket() error {
	lc := connection.ListenConfig{Backlog: s.cfg.backlog, Log: s.log}
	if s.cfg.unixSocket != "" {
		lc.UnixPerm = 0o700
		accept := s.acceptHandler("unix:" + s.cfg.unixSocket)
		l, err := connection.Listen(s.el, "unix", s.cfg.unixSocket, lc, func(c *connection.Conn, ip string, port int) {
			accept(c, ip, port, "")
		})
		if err != nil {
			return fmt.Errorf("failed to listen on UNIX socket \"%s\": %w", s.cfg.unixSocket, err)
		}
		s.listeners = append(s.listeners, l)
		s.lsocks = append(s.lsocks, listenSock{l.FD(), "unix:" + l.Addr(), l})
		return nil
	}
	for _, host := range s.cfg.listen {
		addr := net.JoinHostPort(host, strconv.Itoa(s.cfg.port))
		// The handler learns the bound address (port 0 picks one) once
		// Listen returns, before the loop runs and anything is accepted.
		listenAddr := new(string)
		accept := s.acceptHandler("")
		l, err := connection.Listen(s.el, "tcp", addr, lc, func(c *connection.Conn, ip string, port int) {
			accept(c, ip, port, *listenAddr)
		})
		if err != nil {
			s.closeListeners()
			return fmt.Errorf("failed to listen on TCP port %d: %w", s.cfg.port, err)
		}
		*listenAddr = "tcp:" + l.Addr()
		s.listeners = append(s.listeners, l)
		s.lsocks = append(s.lsocks, listenSock{l.FD(), *listenAddr, l})
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

// acceptHandler is conn_listening's accept half (drive_machine) and
// dispatch_conn_new: past -c the client hears "ERROR Too many open
// connections" and is closed, as memcached's maxconns_fast does; otherwise
// its fd goes to the next worker.
func (s *server) acceptHandler(unixAddr string) func(c *connection.Conn, ip string, port int, listenAddr string) {
	return func(c *connection.Conn, ip string, port int, listenAddr string) {
		if listenAddr == "" {
			listenAddr = unixAddr
		}
		if s.currConns.Load() >= int64(s.cfg.maxConns) {
			c.Write([]byte("ERROR Too many open connections\r\n"))
			c.Close()
			s.rejectedConns.Add(1)
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
		addr := listenAddr
		if ip != "" {
			addr = "tcp:" + net.JoinHostPort(ip, strconv.Itoa(port))
		}
		t := s.threads[s.next]
		s.next = (s.next + 1) % len(s.threads)
		// The dispatcher's Conn has registered nothing on its loop: its fd
		// goes to the worker, which wraps it in a Conn of its own loop,
		// and this one is left to the collector.
		fd := c.FD()
		if err := t.el.Post(func(*ae.EventLoop) { t.connNew(fd, addr, listenAddr) }); err != nil {
			c.Close()
			s.connClosed()
		}
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

func (t *thread) register(c *conn) {
	t.connsMu.Lock()
	t.conns[c] = struct{}{}
	t.connsMu.Unlock()
}

func (t *thread) unregister(c *conn) {
	t.connsMu.Lock()
	delete(t.conns, c)
	t.connsMu.Unlock()
}
