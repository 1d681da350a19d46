package main

// sentinels (an extension, not in nutcracker; twemproxy #67, #297, #443):
// a redis pool may name Redis Sentinels; its servers are then the masters
// those sentinels monitor, named as the sentinels name them, and the
// proxy follows their failovers without a restart.
//
//	alpha:
//	  listen: 127.0.0.1:22121
//	  redis: true
//	  sentinels:
//	   - 127.0.0.1:26379
//	   - 127.0.0.1:26380
//	  servers:
//	   - 127.0.0.1:6379:1 master-one
//	   - 127.0.0.1:6380:1 master-two
//
// Every server line needs its name: the master's name at the sentinels,
// which is also what ketama hashes, so re-pointing a server to another
// address moves no key. The address on the line is where requests go
// until a sentinel has answered.
//
// The proxy keeps one link to one sentinel at a time, on the loop
// (internal/redisasync, the hiredis async client the sentinel example's
// links use): on connecting it asks SENTINEL get-master-addr-by-name for
// every server's name, then subscribes to +switch-master ("<name> <old ip>
// <old port> <new ip> <new port>"), and PINGs it every second. When the
// link fails (EOF, an error, no PONG for 3 s) it moves to the next
// sentinel of the list (after a short pause once the whole list has
// failed), and asks again. A server whose master moves is re-pointed: its
// connections are retired as a reload retires them (reload.go: the replies
// they owe are delivered, then they close) and the next request connects
// to the new address; its failure count and ejection are reset. No other
// server is touched, and no client connection is closed. With --threads,
// each loop keeps its own link.

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/redisasync"
)

// confSentinel is one entry of a pool's "sentinels:".
type confSentinel struct {
	pname string // as written
	host  string
	port  int
}

// confAddSentinel is the setter of "sentinels:": "host:port", split at the
// last colon; the host is resolved when the proxy connects.
func confAddSentinel(cp *confPool, value string) string {
	i := strings.LastIndexByte(value, ':')
	if i <= 0 {
		return "has an invalid \"hostname:port\" format string"
	}
	port := ncAtoi(value[i+1:])
	if port < 0 || !ncValidPort(port) {
		return "has an invalid port in \"hostname:port\" format string"
	}
	cp.sentinels = append(cp.sentinels, confSentinel{pname: value, host: value[:i], port: port})
	return ""
}

// confValidateSentinels checks a pool with sentinels: a redis pool whose
// every server is named (the master's name at the sentinels).
func (cf *conf) confValidateSentinels(cp *confPool) error {
	if len(cp.sentinels) == 0 {
		return nil
	}
	if !cp.redis {
		return cf.errorf("conf: directive \"sentinels:\" is only valid for a redis pool")
	}
	for _, s := range cp.servers {
		if !s.named || s.name == "" {
			return cf.errorf("conf: pool '%s' has sentinels, so server '%s' needs a name (its master's name)", cp.name, s.pname)
		}
	}
	return nil
}

// Timings of the sentinel link.
const (
	sentinelConnectTimeout = time.Second
	sentinelRetryPause     = 500  // ms, once every sentinel of the list has failed
	sentinelPingEvery      = 1000 // ms between PINGs on the link
	sentinelPingTimeout    = 3000 // ms without a PONG: the sentinel is given up
)

// errSentinelPing is why a link whose sentinel stopped answering is
// given up.
var errSentinelPing = errors.New("no reply to PING")

// sentinelFollower is a pool's link to its sentinels.
type sentinelFollower struct {
	pool    *serverPool
	next    int // the sentinel to try next
	tried   int // failures in a row
	ac      *redisasync.Context
	stopped bool
	timer   int64 // the retry time event, if armed
	armed   bool
	ping    int64 // ms when the PING in flight was sent, 0: none
}

// sentinelStart starts following p's sentinels, if it has any.
func (p *serverPool) sentinelStart() {
	if len(p.cp.sentinels) == 0 || p.sf != nil {
		return
	}
	p.sf = &sentinelFollower{pool: p}
	p.sf.connect()
}

// sentinelStop ends p's link (a reload that removes the pool or gives it
// new sentinels).
func (p *serverPool) sentinelStop() {
	sf := p.sf
	if sf == nil {
		return
	}
	p.sf = nil
	sf.stopped = true
	if sf.armed {
		p.ctx.el.DeleteTimeEvent(sf.timer)
		sf.armed = false
	}
	if sf.ac != nil {
		ac := sf.ac
		sf.ac = nil
		ac.Free()
	}
}

