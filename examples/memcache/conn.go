package main

import (
	"io"
	"net"
	"strconv"
	"sync/atomic"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/connection"
	"github.com/goae/goae/internal/mcproto"
)

// A client connection and its state machine, as memcached.c has them: a
// conn is always in one named state, and driveMachine (drive_machine)
// loops over the states until one says the socket would block. Each
// state is a few lines; the commands themselves are in proto_text.go and
// proto_meta.go, the replies' queue and transmit in resp.go.

// connState is enum conn_states.
type connState uint8

// The states, with memcached's names (conn_closed, conn_watch and
// conn_io_queue serve watchers and extstore, not ported).
const (
	connListening connState = iota // the dispatcher's listening socket
	connNewCmd                     // ready for the next command
	connWaiting                    // waiting for a readable socket
	connRead                       // reading into the read buffer
	connParseCmd                   // parsing a command from the read buffer
	connWrite                      // writing a simple reply (shares mwrite's code, as in 1.6)
	connNread                      // reading a value into its item
	connSwallow                    // discarding the value of a refused store
	connClosing                    // closing the connection
	connMwrite                     // writing the queued replies
)

var stateNames = [...]string{
	"conn_listening", "conn_new_cmd", "conn_waiting", "conn_read", "conn_parse_cmd",
	"conn_write", "conn_nread", "conn_swallow", "conn_closing", "conn_mwrite",
}

func (s connState) String() string { return stateNames[s] }

// reqsPerEvent is -R's default (settings.reqs_per_event): the commands one
// connection runs per event before it yields to the others.
const reqsPerEvent = 20

// readBufferSize is READ_BUFFER_SIZE: the read buffers a worker lends.
const readBufferSize = 16 * 1024

// conn is struct conn: one client, living on one worker's loop only. An
// idle conn costs what it holds here (256 bytes, see TestConnSize) and
// its Conn: the read buffer, the reply buffer and the parser's working
// storage are lent by the worker only while there is work, and what only
// some commands need (an ms's echo list) is made on their first use.
type conn struct {
	c *connection.Conn
	t *thread

	// What `stats conns` on another worker reads: the state the machine
	// stopped in and the time of the last event (published once per event,
	// not per state change, so the hot path pays one atomic store).
	pubState atomic.Uint32
	lastCmd  atomic.Uint32
	fd       int32  // c->sfd, fixed for `stats conns` to read
	rlbytes  int32  // conn_nread: bytes of the item's data still to read (c->rlbytes)
	port     uint16 // the peer's port; with ip, c->request_addr
	state    connState
	nreadCmd StoreCmd // conn_nread: the command storing the item

	noreply         bool
	closeAfterWrite bool // quit, or a refusal that closes
	meta            bool // the value read is an ms's (mset_res): see mset

	ip string      // the peer's address; "" on a unix socket
	ls *listenSock // the listener it came through

	parser mcproto.Parser

	// The read buffer, lent by the worker only while unparsed bytes are
	// pending (rbuf_alloc, rbuf_release): rbuf[rcurr:rcurr+rbytes].
	rbuf          []byte
	rcurr, rbytes int

	// conn_nread: the item being filled (its last rlbytes bytes are still
	// to come).
	item     *Item
	nreadCAS uint64
	mset     *msetState // made by the conn's first ms, then reused

	sbytes int64 // conn_swallow: bytes still to discard

	out output
}

// addr is c->addr as `stats conns` and the logs show it: "tcp:ip:port",
// or the unix socket's "unix:path". Made when asked for, not kept: an idle
// conn holds the ip alone.
func (c *conn) addr() string {
	if c.ip == "" {
		return c.ls.addr
	}
	return "tcp:" + net.JoinHostPort(c.ip, strconv.Itoa(int(c.port)))
}

// connNew is conn_new: a connection for fd, accepted by the dispatcher, on
// thread t, in conn_new_cmd and waiting to read.
func (t *thread) connNew(fd int, ip string, port int, ls *listenSock) {
	cc := connection.NewAcceptedSocket(t.el, fd)
	c := &conn{c: cc, t: t, state: connNewCmd, fd: int32(fd), port: uint16(port), ip: ip, ls: ls}
	c.parser.MaxGetLineLength = t.s.cfg.maxGetLine
	cc.SetPrivateData(c)
	if err := cc.Accept(nil); err != nil {
		t.s.connClosed()
		return
	}
	cc.EnableTCPNoDelay() // as memcached's TCP sockets; a unix socket refuses it
	c.lastCmd.Store(t.s.cache.CurrentTime())
	t.register(c)
	if err := cc.SetReadHandler(eventHandler); err != nil {
		c.connClose()
	}
}

