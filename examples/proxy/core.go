package main

// The core (nc_core.c): the context that holds the loop and every pool,
// core_start, the before-sleep work (server writes, client replies) and
// the timeout handling of core_timeout.

import (
	"fmt"
	"log/slog"
	"syscall"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/connection"
	"golang.org/x/sys/unix"
)

// ncContext is struct context: one loop serving every pool.
type ncContext struct {
	el  *ae.EventLoop
	wq  *connection.WriteQueue // client replies, written before the loop sleeps
	log *slog.Logger

	pools    []*serverPool
	msgs     msgPool
	mbufs    mbufPool
	keyLimit int // mbuf data size: a redis key this long is refused

	tmo        msgTmo // requests in flight by deadline
	minTimeout int    // the smallest pool timeout, ms (0: none)

	// Server connections with requests to write, flushed before sleep.
	flushq  []*serverConn
	iov     connection.Iovecs
	iovBufs [][]byte
	// Clients whose multi-get failed, closed before sleep (see
	// clientConn.failing).
	failq []*clientConn

	// Scratch reused by fragmenting and coalescing.
	cursors  []int
	srvFrag  []int
	fragKeys []int
	mcKeys   [][]byte

	// reply_errors scratch (replyerr.go).
	ref     refusal
	refArgv [][]byte

	maxClients int
	nClients   int

	// --threads (threads.go): this loop's index and its group, nil for
	// the only loop.
	loopIdx int
	group   *loopGroup

	rl    reloadState        // reload.go
	yield connection.Yielder // beforeSleep, see connection.ReserveProcs

	stats *statsCtx
}

// coreStart is core_start: pools, listeners, the stats listener, preconnect,
// on a loop of its own.
func coreStart(nci *instance, cf *conf, log *slog.Logger) (*ncContext, error) {
	el, err := ae.New(coreSetsize())
	if err != nil {
		return nil, err
	}
	ctx, err := coreStartOn(el, nci, cf, log, 0, nil)
	if err != nil {
		el.Close()
		return nil, err
	}
	return ctx, nil
}

// coreSetsize is the fds a loop may hold: what the limit allows, as
// nutcracker sizes its event base.
func coreSetsize() int {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		rl.Cur = 1024
	}
	return int(min(rl.Cur, 1<<20)) + 128
}

// coreStartOn is core_start on el, loop idx of group (nil: the only loop;
// see threads.go). The caller closes el if it fails.
func coreStartOn(el *ae.EventLoop, nci *instance, cf *conf, log *slog.Logger, idx int, group *loopGroup) (*ncContext, error) {
	ctx := &ncContext{log: log, loopIdx: idx, group: group}
	nloops := group.len()
	ctx.mbufs.size = nci.mbufChunkSize
	ctx.keyLimit = nci.mbufChunkSize - mbufHeader
	nserverConns := 0
	for _, cp := range cf.pools {
		nserverConns += cp.serverConnections*len(cp.servers) + 1
	}
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		rl.Cur = 1024
	}
	// core_calc_connections; with several loops each takes its share of
	// what is left once every loop's server connections are counted.
	ctx.maxClients = (int(rl.Cur) - nserverConns*nloops - 32) / nloops
	if ctx.maxClients <= 0 {
		logError(log, "core: cannot create a context, open file limit too low")
		return nil, fmt.Errorf("fd limit")
	}
	ctx.el = el
	ctx.wq = connection.NewWriteQueue(el)
	ctx.wq.OnWriteError = func(c *connection.Conn, err error) {
		if cl, ok := c.PrivateData().(*clientConn); ok {
			cl.closeNow(true)
		}
	}
	el.SetBeforeSleepProc(func(*ae.EventLoop) { ctx.beforeSleep() })
	for i, cp := range cf.pools {
		p := serverPoolInit(ctx, i, cp)
		ctx.pools = append(ctx.pools, p)
		if cp.timeout > 0 && (ctx.minTimeout == 0 || cp.timeout < ctx.minTimeout) {
			ctx.minTimeout = cp.timeout
		}
	}
	ctx.stats = statsCreate(ctx, nci)
	if err := ctx.stats.statsStart(nci); err != nil {
		return nil, err
	}
	for _, p := range ctx.pools {
		if err := p.proxyInit(); err != nil {
			return nil, err
		}
	}
	for _, p := range ctx.pools {
		p.serverPoolPreconnect()
		p.sentinelStart()
	}
	if ctx.minTimeout > 0 {
		el.CreateTimeEvent(int64(ctx.minTimeout), func(*ae.EventLoop, int64, any) int { return ctx.coreTimeout() }, nil, nil)
	}
	return ctx, nil
}

// nowMs is the clock the deadlines and retry times use.
func nowMs() int64 { return time.Now().UnixMilli() }

// beforeSleep writes the server connections' queued requests (one writev
// each), closes the clients whose multi-get failed, then writes the client
// replies (a failed client's last ones, then its close).
func (ctx *ncContext) beforeSleep() {
	for i := 0; i < len(ctx.flushq); i++ {
		sc := ctx.flushq[i]
		ctx.flushq[i] = nil
		sc.queued = false
		sc.reqSend()
	}
	ctx.flushq = ctx.flushq[:0]
	for i, cl := range ctx.failq {
		ctx.failq[i] = nil
		if !cl.closed {
			cl.release()
			cl.c.CloseAfterFlush()
		}
	}
	ctx.failq = ctx.failq[:0]
	ctx.wq.BeforeSleep()
	ctx.yield.Maybe()
}

// coreTimeout is core_timeout: every server connection whose oldest
// request is past its deadline is closed with ETIMEDOUT, failing all its
// requests. It returns the ms until it should run again.
func (ctx *ncContext) coreTimeout() int {
	now := nowMs()
	for {
		m := ctx.tmo.min()
		if m == nil {
			return ctx.minTimeout
		}
		if m.deadline > now {
			return int(min(m.deadline-now, int64(ctx.minTimeout)))
		}
		sc := m.conn
		logf(ctx.log, logInfo, "req %p on s %d timedout", m, sc.fd())
		sc.srv.stats[srvTimedout]++
		sc.serverClose(int(syscall.ETIMEDOUT))
	}
}

// einval and the other errnos the replies name.
const (
	einval       = int(syscall.EINVAL)
	econnrefused = int(syscall.ECONNREFUSED)
)

// errnoText is the reply text of errno: strerror's, "unknown" for none.
func errnoText(errno int) string {
	if errno == 0 {
		return "unknown"
	}
	return strerror(syscall.Errno(errno))
}
