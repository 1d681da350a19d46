package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
)

// appendReply encodes r again: RESP2 replies re-encode to their bytes.
func appendReply(out []byte, r resp.Reply) []byte {
	switch r.Type {
	case '+':
		return resp.AppendSimpleString(out, string(r.Str))
	case '-':
		return append(append(append(out, '-'), r.Str...), "\r\n"...)
	case ':':
		return resp.AppendInt(out, r.Int)
	case '$':
		if r.Null {
			return resp.AppendNullBulk(out)
		}
		return resp.AppendBulk(out, r.Str)
	case '*':
		if r.Null {
			return resp.AppendNullArray(out)
		}
		out = resp.AppendArrayLen(out, len(r.Array))
		for _, e := range r.Array {
			out = appendReply(out, e)
		}
	}
	return out
}

// sortedElems re-encodes each element of an array reply and sorts them:
// CLUSTER SHARDS lists shards in dict order, which differs between nodes.
func sortedElems(r resp.Reply) []string {
	var elems []string
	for _, e := range r.Array {
		elems = append(elems, string(appendReply(nil, e)))
	}
	sort.Strings(elems)
	return elems
}

// normNodes normalises CLUSTER NODES for comparing two nodes' views: the
// lines sorted, the per-viewer fields dropped (myself, ping_sent,
// pong_received) and, for a failed node, the link state, which flickers
// while the viewer keeps trying to reconnect.
func normNodes(text string) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		f := strings.Split(l, " ")
		if len(f) < 8 {
			lines = append(lines, l)
			continue
		}
		f[2] = strings.Replace(f[2], "myself,", "", 1)
		f[4], f[5] = "-", "-"
		if strings.Contains(f[2], "fail") {
			f[7] = "-"
		}
		lines = append(lines, strings.Join(f, " "))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// infoFields picks the CLUSTER INFO fields that every node of a cluster
