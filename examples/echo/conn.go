package main

import (
	"github.com/goae/goae/connection"
)

// maxPendingOutput is how much unsent echo a client may have before the
// server stops reading from it: a client that writes and never reads gets
// back-pressure, not an unbounded buffer.
const maxPendingOutput = 1 << 20

// conn is one client: its connection and whether its reads are paused.
type conn struct {
	cn     *connection.Conn
	fd     int
	paused bool // read handler removed for back-pressure
}

// unsent is the echo still to be written.
func (c *conn) unsent() int { return c.cn.Pending() }

// newConn takes an accepted connection (acceptCommonHandler): refused
// past maxclients, else registered for reading.
func (s *server) newConn(cn *connection.Conn) {
	if s.cfg.clients.Add(1) > int64(s.cfg.maxClients) {
		s.cfg.clients.Add(-1)
		s.cfg.log.Warn("max number of clients reached, closing the new one", "maxclients", s.cfg.maxClients)
		cn.Close()
		return
	}
	cn.EnableTCPNoDelay()
	c := &conn{cn: cn, fd: cn.FD()}
	cn.SetPrivateData(c)
	cn.SetWriteQueue(s.q)
	if err := cn.SetReadHandler(s.onRead); err != nil {
		s.cfg.log.Warn("registering client", "err", err)
		s.cfg.clients.Add(-1)
		cn.Close()
		return
	}
	if err := cn.Accept(nil); err != nil {
		s.cfg.clients.Add(-1)
		return
	}
	s.conns[c.fd] = c
	s.nconns++
}

// readHandler reads once per event (readQueryFromClient) and queues the
// bytes to be echoed; the write queue writes them before the loop sleeps.
func (s *server) readHandler(cn *connection.Conn) {
	c := cn.PrivateData().(*conn)
	n, err := cn.Read(s.readBuf[:])
	if err == connection.ErrWouldBlock {
		return
	}
	if err != nil {
		s.freeConn(c) // EOF or error
		return
	}
	cn.Append(s.readBuf[:n])
	if c.unsent() > maxPendingOutput {
		cn.SetReadHandler(nil)
		c.paused = true
		s.stats.readPauses.Add(1)
	}
}

// drained runs when a client's output is all written after a short
// write: a paused client is read again.
func (s *server) drained(cn *connection.Conn) {
	c := cn.PrivateData().(*conn)
	if c.paused {
		if err := cn.SetReadHandler(s.onRead); err != nil {
			s.freeConn(c)
			return
		}
		c.paused = false
	}
}

func (s *server) freeConn(c *conn) {
	if c.fd < 0 {
		return
	}
	s.conns[c.fd] = nil
	s.nconns--
	s.cfg.clients.Add(-1)
	c.fd = -1
	c.cn.Close()
}
