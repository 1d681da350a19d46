package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// slowEval is a script that keeps redis-server busy for about 700 ms and
// answers "slow": a request still in flight when the reload comes.
const slowEval = `local t0 = redis.call('TIME') local s = t0[1] * 1000000 + t0[2] ` +
	`while true do local t = redis.call('TIME') if t[1] * 1000000 + t[2] - s > 700000 then break end end return 'slow'`

// waitProcLog waits until the proxy's log holds want n times or more.
func waitProcLog(t *testing.T, pp *proxyProc, want string, n int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(pp.log)
		if strings.Count(string(b), want) >= n {
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %q (x%d) in the log:\n%s", pp.name, want, n, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// confPath is the -c file of a proxy started by startProc.
func confPath(pp *proxyProc) string {
	for i, a := range pp.cmd.Args {
		if a == "-c" {
			return pp.cmd.Args[i+1]
		}
	}
	return ""
}

// TestReloadSIGHUP: a real SIGHUP to a proxy started with --reload, with
// one loop and with --threads 2. Tried: pool alpha on server "a" (redis
// A); 6 client connections open, one of them with a 700 ms EVAL in flight
// at A; the file rewritten so that alpha's only server is "b" (redis B) and
// a new pool beta listens on a new port; SIGHUP; then a file with an
// unknown key and SIGHUP again. Expected: the in-flight EVAL is answered
// ("slow") through its retired connection; on every one of the 6
// connections, still open, a SET now lands on B and not on A; beta
// answers; the retired connection to A closes once idle (A sees none of
// the proxy's connections); the bad file is refused with nutcracker's
// reason in the log, "keeping the running configuration", and requests
// keep going to B; the stats document shows alpha with server b.
func TestReloadSIGHUP(t *testing.T) {
	a, b := testenv.StartRedis(t), testenv.StartRedis(t)
	for _, threads := range []string{"--threads=1", "--threads=2"} {
		t.Run(threads, func(t *testing.T) {
			for _, p := range []int{a, b} {
				fc := dialR(t, p)
				fc.do(t, "FLUSHALL")
				fc.c.Close()
			}
			v1 := fmt.Sprintf("alpha:\n  listen: {LISTEN0}\n  redis: true\n  servers:\n   - 127.0.0.1:%d:1 a\n", a)
			pp := startProc(t, proxyBinary(t), v1, 1, "--reload", threads)
			var conns []*rconn
			for i := 0; i < 6; i++ {
				conns = append(conns, dialR(t, pp.ports[0]))
				if r := conns[i].do(t, "SET", fmt.Sprintf("before%d", i), "1"); r != "+OK\r\n" {
					t.Fatalf("SET before: %q", r)
				}
			}
			slow := dialR(t, pp.ports[0])
			if _, err := slow.c.Write(resp(cmd("EVAL", slowEval, "1", "slowkey"))); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // the EVAL is at A
			beta := testenv.FreePort(t)
			v2 := fmt.Sprintf("alpha:\n  listen: 127.0.0.1:%d\n  redis: true\n  servers:\n   - 127.0.0.1:%d:1 b\n"+
				"beta:\n  listen: 127.0.0.1:%d\n  redis: true\n  servers:\n   - 127.0.0.1:%d:1 b\n", pp.ports[0], b, beta, b)
			if err := os.WriteFile(confPath(pp), []byte(v2), 0o644); err != nil {
				t.Fatal(err)
			}
			pp.cmd.Process.Signal(syscall.SIGHUP)
			loops := 1
			if threads == "--threads=2" {
				loops = 2
			}
			waitProcLog(t, pp, "reload: configuration '"+confPath(pp)+"' applied: 2 pools", loops)
			slow.c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if r, err := readReply(slow.r); err != nil || r != "$4\r\nslow\r\n" {
				t.Fatalf("the EVAL in flight at the reload: %q %v", r, err)
			}
			ra, rb := dialR(t, a), dialR(t, b)
			for i, c := range conns {
				key := fmt.Sprintf("after%d", i)
				if r := c.do(t, "SET", key, "2"); r != "+OK\r\n" {
					t.Fatalf("conn %d after the reload: %q", i, r)
				}
				if rb.do(t, "EXISTS", key) != ":1\r\n" || ra.do(t, "EXISTS", key) != ":0\r\n" {
					t.Errorf("conn %d: %s is not on B alone", i, key)
				}
			}
			if r := dialR(t, beta).do(t, "PING"); r != "+PONG\r\n" {
				t.Errorf("new pool beta: %q", r)
			}
			// A keeps only this test's connection: the retired ones closed.
			deadline := time.Now().Add(5 * time.Second)
			for {
				info := ra.do(t, "INFO", "clients")
				if strings.Contains(info, "connected_clients:1\r\n") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the proxy's connections to A did not close: %s", info)
				}
				time.Sleep(50 * time.Millisecond)
			}
			// A bad file keeps the running configuration.
			if err := os.WriteFile(confPath(pp), []byte(strings.Replace(v2, "  redis: true\n", "  redis: true\n  bogus: 1\n", 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			pp.cmd.Process.Signal(syscall.SIGHUP)
			log := waitProcLog(t, pp, "keeping the running configuration", 1)
			if !strings.Contains(log, `conf: directive "bogus" is unknown`) {
				t.Errorf("no reason in the log:\n%s", log)
			}
			if r := conns[0].do(t, "SET", "afterbad", "3"); r != "+OK\r\n" || rb.do(t, "EXISTS", "afterbad") != ":1\r\n" {
				t.Errorf("after the bad file: %q, or afterbad not on B", r)
			}
			time.Sleep(250 * time.Millisecond)
			doc := statsDoc(t, pp.stats)
			if !strings.Contains(doc, `"alpha": {`) || !strings.Contains(doc, `"b": {`) || strings.Contains(doc, `"a": {`) {
				t.Errorf("stats after the reload: %s", doc)
			}
		})
	}
}

// TestReloadOptIn: without --reload, SIGHUP only reopens the log, as in
// nutcracker. Tried: the file rewritten to point alpha at B, SIGHUP.
// Expected: the "reopening log file" line, and a SET still lands on A.
func TestReloadOptIn(t *testing.T) {
	a, b := testenv.StartRedis(t), testenv.StartRedis(t)
	v1 := fmt.Sprintf("alpha:\n  listen: {LISTEN0}\n  redis: true\n  servers:\n   - 127.0.0.1:%d:1 a\n", a)
	pp := startProc(t, proxyBinary(t), v1, 1)
	c := dialR(t, pp.ports[0])
	v2 := fmt.Sprintf("alpha:\n  listen: 127.0.0.1:%d\n  redis: true\n  servers:\n   - 127.0.0.1:%d:1 b\n", pp.ports[0], b)
	if err := os.WriteFile(confPath(pp), []byte(v2), 0o644); err != nil {
		t.Fatal(err)
	}
	pp.cmd.Process.Signal(syscall.SIGHUP)
	log := waitProcLog(t, pp, "signal 1 (SIGHUP) received, reopening log file\n", 1)
	if strings.Contains(log, "reload") {
		t.Errorf("reloaded without --reload:\n%s", log)
	}
	if r := c.do(t, "SET", "k", "v"); r != "+OK\r\n" || dialR(t, a).do(t, "EXISTS", "k") != ":1\r\n" {
		t.Errorf("SET after SIGHUP: %q, or k not on A", r)
	}
}

// TestReloadRefused calls the reload path on a context directly (its
// loop not running, so this goroutine is the loop's). Tried: a file that
// turns alpha into a memcache pool on the same address; a file that adds
// a pool on a port this test holds; then a good file. Expected: the first
// two are refused whole (reloadApply false, alpha keeps its configuration,
// no listener left behind for the second's other pools); the good one is
// applied (alpha's directives change, its listener is the same).
func TestReloadRefused(t *testing.T) {
	dir := t.TempDir()
	port, held := testenv.FreePort(t), testenv.FreePort(t)
	hold, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", held))
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	load := func(body string) *conf {
		t.Helper()
		f := filepath.Join(dir, "c.yml")
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		cf, err := confCreate(f, nil, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return cf
	}
	alpha := fmt.Sprintf("alpha:\n  listen: 127.0.0.1:%d\n  redis: true\n  servers:\n   - 127.0.0.1:6379:1 a\n", port)
	nci := setDefaultOptions()
	nci.statsAddr, nci.statsPort = "127.0.0.1", testenv.FreePort(t)
	ctx, err := coreStart(&nci, load(alpha), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.el.Close()
	p, cp, ln := ctx.pools[0], ctx.pools[0].cp, ctx.pools[0].listener
	if ctx.reloadApply(load(strings.Replace(alpha, "  redis: true\n", "", 1))) || ctx.pools[0] != p || p.cp != cp {
		t.Errorf("a protocol change on the same address was applied")
	}
	gamma := fmt.Sprintf("gamma:\n  listen: 127.0.0.1:%d\n  servers:\n   - 127.0.0.1:11211:1\n", testenv.FreePort(t))
	delta := fmt.Sprintf("delta:\n  listen: 127.0.0.1:%d\n  servers:\n   - 127.0.0.1:11211:1\n", held)
	curr := ctx.stats.currConns
	if ctx.reloadApply(load(alpha+gamma+delta)) || len(ctx.pools) != 1 || p.cp != cp || ctx.stats.currConns != curr {
		t.Errorf("a reload with a port that cannot be bound was applied (pools %d, curr %d, was %d)", len(ctx.pools), ctx.stats.currConns, curr)
	}
	good := strings.Replace(alpha, "  redis: true\n", "  redis: true\n  hash: md5\n  timeout: 400\n", 1)
	if !ctx.reloadApply(load(good)) || ctx.pools[0] != p || p.listener != ln || p.cp.hash != "md5" || ctx.minTimeout != 400 {
		t.Errorf("the good file: pools %d, hash %q, timeout %d, same listener %v", len(ctx.pools), p.cp.hash, ctx.minTimeout, p.listener == ln)
	}
}
