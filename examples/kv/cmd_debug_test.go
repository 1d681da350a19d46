package main

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// Input: DEBUG with enable-debug-command at its default (no): alone,
// with subcommands, inside MULTI; and CONFIG SET of the option.
// Expected: redis-server 7.0.15's refusal, byte for byte, and EXEC's
// EXECABORT after a refused DEBUG in a transaction.
func TestDebugRefusedMatchesRedis(t *testing.T) {
	diffRedis(t, startServer(t, newTestServer(t)), cmds(
		"DEBUG", "DEBUG HELP", "DEBUG SLEEP 0", "debug set-active-expire 0", "DEBUG nosuch",
		"CONFIG SET enable-debug-command yes", "CONFIG GET enable-debug-command",
		"MULTI", "DEBUG SLEEP 0", "EXEC",
	))
}

// Input: DEBUG's subcommands on kv with enable-debug-command yes and on a
// redis-server started with --enable-debug-command yes: HELP, SLEEP,
// SET-ACTIVE-EXPIRE, QUICKLIST-PACKED-THRESHOLD with good, bad and
// missing arguments, an unknown subcommand.
// Expected: the same replies.
func TestDebugAllowedMatchesRedis(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.enableDebugCommand = protectedActionYes })
	ours := startServer(t, s)
	redis := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t, "--enable-debug-command", "yes"))
	a, b := dialRaw(t, ours), dialRaw(t, redis)
	for _, cmd := range cmds(
		"DEBUG HELP", "debug help", "DEBUG HELP x", "DEBUG", "DEBUG nosuch", "DEBUG SLEEP", "DEBUG SLEEP 0",
		"DEBUG SLEEP 0.01", "DEBUG SLEEP abc", "DEBUG SLEEP -1", "DEBUG SLEEP 0 1", "DEBUG SET-ACTIVE-EXPIRE 0",
		"DEBUG SET-ACTIVE-EXPIRE 1", "DEBUG SET-ACTIVE-EXPIRE x", "DEBUG SET-ACTIVE-EXPIRE", "DEBUG QUICKLIST-PACKED-THRESHOLD 0",
		"DEBUG QUICKLIST-PACKED-THRESHOLD 1mb", "DEBUG QUICKLIST-PACKED-THRESHOLD 5gb", "DEBUG QUICKLIST-PACKED-THRESHOLD 4gb",
		"DEBUG QUICKLIST-PACKED-THRESHOLD x", "DEBUG QUICKLIST-PACKED-THRESHOLD -1", "DEBUG QUICKLIST-PACKED-THRESHOLD",
		"DEBUG QUICKLIST-PACKED-THRESHOLD 0", "CONFIG GET enable-debug-command",
	) {
		if g, w := a.do(cmd...), b.do(cmd...); g != w {
			t.Errorf("%q:\n ours:  %q\n redis: %q", cmd, g, w)
		}
	}
	var threshold int64
	onLoopT(t, s, func() { threshold = s.quicklistPackedThreshold })
	if threshold != defaultQuicklistPackedThreshold {
		t.Errorf("threshold after 0 = %d", threshold)
	}
}

// Input: enable-debug-command local, DEBUG from a loopback client and
// from one whose address is not loopback.
// Expected: the loopback one runs it; the other gets the refusal.
func TestDebugLocal(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.enableDebugCommand = protectedActionLocal })
	e := s.newExecClient()
	if got := e.exec("DEBUG", "SLEEP", "0"); got != resp.OK {
		t.Fatalf("local DEBUG: %q", got)
	}
	e.c.Addr = "10.1.2.3:5000"
	if got := e.exec("DEBUG", "SLEEP", "0"); got != "-ERR "+debugNotAllowedErr+"\r\n" {
		t.Fatalf("remote DEBUG: %q", got)
	}
	e.c.Addr = "/tmp/kv.sock:0"
	if got := e.exec("DEBUG", "SLEEP", "0"); got != resp.OK {
		t.Fatalf("unix socket DEBUG: %q", got)
	}
}

