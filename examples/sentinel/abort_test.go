package main

import (
	"fmt"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// Input: a master with one replica watched by one of ours and two real
// redis-sentinels, quorum 1, failover-timeout 3000; the two real ones are
// stopped (SIGSTOP), then the master SIGKILLed. Expected: ours alone
// reaches +odown (quorum 1) and starts a failover (+try-failover,
// +vote-for-leader for itself), but with two of three voters silent it
// cannot be elected: after the election timeout (failover-timeout, under
// 10 s) it reports -failover-abort-not-elected (sentinelFailoverWaitStart),
// and the master's address does not change.
func TestFailoverAbortNotElected(t *testing.T) {
	master := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")
	testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(master))
	conf := fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 1\n"+
		"sentinel down-after-milliseconds mymaster 1000\n"+
		"sentinel failover-timeout mymaster 3000\n", master)
	o := startOurs(t, conf)
	ev := watchEvents(t, o.port)
	var reals []*realSentinel
	for i := 0; i < 2; i++ {
		reals = append(reals, startReal(t, conf))
	}
	waitFor(t, 30*time.Second, "ours to see the replica and the 2 real sentinels", func() bool {
		m, _ := asMap(dialResp(t, o.port).val("SENTINEL", "MASTER", "mymaster"))
		return m["num-slaves"] == "1" && m["num-other-sentinels"] == "2"
	})
	for _, r := range reals {
		pid := r.cmd.Process.Pid
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Kill(pid, syscall.SIGCONT) })
	}
	killMaster(t, master)
	waitFor(t, 30*time.Second, "ours to give up the election", func() bool {
		_, ok := ev.find("-failover-abort-not-elected master mymaster ")
		return ok
	})
	for _, want := range []string{"+sdown master mymaster ", "+odown master mymaster ", "+try-failover master mymaster ", "+vote-for-leader "} {
		if _, ok := ev.find(want); !ok {
			t.Errorf("no %q before the abort:\n%s", want, ev.all())
		}
	}
	for _, bad := range []string{"+elected-leader", "+switch-master", "+promoted-slave"} {
		if e, ok := ev.find(bad); ok {
			t.Errorf("a failover went on without a majority: %q\n%s", e, ev.all())
		}
	}
	if got := masterAddr(t, o.port); got != "127.0.0.1:"+strconv.Itoa(master) {
		t.Errorf("the master moved to %s", got)
	}
}

// Input: a master with one replica, watched by one of ours
// (failover-timeout 2000); the replica is then pointed at another server
// with REPLICAOF. Expected: ours notices from the replica's INFO that it
// replicates the wrong master and, once failover-timeout has passed since
// the change, sends it back with REPLICAOF (+fix-slave-config); the
// replica then replicates the master again.
func TestFixSlaveConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for two INFO periods (10 s each); skipped with -short")
	}
	master := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")
	replica := testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(master))
	other := testenv.StartRedis(t)
	conf := fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 1\n"+
		"sentinel down-after-milliseconds mymaster 1000\n"+
		"sentinel failover-timeout mymaster 2000\n", master)
	o := startOurs(t, conf)
	ev := watchEvents(t, o.port)
	waitFor(t, 30*time.Second, "ours to see the replica", func() bool {
		m, _ := asMap(dialResp(t, o.port).val("SENTINEL", "MASTER", "mymaster"))
		return m["num-slaves"] == "1"
	})
	if _, v := dialResp(t, replica).do("REPLICAOF", "127.0.0.1", strconv.Itoa(other)); v != "OK" {
		t.Fatalf("REPLICAOF: %v", v)
	}
	waitFor(t, 60*time.Second, "+fix-slave-config", func() bool {
		_, ok := ev.find("+fix-slave-config slave 127.0.0.1:" + strconv.Itoa(replica) + " ")
		return ok
	})
	waitFor(t, 20*time.Second, "the replica to replicate the master again", func() bool {
		return replicationOf(t, replica) == "127.0.0.1:"+strconv.Itoa(master)
	})
}
