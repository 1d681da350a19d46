package redisasync

import (
	"bytes"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/testenv"
)

// redisCtx starts a redis-server (skipping without one, failing under
// GOAE_INTEROP=require) and connects a context to it.
func redisCtx(t *testing.T) (*ae.EventLoop, *Context, int) {
	t.Helper()
	port := testenv.StartRedis(t)
	el := newLoop(t)
	c := connect(t, el, port)
	return el, c, port
}

// wait sends a command and runs the loop until its reply, which it
// returns formatted.
func wait(t *testing.T, el *ae.EventLoop, c *Context, args ...string) string {
	t.Helper()
	var got *string
	if err := c.CommandString(func(_ *Context, r *Reply, _ any) { s := r.String(); got = &s }, nil, args...); err != nil {
		t.Fatal(err)
	}
	runUntil(t, el, strings.Join(args, " "), func() bool { return got != nil })
	return *got
}

// Input: against a real redis-server: PING; SET k v then GET k; GET of
// a missing key; an unknown command; INCR on a string; an EVAL returning
// a nested array with an empty one; INFO server. Expected: "PONG", "OK",
// "v", nil, error replies with Redis's text, the nested array as sent,
// and INFO's bulk holding redis_version.
func TestRedisBasics(t *testing.T) {
	el, c, _ := redisCtx(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"PING"}, `"PONG"`},
		{[]string{"SET", "k", "v"}, `"OK"`},
		{[]string{"GET", "k"}, `"v"`},
		{[]string{"GET", "missing"}, "(nil)"},
		{[]string{"NOSUCHCOMMAND"}, "(error) ERR unknown command 'NOSUCHCOMMAND', with args beginning with: "},
		{[]string{"INCR", "k"}, "(error) ERR value is not an integer or out of range"},
		{[]string{"EVAL", "return {1, {2, 'x'}, {}}", "0"}, `[1 [2 "x"] []]`},
		{[]string{"ECHO", "a\r\nb\x00c"}, `"a\r\nb\x00c"`},
	} {
		if got := wait(t, el, c, tc.args...); got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.args, got, tc.want)
		}
	}
	if info := wait(t, el, c, "INFO", "server"); !strings.Contains(info, "redis_version:") {
		t.Errorf("INFO: %.200s", info)
	}
}

// Input: 1000 INCRs sent at once, before any reply, each with its
// index as private data. Expected: 1000 callbacks in order, the i-th
// with private data i and reply i+1; Pending counts down to 0.
func TestRedisPipeline1000(t *testing.T) {
	el, c, _ := redisCtx(t)
	next := 0
	bad := ""
	for i := 0; i < 1000; i++ {
		c.CommandString(func(_ *Context, r *Reply, priv any) {
			if priv != next || r == nil || r.Type != TypeInteger || r.Integer != int64(next+1) {
				bad += r.String() + " for " + strconv.Itoa(priv.(int)) + "; "
			}
			next++
		}, i, "INCR", "counter")
	}
	if c.Pending() != 1000 {
		t.Fatalf("pending %d after sending", c.Pending())
	}
	runUntil(t, el, "1000 replies", func() bool { return next == 1000 })
	if bad != "" || c.Pending() != 0 {
		t.Fatalf("out of order: %s; pending %d", bad, c.Pending())
	}
}

// Input: SET of a 1 MiB value of varied bytes, then GET of it, then
// STRLEN. Expected: "OK", the same 1 MiB back, 1048576.
func TestRedisBigBulk(t *testing.T) {
	el, c, _ := redisCtx(t)
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	var got []byte
	done := 0
	c.Command(func(_ *Context, r *Reply, _ any) {
		if r.String() != `"OK"` {
			t.Errorf("SET: %s", r)
		}
		done++
	}, nil, []byte("SET"), []byte("big"), big)
	c.Command(func(_ *Context, r *Reply, _ any) { got = bytes.Clone(r.Str); done++ }, nil, []byte("GET"), []byte("big"))
	runUntil(t, el, "big", func() bool { return done == 2 })
	if !bytes.Equal(got, big) {
		t.Fatalf("GET returned %d bytes, not the value", len(got))
	}
	if n := wait(t, el, c, "STRLEN", "big"); n != "1048576" {
		t.Fatalf("STRLEN %s", n)
	}
}

