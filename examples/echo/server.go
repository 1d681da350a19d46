package main

import (
	"log/slog"
	"sync/atomic"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"github.com/goae/goae/connection"
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
	threads    int
	log        *slog.Logger
	// clients counts the connected clients of every loop, for
	// maxClients; newServer makes one if nil.
	clients *atomic.Int64
}

// server owns one loop, its listener and its clients.
type server struct {
	cfg     config
	el      *ae.EventLoop
	ln      *connection.Listener // accepts in bounded batches, rests on EMFILE
	q       *connection.WriteQueue
	conns   []*conn // by fd
	nconns  int
	readBuf [16 * 1024]byte

	// onRead is kept as one func value: registering it does not allocate
	// a method value each time.
	onRead connection.Handler

	// stats counts events the tests check for: that a code path ran, or
	// that the loop did not spin. They are written on the loop goroutine
	// and may be read from any goroutine.
	stats struct {
		readPauses atomic.Int64 // reads paused for back-pressure
	}
}

// newServer makes a server on a loop of its own.
func newServer(cfg config) (*server, error) {
	el, err := ae.New(cfg.maxClients + reservedFds)
	if err != nil {
		return nil, err
	}
	s, err := newServerOn(el, cfg, false)
	if err != nil {
		el.Close()
		return nil, err
	}
	return s, nil
}

// newServerOn sets a server up on el; with reusePort its listener shares
// the port with the other loops' (--threads).
func newServerOn(el *ae.EventLoop, cfg config, reusePort bool) (*server, error) {
	if cfg.clients == nil {
		cfg.clients = new(atomic.Int64)
	}
	s := &server{cfg: cfg, el: el, conns: make([]*conn, el.SetSize())}
	s.onRead = s.readHandler
	s.q = connection.NewWriteQueue(el)
	s.q.OnDrain = s.drained
	// A failed write (the peer vanished) frees the client; the queue then
	// closes the connection, which freeConn has done already.
	s.q.OnWriteError = func(cn *connection.Conn, err error) {
		s.cfg.log.Debug("writing to client", "err", err)
		s.freeConn(cn.PrivateData().(*conn))
	}
	// The listener accepts at most 1000 clients per event (Redis's
	// MAX_ACCEPTS_PER_CALL) and, out of fds, rests 100 ms instead of
	// spinning on the still-readable listening socket.
	var err error
	s.ln, err = connection.Listen(el, "tcp", anet.FormatAddr(cfg.bind, cfg.port),
		connection.ListenConfig{ReusePort: reusePort, Log: cfg.log},
		func(cn *connection.Conn, ip string, port int) {
			cfg.log.Debug("accepted", "addr", anet.FormatAddr(ip, port))
			s.newConn(cn)
		})
	if err != nil {
		return nil, err
	}
	// Output goes out before the loop polls (handleClientsWithPendingWrites):
	// most replies go out with one write and no writable handler is ever
	// installed for them.
	el.SetBeforeSleepProc(func(*ae.EventLoop) { s.q.BeforeSleep() })
	return s, nil
}

// addr returns the address the server listens on.
func (s *server) addr() (string, int) {
	ip, port, _ := anet.FdToString(s.ln.FD(), anet.SockName)
	return ip, port
}

// serve runs the loop until it is stopped, then closes everything.
func (s *server) serve() {
	s.el.Main()
	s.close()
	s.el.Close()
}

// close frees the clients and the listener; the loop is the caller's.
func (s *server) close() {
	for _, c := range s.conns {
		if c != nil {
			s.freeConn(c)
		}
	}
	if s.ln != nil {
		s.ln.Close()
		s.ln = nil
	}
}
