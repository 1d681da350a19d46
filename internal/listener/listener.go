// Package listener accepts connections on an ae loop the way Redis's
// acceptTcpHandler and clusterAcceptHandler do, with the protection every
// goae server needs: a bounded batch per readable event, and a back-off on
// fd exhaustion instead of a spin.
//
// Redis accepts at most MAX_ACCEPTS_PER_CALL (1000) connections per call;
// the listening fd stays readable (epoll is level-triggered) and the rest
// come in the next iterations, so a storm of connections cannot starve the
// connected clients or the timers. When accept fails with EMFILE or ENFILE
// the pending connection keeps the listener readable: Redis logs and
// returns, and the loop calls the handler again at once, spinning a core
// and flooding the log until an fd frees. A Listener instead removes its
// read event and re-arms it from a time event RetryMs later, logging once
// per pause.
package listener

import (
	"errors"
	"log/slog"
	"sync/atomic"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"golang.org/x/sys/unix"
)

// Defaults, from Redis.
const (
	// DefaultMaxAcceptsPerCall is MAX_ACCEPTS_PER_CALL (and
	// MAX_CLUSTER_ACCEPTS_PER_CALL).
	DefaultMaxAcceptsPerCall = 1000
	// DefaultRetryMs is how long accepting rests after EMFILE or ENFILE.
	DefaultRetryMs = 100
)

// Config tunes a Listener. Zero values take the defaults.
type Config struct {
	// MaxAcceptsPerCall bounds the accepts per readable event.
	MaxAcceptsPerCall int
	// RetryMs is the pause after running out of fds.
	RetryMs int64
	// Unix makes the listener accept on a unix socket (no address).
	Unix bool
	// Hold, if set, is asked before each batch: while it returns true
	// nothing is accepted (clusterAcceptHandler's check that the server is
	// not loading). The listener stays registered, as in Redis, so the
	// loop asks again next iteration.
	Hold func() bool
	// Log receives accept errors; nil means slog.Default().
	Log *slog.Logger
}

// ConnFunc receives each accepted connection: a non-blocking,
// close-on-exec fd and the peer's address (empty ip and port 0 on a unix
// socket). It owns fd from then on.
type ConnFunc func(fd int, ip string, port int)

// Listener is an accepting fd registered on a loop.
type Listener struct {
	el       *ae.EventLoop
	fd       int
	cfg      Config
	onConn   ConnFunc
	onAccept ae.FileProc
	onRetry  ae.TimeProc
	paused   bool
	retryID  int64

	// Counters, for statistics and tests. They are atomic so that any
	// goroutine may read them; accepting is not a hot path.
	Accepted atomic.Int64 // connections handed to onConn
	Calls    atomic.Int64 // accept handler calls (readable events)
	Pauses   atomic.Int64 // back-offs after EMFILE/ENFILE
}

// New registers the listening socket fd on el. fd is made non-blocking;
// the Listener does not own it: Close unregisters it, the caller closes
// it.
func New(el *ae.EventLoop, fd int, cfg Config, onConn ConnFunc) (*Listener, error) {
	if cfg.MaxAcceptsPerCall <= 0 {
		cfg.MaxAcceptsPerCall = DefaultMaxAcceptsPerCall
	}
	if cfg.RetryMs <= 0 {
		cfg.RetryMs = DefaultRetryMs
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if err := anet.NonBlock(fd); err != nil {
		return nil, err
	}
	l := &Listener{el: el, fd: fd, cfg: cfg, onConn: onConn, retryID: -1}
	l.onAccept, l.onRetry = l.accept, l.retry
	if err := el.CreateFileEvent(fd, ae.Readable, l.onAccept, nil); err != nil {
		return nil, err
	}
	return l, nil
}

// FD returns the listening fd.
func (l *Listener) FD() int { return l.fd }

// Paused reports whether accepting rests after fd exhaustion.
func (l *Listener) Paused() bool { return l.paused }

// Close stops accepting: the read event and any pending retry go.
func (l *Listener) Close() {
	l.el.DeleteFileEvent(l.fd, ae.Readable)
	if l.retryID >= 0 {
		l.el.DeleteTimeEvent(l.retryID)
		l.retryID = -1
	}
	l.paused = false
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
		if l.cfg.Unix {
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
		l.onConn(cfd, ip, port)
	}
}

func (l *Listener) pause(err error) {
	l.Pauses.Add(1)
	l.paused = true
	l.el.DeleteFileEvent(l.fd, ae.Readable)
	l.retryID = l.el.CreateTimeEvent(l.cfg.RetryMs, l.onRetry, nil, nil)
	l.cfg.Log.Warn("Accepting client connection: out of file descriptors, pausing accepts",
		"err", err, "retry_ms", l.cfg.RetryMs)
}

func (l *Listener) retry(el *ae.EventLoop, _ int64, _ any) int {
	l.retryID = -1
	l.paused = false
	if err := el.CreateFileEvent(l.fd, ae.Readable, l.onAccept, nil); err != nil {
		l.cfg.Log.Error("re-enabling accepts", "err", err)
	}
	return ae.NoMore
}
