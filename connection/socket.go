package connection

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"golang.org/x/sys/unix"
)

// The socket connection type (CT_Socket in connection.c): reads, writes,
// accept and the socket options, on a plain fd.

// ErrWouldBlock is what Read, Write and Writev return when the socket
// cannot take or give anything now; the state stays StateConnected. It
// is unix.EAGAIN, so errors.Is(err, unix.EAGAIN) holds too. In Redis the
// caller tests for -1 with the state still CONN_STATE_CONNECTED.
var ErrWouldBlock error = unix.EAGAIN

var errClosed = errors.New("connection: closed")

// ErrClosed is returned by the methods of a Conn after Close.
var ErrClosed = errClosed

func closeFd(fd int) { unix.Close(fd) }

// ioResult turns a read or write's outcome into Go's terms and the
// connection's state, as connSocketRead and connSocketWrite do: a read of
// 0 bytes is EOF and StateClosed; EAGAIN is ErrWouldBlock and changes
// nothing; another error is kept as the last error and, on a connected
// Conn, makes it StateError.
func (c *Conn) ioResult(n int, err error, read bool) (int, error) {
	if err == nil {
		if n == 0 && read {
			c.state = StateClosed
			return 0, io.EOF
		}
		return n, nil
	}
	if err == unix.EAGAIN || err == unix.EINTR {
		return 0, ErrWouldBlock
	}
	c.setErr(err)
	if c.state == StateConnected {
		c.state = StateError
	}
	return 0, err
}

