package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// replicationOf reads master_host:master_port from a redis-server's INFO
// replication ("" when it reports role master or does not answer).
func replicationOf(t testing.TB, port int) string {
	t.Helper()
	c, err := dialRespErr(port)
	if err != nil {
		return ""
	}
	defer c.c.Close()
	v, err := c.query(5*time.Second, "INFO", "replication")
	if err != nil {
		return "" // a sentinel's CLIENT KILL TYPE normal closes it, for one
	}
	info := fmt.Sprint(v)
	var host, mport string
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, "master_host:"); ok {
			host = v
		}
		if v, ok := strings.CutPrefix(l, "master_port:"); ok {
			mport = v
		}
	}
	if host == "" {
		return ""
	}
	return host + ":" + mport
}

// replicaLink reads master_host:master_port and master_link_status from a
// redis-server's INFO replication ("" for what it does not report).
func replicaLink(port int) (addr, link string) {
	c, err := dialRespErr(port)
	if err != nil {
		return "", ""
	}
	defer c.c.Close()
	v, err := c.query(5*time.Second, "INFO", "replication")
	if err != nil {
		return "", ""
	}
	var host, mport string
	for _, l := range strings.Split(fmt.Sprint(v), "\r\n") {
		if v, ok := strings.CutPrefix(l, "master_host:"); ok {
			host = v
		}
		if v, ok := strings.CutPrefix(l, "master_port:"); ok {
			mport = v
		}
		if v, ok := strings.CutPrefix(l, "master_link_status:"); ok {
			link = v
		}
	}
	if host == "" {
		return "", link
	}
	return host + ":" + mport, link
}

// spuriousSdownWindow is how long after +switch-master the new master
// must not be reported +sdown (redis#8607: the reset closes the links,
// and a reconnect that waits up to the 1 s reconnect period leaves a
// short down-after no margin).
const spuriousSdownWindow = 5 * time.Second

// checkNoSpuriousSdown waits until spuriousSdownWindow after switched
// and fails the test if one of ours (evs) published +sdown of the new
// master (newAddr "ip:port") since. others are watchers of real
// redis-sentinels, only reported.
func checkNoSpuriousSdown(t *testing.T, switched time.Time, newAddr string, evs, others []*eventWatcher) {
	t.Helper()
	time.Sleep(time.Until(switched.Add(spuriousSdownWindow)))
	sdown := "+sdown master mymaster " + strings.Replace(newAddr, ":", " ", 1)
	for i, ev := range evs {
		if e, ok := ev.find(sdown); ok {
			t.Errorf("ours (%d) reported %q within %v of +switch-master (redis#8607); its events:\n%s",
				i, e, spuriousSdownWindow, ev.all())
		}
	}
	for i, ev := range others {
		if _, ok := ev.find(sdown); ok {
			t.Logf("redis-sentinel %d reported the new master +sdown after the switch (redis#8607)", i)
		}
	}
}

// dialRespErr is dialResp without failing the test (for servers that
// may be down) and without a cleanup (the caller closes).
func dialRespErr(port int) (*respConn, error) {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 2*time.Second)
	if err != nil {
		return nil, err
	}
	return &respConn{t: &testing.T{}, c: c, br: bufio.NewReader(c)}, nil
}

// masterAddr asks a sentinel GET-MASTER-ADDR-BY-NAME mymaster as "ip:port".
func masterAddr(t testing.TB, port int) string {
	t.Helper()
	v, _ := dialResp(t, port).val("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster").([]any)
	if len(v) != 2 {
		return ""
	}
	return fmt.Sprint(v[0]) + ":" + fmt.Sprint(v[1])
}

// startRedisOnPort runs redis-server on a given port (to restart a killed
// master where it was), stopped by its PID at the end of the test.
func startRedisOnPort(t *testing.T, port int, extra ...string) {
	t.Helper()
	bin := testenv.RequireBinary(t, "redis-server")
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", t.TempDir(), "--logfile", ""}, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	waitFor(t, 10*time.Second, "the restarted redis-server to answer", func() bool {
		c, err := dialRespErr(port)
		if err != nil {
			return false
		}
		c.c.Close()
		return true
	})
}

