package main

// The failover: sentinel.c's sentinelStartFailoverIfNeeded,
// sentinelStartFailover, sentinelGetLeader, the state machine
// (sentinelFailoverWaitStart ... sentinelFailoverSwitchToPromotedSlave),
// sentinelAbortFailover, sentinelSendSlaveOf, and the acting half of
// sentinelRefreshInstanceInfo (a promotion seen, +convert-to-slave,
// +fix-slave-config, the reconfiguration steps). Replica selection is in
// select.go.

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"
)

// SENTINEL SIMULATE-FAILURE flags.
const (
	simFailureCrashAfterElection  = 1 << 0
	simFailureCrashAfterPromotion = 1 << 1
)

// sentinelExit is how a simulated failure ends the process (exit 99).
var sentinelExit = os.Exit

// sentinelSimFailureCrash is sentinel.c's.
func (s *sentinelState) sentinelSimFailureCrash() {
	s.log(llWarning, "Sentinel CRASH because of SENTINEL simulate-failure")
	sentinelExit(99)
}

// sentinelStartFailoverIfNeeded is sentinel.c's: a master ODOWN, with no
// failover in progress and none tried in the last 2 × failover-timeout,
// starts one (the delay is logged once per attempt).
func (s *sentinelState) sentinelStartFailoverIfNeeded(master *sentinelRedisInstance) bool {
	if master.flags&sriODown == 0 || master.flags&sriFailoverInProgress != 0 {
		return false
	}
	if s.mstime()-master.failoverStartTime < master.cfg.failoverTimeout*2 {
		if master.failoverDelayLogged != master.failoverStartTime {
			next := (master.failoverStartTime + master.cfg.failoverTimeout*2) / 1000
			master.failoverDelayLogged = master.failoverStartTime
			s.log(llWarning, "Next failover delay: I will not start a failover before "+
				time.Unix(next, 0).Format("Mon Jan _2 15:04:05 2006"))
		}
		return false
	}
	s.sentinelStartFailover(master)
	return true
}

// sentinelStartFailover is sentinel.c's: a new epoch, the failover's, and
// wait_start with a start time up to a second ahead (so that sentinels do
// not ask for votes in lockstep).
func (s *sentinelState) sentinelStartFailover(master *sentinelRedisInstance) {
	master.failoverState = failoverStateWaitStart
	master.flags |= sriFailoverInProgress
	s.cfg.currentEpoch++
	master.failoverEpoch = s.cfg.currentEpoch
	s.sentinelEvent(llWarning, "+new-epoch", master, "%d", s.cfg.currentEpoch)
	s.sentinelEvent(llWarning, "+try-failover", master, "%@")
	master.failoverStartTime = s.mstime() + rand.Int64N(sentinelMaxDesync)
	master.failoverStateChangeTime = s.mstime()
}

// sentinelGetLeader is sentinel.c's: the votes the other sentinels gave
// at our current epoch are counted, ours goes to the most voted (or to
// us), and the winner needs a majority of the voters (known sentinels +
// 1) and the quorum. It returns "" when there is none.
func (s *sentinelState) sentinelGetLeader(master *sentinelRedisInstance, epoch uint64) string {
	counters := map[string]int{}
	var order []string
	voters := master.sentinels.size() + 1
	for _, ri := range master.sentinels.list {
		if ri.leader != "" && ri.leaderEpoch == s.cfg.currentEpoch {
			if counters[ri.leader] == 0 {
				order = append(order, ri.leader)
			}
			counters[ri.leader]++
		}
	}
	winner, maxVotes := "", 0
	for _, l := range order {
		if counters[l] > maxVotes {
			maxVotes, winner = counters[l], l
		}
	}
	candidate := winner
	if candidate == "" {
		candidate = s.cfg.myid
	}
	myvote, leaderEpoch := s.sentinelVoteLeader(master, epoch, candidate)
	// Our vote counts once it is on disk (sentinelVoteLeader): a tick or
	// so after it was cast. The requests for the others' votes went out
	// before it, as in Redis, where the failover's first tick asks them
	// (sentinelAskMasterStateToOtherSentinels, forced) and then votes in
	// sentinelFailoverWaitStart; they carry our runid and epoch, not our
	// vote, so their order with its write does not matter.
	if myvote != "" && leaderEpoch == epoch && s.flushed(master.voteGen) {
		counters[myvote]++
		if counters[myvote] > maxVotes {
			maxVotes, winner = counters[myvote], myvote
		}
	}
	if winner != "" && (maxVotes < voters/2+1 || maxVotes < master.cfg.quorum) {
		winner = ""
	}
	return winner
}

