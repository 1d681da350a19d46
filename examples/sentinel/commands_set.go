package main

// The SENTINEL subcommands that change settings: SET (sentinelSetCommand),
// CONFIG GET/SET (sentinelConfigGetCommand, sentinelConfigSetCommand) and
// DEBUG (addReplySentinelDebugInfo, sentinelSetDebugConfigParameters).

import (
	"strconv"
	"strings"
	"syscall"

	"github.com/goae/goae/internal/glob"
	"github.com/goae/goae/internal/resp"
)

// sentinelSetCommand is sentinel.c's: option/value pairs applied in order,
// a +set event each; the config is saved if anything changed, even when a
// later pair fails.
func sentinelSetCommand(s *sentinelState, c *client) {
	ri := s.sentinelGetMasterByNameOrReplyError(c, c.arg(2))
	if ri == nil {
		return
	}
	m := ri.cfg
	changes := 0
	defer func() {
		if changes > 0 {
			s.flushConfig()
			s.replyAfterFlush(c) // the reply, +OK or an error, after the flush
		}
	}()
	positive := func(j int, min int64) (int64, bool) {
		ll, ok := resp.ParseInt(c.Argv[j])
		return ll, ok && ll >= min
	}
	for j := 3; j < len(c.Argv); j++ {
		more := len(c.Argv) - 1 - j
		option := c.arg(j)
		oldJ := j
		redacted := false
		badarg := -1
		switch opt := strings.ToLower(option); {
		case opt == "down-after-milliseconds" && more > 0:
			j++
			if ll, ok := positive(j, 1); ok {
				ri.downAfterPeriod = ll
				m.downAfterPeriod = ll
				sentinelPropagateDownAfterPeriod(ri)
			} else {
				badarg = j
			}
		case opt == "failover-timeout" && more > 0:
			j++
			if ll, ok := positive(j, 1); ok {
				m.failoverTimeout = ll
			} else {
				badarg = j
			}
		case opt == "parallel-syncs" && more > 0:
			j++
			if ll, ok := positive(j, 1); ok {
				m.parallelSyncs = int(ll)
			} else {
				badarg = j
			}
		case (opt == "notification-script" || opt == "client-reconfig-script") && more > 0:
			j++
			value := c.arg(j)
			if s.cfg.denyScriptsReconfig {
				s.addReplyError(c, "Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your Sentinel configuration")
				return
			}
			if value != "" && syscall.Access(value, xOK) != nil {
				if opt == "notification-script" {
					s.addReplyError(c, "Notification script seems non existing or non executable")
				} else {
					s.addReplyError(c, "Client reconfiguration script seems non existing or non executable")
				}
				return
			}
			var p *string
			if value != "" {
				p = &value
			}
			if opt == "notification-script" {
				m.notificationScript = p
			} else {
				m.clientReconfigScript = p
			}
		case (opt == "auth-pass" || opt == "auth-user") && more > 0:
			j++
			value := c.arg(j)
			var p *string
			if value != "" {
				p = &value
			}
			if opt == "auth-pass" {
				m.authPass = p
				redacted = true
			} else {
				m.authUser = p
			}
			s.dropInstanceConnections(ri)
		case opt == "quorum" && more > 0:
			j++
			if ll, ok := positive(j, 1); ok {
				m.quorum = int(ll)
			} else {
				badarg = j
			}
		case opt == "rename-command" && more > 1:
			oldName, newName := c.arg(j+1), c.arg(j+2)
			j += 2
			if oldName == "" || newName == "" {
				badarg = j
				if newName != "" {
					badarg = j - 1
				}
				break
			}
			for i, rc := range m.renamedCommands {
				if equalFoldString(rc.oldName, oldName) {
					m.renamedCommands = append(m.renamedCommands[:i:i], m.renamedCommands[i+1:]...)
					break
				}
			}
			if !equalFoldString(oldName, newName) {
				m.renamedCommands = append(m.renamedCommands, renamedCommand{oldName, newName})
			}
		case opt == "master-reboot-down-after-period" && more > 0:
			j++
			if ll, ok := positive(j, 0); ok {
				m.masterRebootDownPeriod = ll
			} else {
				badarg = j
			}
		default:
			s.addReplyError(c, "Unknown option or number of arguments for SENTINEL SET '"+option+"'")
			return
		}
		if badarg >= 0 {
			s.addReplyError(c, "Invalid argument '"+c.arg(badarg)+"' for SENTINEL SET '"+option+"'")
			return
		}
		changes++
		switch j - oldJ + 1 {
		case 2:
			v := c.arg(oldJ + 1)
			if redacted {
				v = "******"
			}
			s.sentinelEvent(llWarning, "+set", ri, "%@ %s %s", c.arg(oldJ), v)
		case 3:
			s.sentinelEvent(llWarning, "+set", ri, "%@ %s %s %s", c.arg(oldJ), c.arg(oldJ+1), c.arg(oldJ+2))
		default:
			s.sentinelEvent(llWarning, "+set", ri, "%@ %s", c.arg(oldJ))
		}
	}
	c.AddReply(resp.OK)
}

// dropInstanceConnections is sentinel.c's: a master's and its replicas'
// links are closed, to reconnect with the new credentials.
func (s *sentinelState) dropInstanceConnections(ri *sentinelRedisInstance) {
	for _, x := range append([]*sentinelRedisInstance{ri}, ri.slaves.list...) {
		s.instanceLinkCloseConnection(x.link, x.link.cc)
		s.instanceLinkCloseConnection(x.link, x.link.pc)
	}
}

