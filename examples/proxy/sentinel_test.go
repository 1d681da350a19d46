package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// TestConfSentinels: the sentinels key. Tried: a redis pool with a
// sentinels sequence (before and after servers); sentinels in a memcache
// pool; a sentinel pool with a server line without a name; a sentinel
// without a port; two sentinels sequences and two servers sequences.
// Expected: the first is valid, with its sentinels in order; the others
// are refused with a reason (the last one with nutcracker's "more than one
// sequence directive").
func TestConfSentinels(t *testing.T) {
	load := func(body string) (*conf, error) {
		f := filepath.Join(t.TempDir(), "c.yml")
		os.WriteFile(f, []byte(body), 0o644)
		return confCreate(f, nil, &strings.Builder{})
	}
	const head = "alpha:\n  listen: 127.0.0.1:22121\n  redis: true\n"
	const sent = "  sentinels:\n   - 127.0.0.1:26379\n   - localhost:26380\n"
	const srv = "  servers:\n   - 127.0.0.1:6379:1 m1\n   - 127.0.0.1:6380:1 m2\n"
	for _, body := range []string{head + sent + srv, head + srv + sent} {
		cf, err := load(body)
		if err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		cp := cf.pools[0]
		if len(cp.sentinels) != 2 || cp.sentinels[0].port != 26379 || cp.sentinels[1].host != "localhost" || len(cp.servers) != 2 {
			t.Errorf("%q: sentinels %+v servers %d", body, cp.sentinels, len(cp.servers))
		}
	}
	for _, c := range []struct{ body, why string }{
		{strings.Replace(head, "  redis: true\n", "", 1) + sent + srv, `directive "sentinels:" is only valid for a redis pool`},
		{head + sent + "  servers:\n   - 127.0.0.1:6379:1\n", "needs a name"},
		{head + "  sentinels:\n   - 127.0.0.1\n" + srv, `directive "sentinels" has an invalid "hostname:port" format string`},
		{head + sent + sent + srv, "more than one sequence directive"},
		{head + srv + srv, "more than one sequence directive"},
	} {
		if _, err := load(c.body); err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%q: %v, want %q", c.body, err, c.why)
		}
	}
}

// realSentinel is a redis-sentinel process of this test.
type realSentinel struct {
	port int
	cmd  *exec.Cmd
	out  *testenv.SyncBuffer
}

// startSentinel runs redis-sentinel on a free port with body as its
// configuration (in a file of its own, which it rewrites), stopped by its
// PID when the test ends.
func startSentinel(t *testing.T, body string) *realSentinel {
	t.Helper()
	bin := testenv.RequireBinary(t, "redis-sentinel")
	port := testenv.FreePort(t)
	conf := filepath.Join(t.TempDir(), "sentinel.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("port %d\nbind 127.0.0.1\n%s", port, body)), 0o644); err != nil {
		t.Fatal(err)
	}
	out := &testenv.SyncBuffer{}
	c := exec.Command(bin, conf)
	c.Stdout, c.Stderr = out, out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Process.Kill()
		c.Wait()
		if t.Failed() {
			t.Logf("redis-sentinel :%d:\n%s", port, out)
		}
	})
	waitCond(t, 10*time.Second, "redis-sentinel to answer", func() bool {
		rc, err := dialQuiet(port)
		if err != nil {
			return false
		}
		rc.c.Close()
		return true
	})
	return &realSentinel{port: port, cmd: c, out: out}
}

// dialQuiet dials without failing the test.
func dialQuiet(port int) (*rconn, error) { return netDial(port) }

func waitCond(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// infoField reads a field of a redis-server's INFO.
func infoField(t *testing.T, port int, section, field string) string {
	t.Helper()
	rc := dialR(t, port)
	defer rc.c.Close()
	info := rc.do(t, "INFO", section)
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return v
		}
	}
	return ""
}

