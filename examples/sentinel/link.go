package main

// The links to the instances (sentinel.c's instanceLink): a command
// connection to every instance and a pub/sub one to masters and replicas,
// both redisasync contexts on the sentinel's loop. Links to one sentinel
// seen under several masters are shared by refcount.

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"github.com/goae/goae/internal/redisasync"
)

// helloChannel is SENTINEL_HELLO_CHANNEL.
const helloChannel = "__sentinel__:hello"

// instanceLink is sentinel.c's.
type instanceLink struct {
	refcount        int
	disconnected    bool
	pendingCommands int
	cc, pc          *redisasync.Context

	ccConnTime     int64 // cc connection time
	pcConnTime     int64
	pcLastActivity int64 // last time anything came on pc
	lastAvailTime  int64 // last valid PING reply
	actPingTime    int64 // time of the oldest PING not answered, 0 if none
	lastPingTime   int64 // last PING sent
	lastPongTime   int64 // last PING reply of any kind
	lastReconnTime int64
}

// createInstanceLink is sentinel.c's: disconnected, with the ping times
// set to now so that an instance never reached times out.
func (s *sentinelState) createInstanceLink() *instanceLink {
	now := s.mstime()
	return &instanceLink{
		refcount:      1,
		disconnected:  true,
		actPingTime:   now,
		lastAvailTime: now,
		lastPongTime:  now,
	}
}

// instanceLinkCloseConnection is sentinel.c's: free one of the link's
// contexts (nil is a no-op); its pending callbacks get nil replies and,
// with the context's data cleared, do nothing.
func (s *sentinelState) instanceLinkCloseConnection(link *instanceLink, c *redisasync.Context) {
	if c == nil {
		return
	}
	if link.cc == c {
		link.cc = nil
		link.pendingCommands = 0
	}
	if link.pc == c {
		link.pc = nil
	}
	c.SetData(nil)
	link.disconnected = true
	c.Free()
}

// releaseInstanceLink is sentinel.c's: drop one reference; the last one
// closes the connections. With references left, the callbacks ri queued
// become no-ops (sentinelDiscardReplyCallback) through ri.released.
func (s *sentinelState) releaseInstanceLink(link *instanceLink, ri *sentinelRedisInstance) {
	link.refcount--
	if link.refcount != 0 {
		return
	}
	s.instanceLinkCloseConnection(link, link.cc)
	s.instanceLinkCloseConnection(link, link.pc)
}

// sentinelTryConnectionSharing is sentinel.c's: a sentinel also known under
// another master uses the link already made to it.
func (s *sentinelState) sentinelTryConnectionSharing(ri *sentinelRedisInstance) bool {
	if ri.runid == "" || ri.link.refcount > 1 {
		return false
	}
	for _, master := range s.masters.list {
		if master == ri.master {
			continue
		}
		match := getSentinelRedisInstanceByAddrAndRunID(master.sentinels, "", 0, ri.runid)
		if match == nil || match == ri {
			continue
		}
		s.releaseInstanceLink(ri.link, nil)
		ri.link = match.link
		match.link.refcount++
		return true
	}
	return false
}

// sentinelUpdateSentinelAddressInAllMasters is sentinel.c's: after ri's
// address changed, the same sentinel under the other masters takes the
// new address, their links closed, with +sentinel-address-update.
func (s *sentinelState) sentinelUpdateSentinelAddressInAllMasters(ri *sentinelRedisInstance) int {
	reconfigured := 0
	for _, master := range s.masters.list {
		match := getSentinelRedisInstanceByAddrAndRunID(master.sentinels, "", 0, ri.runid)
		if match == nil {
			continue
		}
		s.instanceLinkCloseConnection(match.link, match.link.cc)
		s.instanceLinkCloseConnection(match.link, match.link.pc)
		if match == ri {
			continue
		}
		match.addr = ri.addr
		reconfigured++
	}
	if reconfigured > 0 {
		s.sentinelEvent(llNotice, "+sentinel-address-update", ri, "%@ %d additional matching instances", reconfigured)
	}
	return reconfigured
}

// instanceLinkConnectionError is sentinel.c's: a context that failed or
// went away leaves the link disconnected.
func instanceLinkConnectionError(c *redisasync.Context) {
	link, _ := c.Data().(*instanceLink)
	if link == nil {
		return
	}
	if link.pc == c {
		link.pc = nil
	} else if link.cc == c {
		link.cc = nil
		link.pendingCommands = 0
	}
	link.disconnected = true
}

// sentinelLinkEstablishedCallback is sentinel.c's.
func sentinelLinkEstablishedCallback(c *redisasync.Context, err error) {
	if err != nil {
		instanceLinkConnectionError(c)
	}
}

// sentinelDisconnectCallback is sentinel.c's.
func sentinelDisconnectCallback(c *redisasync.Context, err error) { instanceLinkConnectionError(c) }

