package connection

import (
	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
)

// State is where a connection is in its life (ConnectionState).
type State uint8

// Connection states (CONN_STATE_*).
const (
	StateNone       State = iota // created, not connected (CONN_STATE_NONE)
	StateConnecting              // Connect is in progress
	StateAccepting               // accepted, Accept not called yet
	StateConnected               // ready for Read and Write
	StateClosed                  // the peer closed it (a read returned EOF)
	StateError                   // a call failed: see LastError
)

var stateNames = [...]string{"none", "connecting", "accepting", "connected", "closed", "error"}

// String names the state as connGetInfo does ("connected", ...).
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Handler is a connection callback (ConnectionCallbackFunc): a read,
// write, connect or accept handler, called on the loop's goroutine.
type Handler func(c *Conn)

// Conn flags (CONN_FLAG_*), and goae's own.
const (
	flagCloseScheduled  = 1 << iota // Close called from inside a handler (CONN_FLAG_CLOSE_SCHEDULED)
	flagWriteBarrier                // call the write handler before the read one (CONN_FLAG_WRITE_BARRIER)
	flagPendingWrite                // on its WriteQueue's list
	flagQueueWriting                // the WriteQueue's writable handler is installed
	flagCloseAfterFlush             // close once the output is written
	flagFdClosed                    // the fd is closed; the Conn lives on while handlers hold it
)

// Conn is one connection on an event loop (struct connection): a socket,
// its state, the handlers the loop calls for it and, when it has a
// WriteQueue, its buffered output.
//
// A Conn belongs to its loop's goroutine, as the loop does. One ae handler
// serves both directions of the fd (connSocketEventHandler): it completes
// a pending connect, then calls the read and write handlers, the write one
// first when the barrier is set. Every handler call holds a reference, so
// Close from inside any handler only schedules the close, which happens
// when the outermost handler returns; from then on no handler of that
// Conn is called.
//
// Its fields are kept to 64 bytes (a server has one per client): what
// only a connect, an error, a write handler or pending output needs is
// allocated when it happens.
type Conn struct {
	el          *ae.EventLoop
	fd          int32
	state       State
	flags       uint8
	refs        int16
	readHandler Handler
	privateData any
	out         *output // nil until output is kept
	wq          *WriteQueue
	aux         *connAux // nil until a connect, an error or a write handler
}

// connAux holds the parts of a Conn that an idle accepted connection does
// not use. Once made it stays: a write handler that comes and goes on
// every full socket buffer must not cost an allocation each time.
type connAux struct {
	wrHandler Handler
	lastErr   error      // set on the first error
	dial      *dialState // while a Connect is in progress
}

// auxState returns c's connAux, made on first use.
func (c *Conn) auxState() *connAux {
	if c.aux == nil {
		c.aux = new(connAux)
	}
	return c.aux
}

// wrHandler returns the write handler, nil if none.
func (c *Conn) wrHandler() Handler {
	if c.aux == nil {
		return nil
	}
	return c.aux.wrHandler
}

// dial returns the Connect in progress, nil if none.
func (c *Conn) dial() *dialState {
	if c.aux == nil {
		return nil
	}
	return c.aux.dial
}

// NewSocket returns an unconnected socket Conn on el (connCreateSocket);
// Connect or ConnectUnix starts it.
func NewSocket(el *ae.EventLoop) *Conn {
	return &Conn{el: el, fd: -1}
}

// NewAcceptedSocket wraps fd, just accepted on a listening socket, in a
// Conn in StateAccepting (connCreateAcceptedSocket). fd must be
// non-blocking; the Conn owns it from now on. Call Accept to make it
// StateConnected, or Close to refuse it.
func NewAcceptedSocket(el *ae.EventLoop, fd int) *Conn {
	return &Conn{el: el, fd: int32(fd), state: StateAccepting}
}