// Read reads into p once (connRead). It returns the bytes read; io.EOF
// when the peer closed (state StateClosed); ErrWouldBlock when nothing is
// there now; another error otherwise (state StateError). A read handler
// calls it once per event, as Redis does: the fd is level-triggered, so
// what is left comes back in the next iteration.
func (c *Conn) Read(p []byte) (int, error) {
	if c.fd < 0 {
		return 0, errClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	n, err := sysRead(int(c.fd), p)
	return c.ioResult(n, err, true)
}

// Write writes p once (connWrite) and returns how much was taken, which
// may be less than len(p); ErrWouldBlock when the socket buffer is full;
// another error otherwise (state StateError).
func (c *Conn) Write(p []byte) (int, error) {
	if c.fd < 0 {
		return 0, errClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	n, err := sysWrite(int(c.fd), p)
	return c.ioResult(n, err, false)
}

// Writev writes the buffers in one writev(2) (connWritev), with Write's
// results. At most IOV_MAX buffers are passed; the rest wait for the
// next call. Past 16 buffers it allocates the iovec array: see
// WritevWith.
func (c *Conn) Writev(bufs [][]byte) (int, error) {
	if c.fd < 0 {
		return 0, errClosed
	}
	var iov [16]unix.Iovec
	return c.writev(bufs, iov[:0])
}

// Iovecs is reusable storage for the iovec array that WritevWith passes to
// writev(2), so that writing many buffers at once allocates nothing once
// it has grown to the largest call: a loop needs one, since its
// connections write one at a time. The zero value is ready to use.
type Iovecs struct{ iov []unix.Iovec }

// WritevWith is Writev for many buffers: up to IOV_MAX of them in one
// system call (memcached's sendmsg of its whole reply queue), with the
// iovec array kept in v between calls. Writev itself passes at most 16
// buffers without allocating.
func (c *Conn) WritevWith(bufs [][]byte, v *Iovecs) (int, error) {
	if c.fd < 0 {
		return 0, errClosed
	}
	if n := min(len(bufs), iovMax); cap(v.iov) < n {
		v.iov = make([]unix.Iovec, 0, n)
	}
	return c.writev(bufs, v.iov[:0])
}

// writev is Writev with the caller's iovec scratch (a WriteQueue's).
func (c *Conn) writev(bufs [][]byte, iov []unix.Iovec) (int, error) {
	if len(bufs) > iovMax {
		bufs = bufs[:iovMax]
	}
	n, err := sysWritev(int(c.fd), bufs, iov)
	return c.ioResult(n, err, false)
}

// iovMax is IOV_MAX on Linux and the BSDs.
const iovMax = 1024

// Accept completes an accepted connection (connAccept): the state
// becomes StateConnected and h runs, holding a reference, so h may close
// c (then Accept returns ErrClosed). Accept fails on a Conn that is not
// StateAccepting.
func (c *Conn) Accept(h Handler) error {
	if c.state != StateAccepting {
		return fmt.Errorf("connection: accept in state %v", c.state)
	}
	c.state = StateConnected
	if !callHandler(c, h) {
		return errClosed
	}
	return nil
}

// Block puts the socket in blocking mode (connBlock), for the Sync calls.
func (c *Conn) Block() error { return anet.Block(int(c.fd)) }

// NonBlock puts the socket back in non-blocking mode (connNonBlock).
func (c *Conn) NonBlock() error { return anet.NonBlock(int(c.fd)) }

// EnableTCPNoDelay sets TCP_NODELAY (connEnableTcpNoDelay).
func (c *Conn) EnableTCPNoDelay() error { return anet.EnableTCPNoDelay(int(c.fd)) }

// DisableTCPNoDelay clears TCP_NODELAY (connDisableTcpNoDelay).
func (c *Conn) DisableTCPNoDelay() error { return anet.DisableTCPNoDelay(int(c.fd)) }

// KeepAlive turns TCP keep-alive on with Redis's timers for interval
// seconds (connKeepAlive).
func (c *Conn) KeepAlive(interval int) error { return anet.KeepAlive(int(c.fd), interval) }

// SendTimeout sets SO_SNDTIMEO (connSendTimeout), for the Sync calls.
func (c *Conn) SendTimeout(d time.Duration) error {
	return anet.SendTimeout(int(c.fd), d.Milliseconds())
}

// RecvTimeout sets SO_RCVTIMEO (connRecvTimeout), for the Sync calls.
func (c *Conn) RecvTimeout(d time.Duration) error {
	return anet.RecvTimeout(int(c.fd), d.Milliseconds())
}

// PeerAddr returns the peer's address as "ip:port" or "[ip]:port"
// (connFormatFdAddr with FD_TO_PEER_NAME; "/unixsocket:0" on a unix
// socket).
func (c *Conn) PeerAddr() (string, error) { return anet.FormatFdAddr(int(c.fd), anet.PeerName) }

// LocalAddr returns the local address, as PeerAddr does the peer's
// (connFormatFdAddr with FD_TO_SOCK_NAME).
func (c *Conn) LocalAddr() (string, error) { return anet.FormatFdAddr(int(c.fd), anet.SockName) }

// SyncWrite writes all of p, waiting up to timeout in total for the socket
// to take it (connSyncWrite, built on aeWait). It returns the bytes
// written; a timeout gives unix.ETIMEDOUT. It blocks the loop: Redis
// uses it only where it must (replication handshakes, MIGRATE).
func (c *Conn) SyncWrite(p []byte, timeout time.Duration) (int, error) {
	start := time.Now()
	done := 0
	for done < len(p) {
		n, err := c.Write(p[done:])
		done += n
		if err != nil && err != ErrWouldBlock {
			return done, err
		}
		if done == len(p) {
			break
		}
		left := timeout - time.Since(start)
		if left <= 0 {
			return done, unix.ETIMEDOUT
		}
		if _, err := ae.Wait(int(c.fd), ae.Writable, left); err != nil {
			return done, err
		}
	}
	return done, nil
}

// SyncRead reads exactly len(p) bytes, waiting up to timeout in total
// (connSyncRead). A peer that closes first gives io.ErrUnexpectedEOF, a
// timeout unix.ETIMEDOUT.
func (c *Conn) SyncRead(p []byte, timeout time.Duration) (int, error) {
	start := time.Now()
	done := 0
	for done < len(p) {
		if left := timeout - time.Since(start); left <= 0 {
			return done, unix.ETIMEDOUT
		} else if m, err := ae.Wait(int(c.fd), ae.Readable, left); err != nil {
			return done, err
		} else if m == ae.None {
			continue // timed out: the check above says so
		}
		n, err := c.Read(p[done:])
		done += n
		if err == io.EOF {
			return done, io.ErrUnexpectedEOF
		}
		if err != nil && err != ErrWouldBlock {
			return done, err
		}
	}
	return done, nil
}

// SyncReadLine reads a line ending in "\n" into p, one byte at a time as
// Redis does (so no byte past the line is consumed), waiting up to
// timeout in total (connSyncReadLine). It returns the line without its
// "\r\n" or "\n". A line longer than p is cut at len(p) bytes, as in
// Redis.
func (c *Conn) SyncReadLine(p []byte, timeout time.Duration) ([]byte, error) {
	start := time.Now()
	n := 0
	for n < len(p) {
		left := timeout - time.Since(start)
		if left <= 0 {
			return p[:n], unix.ETIMEDOUT
		}
		if _, err := c.SyncRead(p[n:n+1], left); err != nil {
			return p[:n], err
		}
		if p[n] == '\n' {
			if n > 0 && p[n-1] == '\r' {
				n--
			}
			return p[:n], nil
		}
		n++
	}
	return p[:n], nil
}
