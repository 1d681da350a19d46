package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/testenv"
)

// deployment is a master with two replicas, two real redis-sentinels and
// one of ours, all monitoring "mymaster" with quorum 2, down-after 1000.
type deployment struct {
	master   int
	replicas []int
	reals    []*realSentinel
	ours     *ourSentinel
}

const mixedConf = "sentinel monitor mymaster 127.0.0.1 %d 2\n" +
	"sentinel down-after-milliseconds mymaster 1000\n" +
	"sentinel failover-timeout mymaster 6000\n"

func startDeployment(t *testing.T) *deployment {
	testenv.RequireBinary(t, "redis-sentinel")
	d := &deployment{master: testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")}
	for i := 0; i < 2; i++ {
		d.replicas = append(d.replicas, testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(d.master)))
	}
	conf := fmt.Sprintf(mixedConf, d.master)
	d.reals = []*realSentinel{startReal(t, conf), startReal(t, conf)}
	d.ours = startOurs(t, conf)
	return d
}

// numericField reports whether a reply field holds a number, as the time
// fields do.
func numericField(v string) bool {
	_, err := strconv.ParseInt(v, 10, 64)
	return err == nil
}

// compareInstance checks that two instance maps have the same fields in
// the same order, the same values for the fields that do not depend on
// timing, and numbers in the others.
func compareInstance(t *testing.T, what string, ours, theirs any, exact ...string) {
	t.Helper()
	om, okeys := asMap(ours)
	tm, tkeys := asMap(theirs)
	if !slices.Equal(okeys, tkeys) {
		t.Errorf("%s: fields differ:\n ours   %v\n theirs %v", what, okeys, tkeys)
		return
	}
	for _, k := range okeys {
		if slices.Contains(exact, k) {
			if om[k] != tm[k] {
				t.Errorf("%s: %s is %q here, %q in redis-sentinel", what, k, om[k], tm[k])
			}
		} else if numericField(tm[k]) && !numericField(om[k]) {
			t.Errorf("%s: %s is %q here, a number (%s) in redis-sentinel", what, k, om[k], tm[k])
		}
	}
}

var (
	masterExact = []string{"name", "ip", "port", "runid", "flags", "link-refcount",
		"down-after-milliseconds", "role-reported", "config-epoch", "num-slaves",
		"num-other-sentinels", "quorum", "failover-timeout", "parallel-syncs"}
	replicaExact = []string{"name", "ip", "port", "runid", "flags", "link-refcount",
		"down-after-milliseconds", "role-reported", "master-link-down-time", "master-link-status",
		"master-host", "master-port", "slave-priority", "replica-announced"}
	sentinelExact = []string{"name", "ip", "port", "runid", "flags", "link-refcount",
		"down-after-milliseconds", "voted-leader", "voted-leader-epoch"}
)