// Loop returns the event loop of c.
func (c *Conn) Loop() *ae.EventLoop { return c.el }

// FD returns the socket's fd, or -1 before Connect and after Close
// (connGetFd). Prefer the Conn's methods to system calls on it.
func (c *Conn) FD() int { return int(c.fd) }

// State returns the connection's state (connGetState).
func (c *Conn) State() State { return c.state }

// LastError returns the error that put the connection in StateError, or
// the last failed call's (connGetLastError, which returns
// strerror(last_errno)).
func (c *Conn) LastError() error {
	if c.aux == nil {
		return nil
	}
	return c.aux.lastErr
}

// setErr records err as the last error.
func (c *Conn) setErr(err error) {
	c.auxState().lastErr = err
}

// outBuf returns c's output, made on first use.
func (c *Conn) outBuf() *output {
	if c.out == nil {
		c.out = new(output)
	}
	return c.out
}

// PrivateData returns what SetPrivateData stored (connGetPrivateData).
func (c *Conn) PrivateData() any { return c.privateData }

// SetPrivateData stores data with the connection, typically the client
// it belongs to (connSetPrivateData).
func (c *Conn) SetPrivateData(data any) { c.privateData = data }

// HasReadHandler reports whether a read handler is set
// (connHasReadHandler).
func (c *Conn) HasReadHandler() bool { return c.readHandler != nil }

// HasWriteHandler reports whether a write handler is set
// (connHasWriteHandler).
func (c *Conn) HasWriteHandler() bool { return c.wrHandler() != nil }

// closed reports whether Close has been called on c.
func (c *Conn) closed() bool { return c.flags&(flagFdClosed|flagCloseScheduled) != 0 }

// callHandler runs h holding a reference to c, and reports whether c is
// still open afterwards (callHandler in connhelpers.h): if h, or a handler
// it called, closed c, the close completes once no handler holds c.
func callHandler(c *Conn, h Handler) bool {
	c.refs++
	if h != nil {
		h(c)
	}
	c.refs--
	if c.flags&flagCloseScheduled != 0 {
		if c.refs == 0 {
			c.finishClose()
		}
		return false
	}
	return true
}

// SetReadHandler sets the handler called when c is readable, or removes
// it when h is nil (connSetReadHandler).
func (c *Conn) SetReadHandler(h Handler) error {
	if c.closed() {
		return errClosed
	}
	c.readHandler = h
	return c.arm(ae.Readable, h != nil)
}

// SetWriteHandler sets the handler called when c is writable, or removes
// it when h is nil (connSetWriteHandler). A Conn with a WriteQueue has
// the queue's handler installed while its output waits; do not set one
// of your own on it.
func (c *Conn) SetWriteHandler(h Handler) error {
	return c.SetWriteHandlerWithBarrier(h, false)
}

// SetWriteHandlerWithBarrier is SetWriteHandler that, with barrier, makes
// the loop call the write handler before the read one when both fire in
// one iteration (connSetWriteHandlerWithBarrier): Redis uses it to write
// what it must persist first. The barrier is the Conn's, not ae.Barrier:
// the one ae handler of the fd orders the calls.
func (c *Conn) SetWriteHandlerWithBarrier(h Handler, barrier bool) error {
	if c.closed() {
		return errClosed
	}
	if h != nil || c.aux != nil {
		c.auxState().wrHandler = h
	}
	if barrier {
		c.flags |= flagWriteBarrier
	} else {
		c.flags &^= flagWriteBarrier
	}
	// A connect in progress keeps its writable event until it completes.
	return c.arm(ae.Writable, h != nil || c.state == StateConnecting)
}

// arm registers or removes one direction of the fd, with no system call
// when it is already as wanted.
func (c *Conn) arm(dir ae.Mask, on bool) error {
	if c.fd < 0 {
		return nil // not connected yet: Connect arms what is set
	}
	fd := int(c.fd)
	has := c.el.GetFileEvents(fd)&dir != 0
	switch {
	case on && !has:
		return c.el.CreateFileEvent(fd, dir, socketEventHandler, c)
	case !on && has:
		c.el.DeleteFileEvent(fd, dir)
	}
	return nil
}

