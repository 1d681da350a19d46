package main

// The response path (nc_response.c): replies read from a server
// connection, matched in order to the requests of its out queue
// (rsp_recv_done, rsp_forward), and a request's end (req_done), which
// completes a fragmented parent once every fragment is in and lets the
// client write what is ready.

import (
	"errors"
	"io"

	"github.com/goae/goae/connection"
)

// rspRecv is the server connection's read handler (rsp_recv).
func (sc *serverConn) rspRecv(c *connection.Conn) {
	s := sc.srv
	ctx := s.pool.ctx
	_, err := ctx.mbufs.readInto(&sc.rbuf, c.Read)
	if err != nil {
		switch {
		case errors.Is(err, connection.ErrWouldBlock):
			return
		case errors.Is(err, io.EOF):
			logf(ctx.log, logInfo, "s %d active %d is done", c.FD(), sc.outq.len())
			s.stats[srvEOF]++
			sc.serverClose(0)
		default:
			s.stats[srvErr]++
			sc.serverClose(errnoOf(err))
		}
		return
	}
	redis := s.pool.cp.redis
	off := 0
	for !sc.closed {
		b := sc.rbuf[off:]
		var n int
		if redis {
			n = redisParseRsp(b)
		} else {
			n = memcacheParseRsp(b)
		}
		if n == 0 {
			break
		}
		if n < 0 || sc.outq.len() == 0 {
			// A reply that cannot be parsed, or one nothing asked for.
			s.stats[srvErr]++
			sc.serverClose(einval)
			return
		}
		rsp := b[:n]
		off += n
		if redis && redisFailure(rsp) {
			s.stats[srvErr]++
			sc.serverClose(einval)
			return
		}
		sc.rspForward(rsp)
	}
	if !sc.closed {
		ctx.mbufs.consume(&sc.rbuf, off)
	}
}

// rspForward is rsp_forward: the reply belongs to the head of the out
// queue.
func (sc *serverConn) rspForward(rsp []byte) {
	s := sc.srv
	ctx := s.pool.ctx
	m := sc.outq.pop()
	s.stats[srvOutQueue]--
	s.stats[srvOutQueueBytes] -= int64(len(m.buf))
	// nutcracker counts a reply only when it is forwarded: not one that is
	// swallowed (to AUTH and SELECT, or for a client that has gone).
	owner := m.owner
	if m.parent != nil {
		owner = m.parent.owner
	}
	if !m.swallow && owner != nil {
		s.stats[srvResponses]++
		s.stats[srvResponseBytes] += int64(len(rsp))
	}
	s.serverOK()
	ctx.tmo.delete(m)
	m.inSrv = false
	if m.swallow {
		if len(rsp) > 0 && rsp[0] == '-' {
			logError(ctx.log, "swallow rsp '%.*s' on s %d", len(rsp)-2, rsp, sc.fd())
		}
		ctx.msgs.msgPut(m)
		return
	}
	m.rsp = append(m.rsp[:0], rsp...)
	ctx.reqDone(m)
}

// reqDone ends request m (its reply in, or failed): a fragment completes
// its parent once all are in; then the client writes what is ready, or,
// the client gone, the message is freed.
func (ctx *ncContext) reqDone(m *msg) {
	m.done = true
	if p := m.parent; p != nil {
		p.nfragDone++
		if p.nfragDone < len(p.frags) {
			return
		}
		m = p
		m.done = true
	}
	if m.owner == nil {
		ctx.msgs.msgPut(m)
		return
	}
	m.owner.sendReplies()
}

// rspReply is the reply of a done request m (rsp_send_next's choice): an
// error for a failed request or fragment, the coalesced reply of a
// fragmented one, else the server's or the proxy's. It reports an error
// reply that closes the client after it is written (nutcracker closes a
// client whose MGET or multi-get failed).
func (ctx *ncContext) rspReply(m *msg) (rsp []byte, isErr, closeAfter bool) {
	redis := m.pool.cp.redis
	failed, errno := m.failed, m.errno
	for _, f := range m.frags {
		if !failed && f.failed {
			failed, errno = true, f.errno
		}
	}
	fragmented := len(m.frags) > 0
	multiGet := m.typ == msgMget || m.typ == msgMcGet || m.typ == msgMcGets
	if failed {
		// split: a multi-key get, fragmented or failed before its
		// fragments were made (no server live): nutcracker closes the
		// client after the error in both cases
		// (TestTransientFailureInterop).
		split := (redis && redisFragmented(m)) || (!redis && memcacheFragmented(m))
		if redis {
			m.rsp = redisErrorReply(m.rsp[:0], errno)
		} else {
			m.rsp = memcacheServerError(m.rsp[:0], errno)
		}
		return m.rsp, true, split && multiGet
	}
	if fragmented {
		var bad bool
		if redis {
			ctx.cursors, bad = redisCoalesce(m, ctx.cursors)
		} else {
			ctx.cursors, bad = memcacheCoalesce(m, ctx.cursors)
		}
		return m.rsp, bad, bad && multiGet && !fragErrorReplies(m, redis)
	}
	return m.rsp, false, false
}

// fragErrorReplies reports whether the fragments of a multi-get that do
// not fit are all error replies of the backend ("-NOAUTH ...", "-READONLY
// ...", "SERVER_ERROR out of memory", "CLIENT_ERROR ..."): nutcracker
// answers "Invalid argument" then and keeps the client, where a reply of
// another type ("+OK", "$1", a short "*") closes it after the error
// (TestFragmentErrorReplyInterop).
func fragErrorReplies(m *msg, redis bool) bool {
	errs := false
	for _, f := range m.frags {
		r := f.rsp
		switch {
		case redis && hasPrefix(r, "-"), !redis && (hasPrefix(r, "SERVER_ERROR ") || hasPrefix(r, "CLIENT_ERROR ")):
			errs = true
		case redis && hasPrefix(r, "*"), !redis && (hasPrefix(r, "VALUE ") || hasPrefix(r, "END\r\n")):
		default:
			return false
		}
	}
	return errs
}