// TestMixedDeployment: ours beside two real redis-sentinels discovers both
// replicas (from the master's INFO) and both sentinels (from their
// hellos); the real ones list ours; MASTER, REPLICAS, SENTINELS,
// GET-MASTER-ADDR-BY-NAME and CKQUORUM from ours agree with theirs, field
// by field (times by shape); ours writes the known replicas and sentinels
// in its config as the config layer writes them. Then the master is
// stopped (SIGSTOP), ours holding off its own failover so a real one leads:
// ours reports +sdown and +odown with the quorum as the real ones do,
// votes when asked, and follows the failover the real ones carry out (+switch-master from their hello): GET-MASTER-ADDR-BY-NAME
// names the new master, and the config file has it with the new epoch.
func TestMixedDeployment(t *testing.T) {
	d := startDeployment(t)
	ours := dialResp(t, d.ours.port)
	ev := watchEvents(t, d.ours.port)
	myid := fmt.Sprint(ours.val("SENTINEL", "MYID"))

	waitFor(t, 30*time.Second, "ours to discover 2 replicas and 2 sentinels", func() bool {
		m, _ := asMap(ours.val("SENTINEL", "MASTER", "mymaster"))
		return m["num-slaves"] == "2" && m["num-other-sentinels"] == "2"
	})
	for _, r := range d.reals {
		rc := dialResp(t, r.port)
		waitFor(t, 30*time.Second, "redis-sentinel to list ours", func() bool {
			for _, s := range asMaps(rc.val("SENTINEL", "SENTINELS", "mymaster")) {
				if s["runid"] == myid {
					return true
				}
			}
			return false
		})
	}
	// Let every view settle: replicas' INFO seen, links up, all hellos in.
	real0 := dialResp(t, d.reals[0].port)
	waitFor(t, 30*time.Second, "both sides to see every replica linked and every sentinel", func() bool {
		return viewsSettled("2", "2", ours, real0)
	})

	compareInstance(t, "SENTINEL MASTER", ours.val("SENTINEL", "MASTER", "mymaster"),
		real0.val("SENTINEL", "MASTER", "mymaster"), masterExact...)

	byName := func(v any) map[string]any {
		out := map[string]any{}
		for _, e := range v.([]any) {
			m, _ := asMap(e)
			out[m["name"]] = e
		}
		return out
	}
	or, tr := byName(ours.val("SENTINEL", "REPLICAS", "mymaster")), byName(real0.val("SENTINEL", "REPLICAS", "mymaster"))
	if len(or) != 2 || len(tr) != 2 {
		t.Fatalf("replicas: ours %d, theirs %d", len(or), len(tr))
	}
	for name, e := range tr {
		if or[name] == nil {
			t.Errorf("ours does not list replica %s", name)
			continue
		}
		compareInstance(t, "SENTINEL REPLICAS "+name, or[name], e, replicaExact...)
	}
	osn, tsn := byName(ours.val("SENTINEL", "SENTINELS", "mymaster")), byName(real0.val("SENTINEL", "SENTINELS", "mymaster"))
	common := 0
	for name, e := range tsn {
		if o := osn[name]; o != nil {
			compareInstance(t, "SENTINEL SENTINELS "+name, o, e, sentinelExact...)
			common++
		}
	}
	if common != 1 {
		t.Errorf("ours and redis-sentinel should both list the other real sentinel; common entries: %d", common)
	}
	for _, cmd := range [][]string{
		{"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"},
		{"SENTINEL", "CKQUORUM", "mymaster"},
		{"SENTINEL", "CKQUORUM", "nosuch"},
		{"ROLE"},
	} {
		o, _ := ours.do(cmd...)
		r, _ := real0.do(cmd...)
		if string(o) != string(r) {
			t.Errorf("%v: ours %q, redis-sentinel %q", cmd, o, r)
		}
	}

	// The config: the known replicas and sentinels, as Redis writes them.
	// Written off the loop: FLUSHCONFIG replies once it is on disk.
	if raw, _ := ours.do("SENTINEL", "FLUSHCONFIG"); string(raw) != "+OK\r\n" {
		t.Fatalf("SENTINEL FLUSHCONFIG: %q", raw)
	}
	conf, _ := os.ReadFile(d.ours.conf)
	for _, want := range []string{
		fmt.Sprintf("sentinel known-replica mymaster 127.0.0.1 %d\n", d.replicas[0]),
		fmt.Sprintf("sentinel known-replica mymaster 127.0.0.1 %d\n", d.replicas[1]),
		fmt.Sprintf("sentinel known-sentinel mymaster 127.0.0.1 %d ", d.reals[0].port),
		fmt.Sprintf("sentinel known-sentinel mymaster 127.0.0.1 %d ", d.reals[1].port),
		"sentinel myid " + myid + "\n",
		"sentinel current-epoch 0\n",
		"# Generated by CONFIG REWRITE\n",
	} {
		if !strings.Contains(string(conf), want) {
			t.Errorf("config lacks %q:\n%s", want, conf)
		}
	}

	// SDOWN, ODOWN, and the real sentinels' failover followed. Ours,
	// which can fail over too, is made to hold off its own attempt for
	// 2 × failover-timeout, as after voting for another sentinel
	// (failover_start_time = now), so that a real one leads
	// (TestFailoverMixed has ours leading).
	done := make(chan struct{})
	d.ours.s.el.Post(func(*ae.EventLoop) {
		d.ours.s.sentinelGetMasterByName("mymaster").failoverStartTime = d.ours.s.mstime()
		close(done)
	})
	<-done
	pid := redisPID(t, d.master)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGCONT) })
	masterDesc := fmt.Sprintf("master mymaster 127.0.0.1 %d", d.master)
	waitFor(t, 15*time.Second, "+sdown from ours", func() bool {
		_, ok := ev.find("+sdown " + masterDesc)
		return ok
	})
	waitFor(t, 15*time.Second, "+odown from ours", func() bool {
		_, ok := ev.find("+odown " + masterDesc + " #quorum ")
		return ok
	})
	odown, _ := ev.find("+odown ")
	if !strings.HasSuffix(odown, "/2") {
		t.Errorf("odown event %q: want the quorum 2", odown)
	}
	var newAddr []any
	waitFor(t, 40*time.Second, "the real sentinels' failover", func() bool {
		v, ok := real0.val("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster").([]any)
		if ok && fmt.Sprint(v[1]) != strconv.Itoa(d.master) {
			newAddr = v
			return true
		}
		return false
	})
	waitFor(t, 20*time.Second, "ours to follow the switch", func() bool {
		v, _ := ours.val("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster").([]any)
		return fmt.Sprint(v) == fmt.Sprint(newAddr)
	})
	sw, ok := ev.find("+switch-master ")
	want := fmt.Sprintf("+switch-master mymaster 127.0.0.1 %d %s %s", d.master, newAddr[0], newAddr[1])
	if !ok || sw != want {
		t.Errorf("switch event %q, want %q\nevents:\n%s", sw, want, ev.all())
	}
	if _, ok := ev.find("+config-update-from sentinel "); !ok {
		t.Errorf("no +config-update-from; events:\n%s", ev.all())
	}
	m, _ := asMap(ours.val("SENTINEL", "MASTER", "mymaster"))
	if m["config-epoch"] == "0" || m["port"] != fmt.Sprint(newAddr[1]) {
		t.Errorf("after the switch ours has %v", m)
	}
	if raw, _ := ours.do("SENTINEL", "FLUSHCONFIG"); string(raw) != "+OK\r\n" {
		t.Fatalf("SENTINEL FLUSHCONFIG: %q", raw)
	}
	conf, _ = os.ReadFile(d.ours.conf)
	if wantLine := fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %s 2\n", newAddr[1]); !strings.Contains(string(conf), wantLine) {
		t.Errorf("config lacks %q:\n%s", wantLine, conf)
	}
	if !strings.Contains(string(conf), "sentinel config-epoch mymaster "+m["config-epoch"]+"\n") {
		t.Errorf("config lacks the new config epoch %s:\n%s", m["config-epoch"], conf)
	}
	// The old master is now a replica of ours' view.
	or = byName(ours.val("SENTINEL", "REPLICAS", "mymaster"))
	if or["127.0.0.1:"+strconv.Itoa(d.master)] == nil || len(or) != 2 {
		t.Errorf("after the switch ours lists replicas %v", or)
	}
}
