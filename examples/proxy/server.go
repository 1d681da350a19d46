package main

// Pools and servers (nc_server.c): server_pool_init, the continuum and its
// rebuilds on ejection (server_pool_run, server_pool_update), the server
// connections (server_conn, server_connect, server_connected, server_close)
// and the failure accounting (server_failure, server_ok).

import (
	"errors"
	"io"
	"syscall"
	"time"

	"github.com/goae/goae/connection"
	"github.com/goae/goae/examples/proxy/hashkit"
	"golang.org/x/sys/unix"
)

// serverPool is struct server_pool.
type serverPool struct {
	ctx         *ncContext
	idx         int
	cp          *confPool
	servers     []*server
	hk          []hashkit.Server
	sel         hashkit.Selector
	nlive       int
	nextRebuild int64 // ms; 0: nothing ejected
	listener    *connection.Listener
	stats       [6]int64          // statsPoolCodec order
	sf          *sentinelFollower // sentinels: the link (sentinel.go)
}

// Pool and server metric indexes, in the codecs' order.
const (
	poolClientEOF = iota
	poolClientErr
	poolClientConnections
	poolServerEjects
	poolForwardError
	poolFragments
)

const (
	srvEOF = iota
	srvErr
	srvTimedout
	srvConnections
	srvEjectedAt
	srvRequests
	srvRequestBytes
	srvResponses
	srvResponseBytes
	srvInQueue
	srvInQueueBytes
	srvOutQueue
	srvOutQueueBytes
)

// server is struct server.
type server struct {
	pool         *serverPool
	idx          int
	cs           *confServer
	conns        []*serverConn
	rr           int
	nextRetry    int64 // ms; 0: live
	failureCount int
	stats        [13]int64 // statsServerCodec order
}

// serverPoolInit is server_pool_init for one pool.
func serverPoolInit(ctx *ncContext, idx int, cp *confPool) *serverPool {
	p := &serverPool{ctx: ctx, idx: idx, cp: cp}
	for i := range cp.servers {
		// A copy of its own: a sentinel (sentinel.go) re-points it, and
		// the loops of --threads share cp.
		cs := cp.servers[i]
		p.servers = append(p.servers, &server{pool: p, idx: i, cs: &cs})
	}
	p.hk = cp.hashkitServers()
	p.sel = hashkit.Selector{Hash: cp.hashFunc, HashTag: cp.hashTag}
	p.serverPoolRun(nowMs())
	return p
}

// serverPoolRun is server_pool_run: the continuum over the servers whose
// retry time has come (the others ejected); next_rebuild is the earliest
// retry time left.
func (p *serverPool) serverPoolRun(now int64) {
	p.nextRebuild = 0
	p.nlive = 0
	for i, s := range p.servers {
		if s.nextRetry > 0 && s.nextRetry <= now {
			s.nextRetry, s.failureCount = 0, 0
		}
		p.hk[i].Ejected = s.nextRetry > 0
		if s.nextRetry > 0 {
			if p.nextRebuild == 0 || s.nextRetry < p.nextRebuild {
				p.nextRebuild = s.nextRetry
			}
		} else {
			p.nlive++
		}
	}
	p.sel.Continuum = hashkit.New(p.cp.distribution, p.hk)
}

// serverPoolUpdate is server_pool_update: rebuild once an ejected server's
// retry time has passed.
func (p *serverPool) serverPoolUpdate() {
	if !p.cp.autoEjectHosts || p.nextRebuild == 0 {
		return
	}
	if now := nowMs(); now >= p.nextRebuild {
		p.serverPoolRun(now)
	}
}

// serverPoolIdx is server_pool_idx: the server for key, -1 if none is live.
func (p *serverPool) serverPoolIdx(key []byte) int {
	p.serverPoolUpdate()
	if p.nlive == 0 {
		return -1
	}
	return p.sel.Index(key)
}

// serverPoolPreconnect is server_pool_preconnect.
func (p *serverPool) serverPoolPreconnect() {
	if !p.cp.preconnect {
		return
	}
	for _, s := range p.servers {
		for len(s.conns) < p.cp.serverConnections {
			if _, errno := s.serverConnNew(); errno != 0 {
				break
			}
		}
	}
}

// serverFailure is server_failure: with auto_eject_hosts, a server whose
// consecutive failures reach server_failure_limit is ejected until
// server_retry_timeout has passed.
func (s *server) serverFailure() {
	p := s.pool
	if !p.cp.autoEjectHosts {
		return
	}
	s.failureCount++
	if s.failureCount < p.cp.serverFailureLimit {
		return
	}
	now := time.Now()
	s.nextRetry = now.UnixMilli() + int64(p.cp.serverRetryTimeout)
	s.stats[srvEjectedAt] = now.UnixMicro()
	p.stats[poolServerEjects]++
	s.failureCount = 0
	logf(p.ctx.log, logInfo, "update pool '%s' to delete server '%s' for next %d secs", p.cp.name, s.cs.name, p.cp.serverRetryTimeout/1000)
	p.serverPoolRun(now.UnixMilli())
}

