package main

import (
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/testenv"
)

// Input: ours alone (quorum 2, so never ODOWN) over a master on port 1,
// where nothing listens, down-after 1000, SENTINEL DEBUG tilt-period
// 3000. Once ours reports +sdown, is-master-down-by-addr answers 1; then
// the loop is stalled for 2.5 s (a function posted to it sleeps), as a
// slow fsync would. Expected: the next timer run sees more than the 2 s
// trigger on the monotonic clock and enters TILT (+tilt "#tilt mode
// entered", INFO's sentinel_tilt:1 and sentinel_tilt_since_seconds ≥ 0);
// in TILT is-master-down-by-addr answers 0 for the master ours still
// holds SDOWN; -tilt "#tilt mode exited" follows the period, after
// which the answer is 1 again and INFO shows sentinel_tilt:0 and -1.
func TestTiltOnStall(t *testing.T) {
	port := 1 // nothing listens there: the master stays unreachable
	conf := fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 2\n"+
		"sentinel down-after-milliseconds mymaster 1000\n", port)
	ours := startOurs(t, conf)
	ev := watchEvents(t, ours.port)
	c := dialResp(t, ours.port)
	if v := c.val("SENTINEL", "DEBUG", "tilt-period", "3000"); v != "OK" {
		t.Fatalf("SENTINEL DEBUG tilt-period 3000: %v", v)
	}
	isDown := func() string {
		_, v := c.do("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "1", "0", "*")
		return fmt.Sprint(v)
	}
	waitFor(t, 15*time.Second, "+sdown of the master", func() bool {
		_, ok := ev.find("+sdown master mymaster 127.0.0.1 1")
		return ok
	})
	if v := isDown(); v != "[1 * 0]" {
		t.Fatalf("is-master-down-by-addr of a master in SDOWN, outside TILT: %v, want [1 * 0]", v)
	}
	ours.s.el.Post(func(*ae.EventLoop) { time.Sleep(2500 * time.Millisecond) })
	waitFor(t, 10*time.Second, "+tilt", func() bool {
		e, ok := ev.find("+tilt ")
		return ok && e == "+tilt #tilt mode entered"
	})
	info := fmt.Sprint(c.val("INFO", "sentinel"))
	if !strings.Contains(info, "sentinel_tilt:1\r\n") || strings.Contains(info, "sentinel_tilt_since_seconds:-1") {
		t.Errorf("INFO sentinel during TILT:\n%s", info)
	}
	if _, ok := ev.find("-tilt "); !ok {
		if v := isDown(); v != "[0 * 0]" {
			t.Errorf("is-master-down-by-addr in TILT: %v, want [0 * 0]", v)
		}
	}
	waitFor(t, 15*time.Second, "-tilt", func() bool {
		e, ok := ev.find("-tilt ")
		return ok && e == "-tilt #tilt mode exited"
	})
	if v := isDown(); v != "[1 * 0]" {
		t.Errorf("is-master-down-by-addr after TILT: %v, want [1 * 0]", v)
	}
	info = fmt.Sprint(c.val("INFO", "sentinel"))
	if !strings.Contains(info, "sentinel_tilt:0\r\n") || !strings.Contains(info, "sentinel_tilt_since_seconds:-1\r\n") {
		t.Errorf("INFO sentinel after TILT:\n%s", info)
	}
}