// TestSentinelFailover: 2 masters (m1, m2), each with a replica, under 3
// real redis-sentinels (quorum 2, down-after 1000 ms), the proxy in front
// with sentinels: and server lines that point at a port where nothing
// listens, so every address has to come from the sentinels; --threads 2,
// so that each loop follows on its own link. Tried: 200 keys SET through
// the proxy; 8 client connections kept open, one of them writing m1 keys
// without pause through the failover; SIGSTOP the sentinel the proxy
// follows (the first: it hangs with its socket open), then SIGKILL m1's
// redis-server; wait for the sentinels' +switch-master. Expected: both
// loops give the hung sentinel up (no PONG) and follow the second; before,
// each key is on m1 or m2 (both used); after, SETs through the proxy
// succeed again, every m1 key written after the switch is on m1's replica
// (the new master), every m2 key is still written to m2 (read back there,
// never on the new master), the 8 connections all answer PING and write
// m1 keys (whichever loop holds them), none was closed (the writer saw error replies during the failover, never an
// EOF).
func TestSentinelFailover(t *testing.T) {
	testenv.RequireBinary(t, "redis-sentinel")
	m1, m2 := testenv.StartRedis(t), testenv.StartRedis(t)
	r1 := testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(m1))
	r2 := testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(m2))
	for _, r := range []int{r1, r2} {
		waitCond(t, 10*time.Second, "replication", func() bool { return infoField(t, r, "replication", "master_link_status") == "up" })
	}
	body := ""
	for name, p := range map[string]int{"m1": m1, "m2": m2} {
		body += fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 2\nsentinel down-after-milliseconds %s 1000\n"+
			"sentinel failover-timeout %s 6000\n", name, p, name, name)
	}
	var sentinels []*realSentinel
	for i := 0; i < 3; i++ {
		sentinels = append(sentinels, startSentinel(t, body))
	}
	// Each sentinel knows both replicas and the two other sentinels.
	for _, s := range sentinels {
		for _, m := range []string{"m1", "m2"} {
			waitCond(t, 20*time.Second, "sentinels to discover each other", func() bool {
				rc, err := dialQuiet(s.port)
				if err != nil {
					return false
				}
				defer rc.c.Close()
				r := rc.do(t, "SENTINEL", "MASTER", m)
				return strings.Contains(r, "num-slaves\r\n$1\r\n1\r\n") && strings.Contains(r, "num-other-sentinels\r\n$1\r\n2\r\n")
			})
		}
	}
	dead := testenv.FreePort(t)
	tmpl := "alpha:\n  listen: {LISTEN0}\n  redis: true\n  sentinels:\n"
	for _, s := range sentinels {
		tmpl += fmt.Sprintf("   - 127.0.0.1:%d\n", s.port)
	}
	tmpl += fmt.Sprintf("  servers:\n   - 127.0.0.1:%d:1 m1\n   - 127.0.0.1:%d:1 m2\n", dead, dead)
	pp := startProc(t, proxyBinary(t), tmpl, 1, "--threads", "2")
	c0 := dialR(t, pp.ports[0])
	waitCond(t, 10*time.Second, "the proxy to reach the masters via the sentinels", func() bool {
		return c0.do(t, "SET", "probe", "1") == "+OK\r\n"
	})
	var onM1, onM2 []string
	rm1, rm2 := dialR(t, m1), dialR(t, m2)
	for i := 0; i < 200; i++ {
		k := fmt.Sprintf("key:%d", i)
		if r := c0.do(t, "SET", k, "before"); r != "+OK\r\n" {
			t.Fatalf("SET %s: %q", k, r)
		}
		switch {
		case rm1.do(t, "EXISTS", k) == ":1\r\n":
			onM1 = append(onM1, k)
		case rm2.do(t, "EXISTS", k) == ":1\r\n":
			onM2 = append(onM2, k)
		default:
			t.Fatalf("%s on neither master", k)
		}
	}
	if len(onM1) == 0 || len(onM2) == 0 {
		t.Fatalf("keys on m1 %d, on m2 %d: the test needs both", len(onM1), len(onM2))
	}
	var conns []*rconn
	for i := 0; i < 8; i++ {
		conns = append(conns, dialR(t, pp.ports[0]))
		if r := conns[i].do(t, "PING"); r != "+PONG\r\n" {
			t.Fatalf("PING: %q", r)
		}
	}
	// The writer: m1 keys through the failover, on a connection of its own.
	var stop atomic.Bool
	var writerErr atomic.Value
	var errReplies atomic.Int64
	done := make(chan struct{})
	w := dialR(t, pp.ports[0])
	go func() {
		defer close(done)
		for i := 0; !stop.Load(); i++ {
			w.c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := w.c.Write(resp(cmd("SET", onM1[i%len(onM1)], "during"))); err != nil {
				writerErr.Store(err.Error())
				return
			}
			r, err := readReply(w.r)
			if err != nil {
				writerErr.Store(err.Error())
				return
			}
			if strings.HasPrefix(r, "-") {
				errReplies.Add(1)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	time.Sleep(250 * time.Millisecond)
	closedBefore := clientCloses(t, pp) // startProc's probe of the port is one
	// Both loops follow the first sentinel; it hangs (SIGSTOP: its
	// socket stays open), they give it up and move on.
	waitProcLog(t, pp, fmt.Sprintf("following sentinel '127.0.0.1:%d'", sentinels[0].port), 2)
	if err := sentinels[0].cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sentinels[0].cmd.Process.Signal(syscall.SIGCONT) })
	waitProcLog(t, pp, fmt.Sprintf("following sentinel '127.0.0.1:%d'", sentinels[1].port), 2)
	waitProcLog(t, pp, fmt.Sprintf("lost sentinel '127.0.0.1:%d': no reply to PING", sentinels[0].port), 2)
	events := dialR(t, sentinels[1].port)
	events.do(t, "SUBSCRIBE", "+switch-master")
	killed := time.Now()
	if err := syscall.Kill(atoiPID(t, infoField(t, m1, "server", "process_id")), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	events.c.SetReadDeadline(time.Now().Add(30 * time.Second))
	msg, err := readReply(events.r)
	if err != nil {
		t.Fatalf("no +switch-master within 30 s: %v", err)
	}
	if !strings.Contains(msg, fmt.Sprintf("m1 127.0.0.1 %d 127.0.0.1 %d", m1, r1)) {
		t.Fatalf("+switch-master: %q", msg)
	}
	t.Logf("SIGKILL to +switch-master: %v", time.Since(killed).Round(10*time.Millisecond))
	waitCond(t, 10*time.Second, "writes through the proxy to reach the new master", func() bool {
		return c0.do(t, "SET", onM1[0], "after") == "+OK\r\n"
	})
	stop.Store(true)
	<-done
	if e := writerErr.Load(); e != nil {
		t.Errorf("the writer's connection broke during the failover: %v", e)
	}
	t.Logf("error replies to the writer during the failover: %d", errReplies.Load())
	rr1 := dialR(t, r1)
	for _, k := range onM1 {
		if r := c0.do(t, "SET", k, "after"); r != "+OK\r\n" {
			t.Fatalf("SET %s after the failover: %q", k, r)
		}
		if r := rr1.do(t, "GET", k); r != "$5\r\nafter\r\n" {
			t.Errorf("m1 key %s on the new master: %q", k, r)
		}
	}
	for _, k := range onM2 {
		if r := c0.do(t, "SET", k, "after"); r != "+OK\r\n" {
			t.Fatalf("SET %s after the failover: %q", k, r)
		}
		if r := rm2.do(t, "GET", k); r != "$5\r\nafter\r\n" {
			t.Errorf("m2 key %s moved: m2 has %q", k, r)
		}
		if r := rr1.do(t, "EXISTS", k); r != ":0\r\n" {
			t.Errorf("m2 key %s is on m1's new master", k)
		}
	}
	for i, c := range conns {
		if r := c.do(t, "PING"); r != "+PONG\r\n" {
			t.Errorf("connection %d after the failover: %q", i, r)
		}
		if r := c.do(t, "SET", onM1[i%len(onM1)], "after"); r != "+OK\r\n" {
			t.Errorf("connection %d, SET of an m1 key after the failover: %q", i, r)
		}
	}
	time.Sleep(250 * time.Millisecond)
	if n := clientCloses(t, pp); n != closedBefore {
		t.Errorf("client connections closed during the failover: %d", n-closedBefore)
	}
	log, _ := os.ReadFile(pp.log)
	if !strings.Contains(string(log), fmt.Sprintf("server 'm1' moves from 127.0.0.1:%d to 127.0.0.1:%d", m1, r1)) {
		t.Errorf("no re-pointing line in the log:\n%s", log)
	}
}

// clientCloses is alpha's client_eof + client_err.
func clientCloses(t *testing.T, pp *proxyProc) int {
	doc := statsDoc(t, pp.stats)
	return statsValue(doc, "alpha", "client_eof") + statsValue(doc, "alpha", "client_err")
}

func atoiPID(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		t.Fatalf("pid %q", s)
	}
	return n
}

