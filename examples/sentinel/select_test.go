package main

import (
	"fmt"
	"slices"
	"testing"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/testenv"
)

// TestCompareSlavesForPromotion: the order sentinelSelectSlave picks from
// is Redis's: lower slave_priority first, then the larger replication
// offset, then the smaller runid (case-insensitive), an unknown runid
// last.
func TestCompareSlavesForPromotion(t *testing.T) {
	mk := func(name string, prio int, off uint64, runid string) *sentinelRedisInstance {
		return &sentinelRedisInstance{name: name, slavePriority: prio, slaveReplOffset: off, runid: runid}
	}
	in := []*sentinelRedisInstance{
		mk("norunid", 10, 500, ""),
		mk("prio100", 100, 900, "a"),
		mk("off400", 10, 400, "a"),
		mk("runidB", 10, 500, "B"),
		mk("runida", 10, 500, "a"),
	}
	slices.SortStableFunc(in, compareSlavesForPromotion)
	var got []string
	for _, ri := range in {
		got = append(got, ri.name)
	}
	want := []string{"runida", "runidB", "norunid", "off400", "prio100"}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

// TestGetLeader: sentinelGetLeader on our loop, with two other sentinels
// whose votes are set by hand (a master nobody listens for, quorum 2).
// Expected: votes at other epochs are ignored; our vote follows the most
// voted; the winner needs a majority of the 3 voters and the quorum.
func TestGetLeader(t *testing.T) {
	dead := testenv.FreePort(t)
	o := startOurs(t, fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 2\n", dead))
	onLoop := func(fn func(s *sentinelState)) {
		done := make(chan struct{})
		o.s.el.Post(func(*ae.EventLoop) { fn(o.s); close(done) })
		<-done
	}
	onLoop(func(s *sentinelState) {
		m := s.sentinelGetMasterByName("mymaster")
		var others []*sentinelRedisInstance
		for i, id := range []string{"1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"} {
			ri, reason := s.createSentinelRedisInstance(id, sriSentinel, "127.0.0.1", dead+1+i, nil, m)
			if ri == nil {
				t.Errorf("sentinel instance: %s", reason) // not Fatal: this runs on the loop
				return
			}
			ri.runid = id
			others = append(others, ri)
		}
		set := func(epoch uint64, votes ...string) {
			s.cfg.currentEpoch = epoch
			for i, v := range votes {
				others[i].leader, others[i].leaderEpoch = v, epoch
			}
		}
		// Both voted X at our epoch: we vote X too, X wins 3/3.
		set(1, "X", "X")
		if got := s.sentinelGetLeader(m, 1); got != "X" {
			t.Errorf("epoch 1, both for X: leader %q, want X", got)
		}
		// Votes at an older epoch do not count: we vote for ourselves, 1/3.
		set(2, "X", "X")
		others[0].leaderEpoch, others[1].leaderEpoch = 1, 1
		if got := s.sentinelGetLeader(m, 2); got != "" {
			t.Errorf("epoch 2, stale votes: leader %q, want none", got)
		}
		// One for us, one for Y: we vote for the most voted (a tie: the
		// first counted, us), 2/3 is a majority and the quorum.
		set(3, s.cfg.myid, "Y")
		if got := s.sentinelGetLeader(m, 3); got != s.cfg.myid {
			t.Errorf("epoch 3, us and Y: leader %q, want us", got)
		}
		// Quorum 3: 2 votes are a majority but not the quorum.
		m.cfg.quorum = 3
		set(4, s.cfg.myid, "Y")
		if got := s.sentinelGetLeader(m, 4); got != "" {
			t.Errorf("epoch 4, quorum 3, 2 votes: leader %q, want none", got)
		}
	})
}
