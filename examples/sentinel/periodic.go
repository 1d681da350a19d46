package main

// The sentinel timer and the periodic commands: sentinel.c's sentinelTimer,
// sentinelCheckTiltCondition, sentinelHandleDictOfRedisInstances,
// sentinelHandleRedisInstance, sentinelSendPeriodicCommands and the INFO
// reply's processing (sentinelRefreshInstanceInfo).

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/redisasync"
)

// configDefaultHz is CONFIG_DEFAULT_HZ.
const configDefaultHz = 10

// serverCron is the one time event: the client housekeeping serverCron
// does, then sentinelTimer; it returns the next period, 1000/hz with hz
// picked again each time (10 + rand(0..9)), so that sentinels started
// together do not ask for votes in lockstep.
func (s *sentinelState) serverCron(el *ae.EventLoop, _ int64, _ any) int {
	s.updateCachedTime()
	// The clients' cron at the configured hz, as serverCron runs it before
	// sentinelTimer picks the next period.
	s.rs.Cron(s.cfg.hz)
	if s.mstime()-s.lastIdleCheck >= 1000 {
		s.lastIdleCheck = s.mstime()
		s.closeIdleClients()
	}
	s.checkClientPauseTimeout()
	s.sentinelTimer()
	s.hz = configDefaultHz + rand.IntN(configDefaultHz)
	return 1000 / s.hz
}

// sentinelTimer is sentinel.c's: the instances, then the scripts
// (scripts.go).
func (s *sentinelState) sentinelTimer() {
	s.sentinelCheckTiltCondition()
	s.sentinelHandleDictOfRedisInstances(s.masters)
	s.sentinelRunPendingScripts()
	s.sentinelCollectTerminatedScripts()
	s.sentinelKillTimedoutScripts()
}

// sentinelCheckTiltCondition is sentinel.c's, on the monotonic clock where
// Redis reads the wall clock: a stall between two runs longer than the
// trigger (2 s) enters TILT; a clock step does not, as it cannot move a
// monotonic clock.
func (s *sentinelState) sentinelCheckTiltCondition() {
	now := s.mstime()
	delta := now - s.previousTime
	if delta < 0 || delta > s.timers.tiltTrigger {
		s.tilt = true
		s.tiltStartTime = now
		s.sentinelEvent(llWarning, "+tilt", nil, "#tilt mode entered")
	}
	s.previousTime = now
}

// sentinelHandleDictOfRedisInstances is sentinel.c's: every master, then
// its replicas and its sentinels; a master whose failover reached the last
// state is switched after the loop.
func (s *sentinelState) sentinelHandleDictOfRedisInstances(t *instanceTable) {
	var switchToPromoted *sentinelRedisInstance
	t.each(func(ri *sentinelRedisInstance) {
		if ri.released {
			return
		}
		s.sentinelHandleRedisInstance(ri)
		if ri.flags&sriMaster != 0 {
			s.sentinelHandleDictOfRedisInstances(ri.slaves)
			s.sentinelHandleDictOfRedisInstances(ri.sentinels)
			if ri.failoverState == failoverStateUpdateConfig {
				switchToPromoted = ri
			}
		}
	})
	if switchToPromoted != nil {
		s.sentinelFailoverSwitchToPromotedSlave(switchToPromoted)
	}
}

// sentinelHandleRedisInstance is sentinel.c's: the monitoring half always,
// the acting half outside TILT.
func (s *sentinelState) sentinelHandleRedisInstance(ri *sentinelRedisInstance) {
	s.sentinelReconnectInstance(ri)
	s.sentinelSendPeriodicCommands(ri)

	if s.tilt {
		if s.mstime()-s.tiltStartTime < s.timers.tiltPeriod {
			return
		}
		s.tilt = false
		s.sentinelEvent(llWarning, "-tilt", nil, "#tilt mode exited")
	}
	s.sentinelCheckSubjectivelyDown(ri)
	if ri.flags&sriMaster != 0 {
		s.sentinelCheckObjectivelyDown(ri)
		if s.sentinelStartFailoverIfNeeded(ri) {
			s.sentinelAskMasterStateToOtherSentinels(ri, true)
		}
		s.sentinelFailoverStateMachine(ri)
		s.sentinelAskMasterStateToOtherSentinels(ri, false)
	}
}

// sentinelSendPeriodicCommands is sentinel.c's: INFO to masters and
// replicas (every second for a replica of a master that is down or failing
// over, or whose link to its master is down), PING, and the hello.
func (s *sentinelState) sentinelSendPeriodicCommands(ri *sentinelRedisInstance) {
	link := ri.link
	if link.disconnected {
		return
	}
	if link.pendingCommands >= sentinelMaxPendingCommands*link.refcount {
		return
	}
	now := s.mstime()
	infoPeriod := s.timers.infoPeriod
	if ri.flags&sriSlave != 0 && (ri.master.flags&(sriODown|sriFailoverInProgress) != 0 || ri.masterLinkDownTime != 0) {
		infoPeriod = 1000
	}
	pingPeriod := min(ri.downAfterPeriod, s.timers.pingPeriod)

	if ri.flags&sriSentinel == 0 && (ri.infoRefresh == 0 || now-ri.infoRefresh > infoPeriod) {
		s.linkCommand(ri, link.cc, sentinelInfoReplyCallback, sentinelInstanceMapCommand(ri, "INFO"))
	}
	if now-link.lastPongTime > pingPeriod && now-link.lastPingTime > pingPeriod/2 {
		s.sentinelSendPing(ri)
	}
	if now-ri.lastPubTime > s.timers.publishPeriod {
		s.sentinelSendHello(ri)
	}
}

