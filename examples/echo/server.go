package main

import (
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"golang.org/x/sys/unix"
)

const (
	// maxAcceptsPerCall bounds one accept handler call, as Redis's
	// MAX_ACCEPTS_PER_CALL: the listener stays readable (level-triggered)
	// and the rest are accepted in the next iterations, so a connection
	// storm cannot starve connected clients and timers.
	maxAcceptsPerCall = 1000
	// reservedFds are fds kept for the listener, the poller and logs, as
	// Redis's CONFIG_FDSET_INCR sizes its event loop.
	reservedFds = 128
	// acceptRetryMs is how long the listener rests after EMFILE/ENFILE.
	acceptRetryMs = 100
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
	conns   []*conn // by fd
	nconns  int
	pending []*conn // clients with output to write before the loop sleeps
	readBuf [16 * 1024]byte

	// Handlers kept as func values once, so that the loop sees the same
	// handler every time (see ae.CreateFileEvent) and registering one
	// does not allocate a new method value.
	onAccept, onRead, onWrite ae.FileProc

	// stats counts events the tests check for: that a code path ran, or
	// that the loop did not spin. They are written on the loop goroutine
	// and may be read from any goroutine.
	stats struct {
		acceptCalls      atomic.Int64 // acceptHandler calls
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
	s.onAccept, s.onRead, s.onWrite = s.acceptHandler, s.readHandler, s.writeHandler
	if err := anet.NonBlock(lfd); err != nil {
		s.close()
		return nil, err
	}
	if err := el.CreateFileEvent(lfd, ae.Readable, s.onAccept, nil); err != nil {
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
		s.el.DeleteFileEvent(s.lfd, ae.Readable)
		unix.Close(s.lfd)
		s.lfd = -1
	}
	s.el.Close()
}

// acceptHandler accepts up to maxAcceptsPerCall clients (acceptTcpHandler).
func (s *server) acceptHandler(el *ae.EventLoop, fd int, _ any, _ int) {
	s.stats.acceptCalls.Add(1)
	for max := maxAcceptsPerCall; max > 0; max-- {
		cfd, ip, port, err := anet.TCPAccept(fd)
		if err != nil {
			if errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) {
				// Out of fds: the pending connection keeps the listener
				// readable, so retrying now would spin the loop. Rest it
				// and try again shortly; connected clients are served
				// meanwhile.
				s.cfg.log.Warn("accept: out of file descriptors, pausing accepts", "err", err, "retry_ms", acceptRetryMs)
				el.DeleteFileEvent(fd, ae.Readable)
				el.CreateTimeEvent(acceptRetryMs, s.resumeAccept, nil, nil)
			} else if !errors.Is(err, unix.EAGAIN) {
				s.cfg.log.Warn("accepting client connection", "err", err)
			}
			return
		}
		s.cfg.log.Debug("accepted", "addr", anet.FormatAddr(ip, port))
		s.newConn(cfd)
	}
}

func (s *server) resumeAccept(el *ae.EventLoop, _ int64, _ any) int {
	if s.lfd >= 0 {
		if err := el.CreateFileEvent(s.lfd, ae.Readable, s.onAccept, nil); err != nil {
			s.cfg.log.Error("re-enabling accepts", "err", err)
		}
	}
	return ae.NoMore
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