// eventHandler is event_handler: every event of a conn runs its machine.
// One func for all conns, so a conn costs no closure.
func eventHandler(cc *connection.Conn) {
	cc.PrivateData().(*conn).driveMachine()
}

// setState is conn_set_state.
func (c *conn) setState(s connState) { c.state = s }

// updateEvent is update_event: wait for readable or for writable, never
// both (a conn writing its replies reads nothing: back-pressure). No system
// call when the wanted event is already set.
func (c *conn) updateEvent(mask ae.Mask) bool {
	var err error
	if mask == ae.Writable {
		if err = c.c.SetReadHandler(nil); err == nil {
			err = c.c.SetWriteHandler(eventHandler)
		}
	} else {
		if err = c.c.SetWriteHandler(nil); err == nil {
			err = c.c.SetReadHandler(eventHandler)
		}
	}
	return err == nil
}

// driveMachine is drive_machine.
func (c *conn) driveMachine() {
	nreqs := reqsPerEvent
	c.lastCmd.Store(c.t.s.cache.CurrentTime())
	for stop := false; !stop; {
		switch c.state {
		case connWaiting:
			c.rbufRelease()
			if !c.updateEvent(ae.Readable) {
				c.setState(connClosing)
				break
			}
			c.setState(connRead)
			stop = true

		case connRead:
			switch c.tryReadNetwork() {
			case readNoData:
				c.setState(connWaiting)
			case readData:
				c.setState(connParseCmd)
			case readError:
				c.setState(connClosing)
			}

		case connParseCmd:
			c.noreply = false
			if !c.tryReadCommand() {
				// No whole line: send what is queued, or wait for more.
				if c.out.pending() {
					c.setState(connMwrite)
				} else {
					c.setState(connWaiting)
				}
			}

		case connNewCmd:
			// Only nreqs commands at a time, so one busy client does not
			// starve the others.
			nreqs--
			if c.out.size() > c.t.s.cfg.outputLimit {
				c.t.s.log.Warn("closing a client over the output limit", "addr", c.addr(),
					"pending", c.out.size(), "limit", c.t.s.cfg.outputLimit)
				c.setState(connClosing)
			} else if nreqs >= 0 {
				c.resetCmdHandler()
			} else if c.out.pending() {
				c.setState(connMwrite) // flush the replies on yield
			} else {
				c.t.w.CountYield()
				if c.rbytes > 0 {
					// The input is already read, so no readable event
					// would bring us back: ask for a writable one.
					if !c.updateEvent(ae.Writable) {
						c.setState(connClosing)
						break
					}
				}
				stop = true
			}

		case connNread:
			stop = c.nread()

		case connSwallow:
			stop = c.swallow()

		case connWrite, connMwrite:
			switch c.transmit() {
			case transmitComplete:
				c.connReleaseItems()
				c.setState(connNewCmd)
				if c.closeAfterWrite {
					c.setState(connClosing)
				}
			case transmitIncomplete:
			case transmitSoftError:
				stop = true
			case transmitHardError:
				c.setState(connClosing)
			}

		case connClosing:
			c.connClose()
			stop = true
		}
	}
	c.pubState.Store(uint32(c.state))
}

// resetCmdHandler is reset_cmd_handler.
func (c *conn) resetCmdHandler() {
	if c.item != nil {
		c.t.w.Discard(c.item)
		c.item = nil
	}
	switch {
	case c.rbytes > 0:
		c.setState(connParseCmd)
	case c.out.pending():
		c.setState(connMwrite)
	default:
		c.setState(connWaiting)
	}
}

type readResult uint8

const (
	readNoData readResult = iota
	readData
	readError
)

// tryReadNetwork is try_read_network: one read into the read buffer,
// taken from the worker if the conn holds none, moved to the front when
// bytes are pending, doubled when full (only a long get line fills it: the
// parser refuses other lines past 2048 bytes, and get lines past its
// MaxGetLineLength).
func (c *conn) tryReadNetwork() readResult {
	if c.rbuf == nil {
		c.rbuf = c.t.rbufAlloc()
	}
	if c.rcurr != 0 {
		copy(c.rbuf, c.rbuf[c.rcurr:c.rcurr+c.rbytes])
		c.rcurr = 0
	}
	if c.rbytes == len(c.rbuf) {
		nb := make([]byte, 2*len(c.rbuf))
		copy(nb, c.rbuf)
		c.t.rbufFree(c.rbuf)
		c.rbuf = nb
	}
	n, err := c.c.Read(c.rbuf[c.rbytes:])
	if n > 0 {
		c.t.w.CountIO(uint64(n), 0)
		c.rbytes += n
		return readData
	}
	if err == connection.ErrWouldBlock {
		return readNoData
	}
	return readError
}

