package main

// Down states and the vote: sentinel.c's sentinelCheckSubjectivelyDown,
// sentinelCheckObjectivelyDown, sentinelAskMasterStateToOtherSentinels,
// sentinelReceiveIsMasterDownReply and sentinelVoteLeader.

import (
	"math/rand/v2"
	"strconv"

	"github.com/goae/goae/internal/redisasync"
)

// sentinelCheckSubjectivelyDown is sentinel.c's: first the idle-link rule
// (a command link up for 15 s with a PING pending and nothing back for
// half the down-after period is closed, as is a pub/sub link quiet for
// three hello periods); then SDOWN when a PING has been pending longer
// than down-after (or, disconnected, no valid reply for that long), when
// a master has reported role slave for down-after plus two INFO periods,
// or when a rebooted master has not answered PONG within
// master-reboot-down-after-period.
func (s *sentinelState) sentinelCheckSubjectivelyDown(ri *sentinelRedisInstance) {
	link := ri.link
	now := s.mstime()
	var elapsed int64
	if link.actPingTime != 0 {
		elapsed = now - link.actPingTime
	} else if link.disconnected {
		elapsed = now - link.lastAvailTime
	}

	if link.cc != nil && now-link.ccConnTime > s.timers.minLinkReconnectPeriod &&
		link.actPingTime != 0 && now-link.actPingTime > ri.downAfterPeriod/2 &&
		now-link.lastPongTime > ri.downAfterPeriod/2 {
		s.instanceLinkCloseConnection(link, link.cc)
	}
	if link.pc != nil && now-link.pcConnTime > s.timers.minLinkReconnectPeriod &&
		now-link.pcLastActivity > s.timers.publishPeriod*3 {
		s.instanceLinkCloseConnection(link, link.pc)
	}

	var rebootDown bool
	if ri.flags&sriMasterReboot != 0 && ri.cfg != nil {
		rebootDown = now-ri.masterRebootSinceTime > ri.cfg.masterRebootDownPeriod
	}
	if elapsed > ri.downAfterPeriod ||
		(ri.flags&sriMaster != 0 && ri.roleReported == sriSlave &&
			now-ri.roleReportedTime > ri.downAfterPeriod+s.timers.infoPeriod*2) ||
		rebootDown {
		if ri.flags&sriSDown == 0 {
			s.sentinelEvent(llWarning, "+sdown", ri, "%@")
			ri.sDownSinceTime = now
			ri.flags |= sriSDown
		}
	} else if ri.flags&sriSDown != 0 {
		s.sentinelEvent(llWarning, "-sdown", ri, "%@")
		ri.flags &^= sriSDown | sriScriptKillSent
	}
}

// sentinelCheckObjectivelyDown is sentinel.c's: SDOWN here, and with the
// sentinels whose last reply said down, at least quorum.
func (s *sentinelState) sentinelCheckObjectivelyDown(master *sentinelRedisInstance) {
	quorum, odown := 0, false
	if master.flags&sriSDown != 0 {
		quorum = 1
		for _, ri := range master.sentinels.list {
			if ri.flags&sriMasterDown != 0 {
				quorum++
			}
		}
		odown = quorum >= master.cfg.quorum
	}
	if odown {
		if master.flags&sriODown == 0 {
			s.sentinelEvent(llWarning, "+odown", master, "%@ #quorum %d/%d", quorum, master.cfg.quorum)
			master.flags |= sriODown
			master.oDownSinceTime = s.mstime()
		}
	} else if master.flags&sriODown != 0 {
		s.sentinelEvent(llWarning, "-odown", master, "%@")
		master.flags &^= sriODown
	}
}