// buildSentinel builds this package's binary in a temp dir and returns
// its path.
func buildSentinel(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sentinel")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// childSentinel is our sentinel's binary run as a child process, so
// that it can be stopped with signals.
type childSentinel struct {
	port int
	conf string
	p    *testenv.Process
}

// startChild runs bin with a config body on a free port, stopped by its
// PID when the test ends; its log (stdout) is in p.Out.
func startChild(t *testing.T, bin, body string) *childSentinel {
	t.Helper()
	port := testenv.FreePort(t)
	conf := writeConf(t, port, body)
	p := testenv.StartProcess(t, exec.Command(bin, conf))
	t.Cleanup(func() {
		p.Cmd.Process.Signal(syscall.SIGCONT) // Stop's SIGTERM must reach a running process
		p.Stop()
		if t.Failed() {
			t.Logf("our sentinel (child :%d) log:\n%s", port, p.Out)
		}
	})
	waitFor(t, 10*time.Second, "our sentinel (child) to answer", func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	return &childSentinel{port: port, conf: conf, p: p}
}

// falseFailoverEvents are the events no sentinel may publish when
// nothing but a sentinel was paused.
var falseFailoverEvents = []string{"+sdown master ", "+sdown slave ", "+odown ", "+try-failover ",
	"+elected-leader ", "+failover-state-", "+switch-master ", "+vote-for-leader ", "+new-epoch "}

// Input: a real master with a replica; three of ours over it (two in
// this process, one a child process), quorum 2, down-after 1000,
// failover-timeout 6000; the child's TILT period set to 10 s with
// SENTINEL DEBUG tilt-period (Redis's is 30 s: the same rule, shorter).
// Tried: SIGSTOP the child for 3 s (longer than down-after and than the
// 2 s TILT trigger), then SIGCONT. Expected: the child publishes +tilt
// "#tilt mode entered" and logs it; its INFO shows sentinel_tilt:1 while
// in TILT; -tilt "#tilt mode exited" comes about 10 s after +tilt (not
// before 9 s); no sentinel publishes +sdown of the master or the
// replica, +odown, +try-failover, +elected-leader, a failover state,
// +switch-master, a vote or a new epoch, during the pause, in TILT, or
// for 5 s after it (the other two see the paused sentinel +sdown);
// every sentinel still names the master, which still has its replica.
func TestTiltOnSigstop(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and waits out TILT; skipped with -short")
	}
	master := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")
	replica := testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(master))
	bin := buildSentinel(t)
	conf := fmt.Sprintf(mixedConf, master)
	in := []*ourSentinel{startOurs(t, conf), startOurs(t, conf)}
	child := startChild(t, bin, conf)
	ports := []int{in[0].port, in[1].port, child.port}
	var evs []*eventWatcher
	for _, p := range ports {
		evs = append(evs, watchEvents(t, p))
	}
	waitFor(t, 30*time.Second, "every sentinel to see the replica linked and 2 sentinels", func() bool {
		for _, p := range ports {
			c := dialResp(t, p)
			m, _ := asMap(c.val("SENTINEL", "MASTER", "mymaster"))
			if m["num-slaves"] != "1" || m["num-other-sentinels"] != "2" || m["flags"] != "master" {
				return false
			}
			for _, r := range asMaps(c.val("SENTINEL", "REPLICAS", "mymaster")) {
				if r["master-link-status"] != "ok" || r["flags"] != "slave" {
					return false
				}
			}
		}
		return true
	})
	cc := dialResp(t, child.port)
	childID := fmt.Sprint(cc.val("SENTINEL", "MYID"))
	if v := cc.val("SENTINEL", "DEBUG", "tilt-period", "10000"); v != "OK" {
		t.Fatalf("SENTINEL DEBUG tilt-period 10000: %v", v)
	}
	if info := fmt.Sprint(cc.val("INFO", "sentinel")); !strings.Contains(info, "sentinel_tilt:0\r\n") {
		t.Fatalf("the child is in TILT before the pause:\n%s", info)
	}

	pid := child.p.Cmd.Process.Pid
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	resumed := time.Now()
	waitFor(t, 10*time.Second, "+tilt from the child", func() bool {
		e, ok := evs[2].find("+tilt ")
		return ok && e == "+tilt #tilt mode entered"
	})
	tiltSeen := time.Now()
	info := fmt.Sprint(cc.val("INFO", "sentinel"))
	if _, out := evs[2].find("-tilt "); !out &&
		(!strings.Contains(info, "sentinel_tilt:1\r\n") || strings.Contains(info, "sentinel_tilt_since_seconds:-1")) {
		t.Errorf("INFO sentinel of the child in TILT:\n%s", info)
	}
	if !strings.Contains(child.p.Out.String(), "+tilt #tilt mode entered") {
		t.Errorf("the child's log lacks +tilt:\n%s", child.p.Out)
	}
	waitFor(t, 30*time.Second, "-tilt from the child", func() bool {
		e, ok := evs[2].find("-tilt ")
		return ok && e == "-tilt #tilt mode exited"
	})
	inTilt := time.Since(tiltSeen)
	t.Logf("+tilt seen %v after SIGCONT; -tilt %v after +tilt (period 10 s)",
		tiltSeen.Sub(resumed).Round(10*time.Millisecond), inTilt.Round(10*time.Millisecond))
	if inTilt < 9*time.Second {
		t.Errorf("-tilt came %v after +tilt, before the 10 s period", inTilt)
	}
	if info := fmt.Sprint(cc.val("INFO", "sentinel")); !strings.Contains(info, "sentinel_tilt:0\r\n") {
		t.Errorf("INFO sentinel of the child after -tilt:\n%s", info)
	}
	time.Sleep(5 * time.Second) // acting again: a false SDOWN would show now

	for i, ev := range evs {
		for _, bad := range falseFailoverEvents {
			if e, ok := ev.find(bad); ok {
				t.Errorf("sentinel %d published %q though only a sentinel was paused; its events:\n%s", i, e, ev.all())
			}
		}
	}
	// The pause was long enough for the others to see the child down.
	for i, ev := range evs[:2] {
		if _, ok := ev.find(fmt.Sprintf("+sdown sentinel %s 127.0.0.1 %d ", childID, child.port)); !ok {
			t.Errorf("sentinel %d did not see the paused one +sdown; its events:\n%s", i, ev.all())
		}
	}
	want := "127.0.0.1:" + strconv.Itoa(master)
	for i, p := range ports {
		if got := masterAddr(t, p); got != want {
			t.Errorf("sentinel %d names the master %s, want %s", i, got, want)
		}
	}
	if got := replicationOf(t, replica); got != want {
		t.Errorf("the replica replicates from %q, want %s", got, want)
	}
	if got := replicationOf(t, master); got != "" {
		t.Errorf("the master became a replica of %s", got)
	}
}
