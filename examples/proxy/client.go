package main

// Client connections (nc_client.c, with the client side of nc_request.c
// and nc_response.c): requests parsed from the client's bytes, replies
// written strictly in request order as soon as the head is ready, the
// close rules (EOF and QUIT after the owed replies; a failed multi-get
// after the write of its error, a protocol error at once, dropping the
// replies not yet in).

import (
	"errors"
	"io"

	"github.com/goae/goae/connection"
	"github.com/goae/goae/internal/mcproto"
)

// clientConn is a client connection (struct conn, client side).
type clientConn struct {
	pool   *serverPool
	c      *connection.Conn
	rbuf   []byte
	outq   msgQueue
	mc     mcproto.Parser
	authed bool
	eof    bool // the client half-closed: write what is owed, then close
	quit   bool // QUIT: write what is owed, then close, reading no more
	// failing: a multi-get of this client failed. nutcracker's
	// post_coalesce sets the client's err, and its next write event sends
	// the error with every reply then ready behind it and closes the
	// client, dropping the replies still at servers. Here the client is
	// not read any more, the replies done in this loop iteration are
	// appended, and beforeSleep closes it after the flush.
	failing bool
	closed  bool

	// owed is what the requests read and not yet answered cost (their
	// bytes and msgCost each); paused is set while it is past
	// clientOwedLimit and the client is not read.
	owed   int
	paused bool
}

// Bounds on what one client may make the proxy hold. nutcracker has
// neither: a client that pipelines without reading makes it queue every
// reply (and an mbuf chain per reply) until memory runs out.
const (
	// clientOwedLimit: past it the client is not read until the servers
	// have answered half of what it owes. This only delays the reading of
	// a client far ahead of the servers; nothing is dropped.
	clientOwedLimit = 16 << 20
	// clientOutputLimit: a reply is not queued on a client that has more
	// than this written to it and not read; the client is closed instead
	// (a client that reads what it asked for never gets there: one reply
	// of any size is still queued on a client that is caught up).
	clientOutputLimit = 64 << 20
	// msgCost is what a message costs beyond its bytes.
	msgCost = 256
)

// clientRecv is the client's read handler (req_recv, msg_recv with the
// parse loop of msg_parse).
func (cl *clientConn) clientRecv(c *connection.Conn) {
	p := cl.pool
	ctx := p.ctx
	_, err := ctx.mbufs.readInto(&cl.rbuf, c.Read)
	if err != nil {
		switch {
		case errors.Is(err, connection.ErrWouldBlock):
			return
		case errors.Is(err, io.EOF):
			p.stats[poolClientEOF]++
			cl.eof = true
			c.SetReadHandler(nil)
			ctx.mbufs.consume(&cl.rbuf, len(cl.rbuf))
			cl.closeIfDrained()
		default:
			p.stats[poolClientErr]++
			cl.closeNow(false)
		}
		return
	}
	off := 0
	for !cl.closed && !cl.quit && !cl.failing {
		b := cl.rbuf[off:]
		m := ctx.msgs.msgGet()
		m.pool, m.owner = p, cl
		var n int
		if p.cp.redis {
			n = redisParseReq(b, m, ctx.keyLimit)
		} else {
			n = memcacheParseReq(&cl.mc, b, m, cl.refusal())
		}
		if n == 0 {
			ctx.msgs.msgPut(m)
			break
		}
		if n < 0 && p.cp.replyErrors {
			// reply_errors: an error reply in its turn instead of the
			// close (replyerr.go).
			if n = cl.refuse(b, m); n > 0 {
				off += n
				continue
			}
		}
		if n == 0 {
			ctx.msgs.msgPut(m)
			break
		}
		if n < 0 {
			// A protocol error or an unsupported command: close without
			// a reply, dropping the replies still owed.
			ctx.msgs.msgPut(m)
			p.stats[poolClientErr]++
			cl.closeNow(false)
			return
		}
		m.buf = append(m.buf[:0], b[:n]...)
		off += n
		cl.reqRecvDone(m)
	}
	if cl.closed {
		return
	}
	if cl.quit || cl.failing {
		off = len(cl.rbuf) // later input is discarded
		c.SetReadHandler(nil)
	} else if cl.owed > clientOwedLimit && !cl.paused {
		cl.paused = true
		c.SetReadHandler(nil)
	}
	ctx.mbufs.consume(&cl.rbuf, off)
	cl.closeIfDrained()
}

// sendReplies is rsp_send: the replies at the head of the out queue that
// are ready, in order.
func (cl *clientConn) sendReplies() {
	if cl.closed {
		return
	}
	ctx := cl.pool.ctx
	for {
		m := cl.outq.peek()
		if m == nil || !m.done {
			break
		}
		cl.outq.pop()
		cl.owed -= len(m.buf) + msgCost
		if cl.c.Pending() > clientOutputLimit {
			logf(ctx.log, logWarn, "client %d has %d bytes of replies it does not read, more than %d: closing it", cl.c.FD(), cl.c.Pending(), clientOutputLimit)
			ctx.msgs.msgPut(m)
			cl.pool.stats[poolClientErr]++
			cl.closeNow(false)
			return
		}
		rsp, isErr, closeAfter := ctx.rspReply(m)
		if isErr {
			cl.pool.stats[poolForwardError]++
		}
		cl.c.Append(rsp)
		ctx.msgs.msgPut(m)
		if closeAfter && !cl.failing {
			// nutcracker closes it as a client error (client_err).
			cl.pool.stats[poolClientErr]++
			cl.failing = true
			ctx.failq = append(ctx.failq, cl)
			cl.c.SetReadHandler(nil)
		}
	}
	if cl.failing {
		return
	}
	if cl.paused && cl.owed <= clientOwedLimit/2 {
		cl.paused = false
		if !cl.eof && !cl.quit {
			cl.c.SetReadHandler(cl.clientRecv)
		}
	}
	cl.closeIfDrained()
}

// closeIfDrained closes a client that asked to go (EOF, QUIT) once nothing
// is owed, after its output is written.
func (cl *clientConn) closeIfDrained() {
	if cl.closed || !(cl.eof || cl.quit) || cl.outq.len() > 0 {
		return
	}
	cl.release()
	cl.c.CloseAfterFlush()
}

// closeNow is client_close: at once, dropping what is owed; requests still
// at servers are freed when their replies come. fromQueue marks a close
// the write queue already made.
func (cl *clientConn) closeNow(fromQueue bool) {
	if cl.closed {
		return
	}
	cl.release()
	if !fromQueue {
		cl.c.Close()
	}
}

// release is client_close's bookkeeping.
func (cl *clientConn) release() {
	cl.closed = true
	p := cl.pool
	ctx := p.ctx
	for cl.outq.len() > 0 {
		m := cl.outq.pop()
		m.owner = nil
		if m.done {
			ctx.msgs.msgPut(m)
		}
	}
	if cl.rbuf != nil {
		ctx.mbufs.mbufPut(cl.rbuf)
		cl.rbuf = nil
	}
	cl.mc.Release()
	p.stats[poolClientConnections]--
	ctx.nClients--
	ctx.stats.currConns--
}
