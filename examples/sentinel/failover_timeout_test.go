package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// TestFailoverEndsForTimeout: one sentinel, quorum 1, a master M with
// three replicas: R1 (replica-priority 1, the one promoted), R2, whose
// replication user exists on M but not on R1 (so, pointed at R1, its link
// never comes up: +slave-reconf-inprog for ever), and R3, whose SLAVEOF is
// renamed away (the reconfiguration transaction fails: +slave-reconf-sent
// for ever). Tried: SENTINEL FAILOVER mymaster with slave-reconf-timeout
// 2000, failover-timeout 6000 and parallel-syncs 3 (with fewer, the
// replica reconfigured first depends on the table's order, which differs
// from Redis's hash order, and sentinelFailoverReconfNextSlave checks the
// reconf timeout only while fewer than parallel-syncs are in progress).
// Expected, the same from redis-sentinel and from ours: R2 and R3 are
// both sent SLAVEOF; R3's reconfiguration times out
// (-slave-reconf-sent-timeout, counted as done), then the failover
// timeout ends the failover (+failover-end-for-timeout, +failover-end) with
// a best-effort SLAVEOF to R2 (+slave-reconf-sent-be), and the master
// switches to R1 (+switch-master).
func TestFailoverEndsForTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("two failovers that wait for their timeouts (~12 s each); skipped with -short")
	}
	testenv.RequireBinary(t, "redis-sentinel")
	run := func(t *testing.T, real bool) []string {
		m := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0", "--user", "repl", "on", ">rpw", "~*", "&*", "+@all")
		auth := []string{"--masteruser", "repl", "--masterauth", "rpw", "--replicaof", "127.0.0.1", strconv.Itoa(m)}
		r1 := testenv.StartRedis(t, append([]string{"--replica-priority", "1", "--repl-diskless-sync-delay", "0"}, auth...)...)
		r2 := testenv.StartRedis(t, append([]string{"--replica-priority", "100"}, auth...)...)
		r3 := testenv.StartRedis(t, append([]string{"--replica-priority", "100", "--rename-command", "SLAVEOF", "renamed-slaveof"}, auth...)...)
		role := map[string]string{}
		for name, p := range map[string]int{"M": m, "R1": r1, "R2": r2, "R3": r3} {
			role[strconv.Itoa(p)] = name
		}
		conf := fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 1\n"+
			"sentinel down-after-milliseconds mymaster 1000\n"+
			"sentinel failover-timeout mymaster 6000\n"+
			"sentinel parallel-syncs mymaster 3\n", m)
		var port int
		if real {
			port = startReal(t, conf).port
		} else {
			port = startOurs(t, conf).port
		}
		ev := watchEvents(t, port)
		c := dialResp(t, port)
		waitFor(t, 30*time.Second, "the sentinel to see 3 linked replicas", func() bool {
			rs := asMaps(c.val("SENTINEL", "REPLICAS", "mymaster"))
			for _, r := range rs {
				if r["master-link-status"] != "ok" {
					return false
				}
			}
			return len(rs) == 3
		})
		if raw, _ := c.do("SENTINEL", "DEBUG", "slave-reconf-timeout", "2000"); string(raw) != "+OK\r\n" {
			t.Fatalf("SENTINEL DEBUG: %q", raw)
		}
		if raw, _ := c.do("SENTINEL", "FAILOVER", "mymaster"); string(raw) != "+OK\r\n" {
			t.Fatalf("SENTINEL FAILOVER: %q", raw)
		}
		waitFor(t, 30*time.Second, "+switch-master", func() bool {
			_, ok := ev.find("+switch-master ")
			return ok
		})
		// Each event of the reconfiguration phase, its instance named by role.
		var got []string
		for _, e := range strings.Split(ev.all(), "\n") {
			f := strings.Fields(e)
			if len(f) < 4 || !slices.Contains([]string{"+slave-reconf-sent", "-slave-reconf-sent-timeout", "+slave-reconf-inprog",
				"+slave-reconf-done", "+failover-end-for-timeout", "+failover-end", "+slave-reconf-sent-be", "+switch-master"}, f[0]) {
				continue
			}
			if f[0] == "+switch-master" {
				got = append(got, "+switch-master "+role[f[3]]+" "+role[f[5]])
				continue
			}
			got = append(got, f[0]+" "+f[1]+" "+role[f[4]])
		}
		slices.Sort(got)
		return slices.Compact(got)
	}
	var want, got []string
	t.Run("redis-sentinel", func(t *testing.T) { want = run(t, true) })
	t.Run("ours", func(t *testing.T) { got = run(t, false) })
	t.Logf("redis-sentinel's reconfiguration events: %q", want)
	if !slices.Contains(want, "+failover-end-for-timeout master M") || !slices.Contains(want, "-slave-reconf-sent-timeout slave R3") {
		t.Errorf("the scenario did not time out as intended under redis-sentinel: %q", want)
	}
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("reconfiguration events:\nredis-sentinel %q\nours           %q", want, got)
	}
}