// killMaster SIGKILLs the redis-server on port (a process this test
// started, found by the process_id it reports).
func killMaster(t *testing.T, port int) {
	t.Helper()
	if err := syscall.Kill(redisPID(t, port), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
}

// TestFailoverOursAlone: three of our sentinels (no real one), a master
// with two replicas, quorum 2, down-after 1000, failover-timeout 6000.
// Tried: SIGKILL the master. Expected: one of ours is elected
// (+elected-leader) and promotes a replica (+promoted-slave), the other
// replica follows the new master (its INFO shows it as master_host/port),
// none of the three reports the new master +sdown within 5 s of
// +switch-master (redis#8607: the reset links reconnect promptly),
// all three answer GET-MASTER-ADDR-BY-NAME with the new address, each
// config file has the new monitor line and epoch 1; then the old master,
// restarted on its port, is turned into a replica of the new one
// (+convert-to-slave) and replicates from it.
func TestFailoverOursAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("the restart of the old master takes ~15 s; skipped with -short")
	}
	master := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")
	replicas := []int{
		testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(master)),
		testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(master)),
	}
	conf := fmt.Sprintf(mixedConf, master)
	var ours []*ourSentinel
	var evs []*eventWatcher
	var scripts []string
	for i := 0; i < 3; i++ {
		dir := scriptDir(t)
		scripts = append(scripts, dir)
		o := startOurs(t, conf+"sentinel client-reconfig-script mymaster "+dir+"/record.sh\n")
		ours = append(ours, o)
		evs = append(evs, watchEvents(t, o.port))
	}
	waitFor(t, 30*time.Second, "every sentinel to see 2 linked replicas and 2 sentinels", func() bool {
		for _, o := range ours {
			c := dialResp(t, o.port)
			m, _ := asMap(c.val("SENTINEL", "MASTER", "mymaster"))
			if m["num-slaves"] != "2" || m["num-other-sentinels"] != "2" {
				return false
			}
			for _, r := range asMaps(c.val("SENTINEL", "REPLICAS", "mymaster")) {
				if r["master-link-status"] != "ok" {
					return false
				}
			}
		}
		return true
	})

	killMaster(t, master)
	killed := time.Now()
	var newAddr string
	waitFor(t, 40*time.Second, "a failover: +switch-master on all three", func() bool {
		for _, ev := range evs {
			if _, ok := ev.find("+switch-master "); !ok {
				return false
			}
		}
		return true
	})
	switched := time.Now()
	t.Logf("SIGKILL to +switch-master on all three: %v", switched.Sub(killed).Round(10*time.Millisecond))
	if sw, _ := evs[0].find("+switch-master "); len(strings.Fields(sw)) == 6 {
		f := strings.Fields(sw)
		checkNoSpuriousSdown(t, switched, f[4]+":"+f[5], evs, nil)
	} else {
		t.Errorf("switch event %q", sw)
	}
	leaders := 0
	for _, ev := range evs {
		if _, ok := ev.find("+elected-leader "); ok {
			leaders++
			if _, ok := ev.find("+promoted-slave "); !ok {
				t.Errorf("the leader did not report +promoted-slave:\n%s", ev.all())
			}
		}
	}
	if leaders != 1 {
		t.Errorf("%d sentinels report +elected-leader, want 1", leaders)
	}
	waitFor(t, 20*time.Second, "all three to agree on a new master", func() bool {
		a := masterAddr(t, ours[0].port)
		for _, o := range ours[1:] {
			if masterAddr(t, o.port) != a {
				return false
			}
		}
		newAddr = a
		return a != "" && a != "127.0.0.1:"+strconv.Itoa(master)
	})
	var other int
	for _, r := range replicas {
		if "127.0.0.1:"+strconv.Itoa(r) != newAddr {
			other = r
		}
	}
	if other == 0 {
		t.Fatalf("new master %s is not one of the replicas %v", newAddr, replicas)
	}
	waitFor(t, 30*time.Second, "the other replica to replicate from "+newAddr, func() bool {
		return replicationOf(t, other) == newAddr
	})
	newPort := newAddr[strings.LastIndexByte(newAddr, ':')+1:]
	// client-reconfig-script: once on each sentinel, "leader" on the one
	// that led the failover, "observer" on those that followed its hello.
	for i, dir := range scripts {
		role := "observer"
		if _, ok := evs[i].find("+elected-leader "); ok {
			role = "leader"
		}
		want := fmt.Sprintf("mymaster %s start 127.0.0.1 %d 127.0.0.1 %s", role, master, newPort)
		waitFor(t, 10*time.Second, "client-reconfig-script on sentinel "+strconv.Itoa(i), func() bool {
			return len(readLines(filepath.Join(dir, "record.out"))) > 0
		})
		if got := readLines(filepath.Join(dir, "record.out")); len(got) != 1 || got[0] != want {
			t.Errorf("sentinel %d: client-reconfig-script ran with %q, want once with %q", i, got, want)
		}
	}
	for _, o := range ours {
		waitFor(t, 10*time.Second, "the config rewritten with the new master and epoch", func() bool {
			b, _ := os.ReadFile(o.conf)
			s := string(b)
			return strings.Contains(s, "sentinel monitor mymaster 127.0.0.1 "+newPort+" 2\n") &&
				strings.Contains(s, "sentinel config-epoch mymaster 1\n") &&
				strings.Contains(s, "sentinel current-epoch 1\n")
		})
	}

	startRedisOnPort(t, master)
	waitFor(t, 40*time.Second, "+convert-to-slave of the old master", func() bool {
		for _, ev := range evs {
			if _, ok := ev.find(fmt.Sprintf("+convert-to-slave slave 127.0.0.1:%d ", master)); ok {
				return true
			}
		}
		return false
	})
	waitFor(t, 20*time.Second, "the old master to replicate from "+newAddr, func() bool {
		return replicationOf(t, master) == newAddr
	})
}