// sentinelFailoverStateMachine is sentinel.c's.
func (s *sentinelState) sentinelFailoverStateMachine(ri *sentinelRedisInstance) {
	if ri.flags&sriMaster == 0 || ri.flags&sriFailoverInProgress == 0 {
		return
	}
	switch ri.failoverState {
	case failoverStateWaitStart:
		s.sentinelFailoverWaitStart(ri)
	case failoverStateSelectSlave:
		s.sentinelFailoverSelectSlave(ri)
	case failoverStateSendSlaveofNoone:
		s.sentinelFailoverSendSlaveOfNoOne(ri)
	case failoverStateWaitPromotion:
		s.sentinelFailoverWaitPromotion(ri)
	case failoverStateReconfSlaves:
		s.sentinelFailoverReconfNextSlave(ri)
	}
}

// sentinelFailoverWaitStart is sentinel.c's: elected (or forced) we go
// on; not elected within min(election timeout, failover-timeout) we abort.
func (s *sentinelState) sentinelFailoverWaitStart(ri *sentinelRedisInstance) {
	leader := s.sentinelGetLeader(ri, ri.failoverEpoch)
	isLeader := leader != "" && equalFoldString(leader, s.cfg.myid)
	if !isLeader && ri.flags&sriForceFailover == 0 {
		electionTimeout := min(s.timers.electionTimeout, ri.cfg.failoverTimeout)
		if s.mstime()-ri.failoverStartTime > electionTimeout {
			s.sentinelEvent(llWarning, "-failover-abort-not-elected", ri, "%@")
			s.sentinelAbortFailover(ri)
		}
		return
	}
	s.sentinelEvent(llWarning, "+elected-leader", ri, "%@")
	if s.simFailure&simFailureCrashAfterElection != 0 {
		s.sentinelSimFailureCrash()
	}
	ri.failoverState = failoverStateSelectSlave
	ri.failoverStateChangeTime = s.mstime()
	s.sentinelEvent(llWarning, "+failover-state-select-slave", ri, "%@")
}

// sentinelFailoverSelectSlave is sentinel.c's; the abort's log line also
// says which replica was excluded by which rule (the event's payload is
// Redis's).
func (s *sentinelState) sentinelFailoverSelectSlave(ri *sentinelRedisInstance) {
	slave, excluded := s.sentinelSelectSlave(ri)
	if slave == nil {
		s.sentinelEvent(llWarning, "-failover-abort-no-good-slave", ri, "%@")
		s.log(llWarning, "No replica of "+ri.name+" can be promoted: "+strings.Join(excluded, "; "))
		s.sentinelAbortFailover(ri)
		return
	}
	s.sentinelEvent(llWarning, "+selected-slave", slave, "%@")
	slave.flags |= sriPromoted
	ri.promotedSlave = slave
	ri.failoverState = failoverStateSendSlaveofNoone
	ri.failoverStateChangeTime = s.mstime()
	s.sentinelEvent(llNotice, "+failover-state-send-slaveof-noone", slave, "%@")
}

// sentinelFailoverSendSlaveOfNoOne is sentinel.c's: the SLAVEOF NO ONE
// transaction once the chosen replica's link is up (aborting after
// failover-timeout without it); replies are not checked, the promotion is
// seen in its INFO.
func (s *sentinelState) sentinelFailoverSendSlaveOfNoOne(ri *sentinelRedisInstance) {
	if ri.promotedSlave.link.disconnected {
		if s.mstime()-ri.failoverStateChangeTime > ri.cfg.failoverTimeout {
			s.sentinelEvent(llWarning, "-failover-abort-slave-timeout", ri, "%@")
			s.sentinelAbortFailover(ri)
		}
		return
	}
	if !s.sentinelSendSlaveOf(ri.promotedSlave, nil) {
		return
	}
	s.sentinelEvent(llNotice, "+failover-state-wait-promotion", ri.promotedSlave, "%@")
	ri.failoverState = failoverStateWaitPromotion
	ri.failoverStateChangeTime = s.mstime()
}

