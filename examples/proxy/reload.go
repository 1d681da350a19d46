package main

// Configuration reload (an extension, not in nutcracker; twemproxy #6,
// #215): with --reload, SIGHUP re-reads the configuration file after
// reopening the log, and the proxy goes on with the new pools and servers
// without dropping a client connection.
//
// The file is read and validated as at startup (conf.go); a file that
// fails keeps the running configuration, and the reason is logged as -t
// would log it. Then each loop (threads.go) applies it to its own pools:
//
//   - A pool is matched to a running one by its listen address, as
//     written: it keeps the listener, its client connections and its
//     counters, and takes every other directive from the file (a new name,
//     hash, distribution, timeouts, servers, ...). Its clients' next
//     requests are routed by the new configuration. backlog and a unix
//     socket's permission apply to new listeners only. A client keeps the
//     AUTH state it has: one connected before redis_auth was added stays
//     authenticated, and a new or changed password applies to new clients
//     and to the next AUTH.
//   - A server is matched to a running one of its pool by name. Kept with
//     the same address, it keeps its connections, counters and ejection
//     state; with a new address, or removed, its connections are retired:
//     they take no new request, deliver the replies still owed, and close
//     once idle (a retired connection's close is no server failure). So a
//     request in flight during a reload is answered.
//   - A new pool binds its listener before anything changes: if a bind
//     fails, nothing is applied and the reason is logged. A pool whose
//     listen address is gone from the file stops listening; its connected
//     clients are served by its old servers until they leave. A pool that
//     would change between redis and memcache on the same address is
//     refused (the reload is not applied): the clients speak the old
//     protocol.
//   - A pool with sentinels (sentinel.go) keeps the addresses its
//     sentinels gave its servers, and opens a new link to the sentinels
//     of the file, which it asks again.
//   - The command line (-m, -s, -a, -i, --threads) is not re-read.

import (
	"io"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/examples/proxy/hashkit"
)

// reloadState is a context's part of the reload: the server connections
// retired and not yet closed.
type reloadState struct {
	retired []*serverConn
	reaping bool // the reaper time event is armed
}

// reloadTrigger is the SIGHUP path with --reload, on the first loop: read
// and validate the file, then apply it on every loop.
func reloadTrigger(ctx *ncContext, nci *instance) {
	log := ctx.log
	cf, err := confCreate(nci.confFilename, log, io.Discard)
	if err != nil {
		logError(log, "reload: configuration file '%s' is invalid, keeping the running configuration", nci.confFilename)
		return
	}
	if ctx.group == nil {
		ctx.reloadApply(cf)
		return
	}
	for _, c := range ctx.group.ctxs {
		if c == ctx {
			c.reloadApply(cf)
			continue
		}
		c.el.Post(func(*ae.EventLoop) { c.reloadApply(cf) })
	}
}

// reloadApply applies a valid configuration to the context's pools (see
// the file comment). It reports whether it was applied.
func (ctx *ncContext) reloadApply(cf *conf) bool {
	log := ctx.log
	byListen := make(map[string]*serverPool, len(ctx.pools))
	for _, p := range ctx.pools {
		byListen[p.cp.listen.pname] = p
	}
	// Check and bind first: nothing changes unless all of it can.
	pools := make([]*serverPool, len(cf.pools))
	var added []*serverPool
	fail := func(format string, args ...any) bool {
		for _, p := range added {
			if p.listener != nil {
				p.listener.Close()
				ctx.stats.currConns--
			}
		}
		logError(log, "reload: "+format+", keeping the running configuration", args...)
		return false
	}
	for i, cp := range cf.pools {
		if old := byListen[cp.listen.pname]; old != nil {
			if old.cp.redis != cp.redis {
				return fail("pool '%s' on '%s' would change protocol", cp.name, cp.listen.pname)
			}
			pools[i] = old
			continue
		}
		p := serverPoolInit(ctx, i, cp)
		if err := p.proxyInit(); err != nil {
			return fail("pool '%s' cannot listen on '%s': %s", cp.name, cp.listen.pname, strerror(err))
		}
		pools[i] = p
		added = append(added, p)
	}
	// Apply.
	kept := make(map[*serverPool]bool, len(pools))
	for i, p := range pools {
		kept[p] = true
		p.idx = i
		if p.cp != cf.pools[i] {
			p.sentinelStop()
			p.reconfigure(cf.pools[i])
			p.sentinelStart()
		}
	}
	for _, p := range ctx.pools {
		if kept[p] {
			continue
		}
		logf(log, logNotice, "reload: pool '%s' on '%s' is gone, its listener closed", p.cp.name, p.cp.listen.pname)
		p.sentinelStop()
		if p.listener != nil {
			p.listener.Close()
			p.listener = nil
			ctx.stats.currConns--
		}
	}
	ctx.pools = pools
	minTimeout := 0
	for _, p := range pools {
		if t := p.cp.timeout; t > 0 && (minTimeout == 0 || t < minTimeout) {
			minTimeout = t
		}
	}
	switch {
	case minTimeout > 0 && ctx.minTimeout == 0:
		ctx.minTimeout = minTimeout
		ctx.el.CreateTimeEvent(int64(minTimeout), func(*ae.EventLoop, int64, any) int { return ctx.coreTimeout() }, nil, nil)
	case minTimeout > 0:
		ctx.minTimeout = minTimeout
	}
	// With no timeout left the armed time event keeps its period; it only
	// finds the deadlines of requests sent before the reload.
	for _, p := range added {
		p.serverPoolPreconnect()
		p.sentinelStart()
	}
	ctx.stats.statsAggregate()
	ctx.reapRetired()
	logf(log, logNotice, "reload: configuration '%s' applied: %d pools", cf.fname, len(pools))
	return true
}