// TestFailoverForcedAndPriority: one of ours, quorum 1, a master with two
// replicas, one of them with replica-priority 0. Tried: SENTINEL FAILOVER
// mymaster. Expected: +OK, no election (no +elected-leader needed from
// others: ours is alone, but the force flag skips the count), the
// priority-0 replica is never selected, the other becomes master; a
// second SENTINEL FAILOVER while one runs answers -INPROG; afterwards,
// the old master (now listed as a replica) stopped, with only the
// priority-0 replica left as a candidate, SENTINEL FAILOVER answers
// -NOGOODSLAVE.
func TestFailoverForcedAndPriority(t *testing.T) {
	master := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")
	good := testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(master))
	never := testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(master), "--replica-priority", "0")
	o := startOurs(t, fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 1\n"+
		"sentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 6000\n", master))
	ev := watchEvents(t, o.port)
	c := dialResp(t, o.port)
	waitFor(t, 30*time.Second, "ours to see both replicas linked with their priority", func() bool {
		rs := asMaps(c.val("SENTINEL", "REPLICAS", "mymaster"))
		if len(rs) != 2 {
			return false
		}
		for _, r := range rs {
			if r["master-link-status"] != "ok" {
				return false
			}
		}
		return true
	})
	if v := c.val("SENTINEL", "FAILOVER", "mymaster"); v != "OK" {
		t.Fatalf("SENTINEL FAILOVER: %v", v)
	}
	if v := c.val("SENTINEL", "FAILOVER", "mymaster"); v != respError("INPROG Failover already in progress") {
		t.Errorf("second SENTINEL FAILOVER: %v, want -INPROG", v)
	}
	want := "127.0.0.1:" + strconv.Itoa(good)
	waitFor(t, 30*time.Second, "the switch to "+want, func() bool { return masterAddr(t, o.port) == want })
	if sel, _ := ev.find("+selected-slave "); !strings.HasPrefix(sel, "+selected-slave slave "+want+" ") {
		t.Errorf("selected %q, want %s", sel, want)
	}
	if _, ok := ev.find(fmt.Sprintf("+selected-slave slave 127.0.0.1:%d ", never)); ok {
		t.Errorf("the replica with replica-priority 0 was selected:\n%s", ev.all())
	}
	waitFor(t, 30*time.Second, "the priority-0 replica to follow "+want, func() bool {
		return replicationOf(t, never) == want
	})
	// The old master, now listed as a replica, is stopped: the only live
	// replica left has priority 0.
	waitFor(t, 30*time.Second, "+switch-master", func() bool {
		_, ok := ev.find("+switch-master ")
		return ok
	})
	if _, ok := ev.find("+failover-end "); !ok {
		t.Errorf("no +failover-end before +switch-master:\n%s", ev.all())
	}
	killMaster(t, master)
	oldName := "127.0.0.1:" + strconv.Itoa(master)
	waitFor(t, 30*time.Second, "ours to see the old master down and the priority-0 replica linked", func() bool {
		down, linked := false, false
		for _, r := range asMaps(c.val("SENTINEL", "REPLICAS", "mymaster")) {
			if r["name"] == oldName && strings.Contains(r["flags"], "s_down") {
				down = true
			}
			if r["name"] == "127.0.0.1:"+strconv.Itoa(never) && r["slave-priority"] == "0" && r["master-link-status"] == "ok" {
				linked = true
			}
		}
		return down && linked
	})
	if v := c.val("SENTINEL", "FAILOVER", "mymaster"); v != respError("NOGOODSLAVE No suitable replica to promote") {
		t.Errorf("SENTINEL FAILOVER with no good replica: %v, want -NOGOODSLAVE", v)
	}
}