// connect opens the link to the next sentinel.
func (sf *sentinelFollower) connect() {
	p := sf.pool
	list := p.cp.sentinels
	st := list[sf.next%len(list)]
	sf.next = (sf.next + 1) % len(list)
	ac, err := redisasync.Connect(p.ctx.el, st.host, st.port, redisasync.Options{Timeout: sentinelConnectTimeout})
	if err != nil {
		sf.failed(st, err)
		return
	}
	sf.ac = ac
	ac.SetConnectCallback(func(c *redisasync.Context, err error) {
		if err != nil {
			if sf.ac == c {
				sf.ac = nil
			}
			sf.failed(st, err)
			return
		}
		sf.tried = 0
		logf(p.ctx.log, logNotice, "sentinel: pool '%s' following sentinel '%s'", p.cp.name, st.pname)
		sf.ping = 0
		p.ctx.el.CreateTimeEvent(sentinelPingEvery, func(*ae.EventLoop, int64, any) int { return sf.healthCheck(c, st) }, nil, nil)
	})
	ac.SetDisconnectCallback(func(c *redisasync.Context, err error) {
		if sf.ac == c {
			sf.ac = nil
		}
		if err != nil {
			sf.failed(st, err)
		}
	})
	for _, s := range p.servers {
		name := s.cs.name
		ac.CommandString(sf.onMasterAddr, name, "SENTINEL", "get-master-addr-by-name", name)
	}
	ac.CommandString(sf.onSwitch, nil, "SUBSCRIBE", "+switch-master")
}

// healthCheck is the link's time event: a PING every sentinelPingEvery;
// one unanswered for sentinelPingTimeout gives the sentinel up (a
// sentinel that hangs keeps its socket open and would never fail).
func (sf *sentinelFollower) healthCheck(c *redisasync.Context, st confSentinel) int {
	if sf.stopped || sf.ac != c {
		return ae.NoMore
	}
	now := nowMs()
	if sf.ping != 0 && now-sf.ping > sentinelPingTimeout {
		sf.ac = nil
		c.Free()
		sf.failed(st, errSentinelPing)
		return ae.NoMore
	}
	if sf.ping == 0 {
		sf.ping = now
		c.CommandString(func(c *redisasync.Context, r *redisasync.Reply, _ any) {
			if r != nil && sf.ac == c {
				sf.ping = 0
			}
		}, nil, "PING")
	}
	return sentinelPingEvery
}

// failed moves to the next sentinel, at once, or after a pause once the
// whole list has failed in a row.
func (sf *sentinelFollower) failed(st confSentinel, err error) {
	if sf.stopped {
		return
	}
	p := sf.pool
	logf(p.ctx.log, logWarn, "sentinel: pool '%s' lost sentinel '%s': %v", p.cp.name, st.pname, err)
	sf.tried++
	delay := int64(1)
	if sf.tried >= len(p.cp.sentinels) {
		sf.tried = 0
		delay = sentinelRetryPause
	}
	sf.armed = true
	sf.timer = p.ctx.el.CreateTimeEvent(delay, func(*ae.EventLoop, int64, any) int {
		sf.armed = false
		if !sf.stopped {
			sf.connect()
		}
		return ae.NoMore
	}, nil, nil)
}

// onMasterAddr takes a SENTINEL get-master-addr-by-name reply: [ip, port],
// or nil for a name the sentinel does not monitor.
func (sf *sentinelFollower) onMasterAddr(c *redisasync.Context, r *redisasync.Reply, priv any) {
	if r == nil || sf.stopped {
		return
	}
	name := priv.(string)
	p := sf.pool
	if r.Type != redisasync.TypeArray || len(r.Elements) != 2 {
		logf(p.ctx.log, logWarn, "sentinel: pool '%s': the sentinel does not know master '%s' (%s)", p.cp.name, name, r)
		return
	}
	port, err := strconv.Atoi(string(r.Elements[1].Str))
	if err != nil {
		return
	}
	p.sentinelRepoint(name, string(r.Elements[0].Str), port)
}

// onSwitch takes the +switch-master subscription's replies: the
// confirmation, then each "<name> <old ip> <old port> <new ip> <new port>".
func (sf *sentinelFollower) onSwitch(c *redisasync.Context, r *redisasync.Reply, _ any) {
	if r == nil || sf.stopped || len(r.Elements) != 3 || !bytes.Equal(r.Elements[0].Str, []byte("message")) {
		return
	}
	f := strings.Fields(string(r.Elements[2].Str))
	if len(f) != 5 {
		return
	}
	port, err := strconv.Atoi(f[4])
	if err != nil {
		return
	}
	sf.pool.sentinelRepoint(f[0], f[3], port)
}

// sentinelRepoint points the server named name at ip:port (see the file
// comment); nothing happens if it is there already or not in the pool.
func (p *serverPool) sentinelRepoint(name, ip string, port int) {
	i := slices.IndexFunc(p.servers, func(s *server) bool { return s.cs.name == name })
	if i < 0 {
		return
	}
	s := p.servers[i]
	if s.cs.addrstr == ip && s.cs.port == port {
		return
	}
	logf(p.ctx.log, logNotice, "sentinel: pool '%s' server '%s' moves from %s:%d to %s:%d",
		p.cp.name, name, s.cs.addrstr, s.cs.port, ip, port)
	s.cs.addrstr, s.cs.port = ip, port
	s.retireConns()
	p.ctx.reapRetired()
	if s.nextRetry != 0 || s.failureCount != 0 {
		s.nextRetry, s.failureCount = 0, 0
		p.serverPoolRun(nowMs())
	}
}