// netDial connects to a loopback port with a short timeout.
func netDial(port int) (*rconn, error) {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return nil, err
	}
	return &rconn{c, bufio.NewReader(c)}, nil
}

// TestSentinelRepoint re-points a server on a context directly (its loop
// not running; the sentinels listed do not exist and are never reached).
// Tried: a pool of m1 and m2 with an open connection each; m1 moved to
// another port, as a +switch-master would; then the same file reloaded.
// Expected: every one of 2,000 keys maps to the same server before and
// after (the ring hashes names); m1's connection is retired and m2's kept;
// m1's address is the new one and survives the reload (the sentinels',
// not the file's); a second identical re-point changes nothing.
func TestSentinelRepoint(t *testing.T) {
	dead := testenv.FreePort(t)
	body := fmt.Sprintf("alpha:\n  listen: 127.0.0.1:%d\n  redis: true\n  sentinels:\n   - 127.0.0.1:%d\n"+
		"  servers:\n   - 127.0.0.1:%d:1 m1\n   - 127.0.0.1:%d:1 m2\n", testenv.FreePort(t), dead, dead, dead)
	f := filepath.Join(t.TempDir(), "c.yml")
	os.WriteFile(f, []byte(body), 0o644)
	cf, err := confCreate(f, nil, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	nci := setDefaultOptions()
	nci.statsAddr, nci.statsPort = "127.0.0.1", testenv.FreePort(t)
	ctx, err := coreStart(&nci, cf, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.el.Close()
	p := ctx.pools[0]
	before := make([]int, 2000)
	for i := range before {
		before[i] = p.serverPoolIdx([]byte(fmt.Sprintf("k%d", i)))
	}
	var sc [2]*serverConn
	for i, s := range p.servers {
		if sc[i], _ = s.serverConnGet(); sc[i] == nil {
			t.Fatalf("no connection to %s", s.cs.name)
		}
	}
	p.sentinelRepoint("m1", "127.0.0.2", 7001)
	m1, m2 := p.servers[0], p.servers[1]
	if m1.cs.addrstr != "127.0.0.2" || m1.cs.port != 7001 || len(m1.conns) != 0 || !sc[0].retired {
		t.Errorf("m1 after the re-point: %s:%d, %d connections, old one retired %v", m1.cs.addrstr, m1.cs.port, len(m1.conns), sc[0].retired)
	}
	if len(m2.conns) != 1 || sc[1].retired || m2.cs.port != dead {
		t.Errorf("m2 was touched: %d connections, retired %v, port %d", len(m2.conns), sc[1].retired, m2.cs.port)
	}
	for i, want := range before {
		if got := p.serverPoolIdx([]byte(fmt.Sprintf("k%d", i))); got != want {
			t.Fatalf("key k%d moved from server %d to %d", i, want, got)
		}
	}
	p.sentinelRepoint("m1", "127.0.0.2", 7001)
	if len(ctx.rl.retired) > 1 {
		t.Errorf("the same address again retired more: %d", len(ctx.rl.retired))
	}
	cf2, err := confCreate(f, nil, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	if !ctx.reloadApply(cf2) {
		t.Fatal("reload refused")
	}
	if m := p.servers[0]; m != m1 || m.cs.addrstr != "127.0.0.2" || m.cs.port != 7001 {
		t.Errorf("after the reload m1 is at %s:%d (same server %v)", m.cs.addrstr, m.cs.port, m == m1)
	}
}