// TestFailoverNoGoodSlave: one of ours, quorum 1, a master whose only
// replica has replica-priority 0. Tried: SIGKILL the master. Expected:
// ours reaches ODOWN, is elected (alone), and aborts with
// -failover-abort-no-good-slave (Redis's payload), its log naming the
// replica and the rule (replica-priority 0); the master address does not
// change.
func TestFailoverNoGoodSlave(t *testing.T) {
	master := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")
	never := testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(master), "--replica-priority", "0")
	o := startOurs(t, fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 1\n"+
		"sentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 6000\n", master))
	ev := watchEvents(t, o.port)
	c := dialResp(t, o.port)
	waitFor(t, 30*time.Second, "ours to see the replica linked", func() bool {
		rs := asMaps(c.val("SENTINEL", "REPLICAS", "mymaster"))
		return len(rs) == 1 && rs[0]["master-link-status"] == "ok"
	})
	killMaster(t, master)
	waitFor(t, 30*time.Second, "-failover-abort-no-good-slave", func() bool {
		_, ok := ev.find("-failover-abort-no-good-slave ")
		return ok
	})
	e, _ := ev.find("-failover-abort-no-good-slave ")
	if want := fmt.Sprintf("-failover-abort-no-good-slave master mymaster 127.0.0.1 %d", master); e != want {
		t.Errorf("event %q, want %q", e, want)
	}
	reason := fmt.Sprintf("No replica of mymaster can be promoted: 127.0.0.1:%d has replica-priority 0", never)
	waitFor(t, 5*time.Second, "the log line with the reason", func() bool {
		return strings.Contains(o.log.String(), reason)
	})
	if got := masterAddr(t, o.port); got != "127.0.0.1:"+strconv.Itoa(master) {
		t.Errorf("master address is %s after the abort", got)
	}
	// Still ODOWN, the next try waits 2 × failover-timeout, and says so.
	waitFor(t, 5*time.Second, "the \"Next failover delay\" log line", func() bool {
		return strings.Contains(o.log.String(), "Next failover delay: I will not start a failover before ")
	})
	if n := strings.Count(o.log.String(), "+try-failover "); n != 1 {
		t.Errorf("%d failover attempts within the delay, want 1", n)
	}
}

// TestFailoverMixed: two real redis-sentinels and one of ours, run twice.
// "ours-leads": the real ones get quorum 3 and down-after 2000 and 4000
// (SENTINEL SET), ours keeps quorum 2 and 1000, so ours reaches ODOWN as
// soon as the first real one agrees, while the real ones wait for the
// second: ours asks for votes first and is elected. "real-leads": ours
// gets quorum 3 and down-after 4000, the real ones keep quorum 2 and
// 1000: they reach ODOWN and ask for votes seconds before ours sees the
// master down, and one of them leads while ours follows. Tried: SIGKILL
// the master. Expected: the intended sentinel leads (ours reports
// +elected-leader, or does not); all three publish the same
// +switch-master, within 30 s of the SIGKILL (the time is logged: a
// bound for a loaded CI, not a benchmark), and name the new master; the
// other replica follows it (INFO replication: master_host/master_port
// the new master's, master_link_status up, within 30 s); ours does not
// report the new master +sdown within 5 s of its +switch-master
// (redis#8607; the real ones are only logged); and a go-redis
// FailoverClient through ours reaches the new master (a SET that works,
// CONFIG GET port of the new one).
func TestFailoverMixed(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short")
	}
	t.Run("ours-leads", func(t *testing.T) { failoverMixed(t, true) })
	t.Run("real-leads", func(t *testing.T) { failoverMixed(t, false) })
}