// Input: a context SUBSCRIBEd to a and b with one callback, to c with
// another, PSUBSCRIBEd to p* with a third; a second context PUBLISHes
// to a, c, px, and z (no subscriber). Then UNSUBSCRIBE a; PUBLISH a and
// b; then UNSUBSCRIBE and PUNSUBSCRIBE with no arguments; then PING on
// the first context. Expected: each message reaches only its callback;
// PUBLISH counts 1 receiver (0 for z); after UNSUBSCRIBE a the context
// is still subscribed and only b's message arrives; the unsubscribe
// confirmations reach the channels' callbacks (b's and c's counting 2 and
// 1 in the server's order); after the last one the
// context is not subscribed, and PING answers "PONG" as a plain reply.
func TestRedisPubSub(t *testing.T) {
	el, sub, port := redisCtx(t)
	pub := connect(t, el, port)
	var ab, cc, pp []string
	rec := func(dst *[]string) Callback {
		return func(_ *Context, r *Reply, _ any) { *dst = append(*dst, r.String()) }
	}
	sub.CommandString(rec(&ab), nil, "SUBSCRIBE", "a", "b")
	sub.CommandString(rec(&cc), nil, "SUBSCRIBE", "c")
	sub.CommandString(rec(&pp), nil, "PSUBSCRIBE", "p*")
	runUntil(t, el, "subscribed", func() bool { return len(ab) == 2 && len(cc) == 1 && len(pp) == 1 })
	for _, ch := range []string{"a", "c", "px", "z"} {
		n := wait(t, el, pub, "PUBLISH", ch, "to "+ch)
		if want := map[bool]string{true: "0", false: "1"}[ch == "z"]; n != want {
			t.Errorf("PUBLISH %s: %s receivers", ch, n)
		}
	}
	runUntil(t, el, "messages", func() bool { return len(ab) == 3 && len(cc) == 2 && len(pp) == 2 })
	sub.CommandString(nil, nil, "UNSUBSCRIBE", "a")
	runUntil(t, el, "unsubscribe a", func() bool { return len(ab) == 4 })
	if !sub.Subscribed() {
		t.Fatal("not subscribed after unsubscribing one channel of four")
	}
	wait(t, el, pub, "PUBLISH", "a", "lost")
	wait(t, el, pub, "PUBLISH", "b", "to b")
	runUntil(t, el, "message b", func() bool { return len(ab) == 5 })
	sub.CommandString(nil, nil, "UNSUBSCRIBE")
	sub.CommandString(nil, nil, "PUNSUBSCRIBE")
	runUntil(t, el, "unsubscribed", func() bool { return !sub.Subscribed() })
	// UNSUBSCRIBE with no channel goes through them in the server's
	// dict order: b and c count 2 and 1, in either order.
	if len(ab) == 6 && len(cc) == 3 {
		last := ab[5][len(ab[5])-2:] + cc[2][len(cc[2])-2:]
		if last != "2]1]" && last != "1]2]" {
			t.Errorf("unsubscribe counts: %s, %s", ab[5], cc[2])
		}
		ab[5] = ab[5][:len(ab[5])-2] + "N]"
		cc[2] = cc[2][:len(cc[2])-2] + "N]"
	}
	want := map[string][]string{
		"ab": {`["subscribe" "a" 1]`, `["subscribe" "b" 2]`, `["message" "a" "to a"]`, `["unsubscribe" "a" 3]`,
			`["message" "b" "to b"]`, `["unsubscribe" "b" N]`},
		"c": {`["subscribe" "c" 3]`, `["message" "c" "to c"]`, `["unsubscribe" "c" N]`},
		"p": {`["psubscribe" "p*" 4]`, `["pmessage" "p*" "px" "to px"]`, `["punsubscribe" "p*" 0]`},
	}
	for name, got := range map[string][]string{"ab": ab, "c": cc, "p": pp} {
		if strings.Join(got, "|") != strings.Join(want[name], "|") {
			t.Errorf("%s: got\n%s\nwant\n%s", name, strings.Join(got, "\n"), strings.Join(want[name], "\n"))
		}
	}
	if got := wait(t, el, sub, "PING"); got != `"PONG"` {
		t.Errorf("PING after unsubscribing: %s", got)
	}
}

