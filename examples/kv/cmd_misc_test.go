package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// Input: CLIENT PAUSE WRITE (a SET waits, a GET runs, CLIENT UNPAUSE from
// another client releases the SET), CLIENT PAUSE ALL with a 100 ms
// timeout (a GET waits for it), a write queued in MULTI under a WRITE
// pause, an EXEC with a write queued (held) and one with only reads (runs), a key that expires during a pause (reads see it gone, it stays
// in DBSIZE until the pause ends), a pause that only grows, and the bad
// forms (bad mode, bad and negative timeouts, too many arguments,
// UNPAUSE with an argument). Expected: Redis's replies.
func TestDiffClientPause(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	steps := concatSteps(
		on(0, "CLIENT PAUSE 100 foo", "CLIENT PAUSE abc foo", "CLIENT PAUSE abc", "CLIENT PAUSE -1",
			"CLIENT PAUSE 1.5", "CLIENT PAUSE 1 2 3", "CLIENT PAUSE", "CLIENT UNPAUSE x", "CLIENT UNPAUSE"),
		on(0, "CLIENT PAUSE 100000 WRITE"),
		on(1, "SEND SET a b"), on(0, "WAITBLOCKED 1"),
		on(2, "GET a", "PING", "SEND RPUSH l x"), on(0, "WAITBLOCKED 2", "GET a", "CLIENT UNPAUSE"),
		on(1, "RECV"), on(2, "RECV", "GET a"),
		on(0, "CLIENT PAUSE 100 ALL"),
		on(1, "SEND GET a"), on(0, "SEND PING"), on(1, "RECV"), on(0, "RECV"),
		on(0, "CLIENT PAUSE 100000 WRITE"),
		on(1, "MULTI", "GET a", "SEND SET x 1"), on(0, "WAITBLOCKED 1", "CLIENT UNPAUSE"),
		on(1, "RECV", "EXEC"),
		on(1, "MULTI", "SET y 1", "GET y"), on(0, "CLIENT PAUSE 100000 WRITE"), on(1, "SEND EXEC"),
		on(2, "MULTI", "GET y", "SEND EXEC"), on(0, "WAITBLOCKED 1"), on(2, "RECV"),
		on(0, "CLIENT UNPAUSE"), on(1, "RECV"),
		on(0, "SET e v PX 50", "CLIENT PAUSE 100000 WRITE", "CLIENT PAUSE 10 WRITE", "SLEEP 120",
			"GET e", "EXISTS e", "DBSIZE", "CLIENT UNPAUSE", "GET e", "DBSIZE"),
	)
	diffBlocking(t, ours, 3, steps)
}

// Input: CLIENT REPLY OFF then commands (a SET, a GET, an unknown
// command, a wrong arity: no replies), CLIENT REPLY ON; SKIP before a GET
// and before a wrong command; SKIP while OFF (ignored); a bad mode and a
// missing one. Expected: Redis's replies, and none where Redis sends none.
func TestDiffClientReply(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	steps := concatSteps(
		on(0, "SEND CLIENT REPLY OFF", "SEND SET r 1", "SEND GET r", "SEND NOSUCH", "SEND GET",
			"CLIENT REPLY ON", "GET r"),
		on(0, "SEND CLIENT REPLY SKIP", "SEND GET r", "PING", "SEND CLIENT REPLY SKIP", "SEND NOSUCH", "GET r"),
		on(0, "SEND CLIENT REPLY OFF", "SEND CLIENT REPLY SKIP", "CLIENT REPLY ON", "GET r"),
		on(0, "CLIENT REPLY bad", "CLIENT REPLY", "CLIENT REPLY on x"),
		on(0, "SEND CLIENT REPLY SKIP", "SEND MULTI", "SET m 1", "EXEC"),
	)
	diffBlocking(t, ours, 1, steps)
}