func failoverMixed(t *testing.T, oursLeads bool) {
	d := startDeployment(t)
	ours := dialResp(t, d.ours.port)
	waitFor(t, 30*time.Second, "ours to discover 2 replicas and 2 sentinels", func() bool {
		m, _ := asMap(ours.val("SENTINEL", "MASTER", "mymaster"))
		if m["num-slaves"] != "2" || m["num-other-sentinels"] != "2" {
			return false
		}
		for _, r := range asMaps(ours.val("SENTINEL", "REPLICAS", "mymaster")) {
			if r["master-link-status"] != "ok" {
				return false
			}
		}
		return true
	})
	for _, r := range d.reals {
		rc := dialResp(t, r.port)
		waitFor(t, 30*time.Second, "redis-sentinel to know both others", func() bool {
			m, _ := asMap(rc.val("SENTINEL", "MASTER", "mymaster"))
			return m["num-other-sentinels"] == "2"
		})
	}
	if oursLeads {
		for i, r := range d.reals {
			downAfter := strconv.Itoa(2000 * (i + 1))
			if v := dialResp(t, r.port).val("SENTINEL", "SET", "mymaster", "down-after-milliseconds", downAfter, "quorum", "3"); v != "OK" {
				t.Fatalf("SENTINEL SET on redis-sentinel: %v", v)
			}
		}
	} else if v := ours.val("SENTINEL", "SET", "mymaster", "down-after-milliseconds", "4000", "quorum", "3"); v != "OK" {
		t.Fatalf("SENTINEL SET on ours: %v", v)
	}
	ev := watchEvents(t, d.ours.port)
	realEvs := []*eventWatcher{watchEvents(t, d.reals[0].port), watchEvents(t, d.reals[1].port)}
	fc := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:    "mymaster",
		SentinelAddrs: []string{"127.0.0.1:" + strconv.Itoa(d.ours.port)},
		DialTimeout:   2 * time.Second,
	})
	defer fc.Close()
	ctx := context.Background()
	if err := fc.Set(ctx, "k", "before", 0).Err(); err != nil {
		t.Fatalf("SET through the FailoverClient before the failover: %v", err)
	}

	killMaster(t, d.master)
	killed := time.Now()
	old := "127.0.0.1:" + strconv.Itoa(d.master)
	// The failover time: SIGKILL to +switch-master seen from every
	// sentinel (polled every 100 ms). Not a benchmark: the bound is for a
	// loaded CI; the figure is printed.
	const failoverBound = 30 * time.Second
	all := append([]*eventWatcher{ev}, realEvs...)
	seenAt := make([]time.Duration, len(all)) // ours, then the real ones
	waitFor(t, 40*time.Second, "+switch-master from all three sentinels", func() bool {
		done := true
		for i, w := range all {
			if seenAt[i] != 0 {
				continue
			}
			if _, ok := w.find("+switch-master mymaster " + strings.Replace(old, ":", " ", 1) + " "); ok {
				seenAt[i] = time.Since(killed).Round(10 * time.Millisecond)
			} else {
				done = false
			}
		}
		return done
	})
	switched := time.Now()
	took := switched.Sub(killed)
	t.Logf("+switch-master seen after the SIGKILL: ours %v, redis-sentinels %v and %v", seenAt[0], seenAt[1], seenAt[2])
	sw, _ := ev.find("+switch-master ")
	f := strings.Fields(sw)
	if len(f) != 6 {
		t.Fatalf("switch event %q", sw)
	}
	newAddr := f[4] + ":" + f[5]
	for i, w := range realEvs {
		if e, _ := w.find("+switch-master "); e != sw {
			t.Errorf("redis-sentinel %d: %q, ours %q", i, e, sw)
		}
	}
	_, led := ev.find("+elected-leader ")
	t.Logf("new master %s; SIGKILL to +switch-master from all three sentinels: %v; ours led the failover: %v",
		newAddr, took.Round(10*time.Millisecond), led)
	if took > failoverBound {
		t.Errorf("the failover took %v, more than %v", took, failoverBound)
	}
	if led != oursLeads {
		t.Errorf("ours led the failover: %v, want %v; ours' events:\n%s", led, oursLeads, ev.all())
	}
	for _, r := range d.reals {
		if got := masterAddr(t, r.port); got != newAddr {
			t.Errorf("redis-sentinel :%d names %s, ours switched to %s", r.port, got, newAddr)
		}
	}
	if got := masterAddr(t, d.ours.port); got != newAddr {
		t.Errorf("ours names %s after switching to %s", got, newAddr)
	}
	// The other replica follows the new master: its INFO names it, link up.
	other, promoted := 0, 0
	for _, r := range d.replicas {
		if "127.0.0.1:"+strconv.Itoa(r) == newAddr {
			promoted++
		} else {
			other = r
		}
	}
	if promoted != 1 {
		t.Fatalf("new master %s is not one of the replicas %v", newAddr, d.replicas)
	}
	waitFor(t, 30*time.Second, "the other replica to replicate from "+newAddr+" with its link up", func() bool {
		addr, link := replicaLink(other)
		return addr == newAddr && link == "up"
	})
	t.Logf("the other replica :%d follows %s, link up, %v after +switch-master", other, newAddr,
		time.Since(switched).Round(10*time.Millisecond))
	checkNoSpuriousSdown(t, switched, newAddr, []*eventWatcher{ev}, realEvs)
	waitFor(t, 30*time.Second, "the FailoverClient to reach the new master", func() bool {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if fc.Set(ctx, "k", "after", 0).Err() != nil {
			return false
		}
		m, err := fc.ConfigGet(ctx, "port").Result()
		return err == nil && m["port"] == newAddr[strings.LastIndexByte(newAddr, ':')+1:]
	})
}