// reconfigure gives a running pool its new directives and servers: a
// server of the same name is kept (its connections retired if its address
// changed), the others are new, and the ring is rebuilt.
func (p *serverPool) reconfigure(cp *confPool) {
	old := make(map[string]*server, len(p.servers))
	for _, s := range p.servers {
		old[s.cs.name] = s
	}
	p.cp = cp
	servers := make([]*server, len(cp.servers))
	for i := range cp.servers {
		cs := cp.servers[i]
		s := old[cs.name]
		if s == nil {
			s = &server{pool: p}
		} else {
			delete(old, cs.name)
			if len(cp.sentinels) > 0 {
				// The address is the sentinels' (sentinel.go).
				cs.addrstr, cs.port = s.cs.addrstr, s.cs.port
			}
			if s.cs.addrstr != cs.addrstr || s.cs.port != cs.port {
				s.retireConns()
				s.nextRetry, s.failureCount = 0, 0
			}
		}
		s.idx, s.cs = i, &cs
		servers[i] = s
	}
	for _, s := range old {
		s.retireConns()
	}
	p.servers = servers
	p.hk = cp.hashkitServers()
	p.sel = hashkit.Selector{Hash: cp.hashFunc, HashTag: cp.hashTag}
	p.serverPoolRun(nowMs())
}

// retireConns takes s's connections out of service: no new request goes
// to them; each closes once it owes nothing (reapRetired).
func (s *server) retireConns() {
	ctx := s.pool.ctx
	for _, sc := range s.conns {
		sc.retired = true
		ctx.rl.retired = append(ctx.rl.retired, sc)
	}
	s.conns = s.conns[:0]
	s.rr = 0
}

// reapRetiredEvery is how often retired connections are looked at.
const reapRetiredEvery = 100 // ms

// reapRetired closes the retired connections that owe nothing, and keeps
// a time event armed while some are left.
func (ctx *ncContext) reapRetired() {
	ctx.reapPass()
	if len(ctx.rl.retired) == 0 || ctx.rl.reaping {
		return
	}
	ctx.rl.reaping = true
	ctx.el.CreateTimeEvent(reapRetiredEvery, func(*ae.EventLoop, int64, any) int {
		ctx.reapPass()
		if len(ctx.rl.retired) > 0 {
			return reapRetiredEvery
		}
		ctx.rl.reaping = false
		return ae.NoMore
	}, nil, nil)
}

// reapPass is one look at the retired connections.
func (ctx *ncContext) reapPass() {
	left := ctx.rl.retired[:0]
	for _, sc := range ctx.rl.retired {
		switch {
		case sc.closed:
		case sc.inq.len() == 0 && sc.outq.len() == 0:
			sc.serverClose(0)
		default:
			left = append(left, sc)
		}
	}
	clear(ctx.rl.retired[len(left):])
	ctx.rl.retired = left
}
