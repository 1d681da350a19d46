package main

// Replica selection for a failover: sentinel.c's sentinelSelectSlave and
// compareSlavesForPromotion.

import (
	"fmt"
	"slices"
	"strings"
)

// sentinelSelectSlave is sentinel.c's: the best replica of master to
// promote, or nil. A replica is skipped when it is SDOWN/ODOWN, its link is
// down, it gave no valid PING reply for 5 ping periods, its INFO is older
// than 5 ping periods (3 INFO periods while the master is not SDOWN), its
// priority is 0, or its link to the master has been down longer than the
// master has been SDOWN plus 10 × down-after. The best of the rest has the
// lowest slave_priority, then the largest replication offset, then the
// smallest runid (an unknown runid last).
//
// Better than Redis (redis#5677, #7825): the reasons each replica was
// excluded for are returned too, for the -failover-abort-no-good-slave
// log line.
func (s *sentinelState) sentinelSelectSlave(master *sentinelRedisInstance) (*sentinelRedisInstance, []string) {
	now := s.mstime()
	var maxMasterDownTime int64
	if master.flags&sriSDown != 0 {
		maxMasterDownTime += now - master.sDownSinceTime
	}
	maxMasterDownTime += master.downAfterPeriod * 10

	var candidates []*sentinelRedisInstance
	var excluded []string
	for _, sl := range master.slaves.list {
		reason := ""
		infoValidityTime := s.timers.infoPeriod * 3
		if master.flags&sriSDown != 0 {
			infoValidityTime = s.timers.pingPeriod * 5
		}
		switch {
		case sl.flags&(sriSDown|sriODown) != 0:
			reason = "is down (s_down)"
		case sl.link.disconnected:
			reason = "is disconnected"
		case now-sl.link.lastAvailTime > s.timers.pingPeriod*5:
			reason = fmt.Sprintf("gave no valid PING reply for %d ms (limit %d)", now-sl.link.lastAvailTime, s.timers.pingPeriod*5)
		case sl.slavePriority == 0:
			reason = "has replica-priority 0"
		case now-sl.infoRefresh > infoValidityTime:
			reason = fmt.Sprintf("has INFO %d ms old (limit %d)", now-sl.infoRefresh, infoValidityTime)
		case sl.masterLinkDownTime > maxMasterDownTime:
			reason = fmt.Sprintf("has its master link down for %d ms (limit %d)", sl.masterLinkDownTime, maxMasterDownTime)
		}
		if reason != "" {
			excluded = append(excluded, sl.name+" "+reason)
			continue
		}
		candidates = append(candidates, sl)
	}
	if len(candidates) == 0 {
		if len(excluded) == 0 {
			excluded = append(excluded, "no replica is known")
		}
		return nil, excluded
	}
	slices.SortStableFunc(candidates, compareSlavesForPromotion)
	return candidates[0], excluded
}

// compareSlavesForPromotion is sentinel.c's.
func compareSlavesForPromotion(a, b *sentinelRedisInstance) int {
	if a.slavePriority != b.slavePriority {
		return a.slavePriority - b.slavePriority
	}
	if a.slaveReplOffset > b.slaveReplOffset {
		return -1
	} else if a.slaveReplOffset < b.slaveReplOffset {
		return 1
	}
	switch {
	case a.runid == "" && b.runid == "":
		return 0
	case a.runid == "":
		return 1
	case b.runid == "":
		return -1
	}
	return strings.Compare(strings.ToLower(a.runid), strings.ToLower(b.runid))
}
