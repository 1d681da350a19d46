package connection

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"golang.org/x/sys/unix"
)

// Listening sockets and their accept handler (acceptTcpHandler,
// acceptUnixHandler and clusterAcceptHandler of Redis 7.0; in 7.2 the
// connection types took them over, as here).
//
// Redis accepts at most MAX_ACCEPTS_PER_CALL (1000) connections per call;
// the listening fd stays readable (level-triggered) and the rest come in
// the next iterations, so a storm of connections cannot starve the
// connected clients or the timers. When accept fails with EMFILE or ENFILE
// the pending connection keeps the listener readable: Redis logs and
// returns, and the loop calls the handler again at once, spinning a core
// and flooding the log until an fd frees. A Listener instead removes its
// read event and re-arms it from a time event RetryAfter later, logging
// once per pause.

// Defaults, from Redis.
const (
	// DefaultBacklog is tcp-backlog's default.
	DefaultBacklog = 511
	// DefaultMaxAcceptsPerCall is MAX_ACCEPTS_PER_CALL (and
	// MAX_CLUSTER_ACCEPTS_PER_CALL).
	DefaultMaxAcceptsPerCall = 1000
	// DefaultRetryAfter is how long accepting rests after EMFILE or
	// ENFILE (goae's; Redis does not rest).
	DefaultRetryAfter = 100 * time.Millisecond
)

// ListenConfig tunes a Listener. Zero values take the defaults.
type ListenConfig struct {
	// Backlog is listen(2)'s backlog (tcp-backlog). Default 511.
	Backlog int
	// ReusePort sets SO_REUSEPORT before bind, so that several loops can
	// each listen on the same port (see Loops).
	ReusePort bool
	// DualStack lets an IPv6 listener accept IPv4 too (IPV6_V6ONLY off;
	// Redis always sets it on).
	DualStack bool
	// UnixPerm is the unix socket file's mode (unixsocketperm); 0 leaves
	// the umask's.
	UnixPerm uint32
	// MaxAcceptsPerCall bounds the accepts per readable event.
	MaxAcceptsPerCall int
	// RetryAfter is the pause after running out of fds.
	RetryAfter time.Duration
	// Hold, if set, is asked before each batch: while it returns true
	// nothing is accepted (clusterAcceptHandler's check that the server is
	// not loading). The listener stays registered, as in Redis, so the
	// loop asks again next iteration.
	Hold func() bool
	// Log receives accept errors; nil means slog.Default().
	Log *slog.Logger
	// Handoff, if set, receives each accepted fd in place of the
	// AcceptHandler, and no Conn is made for it: for a dispatcher loop
	// that passes its connections to other loops (memcached's
	// dispatch_conn_new), where a Conn per accept on the dispatcher would
	// only be garbage. The fd is non-blocking and close-on-exec, and the
	// callee's to close or wrap (NewAcceptedSocket on the loop it picks).
	Handoff func(fd int, ip string, port int)
}

// AcceptHandler receives each accepted connection, in StateAccepting with
// its fd non-blocking and close-on-exec, and the peer's address (empty ip
// and port 0 on a unix socket). It owns c: it calls c.Accept to take it
// (usually after setting its read handler) or c.Close to refuse it, as
// acceptCommonHandler does.
type AcceptHandler func(c *Conn, ip string, port int)

// Listener is an accepting socket registered on a loop.
type Listener struct {
	el       *ae.EventLoop
	fd       int
	unix     bool
	path     string // the unix socket file Listen made, removed by Close
	owned    bool   // Listen made fd: Close closes it
	cfg      ListenConfig
	onConn   AcceptHandler
	onAccept ae.FileProc
	onRetry  ae.TimeProc
	paused   bool
	closed   bool
	retryID  int64

	// Counters, for statistics and tests. They are atomic so that any
	// goroutine may read them; accepting is not a hot path.
	Accepted atomic.Int64 // connections handed to the AcceptHandler
	Calls    atomic.Int64 // accept handler calls (readable events)
	Pauses   atomic.Int64 // back-offs after EMFILE/ENFILE
}

// Listen makes a listening socket and registers it on el (listenToPort +
// createSocketAcceptHandler). network is "tcp4" (anetTcpServer), "tcp6"
// (anetTcp6Server), "tcp" (tcp6 if the host is an IPv6 address, else
// tcp4) or "unix" (anetUnixServer; address is the path). A TCP address is
// "host:port", where host "" or "*" is any address and port 0 a free one
// (read it back with Addr).
func Listen(el *ae.EventLoop, network, address string, cfg ListenConfig, h AcceptHandler) (*Listener, error) {
	if cfg.Backlog <= 0 {
		cfg.Backlog = DefaultBacklog
	}
	var fd int
	var err error
	switch network {
	case "unix":
		fd, err = anet.UnixServer(address, cfg.UnixPerm, cfg.Backlog)
	case "tcp", "tcp4", "tcp6":
		host, portStr, serr := net.SplitHostPort(address)
		if serr != nil {
			return nil, serr
		}
		port, perr := strconv.Atoi(portStr)
		if perr != nil {
			return nil, fmt.Errorf("connection: port %q: %w", portStr, perr)
		}
		opts := anet.ServerOptions{ReusePort: cfg.ReusePort, DualStack: cfg.DualStack}
		if network == "tcp6" || (network == "tcp" && strings.Contains(host, ":")) {
			fd, err = anet.TCP6ServerWith(port, host, cfg.Backlog, opts)
		} else {
			fd, err = anet.TCPServerWith(port, host, cfg.Backlog, opts)
		}
	default:
		return nil, fmt.Errorf("connection: unknown network %q", network)
	}
	if err != nil {
		return nil, err
	}
	l, err := NewListener(el, fd, cfg, h)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	l.owned = true
	if network == "unix" && !strings.HasPrefix(address, "@") {
		l.path = address
	}
	return l, nil
}