// Input: PING while subscribed (RESP2 answers ["pong", ""]), and a GET
// (refused in subscribed mode). Expected: both replies reach their own
// callbacks, not a channel's, in order.
func TestRedisCommandsWhileSubscribed(t *testing.T) {
	el, c, _ := redisCtx(t)
	var ch []string
	c.CommandString(func(_ *Context, r *Reply, _ any) { ch = append(ch, r.String()) }, nil, "SUBSCRIBE", "x")
	if got := wait(t, el, c, "PING"); got != `["pong" ""]` {
		t.Errorf("PING subscribed: %s", got)
	}
	if got := wait(t, el, c, "GET", "k"); !strings.HasPrefix(got, "(error) ERR") {
		t.Errorf("GET subscribed: %s", got)
	}
	if len(ch) != 1 || c.Pending() != 0 {
		t.Errorf("channel callback got %q; pending %d", ch, c.Pending())
	}
}

// Input: Connect to a redis-server listening on 127.0.0.1 (protected
// mode off: it would refuse a client from another address) with
// Options.Source 127.0.0.2 (the bind address of redisAsyncConnectBind;
// Linux routes all of 127/8 to lo), then CLIENT LIST. Expected: the
// connection's local address is 127.0.0.2, and the server lists the
// client as addr=127.0.0.2:port, so the bind took effect (a connect
// that ignored Source would come from 127.0.0.1). Skipped when
// 127.0.0.2 cannot be bound.
func TestRedisConnectBind(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.2:0")
	if err != nil {
		t.Skipf("127.0.0.2 cannot be bound here (%v): no second loopback address to bind the source to", err)
	}
	ln.Close()
	port := testenv.StartRedis(t, "--protected-mode", "no")
	el := newLoop(t)
	c, err := Connect(el, "127.0.0.1", port, Options{Source: "127.0.0.2", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Free()
	if got := wait(t, el, c, "CLIENT", "SETNAME", "bound"); got != `"OK"` {
		t.Fatalf("CLIENT SETNAME: %s", got)
	}
	local, _ := c.Conn().LocalAddr()
	if !strings.HasPrefix(local, "127.0.0.2:") {
		t.Errorf("local address %s, want 127.0.0.2:port", local)
	}
	var list string
	c.CommandString(func(_ *Context, r *Reply, _ any) { list = r.Text() }, nil, "CLIENT", "LIST")
	runUntil(t, el, "CLIENT LIST", func() bool { return list != "" })
	var line string
	for _, l := range strings.Split(list, "\n") {
		if strings.Contains(l, " name=bound ") {
			line = l
		}
	}
	if !strings.Contains(line, " addr=127.0.0.2:") || !strings.Contains(line, " addr="+local+" ") {
		t.Errorf("the server lists the client as %q, want addr=%s (127.0.0.2); CLIENT LIST:\n%s", line, local, list)
	}
}

// Input: CLIENT KILL of the context's own connection, from a second
// context, with a BLPOP pending on the first. Expected: the BLPOP
// callback gets nil and the disconnect callback an error (EOF).
func TestRedisKilledWithPending(t *testing.T) {
	el, c, port := redisCtx(t)
	killer := connect(t, el, port)
	wait(t, el, c, "CLIENT", "SETNAME", "victim")
	rec := &recorder{}
	c.SetDisconnectCallback(rec.onDisconnect)
	c.CommandString(rec.cb, nil, "BLPOP", "nothing", "0")
	runUntil(t, el, "BLPOP sent", func() bool { return c.OutputPending() == 0 })
	wait(t, el, killer, "CLIENT", "KILL", "SKIPME", "yes", "TYPE", "normal")
	runUntil(t, el, "disconnect", func() bool { return rec.count("disconnect") > 0 })
	if len(rec.events) != 2 || rec.events[0].reply != "<no reply>" || rec.events[1].err == nil {
		t.Fatalf("events %+v", rec.events)
	}
}

// Input: MONITOR on one context, then SET m 1 from another. Expected:
// the MONITOR callback gets "OK", then a line naming the SET: the
// callback stays queued for every line (REDIS_MONITORING).
func TestRedisMonitor(t *testing.T) {
	el, mon, port := redisCtx(t)
	other := connect(t, el, port)
	var lines []string
	mon.CommandString(func(_ *Context, r *Reply, _ any) { lines = append(lines, r.String()) }, nil, "MONITOR")
	runUntil(t, el, "MONITOR", func() bool { return len(lines) == 1 })
	wait(t, el, other, "SET", "m", "1")
	runUntil(t, el, "monitored SET", func() bool { return len(lines) == 2 })
	if lines[0] != `"OK"` || !strings.Contains(lines[1], `\"SET\" \"m\" \"1\"`) {
		t.Fatalf("monitor lines %q", lines)
	}
}
