package main

import (
	"errors"
	"fmt"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"github.com/goae/goae/internal/resp"
	"golang.org/x/sys/unix"
)

const (
	// protoIOBufLen is the size of one read (PROTO_IOBUF_LEN).
	protoIOBufLen = 16 * 1024
	// protoMbulkBigArg: past this, a read may take more of a big
	// argument at once (PROTO_MBULK_BIG_ARG).
	protoMbulkBigArg = 32 * 1024
	// maxBigArgRead bounds such a read, so that an announced length is
	// never allocated before its bytes arrive.
	maxBigArgRead = 1 << 20
	// netMaxWritesPerEvent bounds the bytes written to one client per
	// event (NET_MAX_WRITES_PER_EVENT).
	netMaxWritesPerEvent = 64 * 1024
	// idleBufCap is the buffer capacity a drained client keeps; a burst
	// that grew it beyond gives it back.
	idleBufCap = 16 * 1024
)

// Client flags (CLIENT_*).
const (
	flagCloseAfterReply = 1 << iota // CLIENT_CLOSE_AFTER_REPLY
	flagCloseASAP                   // CLIENT_CLOSE_ASAP
	flagPendingWrite                // CLIENT_PENDING_WRITE: in pendingWrite
	flagUnixSocket                  // CLIENT_UNIX_SOCKET
	flagWriteHandler                // the writable handler is installed
	flagFreed                       // freeClient ran: lists that still hold it skip it
)

// client is one connection (Redis's client struct).
type client struct {
	id              int64
	fd              int // -1 once freed
	flags           int
	addr            string // "ip:port", or "/path:0" for a unix socket
	laddr           string
	name            string
	db              int
	authed          bool
	ctime           int64 // ms
	lastInteraction int64 // ms

	querybuf []byte // unparsed input is querybuf[qbpos:]
	qbpos    int
	parser   resp.Parser
	argv     [][]byte
	lastcmd  *command

	buf     []byte // replies; buf[sentlen:] is still to be written
	sentlen int
}

func (c *client) pending() int { return len(c.buf) - c.sentlen }

func (s *server) acceptTCP(fd int, ip string, port int) {
	s.acceptCommonHandler(fd, anet.FormatAddr(ip, port), 0)
}

func (s *server) acceptUnix(fd int, _ string, _ int) {
	s.acceptCommonHandler(fd, s.cfg.unixsocket+":0", flagUnixSocket)
}

// acceptCommonHandler refuses the client past maxclients, else creates it.
func (s *server) acceptCommonHandler(fd int, addr string, flags int) {
	if s.numClients >= s.cfg.maxclients {
		// Best effort: the socket is new, its buffer is empty.
		unix.Write(fd, []byte("-ERR max number of clients reached\r\n"))
		s.stats.rejectedConn++
		unix.Close(fd)
		return
	}
	if flags&flagUnixSocket == 0 {
		anet.EnableTCPNoDelay(fd)
		if s.cfg.tcpKeepalive > 0 {
			anet.KeepAlive(fd, s.cfg.tcpKeepalive)
		}
	}
	c := &client{
		id:              s.nextClientID,
		fd:              fd,
		flags:           flags,
		addr:            addr,
		authed:          s.cfg.requirepass == "",
		ctime:           s.mstime,
		lastInteraction: s.mstime,
	}
	c.parser.ProtoMaxBulkLen = s.cfg.protoMaxBulkLen
	if err := s.el.CreateFileEvent(fd, ae.Readable, s.onRead, c); err != nil {
		s.cfg.log.Warn("Error registering fd event for the new client", "err", err)
		unix.Close(fd)
		return
	}
	s.nextClientID++
	s.clients[fd] = c
	s.numClients++
	s.stats.numConnections++
	s.cfg.log.Debug("Accepted", "addr", addr)
}