// NewListener registers the listening socket fd on el. fd is made
// non-blocking; the Listener does not own it: Close unregisters it and the
// caller closes it. h may be nil when cfg.Handoff is set.
func NewListener(el *ae.EventLoop, fd int, cfg ListenConfig, h AcceptHandler) (*Listener, error) {
	if cfg.MaxAcceptsPerCall <= 0 {
		cfg.MaxAcceptsPerCall = DefaultMaxAcceptsPerCall
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = DefaultRetryAfter
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if err := anet.NonBlock(fd); err != nil {
		return nil, err
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil, os.NewSyscallError("getsockname", err)
	}
	_, isUnix := sa.(*unix.SockaddrUnix)
	l := &Listener{el: el, fd: fd, unix: isUnix, cfg: cfg, onConn: h, retryID: -1}
	l.onAccept, l.onRetry = l.accept, l.retry
	if err := el.CreateFileEvent(fd, ae.Readable, l.onAccept, nil); err != nil {
		return nil, err
	}
	return l, nil
}

// FD returns the listening fd.
func (l *Listener) FD() int { return l.fd }

// Addr returns the address the listener is bound to: "ip:port" for TCP,
// the path for a unix socket.
func (l *Listener) Addr() string {
	if l.unix {
		sa, err := unix.Getsockname(l.fd)
		if u, ok := sa.(*unix.SockaddrUnix); ok && err == nil {
			return u.Name
		}
		return l.path
	}
	s, _ := anet.FormatFdAddr(l.fd, anet.SockName)
	return s
}

// Port returns the TCP port the listener is bound to (0 for unix).
func (l *Listener) Port() int {
	_, port, _ := anet.FdToString(l.fd, anet.SockName)
	return port
}

// Unix reports whether the listener accepts on a unix socket.
func (l *Listener) Unix() bool { return l.unix }

// Paused reports whether accepting rests after fd exhaustion.
func (l *Listener) Paused() bool { return l.paused }

// Close stops accepting: the read event and any pending retry go. A
// listener made by Listen also closes its fd and removes its unix socket
// file (closeListeningSockets).
func (l *Listener) Close() {
	if l.closed {
		return
	}
	l.el.DeleteFileEvent(l.fd, ae.Readable)
	if l.retryID >= 0 {
		l.el.DeleteTimeEvent(l.retryID)
		l.retryID = -1
	}
	l.paused = false
	l.closed = true
	if l.owned && l.fd >= 0 {
		unix.Close(l.fd)
		l.fd = -1
		if l.path != "" {
			os.Remove(l.path)
		}
	}
}

func (l *Listener) accept(el *ae.EventLoop, fd int, _ any, _ ae.Mask) {
	l.Calls.Add(1)
	if l.cfg.Hold != nil && l.cfg.Hold() {
		return
	}
	for max := l.cfg.MaxAcceptsPerCall; max > 0; max-- {
		var (
			cfd, port int
			ip        string
			err       error
		)
		if l.unix {
			cfd, err = anet.UnixAccept(fd)
		} else {
			cfd, ip, port, err = anet.TCPAccept(fd)
		}
		if err != nil {
			switch {
			case errors.Is(err, unix.EAGAIN):
			case errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE):
				l.pause(err)
			default:
				// ECONNABORTED and friends: that one connection is gone.
				l.cfg.Log.Warn("Accepting client connection", "err", err)
			}
			return
		}
		l.Accepted.Add(1)
		if l.cfg.Handoff != nil {
			l.cfg.Handoff(cfd, ip, port)
		} else {
			l.onConn(NewAcceptedSocket(el, cfd), ip, port)
		}
		if l.closed {
			return // the handler closed the listener
		}
	}
}

func (l *Listener) pause(err error) {
	l.Pauses.Add(1)
	l.paused = true
	l.el.DeleteFileEvent(l.fd, ae.Readable)
	l.retryID = l.el.CreateTimeEvent(l.cfg.RetryAfter.Milliseconds(), l.onRetry, nil, nil)
	l.cfg.Log.Warn("Accepting client connection: out of file descriptors, pausing accepts",
		"err", err, "retry_ms", l.cfg.RetryAfter.Milliseconds())
}

func (l *Listener) retry(el *ae.EventLoop, _ int64, _ any) int {
	l.retryID = -1
	l.paused = false
	if err := el.CreateFileEvent(l.fd, ae.Readable, l.onAccept, nil); err != nil {
		l.cfg.Log.Error("re-enabling accepts", "err", err)
	}
	return ae.NoMore
}
