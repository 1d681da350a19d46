package connection

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"golang.org/x/sys/unix"
)

// Outgoing connections (connSocketConnect), with what Redis does not
// have: names resolved off the loop, and a timeout.

// ConnectOptions tune Connect. The zero value is Redis's connConnect with
// no source address and no timeout.
type ConnectOptions struct {
	// Source, if set, is the local address to bind first, best effort:
	// if the connect fails bound, it is tried again unbound
	// (anetTcpNonBlockBestEffortBindConnect, as Redis's bind-source-addr).
	Source string
	// Timeout, if positive, bounds the whole connect, name resolution
	// included: past it the handler runs with StateError and a LastError
	// matching unix.ETIMEDOUT, and the socket is closed.
	Timeout time.Duration
}

// dialState is what a Connect in progress holds besides the socket.
type dialState struct {
	handler  Handler // the connect handler (conn->conn_handler)
	timer    int64   // the timeout's time event, -1 if none
	resolved bool    // name resolution is over (or never started)
}

// cancel stops the timeout; a resolution still running finds the Conn
// closed or connected and drops its result.
func (d *dialState) cancel(c *Conn) {
	if d.timer >= 0 {
		c.el.DeleteTimeEvent(d.timer)
		d.timer = -1
	}
	c.aux.dial = nil
}

// Connect starts connecting c, made by NewSocket, to host:port, and
// returns at once (connConnect). h runs on the loop when the connect is
// over, with c in StateConnected or StateError (see LastError). While it
// is in progress c is StateConnecting; read and write handlers may be set
// and output appended already: they take effect once it is connected.
//
// host is an IP address, or a name that is resolved on another goroutine
// so the loop never waits for DNS (Redis resolves with a blocking
// getaddrinfo); the first address the resolver returns is used. A failure
// known at once, such as an address that cannot be parsed, is returned
// and h does not run; every later one comes to h.
func (c *Conn) Connect(host string, port int, opts ConnectOptions, h Handler) error {
	if c.state != StateNone || c.closed() {
		return fmt.Errorf("connection: connect in state %v", c.state)
	}
	if port < 0 || port > 65535 {
		return fmt.Errorf("connection: port %d out of range: %w", port, unix.EINVAL)
	}
	c.state = StateConnecting
	d := &dialState{handler: h, timer: -1}
	c.auxState().dial = d
	if opts.Timeout > 0 {
		d.timer = c.el.CreateTimeEvent(opts.Timeout.Milliseconds(), connectTimeout, c, nil)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		d.resolved = true
		return c.connectAddr(host, port, opts.Source, false)
	}
	el := c.el
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if opts.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
	}
	go func() {
		defer cancel()
		addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		el.Post(func(*ae.EventLoop) {
			if c.dial() != d || c.closed() || c.state != StateConnecting {
				return // closed, timed out or restarted meanwhile
			}
			d.resolved = true
			if err == nil && len(addrs) == 0 {
				err = fmt.Errorf("lookup %s: no addresses", host)
			}
			if err != nil {
				c.connectFailed(err)
				return
			}
			c.connectAddr(addrs[0].Unmap().String(), port, opts.Source, true)
		})
	}()
	return nil
}

// ConnectUnix starts connecting c to the unix socket at path, as Connect
// does for TCP (the 6.2 anetUnixNonBlockConnect under connConnect).
func (c *Conn) ConnectUnix(path string, h Handler) error {
	if c.state != StateNone || c.closed() {
		return fmt.Errorf("connection: connect in state %v", c.state)
	}
	fd, err := anet.UnixNonBlockConnect(path)
	if err != nil {
		c.state = StateError
		c.setErr(err)
		return err
	}
	c.state = StateConnecting
	c.auxState().dial = &dialState{handler: h, timer: -1, resolved: true}
	return c.connected(fd, false)
}

// connectAddr makes the socket and starts the connect to ip:port. async
// says the call comes after the resolution, where a failure goes to the
// handler; otherwise it is returned, as connSocketConnect's C_ERR.
func (c *Conn) connectAddr(ip string, port int, source string, async bool) error {
	var fd int
	var err error
	if source != "" {
		fd, err = anet.TCPNonBlockBestEffortBindConnect(ip, port, source)
	} else {
		fd, err = anet.TCPNonBlockConnect(ip, port)
	}
	if err != nil {
		return c.connectError(err, async)
	}
	return c.connected(fd, async)
}

// connectError ends a connect that failed before its socket was
// registered: through the handler after a resolution (async), else
// returned to Connect's caller with no handler call.
func (c *Conn) connectError(err error, async bool) error {
	if async {
		c.connectFailed(err)
		return nil
	}
	c.state = StateError
	c.setErr(err)
	if d := c.dial(); d != nil {
		d.cancel(c)
	}
	return err
}

// connected registers the connecting fd: writable (the connect's end),
// and readable if a read handler was set meanwhile.
func (c *Conn) connected(fd int, async bool) error {
	c.fd = int32(fd)
	err := c.el.CreateFileEvent(fd, ae.Writable, socketEventHandler, c)
	if err == nil && c.readHandler != nil {
		err = c.el.CreateFileEvent(fd, ae.Readable, socketEventHandler, c)
	}
	if err != nil {
		c.el.DeleteFileEvent(fd, ae.Readable|ae.Writable)
		unix.Close(fd)
		c.fd = -1
		return c.connectError(err, async)
	}
	return nil
}

// connectFailed ends a connect with err: StateError, the socket closed,
// the handler called.
func (c *Conn) connectFailed(err error) {
	c.state = StateError
	c.setErr(err)
	var h Handler
	if d := c.dial(); d != nil {
		h = d.handler
		d.cancel(c)
	}
	if c.fd >= 0 {
		c.el.DeleteFileEvent(int(c.fd), ae.Readable|ae.Writable)
		unix.Close(int(c.fd))
		c.fd = -1
	}
	callHandler(c, h)
}

// connectTimeout is the time event of ConnectOptions.Timeout.
func connectTimeout(_ *ae.EventLoop, _ int64, clientData any) int {
	c := clientData.(*Conn)
	if d := c.dial(); d != nil {
		d.timer = -1 // this event ends now: no delete
	}
	if c.state == StateConnecting && !c.closed() {
		c.connectFailed(fmt.Errorf("connect: %w", unix.ETIMEDOUT))
	}
	return ae.NoMore
}