// sentinelInstanceMapCommand is sentinel.c's: a command name as the
// master's rename-command table has it (sentinels have none).
func sentinelInstanceMapCommand(ri *sentinelRedisInstance, command string) string {
	if ri.flags&sriSentinel != 0 {
		return command
	}
	m := masterOf(ri)
	if m == nil || m.cfg == nil {
		return command
	}
	for _, rc := range m.cfg.renamedCommands {
		if equalFoldString(rc.oldName, command) {
			return rc.newName
		}
	}
	return command
}

// linkCommand sends a command on one of ri's contexts with fn as its
// callback, counting it pending; it reports whether it was queued.
func (s *sentinelState) linkCommand(ri *sentinelRedisInstance, c *redisasync.Context, fn replyHandler, args ...string) bool {
	if c == nil {
		return false
	}
	if err := c.CommandString(s.replyCallback(fn), ri, args...); err != nil {
		return false
	}
	ri.link.pendingCommands++
	return true
}

// replyHandler is a reply callback with its instance and link found: it
// runs only for a live instance on a live link, after the pending count
// was decremented.
type replyHandler func(s *sentinelState, ri *sentinelRedisInstance, link *instanceLink, r *redisasync.Reply)

// replyCallback wraps a replyHandler as Redis's callbacks begin: no reply
// or no link, nothing; otherwise one command less pending; a released
// instance stops there (sentinelDiscardReplyCallback).
func (s *sentinelState) replyCallback(fn replyHandler) redisasync.Callback {
	return func(c *redisasync.Context, r *redisasync.Reply, priv any) {
		link, _ := c.Data().(*instanceLink)
		if r == nil || link == nil {
			return
		}
		link.pendingCommands--
		ri := priv.(*sentinelRedisInstance)
		if ri.released || fn == nil {
			return
		}
		fn(s, ri, link, r)
	}
}

// sentinelSendAuthIfNeeded is sentinel.c's: masters and replicas use the
// master's auth-pass (and auth-user); sentinels sentinel-pass and
// sentinel-user, else this sentinel's own requirepass.
func (s *sentinelState) sentinelSendAuthIfNeeded(ri *sentinelRedisInstance, c *redisasync.Context) {
	var pass, user *string
	switch {
	case ri.flags&sriSentinel != 0:
		if s.cfg.sentinelAuthPass != "" {
			pass = &s.cfg.sentinelAuthPass
			if s.cfg.sentinelAuthUser != "" {
				user = &s.cfg.sentinelAuthUser
			}
		} else {
			pass = s.cfg.requirepass
		}
	default:
		m := masterOf(ri)
		pass, user = m.cfg.authPass, m.cfg.authUser
	}
	switch {
	case pass != nil && user == nil:
		s.linkCommand(ri, c, nil, sentinelInstanceMapCommand(ri, "AUTH"), *pass)
	case pass != nil:
		s.linkCommand(ri, c, nil, sentinelInstanceMapCommand(ri, "AUTH"), *user, *pass)
	}
}

// sentinelSetClientName is sentinel.c's: CLIENT SETNAME
// sentinel-<first 8 of myid>-<cmd|pubsub>.
func (s *sentinelState) sentinelSetClientName(ri *sentinelRedisInstance, c *redisasync.Context, typ string) {
	name := fmt.Sprintf("sentinel-%.8s-%s", s.cfg.myid, typ)
	s.linkCommand(ri, c, nil, sentinelInstanceMapCommand(ri, "CLIENT"), "SETNAME", name)
}

// connectLink starts a context to ri for the link (redisAsyncConnectBind
// with the bind source address Redis uses, none here).
func (s *sentinelState) connectLink(ri *sentinelRedisInstance, link *instanceLink, event string) *redisasync.Context {
	c, err := redisasync.Connect(s.el, ri.addr.ip, ri.addr.port, redisasync.Options{})
	if err != nil {
		s.sentinelEvent(llDebug, event, ri, "%@ #%s", err.Error())
		return nil
	}
	c.SetData(link)
	c.SetConnectCallback(sentinelLinkEstablishedCallback)
	c.SetDisconnectCallback(sentinelDisconnectCallback)
	return c
}

// sentinelReconnectInstance is sentinel.c's: at most once per ping period,
// (re)create the missing contexts, queue AUTH, CLIENT SETNAME and PING (or
// SUBSCRIBE on pc) before the connect completes, and mark the link
// connected once it has what it needs.
func (s *sentinelState) sentinelReconnectInstance(ri *sentinelRedisInstance) {
	link := ri.link
	if !link.disconnected || ri.addr.port == 0 {
		return
	}
	now := s.mstime()
	if now-link.lastReconnTime < s.timers.pingPeriod {
		return
	}
	link.lastReconnTime = now

	if link.cc == nil {
		if s.cfg.resolveHostnames {
			s.refreshInstanceAddr(ri)
		}
		c := s.connectLink(ri, link, "-cmd-link-reconnection")
		if c == nil {
			return
		}
		link.cc = c
		link.pendingCommands = 0
		link.ccConnTime = s.mstime()
		s.sentinelSendAuthIfNeeded(ri, c)
		s.sentinelSetClientName(ri, c, "cmd")
		s.sentinelSendPing(ri)
	}
	if ri.flags&(sriMaster|sriSlave) != 0 && link.pc == nil {
		c := s.connectLink(ri, link, "-pubsub-link-reconnection")
		if c == nil {
			return
		}
		link.pc = c
		link.pcConnTime = s.mstime()
		s.sentinelSendAuthIfNeeded(ri, c)
		s.sentinelSetClientName(ri, c, "pubsub")
		err := c.CommandString(s.sentinelReceiveHelloMessages, ri, sentinelInstanceMapCommand(ri, "SUBSCRIBE"), helloChannel)
		if err != nil {
			s.instanceLinkCloseConnection(link, c)
			return
		}
	}
	if link.cc != nil && (ri.flags&sriSentinel != 0 || link.pc != nil) {
		link.disconnected = false
	}
}

