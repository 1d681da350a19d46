package main

import (
	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"golang.org/x/sys/unix"
)

const (
	// maxWritePerEvent bounds the bytes written to one client per event
	// (NET_MAX_WRITES_PER_EVENT) so one greedy client cannot starve the
	// others.
	maxWritePerEvent = 64 * 1024
	// maxPendingOutput is how much unsent echo a client may have before
	// the server stops reading from it: a client that writes and never
	// reads gets back-pressure, not an unbounded buffer.
	maxPendingOutput = 1 << 20
	// idleBufCap is the output capacity kept by a drained client.
	idleBufCap = 16 * 1024
)

// conn is one client.
type conn struct {
	fd      int
	out     []byte // output; out[sent:] is still to be written
	sent    int
	queued  bool // in server.pending
	writing bool // writable handler installed
	paused  bool // read handler removed for back-pressure
}

func (c *conn) unsent() int { return len(c.out) - c.sent }

func (s *server) newConn(fd int) {
	if s.nconns >= s.cfg.maxClients {
		s.cfg.log.Warn("max number of clients reached, closing the new one", "maxclients", s.cfg.maxClients)
		unix.Close(fd)
		return
	}
	anet.EnableTCPNoDelay(fd)
	c := &conn{fd: fd}
	if err := s.el.CreateFileEvent(fd, ae.Readable, s.onRead, c); err != nil {
		s.cfg.log.Warn("registering client", "err", err)
		unix.Close(fd)
		return
	}
	s.conns[fd] = c
	s.nconns++
}

// readHandler reads once per event (readQueryFromClient) and queues the
// bytes to be echoed.
func (s *server) readHandler(el *ae.EventLoop, fd int, cd any, _ ae.Mask) {
	c := cd.(*conn)
	n, err := unix.Read(fd, s.readBuf[:])
	if n <= 0 {
		if n < 0 && (err == unix.EAGAIN || err == unix.EINTR) {
			return
		}
		s.freeConn(c) // EOF or error
		return
	}
	c.out = append(c.out, s.readBuf[:n]...)
	if !c.queued {
		c.queued = true
		s.pending = append(s.pending, c)
	}
	if c.unsent() > maxPendingOutput {
		el.DeleteFileEvent(fd, ae.Readable)
		c.paused = true
		s.stats.readPauses.Add(1)
	}
}

// writeHandler runs while output remains after a short write.
func (s *server) writeHandler(el *ae.EventLoop, fd int, cd any, _ ae.Mask) {
	c := cd.(*conn)
	if !s.writeToConn(c) {
		return
	}
	if c.unsent() == 0 {
		el.DeleteFileEvent(fd, ae.Writable)
		c.writing = false
	}
}

// writeToConn writes up to maxWritePerEvent bytes. It reports false when
// the client was freed on a write error.
func (s *server) writeToConn(c *conn) bool {
	written := 0
	for c.unsent() > 0 && written < maxWritePerEvent {
		chunk := c.out[c.sent:]
		if len(chunk) > maxWritePerEvent-written {
			chunk = chunk[:maxWritePerEvent-written]
		}
		n, err := unix.Write(c.fd, chunk)
		if n > 0 {
			c.sent += n
			written += n
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			break
		}
		if err != nil {
			s.freeConn(c)
			return false
		}
	}
	if c.unsent() == 0 {
		c.out, c.sent = c.out[:0], 0
		if cap(c.out) > idleBufCap {
			c.out = nil // give back what a burst grew
		}
		if c.paused {
			if err := s.el.CreateFileEvent(c.fd, ae.Readable, s.onRead, c); err != nil {
				s.freeConn(c)
				return false
			}
			c.paused = false
		}
	} else if c.sent > cap(c.out)/2 {
		// Slide the unsent tail down rather than let out grow forever.
		c.out = c.out[:copy(c.out, c.out[c.sent:])]
		c.sent = 0
	}
	return true
}

func (s *server) freeConn(c *conn) {
	if c.fd < 0 {
		return
	}
	s.el.DeleteFileEvent(c.fd, ae.Readable|ae.Writable)
	unix.Close(c.fd)
	s.conns[c.fd] = nil
	s.nconns--
	c.fd = -1
	c.out = nil
}