// serverConn is a server connection (struct conn, server side).
type serverConn struct {
	srv       *server
	c         *connection.Conn
	connected bool
	closed    bool
	retired   bool // by a reload or a sentinel: closes once idle, no failure (reload.go)
	queued    bool // on the context's flush queue
	writing   bool // the writable handler is installed
	inq, outq msgQueue
	rbuf      []byte
}

func (sc *serverConn) fd() int { return sc.c.FD() }

// serverConnGet is server_conn: a connection to s, a new one while fewer
// than server_connections are open, else the next in turn.
func (s *server) serverConnGet() (*serverConn, int) {
	if len(s.conns) < s.pool.cp.serverConnections {
		return s.serverConnNew()
	}
	sc := s.conns[s.rr%len(s.conns)]
	s.rr++
	return sc, 0
}

// serverConnNew opens a connection (conn_get + server_connect). A failure
// known at once closes it and is returned as an errno.
func (s *server) serverConnNew() (*serverConn, int) {
	p := s.pool
	ctx := p.ctx
	sc := &serverConn{srv: s, c: connection.NewSocket(ctx.el)}
	s.conns = append(s.conns, sc)
	ctx.stats.totalConns++
	ctx.stats.currConns++
	s.stats[srvConnections]++
	if p.cp.redis && p.cp.redisAuth != "" {
		// redis_add_auth: AUTH goes ahead of the request that connects.
		m := ctx.msgs.msgGet()
		m.pool, m.typ, m.swallow = p, msgInternal, true
		m.buf = redisAuthCmd(m.buf[:0], p.cp.redisAuth)
		sc.enqueueInq(m)
	}
	var err error
	if s.cs.port == 0 {
		err = sc.c.ConnectUnix(s.cs.addrstr, sc.serverConnected)
	} else {
		err = sc.c.Connect(s.cs.addrstr, s.cs.port, connection.ConnectOptions{}, sc.serverConnected)
	}
	if err != nil {
		errno := errnoOf(err)
		s.stats[srvErr]++
		sc.serverClose(errno)
		return nil, errno
	}
	return sc, 0
}

// errnoOf is the errno of err, EINVAL when it has none.
func errnoOf(err error) int {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return int(errno)
	}
	if errors.Is(err, io.EOF) {
		return 0
	}
	return einval
}

// serverConnected is server_connected and the post_connect step
// (redis_post_connect: SELECT redis_db put first in the queue).
func (sc *serverConn) serverConnected(c *connection.Conn) {
	if sc.closed {
		return
	}
	if c.State() != connection.StateConnected {
		sc.srv.stats[srvErr]++
		sc.serverClose(errnoOf(c.LastError()))
		return
	}
	sc.connected = true
	p := sc.srv.pool
	if sc.srv.cs.port != 0 {
		c.EnableTCPNoDelay()
		if p.cp.tcpKeepalive {
			unix.SetsockoptInt(c.FD(), unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1)
		}
	}
	if p.cp.redis && p.cp.redisDB > 0 {
		m := p.ctx.msgs.msgGet()
		m.pool, m.typ, m.swallow = p, msgInternal, true
		m.buf = redisSelectCmd(m.buf[:0], p.cp.redisDB)
		m.inSrv, m.conn = true, sc
		sc.inq.pushFront(m)
		sc.srv.stats[srvInQueue]++
		sc.srv.stats[srvInQueueBytes] += int64(len(m.buf))
	}
	c.SetReadHandler(sc.rspRecv)
	sc.schedule()
}

// serverClose is server_close: every request queued or in flight on the
// connection fails with errno (internal ones are dropped), the connection
// closes and the server counts a failure.
func (sc *serverConn) serverClose(errno int) {
	if sc.closed {
		return
	}
	sc.closed = true
	s := sc.srv
	ctx := s.pool.ctx
	for sc.inq.len() > 0 {
		m := sc.inq.pop()
		s.stats[srvInQueue]--
		s.stats[srvInQueueBytes] -= int64(len(m.buf))
		sc.failReq(m, errno)
	}
	for sc.outq.len() > 0 {
		m := sc.outq.pop()
		s.stats[srvOutQueue]--
		s.stats[srvOutQueueBytes] -= int64(len(m.buf))
		sc.failReq(m, errno)
	}
	for i, x := range s.conns {
		if x == sc {
			s.conns = append(s.conns[:i], s.conns[i+1:]...)
			break
		}
	}
	if sc.rbuf != nil {
		ctx.mbufs.mbufPut(sc.rbuf)
		sc.rbuf = nil
	}
	s.stats[srvConnections]--
	ctx.stats.currConns--
	sc.c.Close()
	if !sc.retired {
		s.serverFailure()
	}
}

// failReq ends a request that will get no reply from this connection.
func (sc *serverConn) failReq(m *msg, errno int) {
	ctx := sc.srv.pool.ctx
	ctx.tmo.delete(m)
	m.inSrv = false
	if m.swallow || m.noreply {
		ctx.msgs.msgPut(m)
		return
	}
	m.failed, m.errno = true, errno
	ctx.reqDone(m)
}

// serverOK is server_ok: a reply resets the failure count.
func (s *server) serverOK() { s.failureCount = 0 }
