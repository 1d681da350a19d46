package main

// The request path (nc_request.c): a request parsed from a client is
// answered here (PING, AUTH), split into fragments, or forwarded to the
// server its key maps to; the server connection sends its in queue with
// writev and moves what was sent to its out queue.

import (
	"errors"

	"github.com/goae/goae/connection"
)

// reqRecvDone is req_recv_done and req_forward for a whole request m read
// from c.
func (c *clientConn) reqRecvDone(m *msg) {
	ctx := c.pool.ctx
	p := c.pool
	if m.typ == msgQuit {
		// No reply; the connection closes once earlier replies are out.
		ctx.msgs.msgPut(m)
		c.quit = true
		return
	}
	if p.cp.redis && redisReply(c, m) {
		m.local, m.done = true, true
		c.outq.push(m)
		c.owed += len(m.buf) + msgCost
		c.sendReplies()
		return
	}
	if m.noreply {
		m.owner = nil
	} else {
		c.outq.push(m)
		c.owed += len(m.buf) + msgCost
	}
	if (p.cp.redis && redisFragmented(m)) || (!p.cp.redis && memcacheFragmented(m)) {
		ctx.reqFragment(m)
		return
	}
	idx := p.serverPoolIdx(m.buf[m.key.start:m.key.end])
	ctx.reqForward(m, idx)
}

// reqForward sends m to server idx of its pool (req_forward); a failure to
// get a connection fails the request with its errno (req_forward_error).
func (ctx *ncContext) reqForward(m *msg, idx int) {
	p := m.pool
	if idx < 0 {
		ctx.reqFail(m, econnrefused)
		return
	}
	s := p.servers[idx]
	sc, errno := s.serverConnGet()
	if errno != 0 {
		ctx.reqFail(m, errno)
		return
	}
	sc.enqueueInq(m)
	s.stats[srvRequests]++
	s.stats[srvRequestBytes] += int64(len(m.buf) + m.xbytes)
	if p.cp.timeout > 0 && !m.noreply {
		m.deadline = nowMs() + int64(p.cp.timeout)
		ctx.tmo.insert(m)
	}
}

// reqFail ends m with errno before it reached a server.
func (ctx *ncContext) reqFail(m *msg, errno int) {
	if m.noreply {
		ctx.msgs.msgPut(m)
		return
	}
	m.failed, m.errno = true, errno
	ctx.reqDone(m)
}

// reqFragment is msg_fragment: the keys of m grouped by server, in their
// order, each group sent as its own request.
func (ctx *ncContext) reqFragment(m *msg) {
	p := m.pool
	redis := p.cp.redis
	nkeys := len(m.args)
	if redis {
		nkeys = redisNumKeys(m)
	}
	ctx.srvFrag = ctx.srvFrag[:0]
	for range p.servers {
		ctx.srvFrag = append(ctx.srvFrag, -1)
	}
	m.keyFrag = m.keyFrag[:0]
	m.fragSrv = m.fragSrv[:0]
	for k := 0; k < nkeys; k++ {
		a := m.args[k]
		if redis {
			a = m.args[redisKeyArg(m, k)]
		}
		idx := p.serverPoolIdx(m.buf[a.start:a.end])
		if idx < 0 {
			ctx.reqFail(m, econnrefused)
			return
		}
		fi := ctx.srvFrag[idx]
		if fi < 0 {
			fi = len(m.fragSrv)
			ctx.srvFrag[idx] = fi
			m.fragSrv = append(m.fragSrv, idx)
		}
		m.keyFrag = append(m.keyFrag, fi)
	}
	for fi := range m.fragSrv {
		ctx.fragKeys = ctx.fragKeys[:0]
		for k, f := range m.keyFrag {
			if f == fi {
				ctx.fragKeys = append(ctx.fragKeys, k)
			}
		}
		f := ctx.msgs.msgGet()
		f.pool, f.parent, f.typ = p, m, m.typ
		if redis {
			redisFragmentAppend(f, m, ctx.fragKeys)
		} else {
			ctx.mcKeys = memcacheFragmentAppend(f, m, ctx.fragKeys, ctx.mcKeys)
		}
		m.frags = append(m.frags, f)
	}
	// nutcracker 0.5.0 describes a "fragments" counter but never
	// increments it (its documents always say 0, checked against the
	// binary by TestStatsShape); kept so, for monitoring that compares.
	frags := m.frags
	for fi, f := range frags {
		ctx.reqForward(f, m.fragSrv[fi])
	}
}

// enqueueInq is req_server_enqueue_imsgq: m waits on sc to be sent.
func (sc *serverConn) enqueueInq(m *msg) {
	m.inSrv, m.conn = true, sc
	sc.inq.push(m)
	sc.srv.stats[srvInQueue]++
	sc.srv.stats[srvInQueueBytes] += int64(len(m.buf))
	sc.schedule()
}

// schedule puts sc on the flush queue, written before the loop sleeps.
func (sc *serverConn) schedule() {
	if sc.queued || !sc.connected || sc.writing || sc.inq.len() == 0 {
		return
	}
	ctx := sc.srv.pool.ctx
	sc.queued = true
	ctx.flushq = append(ctx.flushq, sc)
}

// maxIovecs is NC_IOV_MAX: buffers per writev.
const maxIovecs = 128

// testWritev, when a test sets it, sees the buffers of each writev of
// reqSend (TestReqSendIovecs); nil otherwise.
var testWritev func(bufs [][]byte)

// reqSend is req_send / msg_send_chain: one writev of up to 128 queued
// requests (the unsent part of the first), then req_send_done for every
// request sent whole. A short write waits for the writable event.
func (sc *serverConn) reqSend() {
	if sc.closed || !sc.connected {
		return
	}
	ctx := sc.srv.pool.ctx
	s := sc.srv
	for sc.inq.len() > 0 {
		bufs := ctx.iovBufs[:0]
		q := sc.inq.q[sc.inq.head:]
		for i := 0; i < len(q) && i < maxIovecs; i++ {
			m := q[i]
			bufs = append(bufs, m.buf[m.sent:])
		}
		ctx.iovBufs = bufs
		if testWritev != nil {
			testWritev(bufs)
		}
		n, err := sc.c.WritevWith(bufs, &ctx.iov)
		clear(bufs)
		if err != nil && !errors.Is(err, connection.ErrWouldBlock) {
			s.stats[srvErr]++
			sc.serverClose(errnoOf(err))
			return
		}
		for n > 0 {
			m := sc.inq.peek()
			left := len(m.buf) - m.sent
			if n < left {
				m.sent += n
				break
			}
			n -= left
			m.sent = len(m.buf)
			sc.inq.pop()
			s.stats[srvInQueue]--
			s.stats[srvInQueueBytes] -= int64(len(m.buf))
			// req_send_done: noreply requests are done once sent.
			if m.noreply {
				m.inSrv = false
				ctx.msgs.msgPut(m)
				continue
			}
			sc.outq.push(m)
			s.stats[srvOutQueue]++
			s.stats[srvOutQueueBytes] += int64(len(m.buf))
		}
		if sc.inq.len() > 0 && (err != nil || len(bufs) < maxIovecs) {
			break // the socket is full
		}
	}
	want := sc.inq.len() > 0
	if want != sc.writing {
		sc.writing = want
		if want {
			sc.c.SetWriteHandler(sc.onWritable)
		} else {
			sc.c.SetWriteHandler(nil)
		}
	}
}

// onWritable is the server connection's writable handler (core_send).
func (sc *serverConn) onWritable(*connection.Conn) {
	sc.writing = false
	sc.c.SetWriteHandler(nil)
	sc.reqSend()
}
