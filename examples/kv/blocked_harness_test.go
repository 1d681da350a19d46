package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// A blocking differential test is a script of steps over a few
// connections, run against our server and a real redis-server 7.0 side
// by side. Beyond a plain command (sent, and its reply compared) a step
// may be
//
//	SEND cmd...      send without reading (a command that blocks, or
//	                 whose reply is suppressed)
//	RECV             read one reply and compare it
//	WAITBLOCKED n    poll INFO clients on a control connection until
//	                 blocked_clients is n, on each server: the order in
//	                 which clients block is then the same on both
//	SLEEP ms         pause
//	CLOSE            close the connection
//
// "$IDn" in an argument is replaced by connection n's CLIENT ID on that
// server.
func diffBlocking(t *testing.T, ours string, nconn int, steps []step, redisArgs ...string) []string {
	t.Helper()
	redisAddr := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t, redisArgs...))
	type side struct {
		conns []*rawConn
		ctl   *rawConn
		ids   []string
	}
	mk := func(addr string) *side {
		sd := &side{ctl: dialRaw(t, addr)}
		for range nconn {
			c := dialRaw(t, addr)
			id := c.do("CLIENT", "ID")
			sd.conns = append(sd.conns, c)
			sd.ids = append(sd.ids, strings.TrimSuffix(strings.TrimPrefix(id, ":"), "\r\n"))
		}
		return sd
	}
	a, b := mk(ours), mk(redisAddr)
	subst := func(sd *side, args []string) []string {
		out := make([]string, len(args))
		for i, arg := range args {
			for n := range nconn {
				arg = strings.ReplaceAll(arg, "$ID"+strconv.Itoa(n), sd.ids[n])
			}
			out[i] = arg
		}
		return out
	}
	var got []string
	for i, st := range steps {
		var x, y string
		switch strings.ToUpper(st.cmd[0]) {
		case "SEND":
			a.conns[st.conn].send(string(resp.AppendCommand(nil, subst(a, st.cmd[1:])...)))
			b.conns[st.conn].send(string(resp.AppendCommand(nil, subst(b, st.cmd[1:])...)))
			got = append(got, "")
			continue
		case "RECV":
			x, y = a.conns[st.conn].reply(), b.conns[st.conn].reply()
		case "WAITBLOCKED":
			for _, sd := range []*side{a, b} {
				waitBlocked(t, sd.ctl, st.cmd[1])
			}
			got = append(got, "")
			continue
		case "SLEEP":
			ms, _ := strconv.Atoi(st.cmd[1])
			time.Sleep(time.Duration(ms) * time.Millisecond)
			got = append(got, "")
			continue
		case "CLOSE":
			a.conns[st.conn].conn.Close()
			b.conns[st.conn].conn.Close()
			got = append(got, "")
			continue
		default:
			x, y = a.conns[st.conn].do(subst(a, st.cmd)...), b.conns[st.conn].do(subst(b, st.cmd)...)
		}
		if x != y {
			t.Fatalf("step %d, connection %d, %q:\n ours:  %q\n redis: %q", i, st.conn, strings.Join(st.cmd, " "), x, y)
		}
		got = append(got, x)
	}
	return got
}

var blockedClientsRe = regexp.MustCompile(`blocked_clients:(\d+)`)

// infoBlocked reads INFO's blocked_clients over c.
func infoBlocked(t testing.TB, c *rawConn) string {
	t.Helper()
	m := blockedClientsRe.FindStringSubmatch(c.do("INFO", "clients"))
	if m == nil {
		t.Fatalf("no blocked_clients in INFO clients")
	}
	return m[1]
}

// waitBlocked polls until n clients are blocked.
func waitBlocked(t testing.TB, c *rawConn, n string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		if infoBlocked(t, c) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("blocked_clients is not %s after 30 s", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
