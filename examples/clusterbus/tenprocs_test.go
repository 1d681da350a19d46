package main

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkView returns "" when v, the CLUSTER NODES of the node named self,
// lists exactly the ids of want, each at 127.0.0.1, its client port
// (want[id]) and that port + 10000, without a master, flagged
// "myself,master" for self, "master,fail" for failed (if not "") and
// "master" with its link connected for every other; else what is wrong.
func checkView(v map[string]nodeLine, self, failed string, want map[string]int) string {
	if len(v) != len(want) {
		return fmt.Sprintf("%d nodes listed, want %d", len(v), len(want))
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		l, ok := v[id]
		if !ok {
			return id + " missing"
		}
		port := want[id]
		if l.ip != "127.0.0.1" || l.port != port || l.cport != port+PortIncr || l.master != "-" {
			return fmt.Sprintf("%s listed as %v, want 127.0.0.1:%d@%d", id, l, port, port+PortIncr)
		}
		flags := "master"
		switch id {
		case self:
			flags = "myself,master"
		case failed:
			flags = "master,fail"
		}
		if l.flags != flags {
			return fmt.Sprintf("%s flagged %q, want %q", id, l.flags, flags)
		}
		if id != failed && l.link != "connected" {
			return fmt.Sprintf("%s %s", id, l.link)
		}
	}
	return ""
}

// Input: the command built once and run as ten processes, each with its
// own nodes.conf, --cluster-node-timeout 2000 and --loglevel notice,
// introduced by a chain of CLUSTER MEETs only: node i is told to meet
// node i+1, for i = 0..8. Once they agree, node 4 is killed with SIGKILL
// (no shutdown, nodes.conf as last written); once the others agree it
// failed, it is started again on the same port with the same nodes.conf.
// Expected: gossip spreads the chain: every node lists the ten ids as
// connected masters at their addresses ("myself,master" for itself).
// After the SIGKILL the nine others flag node 4 "master,fail" and keep
// seeing each other as connected masters; the way there went through
// "fail?" (PFAIL): at least one survivor logs "Marking node <id> as
// failing (quorum reached).", which markNodeAsFailingIfNeeded writes only
// for a node it has flagged PFAIL (the others may take the FAIL
// broadcast). Restarted, node 4 has its old id (CLUSTER MYID) and all ten
// list all ten as connected masters again, with no fail flag: as in Redis
// 7.0's clearNodeFailureIfNeeded, the FAIL of a master without slots is
// cleared on its first PONG (the node_timeout × 2 delay is only for
// masters with slots), so each of the nine logs "Clear FAIL state for
// node <id>: master without slots is reachable again."
func TestTenProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and runs ten processes")
	}
	const (
		n       = 10
		victim  = 4
		timeout = "2000"
		// Far above what convergence, failure detection or rejoining
		// take (seconds); only a stuck machine gets near it.
		deadline = 60 * time.Second
	)
	bin := buildBinary(t)
	dir := t.TempDir()
	conf := func(i int) string { return filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", i)) }
	args := func(i int) []string {
		// After startProc's --loglevel warning: the flag package keeps
		// the last value.
		return []string{"--cluster-config-file", conf(i), "--cluster-node-timeout", timeout, "--loglevel", "notice"}
	}
	ps := make([]*proc, n)
	defer func() {
		if !t.Failed() {
			return
		}
		for i, p := range ps {
			if p == nil {
				continue
			}
			state := "running"
			select {
			case <-p.done:
				state = p.cmd.ProcessState.String()
			default:
			}
			t.Logf("node %d (port %d, %s) output:\n%s", i, p.port, state, p.out.String())
		}
	}()
	ids := make([]string, n)
	want := map[string]int{}
	for i := range ps {
		ps[i] = startProc(t, bin, 0, args(i)...)
		ids[i] = redisStr(t, ps[i].port, "cluster", "myid")
		want[ids[i]] = ps[i].port
	}
	for i := 0; i+1 < n; i++ {
		if s := redisStr(t, ps[i].port, "cluster", "meet", "127.0.0.1", strconv.Itoa(ps[i+1].port)); s != "OK" {
			t.Fatalf("CLUSTER MEET: %s", s)
		}
	}

	// check reports the first node (among those in alive) whose view is
	// not as expected, keeping its CLUSTER NODES for the failure message.
	var last string
	defer func() {
		if t.Failed() && last != "" {
			t.Logf("last view that did not match:\n%s", last)
		}
	}()
	check := func(alive []int, failed string) bool {
		for _, i := range alive {
			text := redisStr(t, ps[i].port, "cluster", "nodes")
			if why := checkView(parseClusterNodes(t, text), ids[i], failed, want); why != "" {
				last = fmt.Sprintf("node %d (%s): %s\n%s", i, ids[i], why, text)
				return false
			}
		}
		return true
	}
	all := make([]int, n)
	var survivors []int
	for i := range all {
		all[i] = i
		if i != victim {
			survivors = append(survivors, i)
		}
	}

	start := time.Now()
	waitFor(t, deadline, "ten processes to converge", func() bool { return check(all, "") })
	t.Logf("converged %v after the MEETs", time.Since(start).Round(time.Millisecond))

	dead := ids[victim]
	ps[victim].cmd.Process.Kill()
	<-ps[victim].done
	start = time.Now()
	sawPFail := false
	waitFor(t, deadline, "the nine survivors to flag node 4 master,fail", func() bool {
		for _, i := range survivors {
			if l := parseClusterNodes(t, redisStr(t, ps[i].port, "cluster", "nodes"))[dead]; l.flags == "master,fail?" && !sawPFail {
				sawPFail = true
				t.Logf("node %d flags node 4 master,fail? %v after the SIGKILL", i, time.Since(start).Round(time.Millisecond))
			}
		}
		return check(survivors, dead)
	})
	t.Logf("all nine flag node 4 master,fail %v after the SIGKILL", time.Since(start).Round(time.Millisecond))
	quorum := "Marking node " + dead + " as failing (quorum reached)."
	var marked []int
	for _, i := range survivors {
		if strings.Contains(ps[i].out.String(), quorum) {
			marked = append(marked, i)
		}
	}
	if len(marked) == 0 {
		t.Fatalf("no survivor logged %q (so none went through fail?)", quorum)
	}
	t.Logf("reached the quorum itself (from fail?): nodes %v; fail? also sampled in CLUSTER NODES: %v", marked, sawPFail)

	ps[victim] = startProc(t, bin, ps[victim].port, args(victim)...)
	if got := redisStr(t, ps[victim].port, "cluster", "myid"); got != dead {
		t.Fatalf("restarted node 4 is %s, was %s", got, dead)
	}
	start = time.Now()
	waitFor(t, deadline, "all ten to list all ten as connected masters again", func() bool { return check(all, "") })
	t.Logf("rejoined %v after the restart", time.Since(start).Round(time.Millisecond))
	cleared := "Clear FAIL state for node " + dead + ": master without slots is reachable again."
	for _, i := range survivors {
		if !strings.Contains(ps[i].out.String(), cleared) {
			t.Errorf("node %d did not log %q", i, cleared)
		}
	}
}