// sentinelDropConnections is sentinel.c's: every sentinel link is closed
// (after sentinel-user or sentinel-pass change).
func (s *sentinelState) sentinelDropConnections() {
	for _, m := range s.masters.list {
		for _, si := range m.sentinels.list {
			s.instanceLinkCloseConnection(si.link, si.link.cc)
			s.instanceLinkCloseConnection(si.link, si.link.pc)
		}
	}
}

// sentinelConfigCommand is SENTINEL CONFIG GET pattern / SET name value.
func sentinelConfigCommand(s *sentinelState, c *client) {
	switch {
	case len(c.Argv) < 4:
		s.addReplyError(c, "Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.")
	case strings.EqualFold(c.arg(2), "set") && len(c.Argv) == 5:
		sentinelConfigSetCommand(s, c)
	case strings.EqualFold(c.arg(2), "get") && len(c.Argv) == 4:
		sentinelConfigGetCommand(s, c)
	default:
		s.addReplyError(c, "Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.")
	}
}

func sentinelConfigGetCommand(s *sentinelState, c *client) {
	pattern := c.Argv[3]
	yn := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	var kv []string
	for _, p := range []struct{ name, value string }{
		{"resolve-hostnames", yn(s.cfg.resolveHostnames)},
		{"announce-hostnames", yn(s.cfg.announceHostnames)},
		{"announce-ip", s.cfg.announceIP},
		{"announce-port", strconv.Itoa(s.cfg.announcePort)},
		{"sentinel-user", s.cfg.sentinelAuthUser},
		{"sentinel-pass", s.cfg.sentinelAuthPass},
	} {
		if glob.Match(pattern, p.name, true) {
			kv = append(kv, p.name, p.value)
		}
	}
	c.AddReplyMapLen(len(kv) / 2)
	for _, x := range kv {
		c.AddReplyBulkString(x)
	}
}

func sentinelConfigSetCommand(s *sentinelState, c *client) {
	name, val := c.arg(3), c.arg(4)
	dropConns := false
	badfmt := func() {
		s.addReplyError(c, "Invalid value '"+val+"' to SENTINEL CONFIG SET '"+name+"'")
	}
	switch strings.ToLower(name) {
	case "resolve-hostnames", "announce-hostnames":
		yn := yesnotoi(val)
		if yn < 0 {
			badfmt()
			return
		}
		if strings.EqualFold(name, "resolve-hostnames") {
			s.cfg.resolveHostnames = yn == 1
		} else {
			s.cfg.announceHostnames = yn == 1
		}
	case "announce-ip":
		s.cfg.announceIP = val
	case "announce-port":
		n, ok := resp.ParseInt(c.Argv[4])
		if !ok || n < 0 || n > 65535 {
			badfmt()
			return
		}
		s.cfg.announcePort = int(n)
	case "sentinel-user":
		s.cfg.sentinelAuthUser = val
		dropConns = true
	case "sentinel-pass":
		s.cfg.sentinelAuthPass = val
		dropConns = true
	default:
		s.addReplyError(c, "Invalid argument '"+name+"' to SENTINEL CONFIG SET")
		return
	}
	sentinelFlushconfigCommand(s, c)
	if dropConns {
		s.sentinelDropConnections()
	}
}

// debugParams are SENTINEL DEBUG's parameters, in its reply's order.
func (s *sentinelState) debugParams() []struct {
	name string
	p    *int64
} {
	t := &s.timers
	return []struct {
		name string
		p    *int64
	}{
		{"info-period", &t.infoPeriod}, {"ping-period", &t.pingPeriod}, {"ask-period", &t.askPeriod},
		{"publish-period", &t.publishPeriod}, {"default-down-after", &t.defaultDownAfter},
		{"default-failover-timeout", &t.defaultFailoverTimeout}, {"tilt-trigger", &t.tiltTrigger},
		{"tilt-period", &t.tiltPeriod}, {"slave-reconf-timeout", &t.slaveReconfTimeout},
		{"min-link-reconnect-period", &t.minLinkReconnectPeriod}, {"election-timeout", &t.electionTimeout},
		{"script-max-runtime", &t.scriptMaxRuntime}, {"script-retry-delay", &t.scriptRetryDelay},
	}
}

// sentinelDebugCommand is SENTINEL DEBUG [param value ...].
func sentinelDebugCommand(s *sentinelState, c *client) {
	params := s.debugParams()
	if len(c.Argv) == 2 {
		c.AddReplyMapLen(len(params))
		for _, p := range params {
			c.AddReplyBulkString(strings.ToUpper(p.name))
			c.addReplyBulkInt(*p.p)
		}
		return
	}
	for j := 2; j < len(c.Argv); j++ {
		more := len(c.Argv) - 1 - j
		option := c.arg(j)
		var target *int64
		for _, p := range params {
			if strings.EqualFold(p.name, option) && more > 0 {
				target = p.p
			}
		}
		if target == nil {
			s.addReplyError(c, "Unknown option or number of arguments for SENTINEL DEBUG '"+option+"'")
			return
		}
		j++
		ll, ok := resp.ParseInt(c.Argv[j])
		if !ok || ll <= 0 {
			s.addReplyError(c, "Invalid argument '"+c.arg(j)+"' for SENTINEL DEBUG '"+option+"'")
			return
		}
		*target = ll
	}
	c.AddReply(resp.OK)
}