// Input: RESET after SELECT, SETNAME, WATCH and MULTI with a queued
// command; RESET with replies off; RESET inside MULTI (not queued); RESET
// with an argument. Then, with --requirepass: AUTH, RESET, and a command
// (NOAUTH again). Expected: Redis's replies.
func TestDiffReset(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	steps := concatSteps(
		on(0, "SELECT 2", "SET k v", "CLIENT SETNAME n", "WATCH w", "MULTI", "SET a 1", "RESET",
			"CLIENT GETNAME", "EXEC", "DBSIZE", "GET k", "RESET x"),
		on(0, "SEND CLIENT REPLY OFF", "RESET", "PING"),
		on(0, "MULTI", "RESET", "EXEC"),
	)
	diffBlocking(t, ours, 1, steps)

	secured := startServer(t, newTestServer(t, func(c *config) { c.requirepass = "pw" }))
	diffRedisSteps(t, secured, 1, on(0, "GET k", "AUTH pw", "SET k v", "RESET", "GET k", "AUTH pw", "GET k"),
		"--requirepass", "pw")
}

var timeReply = regexp.MustCompile(`^\*2\r\n\$(\d+)\r\n(\d+)\r\n\$(\d+)\r\n(\d+)\r\n$`)

// Input: TIME, and TIME with an argument. Expected: two bulk strings, the
// unix seconds (within 5 s of the test's clock) and microseconds (0 to
// 999999), their lengths right; the wrong arity error as Redis's.
func TestTime(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	r := dialRaw(t, ours)
	got := r.do("TIME")
	m := timeReply.FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("TIME = %q", got)
	}
	sec, _ := strconv.ParseInt(m[2], 10, 64)
	usec, _ := strconv.ParseInt(m[4], 10, 64)
	if m[1] != strconv.Itoa(len(m[2])) || m[3] != strconv.Itoa(len(m[4])) || usec < 0 || usec > 999999 {
		t.Fatalf("TIME = %q", got)
	}
	if d := time.Now().Unix() - sec; d < -5 || d > 5 {
		t.Fatalf("TIME seconds %d, clock %d", sec, time.Now().Unix())
	}
	diffRedis(t, ours, cmds("TIME x"))
}

// clientField reads one field of the CLIENT LIST line of client id.
func clientField(t *testing.T, list, id, field string) string {
	t.Helper()
	for _, line := range strings.Split(list, "\n") {
		if strings.HasPrefix(line, "id="+id+" ") {
			for _, f := range strings.Fields(line) {
				if k, v, _ := strings.Cut(f, "="); k == field {
					return v
				}
			}
		}
	}
	t.Fatalf("no %s for client %s in %q", field, id, list)
	return ""
}

// Input: a client blocked in BLPOP, one held by CLIENT PAUSE WRITE, one
// with NO-EVICT on and then off. Expected: CLIENT LIST's flags and cmd
// fields as Redis's (b and blpop, b and set, e then N), and INFO's
// blocked_clients counting the paused client as Redis does.
func TestDiffClientListBlockedFlags(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	redis := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t))
	for _, addr := range []string{ours, redis} {
		ctl, blk, psd := dialRaw(t, addr), dialRaw(t, addr), dialRaw(t, addr)
		id := func(c *rawConn) string { return strings.Trim(c.do("CLIENT", "ID"), ":\r\n") }
		bid, pid, cid := id(blk), id(psd), id(ctl)
		blk.send("*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n")
		waitBlocked(t, ctl, "1")
		ctl.do("CLIENT", "PAUSE", "100000", "WRITE")
		psd.send("*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n")
		waitBlocked(t, ctl, "2")
		ctl.do("CLIENT", "NO-EVICT", "on")
		list := mustBulk(t, ctl.do("CLIENT", "LIST"))
		for _, c := range []struct{ id, field, want string }{
			{bid, "flags", "b"}, {bid, "cmd", "blpop"}, {pid, "flags", "b"}, {pid, "cmd", "set"}, {cid, "flags", "e"},
		} {
			if got := clientField(t, list, c.id, c.field); got != c.want {
				t.Errorf("%s: client %s %s=%q, want %q", addr, c.id, c.field, got, c.want)
			}
		}
		ctl.do("CLIENT", "NO-EVICT", "off")
		if got := clientField(t, mustBulk(t, ctl.do("CLIENT", "LIST")), cid, "flags"); got != "N" {
			t.Errorf("%s: flags after NO-EVICT off = %q", addr, got)
		}
		ctl.do("CLIENT", "UNPAUSE")
		ctl.do("RPUSH", "k", "v")
		blk.reply()
		psd.reply()
		waitBlocked(t, ctl, "0")
	}
}

func mustBulk(t *testing.T, reply string) string {
	t.Helper()
	r := mustReply(t, reply)
	return string(r.Str)
}