// readQueryFromClient reads once per readable event and runs the commands
// that arrived complete.
func (s *server) readQueryFromClient(el *ae.EventLoop, fd int, cd any, _ int) {
	c := cd.(*client)
	readlen := protoIOBufLen
	if need := c.parser.Need(); need >= protoMbulkBigArg {
		// A big argument is on its way: read more of it at once, but
		// only as much as can arrive soon.
		readlen = min(need, maxBigArgRead)
	}
	c.reserveQuery(readlen)
	n, err := unix.Read(fd, c.querybuf[len(c.querybuf):len(c.querybuf)+readlen])
	if n < 0 || err != nil {
		if err == unix.EAGAIN || err == unix.EINTR {
			return
		}
		s.cfg.log.Debug("Reading from client", "addr", c.addr, "err", err)
		s.freeClient(c)
		return
	}
	if n == 0 {
		s.cfg.log.Debug("Client closed connection", "addr", c.addr)
		s.freeClient(c)
		return
	}
	c.querybuf = c.querybuf[:len(c.querybuf)+n]
	c.lastInteraction = s.mstime
	s.stats.netInputBytes += int64(n)
	if int64(len(c.querybuf)-c.qbpos) > s.cfg.clientQueryBufferLimit {
		s.cfg.log.Warn("Closing client that reached max query buffer length", "addr", c.addr, "qbuf", len(c.querybuf)-c.qbpos)
		s.freeClient(c)
		return
	}
	s.processInputBuffer(c)
}

// reserveQuery makes room for n more bytes at the end of querybuf, first
// by sliding the unparsed bytes to the front, then by growing.
func (c *client) reserveQuery(n int) {
	if cap(c.querybuf)-len(c.querybuf) >= n {
		return
	}
	if c.qbpos > 0 {
		c.querybuf = c.querybuf[:copy(c.querybuf, c.querybuf[c.qbpos:])]
		c.qbpos = 0
		if cap(c.querybuf)-len(c.querybuf) >= n {
			return
		}
	}
	grown := make([]byte, len(c.querybuf), max(2*cap(c.querybuf), len(c.querybuf)+n))
	copy(grown, c.querybuf)
	c.querybuf = grown
}

// processInputBuffer parses and runs every complete command in the query
// buffer (processInputBuffer).
func (s *server) processInputBuffer(c *client) {
	for c.qbpos < len(c.querybuf) && c.flags&(flagCloseAfterReply|flagCloseASAP) == 0 {
		c.parser.Unauthenticated = s.authRequired(c)
		argv, n, err := c.parser.Parse(c.querybuf[c.qbpos:])
		if err != nil {
			var pe *resp.ProtocolError
			if errors.As(err, &pe) {
				s.stats.protocolErrors++
				s.cfg.log.Debug("Protocol error from client", "addr", c.addr, "err", pe.Msg)
				c.addReplyError(pe.Msg)
			}
			// As Redis's setProtocolError: reply, then close; the rest of
			// the input is dropped.
			c.flags |= flagCloseAfterReply
			c.querybuf, c.qbpos = c.querybuf[:0], 0
			break
		}
		if n == 0 {
			break
		}
		c.qbpos += n
		if len(argv) == 0 {
			continue
		}
		c.argv = argv
		s.processCommand(c)
		c.argv = nil
		if c.flags&flagFreed != 0 {
			return
		}
	}
	if c.qbpos == len(c.querybuf) {
		c.querybuf, c.qbpos = c.querybuf[:0], 0
	}
	if c.pending() > 0 || c.flags&flagCloseAfterReply != 0 {
		s.queueWrite(c)
	}
}

// queueWrite puts c on the list written before the loop sleeps
// (putClientInPendingWriteQueue).
func (s *server) queueWrite(c *client) {
	if c.flags&(flagPendingWrite|flagWriteHandler) == 0 {
		c.flags |= flagPendingWrite
		s.pendingWrite = append(s.pendingWrite, c)
	}
}

// handleClientsWithPendingWrites writes to each client with replies
// queued, straight from the before-sleep hook; only a client left with
// output after that gets a writable handler.
func (s *server) handleClientsWithPendingWrites() {
	for i, c := range s.pendingWrite {
		s.pendingWrite[i] = nil
		c.flags &^= flagPendingWrite
		if c.flags&(flagFreed|flagCloseASAP) != 0 {
			continue
		}
		if !s.writeToClient(c, false) {
			continue
		}
		if c.pending() > 0 && c.flags&flagWriteHandler == 0 {
			if err := s.el.CreateFileEvent(c.fd, ae.Writable, s.onWrite, c); err != nil {
				s.freeClientAsync(c)
				continue
			}
			c.flags |= flagWriteHandler
		}
	}
	s.pendingWrite = s.pendingWrite[:0]
}

// sendReplyToClient is the writable handler.
func (s *server) sendReplyToClient(el *ae.EventLoop, fd int, cd any, _ int) {
	s.writeToClient(cd.(*client), true)
}