// sentinelFailoverWaitPromotion is sentinel.c's: the promotion itself is
// noticed in sentinelRefreshInstanceRole; here only the timeout.
func (s *sentinelState) sentinelFailoverWaitPromotion(ri *sentinelRedisInstance) {
	if s.mstime()-ri.failoverStateChangeTime > ri.cfg.failoverTimeout {
		s.sentinelEvent(llWarning, "-failover-abort-slave-timeout", ri, "%@")
		s.sentinelAbortFailover(ri)
	}
}

// sentinelFailoverDetectEnd is sentinel.c's: every reachable replica
// reconfigured, or failover-timeout spent in reconf_slaves (then SLAVEOF
// is sent, best effort, to those not yet told), ends the failover.
func (s *sentinelState) sentinelFailoverDetectEnd(master *sentinelRedisInstance) {
	promoted := master.promotedSlave
	if promoted == nil || promoted.flags&sriSDown != 0 {
		return
	}
	notReconfigured, timeout := 0, false
	for _, sl := range master.slaves.list {
		if sl.flags&(sriPromoted|sriReconfDone) != 0 || sl.flags&sriSDown != 0 {
			continue
		}
		notReconfigured++
	}
	if s.mstime()-master.failoverStateChangeTime > master.cfg.failoverTimeout {
		notReconfigured = 0
		timeout = true
		s.sentinelEvent(llWarning, "+failover-end-for-timeout", master, "%@")
	}
	if notReconfigured == 0 {
		s.sentinelEvent(llWarning, "+failover-end", master, "%@")
		master.failoverState = failoverStateUpdateConfig
		master.failoverStateChangeTime = s.mstime()
	}
	if timeout {
		for _, sl := range master.slaves.list {
			if sl.flags&(sriPromoted|sriReconfDone|sriReconfSent) != 0 || sl.link.disconnected {
				continue
			}
			if s.sentinelSendSlaveOf(sl, &promoted.addr) {
				s.sentinelEvent(llNotice, "+slave-reconf-sent-be", sl, "%@")
				sl.flags |= sriReconfSent
			}
		}
	}
}

// sentinelFailoverReconfNextSlave is sentinel.c's: SLAVEOF the promoted
// replica to at most parallel-syncs replicas at a time; one stuck in
// reconf_sent for the slave-reconf timeout counts as done.
func (s *sentinelState) sentinelFailoverReconfNextSlave(master *sentinelRedisInstance) {
	inProgress := 0
	for _, sl := range master.slaves.list {
		if sl.flags&(sriReconfSent|sriReconfInprog) != 0 {
			inProgress++
		}
	}
	for _, sl := range master.slaves.list {
		if inProgress >= master.cfg.parallelSyncs {
			break
		}
		if sl.flags&(sriPromoted|sriReconfDone) != 0 {
			continue
		}
		if sl.flags&sriReconfSent != 0 && s.mstime()-sl.slaveReconfSentTime > s.timers.slaveReconfTimeout {
			s.sentinelEvent(llNotice, "-slave-reconf-sent-timeout", sl, "%@")
			sl.flags &^= sriReconfSent
			sl.flags |= sriReconfDone
		}
		if sl.flags&(sriReconfSent|sriReconfInprog) != 0 || sl.link.disconnected {
			continue
		}
		if s.sentinelSendSlaveOf(sl, &master.promotedSlave.addr) {
			sl.flags |= sriReconfSent
			sl.slaveReconfSentTime = s.mstime()
			s.sentinelEvent(llNotice, "+slave-reconf-sent", sl, "%@")
			inProgress++
		}
	}
	s.sentinelFailoverDetectEnd(master)
}