// resolveTimeout bounds a lookup refreshInstanceAddr starts; past it the
// address stays what it was.
const resolveTimeout = 10 * time.Second

// refreshInstanceAddr is better than Redis 7.0 (redis#9103, a cached IP
// after a pod restart): with resolve-hostnames yes, an instance's name is
// looked up again at each reconnect of its command link. Redis resolves
// only when it creates the instance, with a blocking getaddrinfo; a lookup
// here, retried about once a second while the instance is down, runs on
// another goroutine, so a slow DNS cannot stall the loop (and trip TILT).
// The reconnect does not wait for it: it goes to the address known, as
// Redis's would, so a failing DNS changes nothing users see; when the
// answer names another address, it replaces the old one, the links just
// made to the old one are closed and the next tick reconnects to the new
// one.
func (s *sentinelState) refreshInstanceAddr(ri *sentinelRedisInstance) {
	host := ri.addr.hostname
	if ri.resolving || formatIP(host) != "" {
		return
	}
	ri.resolving = true
	lookup := s.lookupHost
	if lookup == nil {
		lookup = net.DefaultResolver.LookupHost
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
		addrs, err := lookup(ctx, host)
		cancel()
		if s.closing.Load() {
			return
		}
		s.el.Post(func(*ae.EventLoop) { s.instanceAddrResolved(ri, host, addrs, err) })
	}()
}

// instanceAddrResolved takes refreshInstanceAddr's answer on the loop: the
// first address, as anetResolve takes it.
func (s *sentinelState) instanceAddrResolved(ri *sentinelRedisInstance, host string, addrs []string, err error) {
	ri.resolving = false
	if ri.released || err != nil || len(addrs) == 0 || ri.addr.hostname != host {
		return
	}
	ip := formatIP(addrs[0])
	if ip == "" || ip == ri.addr.ip {
		return
	}
	s.log(llVerbose, fmt.Sprintf("%s %s now resolves to %s (was %s)", ri.name, host, ip, ri.addr.ip))
	ri.addr.ip = ip
	s.instanceLinkCloseConnection(ri.link, ri.link.cc)
	s.instanceLinkCloseConnection(ri.link, ri.link.pc)
	ri.link.lastReconnTime = 0
}

// sentinelSendPing is sentinel.c's: the active ping time is set only when
// no earlier PING is waiting, so it measures from the oldest.
func (s *sentinelState) sentinelSendPing(ri *sentinelRedisInstance) bool {
	if !s.linkCommand(ri, ri.link.cc, sentinelPingReplyCallback, sentinelInstanceMapCommand(ri, "PING")) {
		return false
	}
	ri.link.lastPingTime = s.mstime()
	if ri.link.actPingTime == 0 {
		ri.link.actPingTime = ri.link.lastPingTime
	}
	return true
}

// sentinelPingReplyCallback is sentinel.c's: PONG, LOADING and MASTERDOWN
// mean available; BUSY while SDOWN sends SCRIPT KILL once.
func sentinelPingReplyCallback(s *sentinelState, ri *sentinelRedisInstance, link *instanceLink, r *redisasync.Reply) {
	if r.Type == redisasync.TypeStatus || r.Type == redisasync.TypeError {
		str := string(r.Str)
		if hasPrefix(str, "PONG") || hasPrefix(str, "LOADING") || hasPrefix(str, "MASTERDOWN") {
			link.lastAvailTime = s.mstime()
			link.actPingTime = 0
			if ri.flags&sriMasterReboot != 0 && hasPrefix(str, "PONG") {
				ri.flags &^= sriMasterReboot
			}
		} else if hasPrefix(str, "BUSY") && ri.flags&sriSDown != 0 && ri.flags&sriScriptKillSent == 0 {
			s.linkCommand(ri, link.cc, nil, sentinelInstanceMapCommand(ri, "SCRIPT"), "KILL")
			ri.flags |= sriScriptKillSent
		}
	}
	link.lastPongTime = s.mstime()
}

// localIP is the local address of the command link's socket, which the
// hello announces when no announce-ip is set.
func localIP(c *redisasync.Context) (string, bool) {
	if c == nil || c.Conn() == nil || c.Conn().FD() < 0 {
		return "", false
	}
	ip, _, err := anet.FdToString(c.Conn().FD(), anet.SockName)
	return ip, err == nil
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

func equalFoldString(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