// sentinelAskMasterStateToOtherSentinels is sentinel.c's: replies older
// than 5 s are forgotten; while the master is SDOWN each connected
// sentinel is asked SENTINEL is-master-down-by-addr once per ask period
// (at once when forced), with our myid once our failover started (asking
// for its vote), else "*".
func (s *sentinelState) sentinelAskMasterStateToOtherSentinels(master *sentinelRedisInstance, forced bool) {
	for _, ri := range master.sentinels.list {
		now := s.mstime()
		if now-ri.lastMasterDownReplyTime > sentinelInfoValidityTime {
			ri.flags &^= sriMasterDown
			ri.leader = ""
		}
		if master.flags&sriSDown == 0 || ri.link.disconnected {
			continue
		}
		if !forced && now-ri.lastMasterDownReplyTime < s.timers.askPeriod {
			continue
		}
		runid := "*"
		if master.failoverState > failoverStateNone {
			runid = s.cfg.myid
		}
		s.linkCommand(ri, ri.link.cc, sentinelReceiveIsMasterDownReply,
			sentinelInstanceMapCommand(ri, "SENTINEL"), "is-master-down-by-addr",
			s.cfg.announceSentinelAddr(master.addr), strconv.Itoa(master.addr.port),
			strconv.FormatUint(s.cfg.currentEpoch, 10), runid)
	}
}

// sentinelReceiveIsMasterDownReply is sentinel.c's: a well-formed reply
// sets or clears the sentinel's master_down flag and records its vote.
func sentinelReceiveIsMasterDownReply(s *sentinelState, ri *sentinelRedisInstance, _ *instanceLink, r *redisasync.Reply) {
	if r.Type != redisasync.TypeArray || len(r.Elements) != 3 ||
		r.Elements[0].Type != redisasync.TypeInteger || r.Elements[1].Type != redisasync.TypeString ||
		r.Elements[2].Type != redisasync.TypeInteger {
		return
	}
	ri.lastMasterDownReplyTime = s.mstime()
	if r.Elements[0].Integer == 1 {
		ri.flags |= sriMasterDown
	} else {
		ri.flags &^= sriMasterDown
	}
	if leader := string(r.Elements[1].Str); leader != "*" {
		epoch := uint64(r.Elements[2].Integer)
		if ri.leaderEpoch != epoch {
			s.log(llNotice, ri.name+" voted for "+leader+" "+strconv.FormatUint(epoch, 10))
		}
		ri.leader = leader
		ri.leaderEpoch = epoch
	}
}

// sentinelVoteLeader is sentinel.c's: a request at an epoch above ours
// moves our epoch there; if we have not voted for this master at that
// epoch yet, the requester gets our vote (first come, first served), and
// having voted for another we hold off our own failover of this master.
// It returns our vote for the master and its epoch.
//
// Redis's sentinelFlushConfig is synchronous: the vote is on disk when
// this returns, so nothing acts on a vote a crash could make it forget
// and cast again in the same epoch. Here the write is the writer's
// (config_writer.go), and master.voteGen is the write that carries the
// vote: the reply to SENTINEL is-master-down-by-addr waits for it
// (replyAfterFlush), and sentinelGetLeader does not count it before.
func (s *sentinelState) sentinelVoteLeader(master *sentinelRedisInstance, reqEpoch uint64, reqRunid string) (string, uint64) {
	if reqEpoch > s.cfg.currentEpoch {
		s.cfg.currentEpoch = reqEpoch
		s.flushConfig()
		s.sentinelEvent(llWarning, "+new-epoch", master, "%d", s.cfg.currentEpoch)
	}
	if master.leaderEpoch < reqEpoch && s.cfg.currentEpoch <= reqEpoch {
		master.leader = reqRunid
		master.leaderEpoch = s.cfg.currentEpoch
		s.flushConfig()
		master.voteGen = s.submittedGen
		s.sentinelEvent(llWarning, "+vote-for-leader", master, "%s %d", master.leader, master.leaderEpoch)
		if !equalFoldString(master.leader, s.cfg.myid) {
			master.failoverStartTime = s.mstime() + rand.Int64N(sentinelMaxDesync)
		}
	}
	return master.leader, master.leaderEpoch
}