// Input: DEBUG SET-ACTIVE-EXPIRE 0, 200 keys with a 1 ms TTL, a wait;
// then SET-ACTIVE-EXPIRE 1.
// Expected: while off, the keys stay (DBSIZE does not touch them, so only
// the active cycle could remove them); once on, the cycle removes them.
func TestDebugSetActiveExpire(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.enableDebugCommand = protectedActionYes; c.hz = 100 })
	r := dialRaw(t, startServer(t, s))
	if got := r.do("DEBUG", "SET-ACTIVE-EXPIRE", "0"); got != resp.OK {
		t.Fatal(got)
	}
	for i := 0; i < 200; i++ {
		r.do("SET", fmt.Sprint("k", i), "v", "PX", "1")
	}
	time.Sleep(300 * time.Millisecond)
	if got := r.do("DBSIZE"); got != ":200\r\n" {
		t.Fatalf("DBSIZE with active expiry off = %q", got)
	}
	r.do("DEBUG", "SET-ACTIVE-EXPIRE", "1")
	waitUntil(t, "the active cycle to expire the keys", func() bool { return r.do("DBSIZE") == ":0\r\n" })
}

// Input: DEBUG SLEEP 0.2.
// Expected: the reply comes no sooner than 0.2 s after the command (a
// lower bound, which a slow machine cannot break).
func TestDebugSleepSleeps(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.enableDebugCommand = protectedActionYes })
	r := dialRaw(t, startServer(t, s))
	start := time.Now()
	if got := r.do("DEBUG", "SLEEP", "0.2"); got != resp.OK {
		t.Fatal(got)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("DEBUG SLEEP 0.2 replied after %v", d)
	}
}

// loopExec runs commands on the server's loop (onLoopT) with one exec
// client.
type loopExec struct {
	t *testing.T
	s *server
	e *execClient
}

func (l *loopExec) do(args ...string) string {
	var out string
	onLoopT(l.t, l.s, func() {
		if l.e == nil {
			l.e = l.s.newExecClient()
		}
		out = l.e.exec(args...)
	})
	return out
}

// Input: CONFIG SET port to a free port, then to a port in use, then
// bind to another loopback address and back; redis-server given the
// same in-use case.
// Expected: kv listens on the new port (the old one refuses), the port
// in use gets Redis's error and changes nothing; bind moves the listener.
func TestConfigSetPortAndBind(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	// The sets that move the listener run on the loop through onLoopT,
	// which orders them after startServer's read of the old one.
	r := &loopExec{t: t, s: s}
	port := testenv.FreePort(t)
	if got := r.do("CONFIG", "SET", "port", fmt.Sprint(port)); got != resp.OK {
		t.Fatalf("CONFIG SET port: %q", got)
	}
	newAddr := fmt.Sprintf("127.0.0.1:%d", port)
	if got := dialRaw(t, newAddr).do("PING"); got != resp.Pong {
		t.Fatalf("PING on the new port: %q", got)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("the old port %s still accepts", addr)
	}
	redisPort := testenv.StartRedis(t)
	redis := dialRaw(t, fmt.Sprintf("127.0.0.1:%d", redisPort))
	got := r.do("CONFIG", "SET", "port", fmt.Sprint(redisPort))
	want := redis.do("CONFIG", "SET", "port", fmt.Sprint(port))
	if got != want {
		t.Errorf("CONFIG SET port in use: kv %q, redis %q", got, want)
	}
	if got := r.do("CONFIG", "GET", "port"); !strings.Contains(got, fmt.Sprint(port)) {
		t.Errorf("port after the failed set: %q", got)
	}
	if got := r.do("CONFIG", "SET", "bind", "127.0.0.2"); got != resp.OK {
		t.Skipf("127.0.0.2 not available here: %q", got)
	}
	if got := dialRaw(t, fmt.Sprintf("127.0.0.2:%d", port)).do("PING"); got != resp.Pong {
		t.Fatalf("PING on 127.0.0.2: %q", got)
	}
	if got := r.do("CONFIG", "GET", "bind"); got != "*2\r\n$4\r\nbind\r\n$9\r\n127.0.0.2\r\n" {
		t.Errorf("CONFIG GET bind = %q", got)
	}
}