// rbufRelease is rbuf_release: an idle conn gives its read buffer back,
// and the parser its working storage.
func (c *conn) rbufRelease() {
	if c.rbuf != nil && c.rbytes == 0 {
		c.t.rbufFree(c.rbuf)
		c.rbuf, c.rcurr = nil, 0
		c.parser.Release()
	}
}

// consume drops n parsed bytes from the read buffer.
func (c *conn) consume(n int) {
	c.rcurr += n
	c.rbytes -= n
	if c.rbytes == 0 {
		c.rcurr = 0
	}
}

// tryReadCommand is try_read_command_ascii: parse one line and run it. It
// reports false when no whole line is buffered.
func (c *conn) tryReadCommand() bool {
	if c.rbytes == 0 {
		return false
	}
	req, n, err := c.parser.Parse(c.rbuf[c.rcurr : c.rcurr+c.rbytes])
	if err != nil {
		e := err.(*mcproto.Error)
		if e.Close {
			// The 2048 rule and HTTP lines close without a word; an
			// over-long get line says why first.
			if e.Reply != "" {
				c.outString(e.Reply)
				c.closeAfterWrite = true
				c.setState(connWrite)
			} else {
				c.setState(connClosing)
			}
			return true
		}
		c.consume(n)
		if req == nil || !req.NoReply {
			c.outString(e.Reply)
		}
		c.setState(connNewCmd)
		if sw := c.parser.Swallowing(); sw > 0 {
			// An ms refused after its length: its value goes, and the
			// error is sent only then.
			c.parser.Reset()
			c.sbytes = sw
			c.setState(connSwallow)
		}
		return true
	}
	if n == 0 {
		return false
	}
	c.consume(n)
	c.setState(connNewCmd)
	if req == nil {
		return true // bytes the parser swallowed (not used: see above)
	}
	c.processCommand(req)
	return true
}

// nread is conn_nread: fill the item's data with the bytes already
// buffered, then straight from the socket. It reports whether the machine
// stops.
func (c *conn) nread() bool {
	if c.rlbytes == 0 {
		c.completeNread()
		return false
	}
	d := c.item.Data()
	ritem := d[len(d)-int(c.rlbytes):] // c->ritem
	if c.rbytes > 0 {
		k := copy(ritem, c.rbuf[c.rcurr:c.rcurr+c.rbytes])
		c.rlbytes -= int32(k)
		c.consume(k)
		return false
	}
	// Nothing buffered: the read buffer goes back before a long read.
	c.rbufRelease()
	n, err := c.c.Read(ritem)
	if n > 0 {
		c.t.w.CountIO(uint64(n), 0)
		c.rlbytes -= int32(n)
		return false
	}
	if err == connection.ErrWouldBlock {
		if !c.updateEvent(ae.Readable) {
			c.setState(connClosing)
		}
		return true
	}
	c.logReadError(err)
	c.setState(connClosing)
	return false
}

// swallow is conn_swallow: discard sbytes, then the next command.
func (c *conn) swallow() bool {
	if c.sbytes <= 0 {
		c.setState(connNewCmd)
		return false
	}
	if c.rbytes > 0 {
		k := int(min(int64(c.rbytes), c.sbytes))
		c.sbytes -= int64(k)
		c.consume(k)
		return false
	}
	if c.rbuf == nil {
		c.rbuf = c.t.rbufAlloc()
	}
	c.rcurr = 0
	n, err := c.c.Read(c.rbuf)
	if n > 0 {
		c.t.w.CountIO(uint64(n), 0)
		c.rbytes = n
		return false
	}
	if err == connection.ErrWouldBlock {
		c.rbufRelease()
		if !c.updateEvent(ae.Readable) {
			c.setState(connClosing)
		}
		return true
	}
	c.logReadError(err)
	c.setState(connClosing)
	return false
}

func (c *conn) logReadError(err error) {
	if err != io.EOF && c.t.s.verbose() > 0 {
		c.t.s.log.Info("read error", "addr", c.addr(), "err", err)
	}
}

// connReleaseItems is conn_release_items: the items a reply referred to
// are given back once it is written.
func (c *conn) connReleaseItems() {
	c.out.reset(c.t)
}

// connClose is conn_close: give back everything the conn holds.
func (c *conn) connClose() {
	if c.c.FD() < 0 {
		return // closed already
	}
	if c.item != nil {
		c.t.w.Discard(c.item)
		c.item = nil
	}
	c.meta = false
	c.out.reset(c.t)
	c.rbytes = 0
	c.rbufRelease()
	c.parser.Release()
	c.c.Close()
	c.t.unregister(c)
	c.t.s.connClosed()
	c.state = connClosing
}