// sentinelInfoReplyCallback is sentinel.c's.
func sentinelInfoReplyCallback(s *sentinelState, ri *sentinelRedisInstance, _ *instanceLink, r *redisasync.Reply) {
	if r.Type == redisasync.TypeString {
		s.sentinelRefreshInstanceInfo(ri, string(r.Str))
	}
}

// sentinelRefreshInstanceInfo is sentinel.c's: the INFO text kept, the
// fields the sentinel uses read line by line (run_id, the masters'
// slaveN lines, role, the replicas' master_* and slave_* fields), then the
// role change noted; outside TILT, a replica turned master or replicating
// from elsewhere is the failover code's business.
func (s *sentinelState) sentinelRefreshInstanceInfo(ri *sentinelRedisInstance, info string) {
	ri.info = info
	ri.masterLinkDownTime = 0
	role := 0
	for _, l := range strings.Split(info, "\r\n") {
		if len(l) >= 47 && strings.HasPrefix(l, "run_id:") {
			runid := l[7:47]
			if ri.runid == "" {
				ri.runid = runid
			} else if ri.runid != runid {
				s.sentinelEvent(llNotice, "+reboot", ri, "%@")
				if ri.flags&sriMaster != 0 && ri.cfg.masterRebootDownPeriod != 0 {
					ri.flags |= sriMasterReboot
					ri.masterRebootSinceTime = s.mstime()
				}
				ri.runid = runid
			}
		}
		if ri.flags&sriMaster != 0 && len(l) >= 7 && strings.HasPrefix(l, "slave") && l[5] >= '0' && l[5] <= '9' {
			ip, port, ok := parseSlaveLine(l)
			if !ok {
				continue
			}
			if s.sentinelRedisInstanceLookupSlave(ri, ip, atoi(port)) == nil {
				if sl, _ := s.createSentinelRedisInstance("", sriSlave, ip, atoi(port), nil, ri); sl != nil {
					s.sentinelEvent(llNotice, "+slave", sl, "%@")
					s.flushConfig()
				}
			}
		}
		if len(l) >= 32 && strings.HasPrefix(l, "master_link_down_since_seconds") {
			ri.masterLinkDownTime = strtoll(l[31:]) * 1000
		}
		if strings.HasPrefix(l, "role:master") {
			role = sriMaster
		} else if strings.HasPrefix(l, "role:slave") {
			role = sriSlave
		}
		if role == sriSlave {
			s.refreshReplicaField(ri, l)
		}
	}
	ri.infoRefresh = s.mstime()

	if role != ri.roleReported {
		ri.roleReportedTime = s.mstime()
		ri.roleReported = role
		if role == sriSlave {
			ri.slaveConfChangeTime = s.mstime()
		}
		typ := "-role-change"
		if ri.flags&(sriMaster|sriSlave) == role {
			typ = "+role-change"
		}
		name := "slave"
		if role == sriMaster {
			name = "master"
		}
		s.sentinelEvent(llVerbose, typ, ri, "%@ new reported role is %s", name)
	}
	if s.tilt {
		return
	}
	s.sentinelRefreshInstanceRole(ri, role)
}

// refreshReplicaField reads one INFO line of an instance reporting role
// slave.
func (s *sentinelState) refreshReplicaField(ri *sentinelRedisInstance, l string) {
	switch {
	case strings.HasPrefix(l, "master_host:"):
		if h := l[12:]; ri.slaveMasterHost == "" || !strings.EqualFold(h, ri.slaveMasterHost) {
			ri.slaveMasterHost = h
			ri.slaveConfChangeTime = s.mstime()
		}
	case strings.HasPrefix(l, "master_port:"):
		if p := atoi(l[12:]); ri.slaveMasterPort != p {
			ri.slaveMasterPort = p
			ri.slaveConfChangeTime = s.mstime()
		}
	case strings.HasPrefix(l, "master_link_status:"):
		ri.slaveMasterLinkStatus = masterLinkStatusDown
		if strings.EqualFold(l[19:], "up") {
			ri.slaveMasterLinkStatus = masterLinkStatusUp
		}
	case strings.HasPrefix(l, "slave_priority:"):
		ri.slavePriority = atoi(l[15:])
	case strings.HasPrefix(l, "slave_repl_offset:"):
		ri.slaveReplOffset = strtoull(l[18:])
	case strings.HasPrefix(l, "replica_announced:"):
		ri.replicaAnnounced = atoi(l[18:])
	}
}

// parseSlaveLine reads a master's "slaveN:ip=...,port=...,..." line, or
// the old "slaveN:ip,port,state".
func parseSlaveLine(l string) (ip, port string, ok bool) {
	if !strings.Contains(l, "ip=") {
		_, rest, found := strings.Cut(l, ":")
		if !found {
			return "", "", false
		}
		parts := strings.SplitN(rest, ",", 3)
		if len(parts) < 3 {
			return "", "", false
		}
		return parts[0], parts[1], true
	}
	i := strings.Index(l, "ip=")
	j := strings.Index(l, "port=")
	if j < 0 {
		return "", "", false
	}
	ip, port = l[i+3:], l[j+5:]
	if k := strings.IndexByte(ip, ','); k >= 0 {
		ip = ip[:k]
	}
	if k := strings.IndexByte(port, ','); k >= 0 {
		port = port[:k]
	}
	return ip, port, true
}

// strtoll is C's strtoll(s, NULL, 10).
func strtoll(s string) int64 { return strtol(s) }

// updateCachedTime refreshes the clock the replies and the clients use.
func (s *sentinelState) updateCachedTime() {
	s.rs.Now = s.mstime()
}

// mstime is the sentinel's clock in milliseconds: unix time at start plus
// the monotonic time since, so that it reads like Redis's mstime() but
// never steps.
func (s *sentinelState) mstime() int64 {
	return s.startUnixMs + time.Since(s.start).Milliseconds()
}
