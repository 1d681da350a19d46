package main

// The listening side of a pool (nc_proxy.c): proxy_init binds the pool's
// listen address (tcp, or a unix socket with its permission) and
// proxy_accept wraps each new client.

import (
	"fmt"
	"os"

	"github.com/goae/goae/connection"
)

// proxyInit is proxy_init / proxy_listen.
func (p *serverPool) proxyInit() error {
	ctx := p.ctx
	l := &p.cp.listen
	cfg := connection.ListenConfig{Backlog: p.cp.backlog, Log: nil, ReusePort: ctx.group != nil}
	network, addr := "tcp", fmt.Sprintf("%s:%d", l.name, l.port)
	if l.port == 0 && len(l.name) > 0 && l.name[0] == '/' {
		if ctx.loopIdx > 0 {
			return nil // --threads: a unix socket is served by the first loop alone
		}
		network, addr = "unix", l.name
		os.Remove(l.name) // proxy_reuse unlinks a stale socket file
		if l.hasPerm {
			cfg.UnixPerm = l.perm
		}
	} else if ta, ok := l.addr.(interface{ String() string }); ok {
		addr = ta.String()
	}
	ln, err := connection.Listen(ctx.el, network, addr, cfg, p.proxyAccept)
	if err != nil {
		logError(ctx.log, "listen on p %d '%.*s' failed: %s", -1, len(l.pname), l.pname, strerror(err))
		return err
	}
	p.listener = ln
	ctx.stats.totalConns++
	ctx.stats.currConns++
	logf(ctx.log, logNotice, "p %d listening on '%.*s' in %s pool %d '%.*s' with %d servers", ln.FD(), len(l.pname), l.pname,
		map[bool]string{true: "redis", false: "memcache"}[p.cp.redis], p.idx, len(p.cp.name), p.cp.name, len(p.servers))
	return nil
}

// proxyAccept is proxy_accept for one new client.
func (p *serverPool) proxyAccept(c *connection.Conn, ip string, port int) {
	ctx := p.ctx
	ctx.stats.totalConns++
	if ctx.nClients >= ctx.maxClients {
		logf(ctx.log, logCrit, "client connections %d exceed limit %d", ctx.nClients, ctx.maxClients)
		c.Close()
		return
	}
	cl := &clientConn{pool: p, c: c}
	cl.authed = p.cp.redisAuth == ""
	if p.listener != nil && !p.listener.Unix() {
		c.EnableTCPNoDelay()
	}
	c.SetWriteQueue(ctx.wq)
	c.SetPrivateData(cl)
	c.SetReadHandler(cl.clientRecv)
	ctx.nClients++
	ctx.stats.currConns++
	p.stats[poolClientConnections]++
	c.Accept(nil)
}