// writeToClient writes up to netMaxWritesPerEvent bytes (writeToClient).
// It reports false when the client was freed.
func (s *server) writeToClient(c *client, handlerInstalled bool) bool {
	written := 0
	for c.pending() > 0 && written < netMaxWritesPerEvent {
		n, err := unix.Write(c.fd, c.buf[c.sentlen:])
		if n > 0 {
			c.sentlen += n
			written += n
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			break
		}
		if err != nil {
			s.cfg.log.Debug("Error writing to client", "addr", c.addr, "err", err)
			s.freeClientAsync(c)
			return false
		}
	}
	s.stats.netOutputBytes += int64(written)
	if c.pending() > 0 {
		return true
	}
	c.buf, c.sentlen = c.buf[:0], 0
	if cap(c.buf) > idleBufCap {
		c.buf = nil
	}
	if c.flags&flagWriteHandler != 0 {
		s.el.DeleteFileEvent(c.fd, ae.Writable)
		c.flags &^= flagWriteHandler
	}
	if c.flags&flagCloseAfterReply != 0 {
		s.freeClientAsync(c)
		return false
	}
	return true
}

// freeClientAsync schedules c to be freed before the loop sleeps, for
// code that may still hold it up the stack (freeClientAsync).
func (s *server) freeClientAsync(c *client) {
	if c.flags&(flagFreed|flagCloseASAP) != 0 {
		return
	}
	c.flags |= flagCloseASAP
	s.toClose = append(s.toClose, c)
}

func (s *server) freeClientsInAsyncFreeQueue() {
	for i, c := range s.toClose {
		s.toClose[i] = nil
		s.freeClient(c)
	}
	s.toClose = s.toClose[:0]
}

// freeClient closes c at once (freeClient). Lists that still hold it see
// flagFreed and skip it.
func (s *server) freeClient(c *client) {
	if c.flags&flagFreed != 0 {
		return
	}
	c.flags |= flagFreed
	s.el.DeleteFileEvent(c.fd, ae.Readable|ae.Writable)
	unix.Close(c.fd)
	s.clients[c.fd] = nil
	s.numClients--
	c.fd = -1
	c.querybuf, c.buf, c.argv = nil, nil, nil
}

// clientsCron visits a slice of the clients each call so that all are seen
// about once a second (clientsCron): it closes those idle past --timeout
// and gives back the query buffer of idle ones.
func (s *server) clientsCron() {
	numclients := len(s.clients)
	iterations := numclients / s.cfg.hz
	if iterations < 5 {
		iterations = min(numclients, 5)
	}
	for ; iterations > 0; iterations-- {
		s.cronClient = (s.cronClient + 1) % numclients
		c := s.clients[s.cronClient]
		if c == nil {
			continue
		}
		idle := s.mstime - c.lastInteraction
		if s.cfg.timeout > 0 && idle/1000 > int64(s.cfg.timeout) {
			s.cfg.log.Debug("Closing idle client", "addr", c.addr)
			s.freeClient(c)
			continue
		}
		// clientsCronResizeQueryBuffer: an idle client keeps no buffer.
		if c.qbpos == len(c.querybuf) && idle > 2000 {
			c.querybuf, c.qbpos = nil, 0
		}
	}
}

// Reply helpers (addReply*): append to the client's output buffer.

func (c *client) addReply(s string)                 { c.buf = append(c.buf, s...) }
func (c *client) addReplyBulk(b []byte)             { c.buf = resp.AppendBulk(c.buf, b) }
func (c *client) addReplyBulkString(s string)       { c.buf = resp.AppendBulkString(c.buf, s) }
func (c *client) addReplyInt(n int64)               { c.buf = resp.AppendInt(c.buf, n) }
func (c *client) addReplyArrayLen(n int)            { c.buf = resp.AppendArrayLen(c.buf, n) }
func (c *client) addReplyNull()                     { c.buf = append(c.buf, resp.NullBulk...) }
func (c *client) addReplyStatus(s string)           { c.buf = resp.AppendSimpleString(c.buf, s) }
func (c *client) addReplyError(msg string)          { c.buf = resp.AppendError(c.buf, msg) }
func (c *client) addReplyErrorf(f string, a ...any) { c.addReplyError(fmt.Sprintf(f, a...)) }
