package main

import (
	"fmt"
	"slices"
	"testing"
	"time"

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
// Each count is made twice: when our vote is cast, and once its config
// write is over. Expected: votes at other epochs are ignored; our vote
// follows the most voted, and counts only once on disk; the winner needs
// a majority of the 3 voters and the quorum.
func TestGetLeader(t *testing.T) {
	dead := testenv.FreePort(t)
	o := startOurs(t, fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 2\n", dead))
	onLoop := func(fn func(s *sentinelState)) {
		done := make(chan struct{})
		o.s.el.Post(func(*ae.EventLoop) { fn(o.s); close(done) })
		<-done
	}
	var m *sentinelRedisInstance
	var others []*sentinelRedisInstance
	onLoop(func(s *sentinelState) {
		m = s.sentinelGetMasterByName("mymaster")
		for i, id := range []string{"1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"} {
			ri, reason := s.createSentinelRedisInstance(id, sriSentinel, "127.0.0.1", dead+1+i, nil, m)
			if ri == nil {
				t.Errorf("sentinel instance: %s", reason) // not Fatal: this runs on the loop
				return
			}
			ri.runid = id
			others = append(others, ri)
		}
	})
	if len(others) != 2 {
		t.FailNow()
	}
	var myid string
	onLoop(func(s *sentinelState) { myid = s.cfg.myid })
	// leader sets our epoch and the others' votes, counts (casting our
	// vote), waits for its write, and counts again.
	leader := func(epoch uint64, votes []string, stale bool) (cast, onDisk string) {
		onLoop(func(s *sentinelState) {
			s.cfg.currentEpoch = epoch
			for i, v := range votes {
				others[i].leader, others[i].leaderEpoch = v, epoch
				if stale {
					others[i].leaderEpoch = epoch - 1
				}
			}
			cast = s.sentinelGetLeader(m, epoch)
		})
		waitFor(t, 5*time.Second, "our vote on disk", func() bool {
			var ok bool
			onLoop(func(s *sentinelState) { ok = s.flushed(m.voteGen) })
			return ok
		})
		onLoop(func(s *sentinelState) { onDisk = s.sentinelGetLeader(m, epoch) })
		return cast, onDisk
	}
	// Both voted X at our epoch: we vote X too, X wins 3/3 (2/3 without
	// ours).
	if cast, got := leader(1, []string{"X", "X"}, false); cast != "X" || got != "X" {
		t.Errorf("epoch 1, both for X: leader %q then %q, want X", cast, got)
	}
	// Votes at an older epoch do not count: we vote for ourselves, 1/3.
	if cast, got := leader(2, []string{"X", "X"}, true); cast != "" || got != "" {
		t.Errorf("epoch 2, stale votes: leader %q then %q, want none", cast, got)
	}
	// One for us, one for Y: we vote for the most voted (a tie: the first
	// counted, us); once our vote is on disk, 2/3 is a majority and the
	// quorum.
	if cast, got := leader(3, []string{myid, "Y"}, false); cast != "" || got != myid {
		t.Errorf("epoch 3, us and Y: leader %q then %q, want none then us", cast, got)
	}
	// Quorum 3: 2 votes are a majority but not the quorum.
	onLoop(func(*sentinelState) { m.cfg.quorum = 3 })
	if cast, got := leader(4, []string{myid, "Y"}, false); cast != "" || got != "" {
		t.Errorf("epoch 4, quorum 3, 2 votes: leader %q then %q, want none", cast, got)
	}
}