// sentinelFailoverSwitchToPromotedSlave is sentinel.c's: +switch-master
// and the master entry moved to the promoted replica's address.
func (s *sentinelState) sentinelFailoverSwitchToPromotedSlave(master *sentinelRedisInstance) {
	ref := master
	if master.promotedSlave != nil {
		ref = master.promotedSlave
	}
	s.sentinelEvent(llWarning, "+switch-master", master, "%s %s %d %s %d", master.name,
		s.cfg.announceSentinelAddr(master.addr), master.addr.port,
		s.cfg.announceSentinelAddr(ref.addr), ref.addr.port)
	host := ref.addr.hostname
	if host == "" {
		host = ref.addr.ip
	}
	s.sentinelResetMasterAndChangeAddress(master, host, ref.addr.port)
}

// sentinelAbortFailover is sentinel.c's: only before the promotion is
// seen; the next try waits 2 × failover-timeout from this one's start.
func (s *sentinelState) sentinelAbortFailover(ri *sentinelRedisInstance) {
	ri.flags &^= sriFailoverInProgress | sriForceFailover
	ri.failoverState = failoverStateNone
	ri.failoverStateChangeTime = s.mstime()
	if ri.promotedSlave != nil {
		ri.promotedSlave.flags &^= sriPromoted
		ri.promotedSlave = nil
	}
}

// sentinelSendSlaveOf is sentinel.c's: SLAVEOF addr (NO ONE when nil) in
// a transaction with CONFIG REWRITE and the killing of the normal and
// pub/sub clients, so that clients reconnect and find the new topology;
// every name through the master's rename-command table. The replies are
// discarded. It reports whether the MULTI was queued.
func (s *sentinelState) sentinelSendSlaveOf(ri *sentinelRedisInstance, addr *sentinelAddr) bool {
	host, port := "NO", "ONE"
	if addr != nil {
		host, port = s.cfg.announceSentinelAddr(*addr), strconv.Itoa(addr.port)
	}
	cc := ri.link.cc
	if !s.linkCommand(ri, cc, nil, sentinelInstanceMapCommand(ri, "MULTI")) {
		return false
	}
	s.linkCommand(ri, cc, nil, sentinelInstanceMapCommand(ri, "SLAVEOF"), host, port)
	s.linkCommand(ri, cc, nil, sentinelInstanceMapCommand(ri, "CONFIG"), "REWRITE")
	s.linkCommand(ri, cc, nil, sentinelInstanceMapCommand(ri, "CLIENT"), "KILL", "TYPE", "normal")
	s.linkCommand(ri, cc, nil, sentinelInstanceMapCommand(ri, "CLIENT"), "KILL", "TYPE", "pubsub")
	s.linkCommand(ri, cc, nil, sentinelInstanceMapCommand(ri, "EXEC"))
	return true
}

// sentinelForceHelloUpdateForMaster is sentinel.c's: the hellos to the
// master, its replicas and its sentinels go out at the next tick.
func (s *sentinelState) sentinelForceHelloUpdateForMaster(master *sentinelRedisInstance) {
	force := func(ri *sentinelRedisInstance) {
		if ri.lastPubTime >= s.timers.publishPeriod+1 {
			ri.lastPubTime -= s.timers.publishPeriod + 1
		}
	}
	master.sentinels.each(force)
	master.slaves.each(force)
	force(master)
}

// sentinelMasterLooksSane is sentinel.c's.
func (s *sentinelState) sentinelMasterLooksSane(master *sentinelRedisInstance) bool {
	return master.flags&sriMaster != 0 && master.roleReported == sriMaster &&
		master.flags&(sriSDown|sriODown) == 0 &&
		s.mstime()-master.infoRefresh < s.timers.infoPeriod*2
}

// sentinelRedisInstanceNoDownFor is sentinel.c's.
func (s *sentinelState) sentinelRedisInstanceNoDownFor(ri *sentinelRedisInstance, ms int64) bool {
	mostRecent := max(ri.sDownSinceTime, ri.oDownSinceTime)
	return mostRecent == 0 || s.mstime()-mostRecent > ms
}