// TestSimulateFailure: the built binary, alone (quorum 1) over a master
// and a replica. Tried: SENTINEL SIMULATE-FAILURE crash-after-election
// (then crash-after-promotion, on a fresh deployment) and SENTINEL
// FAILOVER. Expected: the process exits with status 99 right after
// +elected-leader (resp. +promoted-slave), its log saying why.
func TestSimulateFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	testenv.RequireBinary(t, "redis-server")
	bin := buildSentinel(t)
	for _, c := range []struct{ flag, last string }{
		{"crash-after-election", "+elected-leader"},
		{"crash-after-promotion", "+promoted-slave"},
	} {
		t.Run(c.flag, func(t *testing.T) {
			master := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")
			testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(master))
			port := testenv.FreePort(t)
			conf := writeConf(t, port, fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 1\n"+
				"sentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 6000\n", master))
			out := &testenv.SyncBuffer{}
			cmd := exec.Command(bin, conf)
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			t.Cleanup(func() {
				select {
				case <-exited:
				default:
					cmd.Process.Kill()
					<-exited
				}
				if t.Failed() {
					t.Logf("sentinel log:\n%s", out)
				}
			})
			waitFor(t, 10*time.Second, "the sentinel to answer", func() bool {
				c, err := dialRespErr(port)
				if err != nil {
					return false
				}
				c.c.Close()
				return true
			})
			sc := dialResp(t, port)
			waitFor(t, 30*time.Second, "the replica seen linked", func() bool {
				rs := asMaps(sc.val("SENTINEL", "REPLICAS", "mymaster"))
				return len(rs) == 1 && rs[0]["master-link-status"] == "ok"
			})
			if v := sc.val("SENTINEL", "SIMULATE-FAILURE", c.flag); v != "OK" {
				t.Fatalf("SIMULATE-FAILURE: %v", v)
			}
			if v := sc.val("SENTINEL", "FAILOVER", "mymaster"); v != "OK" {
				t.Fatalf("SENTINEL FAILOVER: %v", v)
			}
			select {
			case err := <-exited:
				exited <- err
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 99 {
					t.Fatalf("exit: %v, want status 99", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the sentinel did not exit within 30 s")
			}
			log := out.String()
			i, j := strings.LastIndex(log, c.last), strings.Index(log, "Sentinel CRASH because of SENTINEL simulate-failure")
			if i < 0 || j < i {
				t.Errorf("want %s, then the crash line, in the log", c.last)
			}
		})
	}
}