// Close closes the connection (connClose): the fd is unregistered and
// closed at once, its output dropped. Called from inside one of c's
// handlers, the Conn itself stays valid until the handler returns, and no
// other handler of c runs. Closing a closed Conn does nothing.
func (c *Conn) Close() {
	if c.closed() {
		return
	}
	c.closeFd()
	if c.refs > 0 {
		c.flags |= flagCloseScheduled
		return
	}
	c.finishClose()
}

// Detach gives up c's socket without closing it: the fd is unregistered
// from c's loop and returned, its output dropped, and c is closed (as by
// Close) while the fd stays open and is the caller's. It is how a
// dispatcher loop hands an accepted connection to a worker loop
// (memcached's dispatch_conn_new): the worker wraps the fd in a Conn of
// its own with NewAcceptedSocket. Detaching a closed Conn returns -1 and
// ErrClosed.
func (c *Conn) Detach() (int, error) {
	if c.closed() {
		return -1, errClosed
	}
	fd := c.detachFd()
	if c.refs > 0 {
		c.flags |= flagCloseScheduled
	} else {
		c.finishClose()
	}
	return fd, nil
}

// closeFd unregisters and closes the fd and stops what runs for c.
func (c *Conn) closeFd() {
	if fd := c.detachFd(); fd >= 0 {
		closeFd(fd)
	}
}

// detachFd unregisters the fd, stops what runs for c and drops its
// output, and returns the fd (-1 if none), still open.
func (c *Conn) detachFd() int {
	c.flags |= flagFdClosed
	if d := c.dial(); d != nil {
		d.cancel(c)
	}
	fd := int(c.fd)
	if fd >= 0 {
		c.el.DeleteFileEvent(fd, ae.Readable|ae.Writable)
		c.fd = -1
	}
	c.out.release(c.wq)
	c.out = nil
	return fd
}

// finishClose drops what the closed Conn refers to (zfree(conn) in
// Redis, the collector here).
func (c *Conn) finishClose() {
	c.flags &^= flagCloseScheduled
	c.flags |= flagFdClosed
	c.readHandler = nil
	if c.aux != nil {
		c.aux.wrHandler = nil
	}
}

// socketEventHandler is the one ae handler of every socket Conn, for both
// directions (connSocketEventHandler): being one func value, ae calls it
// once per iteration with both bits when both fire.
var socketEventHandler ae.FileProc = func(el *ae.EventLoop, fd int, clientData any, mask ae.Mask) {
	c := clientData.(*Conn)
	if d := c.dial(); c.state == StateConnecting && mask&ae.Writable != 0 && d != nil && d.handler != nil {
		if err := anet.GetError(fd); err != nil {
			c.setErr(err)
			c.state = StateError
		} else {
			c.state = StateConnected
		}
		h := d.handler
		d.cancel(c)
		if c.wrHandler() == nil {
			el.DeleteFileEvent(fd, ae.Writable)
		}
		if !callHandler(c, h) {
			return
		}
	}
	// As Redis, which directions run is decided once, after the connect
	// handler (which may set handlers); each call then takes the handler
	// current at that moment, so one removed by an earlier call does not
	// run.
	invert := c.flags&flagWriteBarrier != 0
	callWrite := mask&ae.Writable != 0 && c.wrHandler() != nil
	callRead := mask&ae.Readable != 0 && c.readHandler != nil
	if !invert && callRead {
		if !callHandler(c, c.readHandler) {
			return
		}
	}
	if callWrite {
		if !callHandler(c, c.wrHandler()) {
			return
		}
	}
	if invert && callRead {
		callHandler(c, c.readHandler)
	}
}