// sentinelRefreshInstanceRole is the acting half of
// sentinelRefreshInstanceInfo, outside TILT: our promoted replica
// reporting master moves the failover to reconf_slaves; another replica
// reporting master is turned back into a replica (+convert-to-slave) once
// the master looks sane and 4 hello periods have passed; a replica
// replicating from elsewhere is fixed (+fix-slave-config) after
// failover-timeout; replicas being reconfigured advance sent → inprog →
// done.
func (s *sentinelState) sentinelRefreshInstanceRole(ri *sentinelRedisInstance, role int) {
	if ri.flags&sriSlave == 0 {
		return
	}
	master := ri.master
	now := s.mstime()
	if role == sriMaster {
		if ri.flags&sriPromoted != 0 && master.flags&sriFailoverInProgress != 0 &&
			master.failoverState == failoverStateWaitPromotion {
			master.configEpoch = master.failoverEpoch
			master.failoverState = failoverStateReconfSlaves
			master.failoverStateChangeTime = now
			s.flushConfig()
			s.sentinelEvent(llWarning, "+promoted-slave", ri, "%@")
			if s.simFailure&simFailureCrashAfterPromotion != 0 {
				s.sentinelSimFailureCrash()
			}
			s.sentinelEvent(llWarning, "+failover-state-reconf-slaves", master, "%@")
			s.sentinelCallClientReconfScript(master, true, "start", master.addr, ri.addr)
			s.sentinelForceHelloUpdateForMaster(master)
		} else {
			waitTime := s.timers.publishPeriod * 4
			if ri.flags&sriPromoted == 0 && s.sentinelMasterLooksSane(master) &&
				s.sentinelRedisInstanceNoDownFor(ri, waitTime) && now-ri.roleReportedTime > waitTime {
				if s.sentinelSendSlaveOf(ri, &master.addr) {
					s.sentinelEvent(llNotice, "+convert-to-slave", ri, "%@")
				}
			}
		}
	}

	if role == sriSlave && (ri.slaveMasterPort != master.addr.port ||
		!s.sentinelAddrEqualsHostname(master.addr, ri.slaveMasterHost)) {
		waitTime := master.cfg.failoverTimeout
		if s.sentinelMasterLooksSane(master) && s.sentinelRedisInstanceNoDownFor(ri, waitTime) &&
			now-ri.slaveConfChangeTime > waitTime {
			if s.sentinelSendSlaveOf(ri, &master.addr) {
				s.sentinelEvent(llNotice, "+fix-slave-config", ri, "%@")
			}
		}
	}

	if role == sriSlave && ri.flags&(sriReconfSent|sriReconfInprog) != 0 && master.promotedSlave != nil {
		p := master.promotedSlave.addr
		if ri.flags&sriReconfSent != 0 && ri.slaveMasterHost != "" &&
			s.sentinelAddrEqualsHostname(p, ri.slaveMasterHost) && ri.slaveMasterPort == p.port {
			ri.flags &^= sriReconfSent
			ri.flags |= sriReconfInprog
			s.sentinelEvent(llNotice, "+slave-reconf-inprog", ri, "%@")
		}
		if ri.flags&sriReconfInprog != 0 && ri.slaveMasterLinkStatus == masterLinkStatusUp {
			ri.flags &^= sriReconfInprog
			ri.flags |= sriReconfDone
			s.sentinelEvent(llNotice, "+slave-reconf-done", ri, "%@")
		}
	}
}

// sentinelFailover is SENTINEL FAILOVER's action: a failover started at
// once, forced (no election), if some replica can be promoted; it returns
// the error to reply otherwise.
func (s *sentinelState) sentinelFailover(master *sentinelRedisInstance) string {
	if slave, _ := s.sentinelSelectSlave(master); slave == nil {
		return "-NOGOODSLAVE No suitable replica to promote"
	}
	s.log(llWarning, "Executing user requested FAILOVER of '"+master.name+"'")
	s.sentinelStartFailover(master)
	master.flags |= sriForceFailover
	return ""
}