// shares.
func infoFields(info string) string {
	var keep []string
	for _, l := range strings.Split(info, "\r\n") {
		k, _, _ := strings.Cut(l, ":")
		switch k {
		case "cluster_state", "cluster_slots_assigned", "cluster_slots_ok", "cluster_slots_pfail",
			"cluster_slots_fail", "cluster_known_nodes", "cluster_size", "cluster_current_epoch":
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, " ")
}

// Input: three real redis-server 7.0 masters (node timeout 3000 ms)
// given all 16384 slots with CLUSTER ADDSLOTSRANGE (0-5460, 5461-10922,
// 10923-16383) and our node (node timeout 1000 ms, so that it sees a
// failure first); redis1 meets redis2, redis3 and ours. Then redis2 runs
// CLUSTER BUMPEPOCH and CLUSTER SETSLOT 0 NODE <redis2>; then redis3 is
// killed with SIGKILL (by its PID).
// Expected, converged: ours' CLUSTER INFO says cluster_state:ok,
// cluster_slots_assigned:16384, cluster_slots_ok:16384, cluster_size:3,
// cluster_known_nodes:4, with the same shared fields (state, slots,
// size, known nodes, current epoch) as every redis node; ours' CLUSTER
// SLOTS reply is byte for byte each redis node's; ours' CLUSTER SHARDS
// has the same shards, byte for byte, as each redis node's (in any
// order); ours' CLUSTER NODES has the same lines as each redis node's
// once myself, ping_sent and pong_received are set aside (so the same
// owners, ranges, epochs, flags and links). After redis2's claim under
// its new, greatest epoch, ours has slot 0 at redis2 (CLUSTER NODES "0
// 5461-10922") and agrees with every redis node again. After the kill:
// ours flags
// redis3 "fail?" first, and while neither redis node has it "fail?" or
// "fail" ours never flags it "fail" (the quorum is 2 of 3 slot owners and
// ours is one vote; the window is sampled every 50 ms and must be seen);
// then ours and the two redis nodes left all flag redis3 "master,fail",
// ours through a redis node's FAIL message or its own quorum, which its
// log must show came after a redis master's failure report; ours' CLUSTER
// INFO and CLUSTER NODES agree with redis1's
// again (cluster_state:fail, cluster_slots_fail:5461, cluster_size:3).
func TestMixedSlotsCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three redis-servers")
	}
	var rports []int
	for i := 0; i < 3; i++ {
		rports = append(rports, startClusterRedisNode(t, 3000, ""))
	}
	rec := &logRecorder{level: llVerbose}
	ours := startNode(t, Config{NodeTimeout: 1000, Log: slog.New(rec)})
	for _, p := range []int{rports[1], rports[2], ours.cfg.Port} {
		if s := redisStr(t, rports[0], "cluster", "meet", "127.0.0.1", strconv.Itoa(p)); s != "OK" {
			t.Fatalf("CLUSTER MEET: %s", s)
		}
	}
	for i, r := range [][2]int{{0, 5460}, {5461, 10922}, {10923, 16383}} {
		if s := redisStr(t, rports[i], "cluster", "addslotsrange", strconv.Itoa(r[0]), strconv.Itoa(r[1])); s != "OK" {
			t.Fatalf("CLUSTER ADDSLOTSRANGE: %s", s)
		}
	}

	// what compares ours with each redis node and says how they differ.
	var last string
	defer func() {
		if t.Failed() && last != "" {
			t.Logf("last difference:\n%s", last)
		}
	}()
	agree := func(ports []int, withSlots bool) bool {
		oursInfo := infoFields(callStr(t, ours, "cluster", "info"))
		oursNodes := normNodes(callStr(t, ours, "cluster", "nodes"))
		oursSlots := appendReply(nil, call(t, ours, "cluster", "slots"))
		oursShards := sortedElems(call(t, ours, "cluster", "shards"))
		for _, p := range ports {
			if info := infoFields(redisStr(t, p, "cluster", "info")); info != oursInfo {
				last = fmt.Sprintf("CLUSTER INFO\nours:  %s\nredis %d: %s", oursInfo, p, info)
				return false
			}
			if nodes := normNodes(redisStr(t, p, "cluster", "nodes")); nodes != oursNodes {
				last = fmt.Sprintf("CLUSTER NODES\nours:\n%s\nredis %d:\n%s", oursNodes, p, nodes)
				return false
			}
			if !withSlots {
				continue
			}
			if slots := appendReply(nil, redisDo(t, p, "cluster", "slots")); !bytes.Equal(slots, oursSlots) {
				last = fmt.Sprintf("CLUSTER SLOTS\nours:  %q\nredis %d: %q", oursSlots, p, slots)
				return false
			}
			if shards := sortedElems(redisDo(t, p, "cluster", "shards")); strings.Join(shards, "|") != strings.Join(oursShards, "|") {
				last = fmt.Sprintf("CLUSTER SHARDS\nours:  %q\nredis %d: %q", oursShards, p, shards)
				return false
			}
		}
		return true
	}
	start := time.Now()
	waitFor(t, 30*time.Second, "ours and the three redis nodes to agree, cluster ok", func() bool {
		info := callStr(t, ours, "cluster", "info")
		for _, want := range []string{"cluster_state:ok", "cluster_slots_assigned:16384", "cluster_slots_ok:16384", "cluster_size:3", "cluster_known_nodes:4"} {
			if !strings.Contains(info, want+"\r\n") {
				last = "ours' CLUSTER INFO lacks " + want + ":\n" + info
				return false
			}
		}
		return agree(rports, true)
	})
	t.Logf("agreed %v after the MEETs:\n%s", time.Since(start).Round(time.Millisecond), callStr(t, ours, "cluster", "nodes"))

	// A newer-epoch claim: redis2 takes the greatest configEpoch, then
	// slot 0 from redis1.
	id2 := redisStr(t, rports[1], "cluster", "myid")
	redisStr(t, rports[1], "cluster", "bumpepoch")
	if s := redisStr(t, rports[1], "cluster", "setslot", "0", "node", id2); s != "OK" {
		t.Fatalf("CLUSTER SETSLOT 0 NODE redis2: %s", s)
	}
	waitFor(t, 15*time.Second, "slot 0 to move to redis2 everywhere, all in agreement", func() bool {
		if o := slotOwners(ours)[0]; o != id2 {
			last = "ours has slot 0 at " + o
			return false
		}
		return agree(rports, true)
	})
	if got := strings.Join(clusterNodes(t, ours)[id2].slots, " "); got != "0 5461-10922" {
		t.Errorf("ours' CLUSTER NODES slots of redis2: %q, want \"0 5461-10922\"", got)
	}

	pid, err := strconv.Atoi(strings.TrimSpace(infoValue(redisStr(t, rports[2], "info", "server"), "process_id")))
	if err != nil {
		t.Fatalf("redis3's process_id: %v", err)
	}
	id3 := redisStr(t, rports[2], "cluster", "myid")
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL redis3: %v", err)
	}
	killed := time.Now()
	flagsOf := func(port int) string {
		return parseClusterNodes(t, redisStr(t, port, "cluster", "nodes"))[id3].flags
	}
	window := 0 // samples with ours at fail? and both redis nodes still at master
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no redis node flagged redis3 fail? within 15 s")
		}
		mine := clusterNodes(t, ours)[id3].flags // read first: redis flags only grow
		f1, f2 := flagsOf(rports[0]), flagsOf(rports[1])
		if f1 != "master" || f2 != "master" {
			break
		}
		if mine == "master,fail" {
			t.Fatalf("ours flagged redis3 fail %v after the SIGKILL while no redis node had it fail? (quorum 2, ours one vote)", time.Since(killed).Round(time.Millisecond))
		}
		if mine == "master,fail?" {
			window++
		}
	}
	t.Logf("ours alone had redis3 fail? in %d samples, %v after the SIGKILL", window, time.Since(killed).Round(time.Millisecond))
	if window == 0 {
		t.Errorf("the window with only ours flagging redis3 fail? was not sampled")
	}
	waitFor(t, 20*time.Second, "ours, redis1 and redis2 to flag redis3 master,fail", func() bool {
		if fl := clusterNodes(t, ours)[id3].flags; fl != "master,fail" {
			last = "ours: " + fl
			return false
		}
		for _, p := range rports[:2] {
			if fl := parseClusterNodes(t, redisStr(t, p, "cluster", "nodes"))[id3].flags; fl != "master,fail" {
				last = fmt.Sprintf("redis %d: %s", p, fl)
				return false
			}
		}
		return true
	})
	t.Logf("redis3 flagged fail everywhere %v after the SIGKILL", time.Since(killed).Round(time.Millisecond))
	// How ours got there: a FAIL message from a redis node, or its own
	// quorum after a redis master's report (logged before it).
	failMsg := rec.index(" about " + id3)
	quorum := rec.index("Marking node " + id3 + " as failing (quorum reached).")
	report := rec.index(" reported node " + id3 + " as not reachable.")
	switch {
	case quorum >= 0 && (failMsg < 0 || quorum < failMsg):
		if report < 0 || report > quorum {
			t.Errorf("ours reached the quorum for redis3 with no redis master's report before it")
		} else {
			t.Logf("ours reached the quorum itself, after a redis master's report")
		}
	case failMsg >= 0:
		t.Logf("ours learnt it from a redis node's FAIL message")
	default:
		t.Errorf("ours flagged redis3 fail with neither a FAIL message nor the quorum")
	}
	waitFor(t, 10*time.Second, "ours and redis1 to agree after the failure", func() bool {
		info := callStr(t, ours, "cluster", "info")
		for _, want := range []string{"cluster_state:fail", "cluster_slots_fail:5461", "cluster_size:3"} {
			if !strings.Contains(info, want+"\r\n") {
				last = "ours' CLUSTER INFO lacks " + want + ":\n" + info
				return false
			}
		}
		return agree(rports[:1], true)
	})
}

// infoValue returns the value of field in an INFO text.
func infoValue(info, field string) string {
	for _, l := range strings.Split(info, "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && k == field {
			return v
		}
	}
	return ""
}
