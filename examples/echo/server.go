package main

import (
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"github.com/goae/goae/internal/listener"
	"golang.org/x/sys/unix"
)

const (
	// reservedFds are fds kept for the listener, the poller and logs, as
	// Redis's CONFIG_FDSET_INCR sizes its event loop.
	reservedFds = 128
)

type config struct {
	port       int
	bind       string
	maxClients int
	log        *slog.Logger
}

// server owns the loop, the listening socket and the clients.
type server struct {
	cfg     config
	el      *ae.EventLoop
	lfd     int
	ln      *listener.Listener // accepts in bounded batches, rests on EMFILE
	conns   []*conn            // by fd
	nconns  int
	pending []*conn // clients with output to write before the loop sleeps
	readBuf [16 * 1024]byte

	// Handlers kept as func values once, so that the loop sees the same
	// handler every time (see ae.CreateFileEvent) and registering one
	// does not allocate a new method value.
	onRead, onWrite ae.FileProc

	// stats counts events the tests check for: that a code path ran, or
	// that the loop did not spin. They are written on the loop goroutine
	// and may be read from any goroutine.
	stats struct {
		writableInstalls atomic.Int64 // writable handler installed after a short write
		readPauses       atomic.Int64 // reads paused for back-pressure
	}
}

func newServer(cfg config) (*server, error) {
	el, err := ae.New(cfg.maxClients + reservedFds)
	if err != nil {
		return nil, err
	}
	lfd, err := anet.TCPServer(cfg.port, cfg.bind, 511)
	if err != nil {
		el.Close()
		return nil, fmt.Errorf("listen on %s: %w", anet.FormatAddr(cfg.bind, cfg.port), err)
	}
	s := &server{cfg: cfg, el: el, lfd: lfd, conns: make([]*conn, el.SetSize())}
	s.onRead, s.onWrite = s.readHandler, s.writeHandler
	// The listener accepts at most 1000 clients per event (Redis's
	// MAX_ACCEPTS_PER_CALL) and, out of fds, rests 100 ms instead of
	// spinning on the still-readable listening socket.
	s.ln, err = listener.New(el, lfd, listener.Config{Log: cfg.log}, func(fd int, ip string, port int) {
		cfg.log.Debug("accepted", "addr", anet.FormatAddr(ip, port))
		s.newConn(fd)
	})
	if err != nil {
		s.close()
		return nil, err
	}
	el.SetBeforeSleepProc(s.beforeSleep)
	return s, nil
}

// addr returns the address the server listens on.
func (s *server) addr() (string, int) {
	ip, port, _ := anet.FdToString(s.lfd, anet.SockName)
	return ip, port
}

// serve runs the loop until it is stopped, then closes everything.
func (s *server) serve() {
	s.el.Main()
	s.close()
}

func (s *server) close() {
	for _, c := range s.conns {
		if c != nil {
			s.freeConn(c)
		}
	}
	if s.lfd >= 0 {
		if s.ln != nil {
			s.ln.Close()
		}
		unix.Close(s.lfd)
		s.lfd = -1
	}
	s.el.Close()
}

// beforeSleep writes queued output before the loop polls
// (handleClientsWithPendingWrites): most replies go out with one write and
// no writable handler is ever installed for them.
func (s *server) beforeSleep(el *ae.EventLoop) {
	for i, c := range s.pending {
		s.pending[i] = nil
		c.queued = false
		if c.fd < 0 {
			continue // closed after it was queued
		}
		if !s.writeToConn(c) {
			continue
		}
		if c.unsent() > 0 && !c.writing {
			if err := el.CreateFileEvent(c.fd, ae.Writable, s.onWrite, c); err != nil {
				s.freeConn(c)
				continue
			}
			c.writing = true
			s.stats.writableInstalls.Add(1)
		}
	}
	s.pending = s.pending[:0]
}
