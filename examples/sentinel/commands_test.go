package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// diffCommands are inputs whose replies do not depend on timing, run on
// ours and on a real redis-sentinel with the same config; the replies
// (errors included) must be the same bytes.
var diffCommands = [][]string{
	{"PING"}, {"PING", "hello"}, {"PING", "a", "b"},
	{"GET", "foo"}, {"FOO"}, {"SENTINEL"}, {"SENTINEL", "NOSUCH"}, {"sentinel", "nosuch"},
	{"SENTINEL", "HELP"}, {"SENTINEL", "DEBUG"}, {"SENTINEL", "DEBUG", "foo"},
	{"SENTINEL", "DEBUG", "ping-period", "abc"}, {"SENTINEL", "DEBUG", "ping-period", "0"},
	{"SENTINEL", "DEBUG", "info-period"},
	{"SENTINEL", "MASTERS", "x"}, {"SENTINEL", "MASTER"}, {"SENTINEL", "MASTER", "nosuch"},
	{"SENTINEL", "REPLICAS", "nosuch"}, {"SENTINEL", "SLAVES", "nosuch"}, {"SENTINEL", "SENTINELS", "nosuch"},
	{"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nosuch"}, {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"},
	{"SENTINEL", "CKQUORUM", "nosuch"},
	{"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "1", "2", "3"},
	{"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "x", "0", "*"},
	{"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "1", "x", "*"},
	{"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "10.1.1.1", "1", "0", "*"},
	{"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "10.1.1.1", "1", "5", "abcd"},
	{"SENTINEL", "CONFIG"}, {"SENTINEL", "CONFIG", "GET"}, {"SENTINEL", "CONFIG", "GET", "*"},
	{"SENTINEL", "CONFIG", "GET", "announce-*"}, {"SENTINEL", "CONFIG", "GET", "nosuch"},
	{"SENTINEL", "CONFIG", "SET", "a", "b", "c"}, {"SENTINEL", "CONFIG", "FOO", "bar"},
	{"SENTINEL", "CONFIG", "SET", "foo", "1"}, {"SENTINEL", "CONFIG", "SET", "announce-port", "x"},
	{"SENTINEL", "CONFIG", "SET", "announce-port", "70000"}, {"SENTINEL", "CONFIG", "SET", "resolve-hostnames", "maybe"},
	{"SENTINEL", "INFO-CACHE"}, {"SENTINEL", "INFO-CACHE", "nosuch"},
	{"SENTINEL", "SET"}, {"SENTINEL", "SET", "mymaster"}, {"SENTINEL", "SET", "mymaster", "quorum"},
	{"SENTINEL", "SET", "nosuch", "quorum", "2"}, {"SENTINEL", "SET", "mymaster", "foo", "1"},
	{"SENTINEL", "SET", "mymaster", "quorum", "0"}, {"SENTINEL", "SET", "mymaster", "quorum", "x"},
	{"SENTINEL", "SET", "mymaster", "down-after-milliseconds", "-5"},
	{"SENTINEL", "SET", "mymaster", "rename-command", "CONFIG"},
	{"SENTINEL", "SET", "mymaster", "rename-command", "", "X"},
	{"SENTINEL", "SET", "mymaster", "notification-script", "/bin/sh"},
	{"SENTINEL", "SET", "mymaster", "master-reboot-down-after-period", "-1"},
	{"SENTINEL", "SET", "mymaster", "quorum", "1"},
	{"SENTINEL", "SET", "mymaster", "failover-timeout", "6000", "parallel-syncs", "2"},
	{"SENTINEL", "MONITOR", "a", "b", "c", "d"}, {"SENTINEL", "MONITOR", "a", "b", "c", "0"},
	{"SENTINEL", "MONITOR", "a", "b", "c", "2"}, {"SENTINEL", "MONITOR", "a", "not-an-ip", "1", "2"},
	{"SENTINEL", "MONITOR", "mymaster", "127.0.0.1", "1", "2"},
	{"SENTINEL", "MONITOR", "other", "127.0.0.1", "99999", "2"},
	{"SENTINEL", "MONITOR", "other", "127.0.0.1", "1", "2"},
	// (ROLE and MASTER of two masters depend on dict order and timing.)
	{"SENTINEL", "REMOVE", "other"}, {"SENTINEL", "REMOVE", "other"},
	{"SENTINEL", "RESET"}, {"SENTINEL", "RESET", "nomatch*"},
	{"SENTINEL", "FAILOVER", "nosuch"}, {"SENTINEL", "PENDING-SCRIPTS"},
	{"SENTINEL", "SIMULATE-FAILURE"}, {"SENTINEL", "SIMULATE-FAILURE", "help"},
	{"SENTINEL", "SIMULATE-FAILURE", "foo"},
	{"SENTINEL", "FLUSHCONFIG"}, {"SENTINEL", "FLUSHCONFIG", "x"},
	{"PUBLISH", "x", "y"}, {"PUBLISH"}, {"PUBLISH", "__sentinel__:hello", "junk"},
	{"PUBLISH", "__sentinel__:hello", "1,2,3,4,nosuch,6,7,8"},
	{"COMMAND", "COUNT"}, {"ROLE", "x"}, {"INFO", "a", "b"}, {"INFO", "nosuch"},
	{"AUTH", "x"}, {"AUTH", "a", "b"}, {"HELLO", "4"}, {"HELLO", "x"}, {"HELLO", "2", "FOO"},
	{"HELLO", "2", "SETNAME", "bad name"},
	{"CLIENT"}, {"CLIENT", "NOSUCH"}, {"CLIENT", "SETNAME", "a b"}, {"CLIENT", "SETNAME", "me"},
	{"CLIENT", "GETNAME"}, {"CLIENT", "KILL", "1.2.3.4:5"}, {"CLIENT", "KILL", "ID", "x"},
	{"CLIENT", "KILL", "TYPE", "foo"}, {"CLIENT", "LIST", "TYPE", "foo"},
	{"CLIENT", "HELP"}, {"CLIENT", "NO-EVICT", "maybe"},
	{"CLIENT", "PAUSE", "x"}, {"CLIENT", "PAUSE", "-1"}, {"CLIENT", "PAUSE", "1", "foo"},
	{"CLIENT", "PAUSE", "1", "2", "3"}, {"CLIENT", "PAUSE", "9223372036854775808"}, {"CLIENT", "PAUSE", "0"},
	{"CLIENT", "UNPAUSE"}, {"CLIENT", "UNPAUSE", "x"}, {"CLIENT", "REPLY", "maybe"}, {"CLIENT", "REPLY", "ON"},
	{"CLIENT", "UNBLOCK", "x"}, {"CLIENT", "UNBLOCK", "1"}, {"CLIENT", "UNBLOCK", "1", "foo"},
	{"CLIENT", "UNBLOCK", "1", "TIMEOUT", "x"}, {"CLIENT", "UNBLOCK", "1", "error"},
	{"CLIENT", "CACHING", "YES"}, {"CLIENT", "CACHING", "maybe"}, {"CLIENT", "GETREDIR"}, {"CLIENT", "TRACKINGINFO"},
	{"CLIENT", "TRACKING"}, {"CLIENT", "TRACKING", "maybe"}, {"CLIENT", "TRACKING", "ON", "PREFIX", "a"},
	{"CLIENT", "TRACKING", "ON", "REDIRECT", "x"}, {"CLIENT", "TRACKING", "ON", "REDIRECT", "99999"},
	{"CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT"}, {"CLIENT", "TRACKING", "ON", "BCAST", "OPTIN"},
	{"CLIENT", "TRACKING", "ON", "FOO"}, {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "ab"},
	{"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "b", "PREFIX", "a"}, {"CLIENT", "TRACKINGINFO"},
	{"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "bc"}, {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "c"},
	{"CLIENT", "TRACKINGINFO"}, {"CLIENT", "TRACKING", "ON"}, {"CLIENT", "GETREDIR"}, {"CLIENT", "TRACKING", "OFF"},
	{"CLIENT", "TRACKING", "ON", "OPTIN", "NOLOOP"}, {"CLIENT", "CACHING", "NO"}, {"CLIENT", "CACHING", "YES"},
	{"CLIENT", "TRACKINGINFO"}, {"CLIENT", "TRACKING", "ON", "OPTOUT"}, {"CLIENT", "TRACKING", "OFF"},
	{"CLIENT", "TRACKINGINFO"}, {"CLIENT", "GETREDIR"},
	{"ACL", "WHOAMI"}, {"SHUTDOWN", "x"},
	{"SUBSCRIBE"}, {"UNSUBSCRIBE"}, {"PUNSUBSCRIBE"},
}

// helloID is HELLO's id field, which differs between two servers.
var helloID = regexp.MustCompile(`id\r\n:[0-9]+`)

// Input: every command of diffCommands, on ours and on a redis-sentinel
// 7.0.15 started from the same config (one master, quorum 1), then the
// same in RESP3 after HELLO 3, then subscribed mode. Expected: the same
// reply bytes for each.
func TestCommandsDifferential(t *testing.T) {
	testenv.RequireBinary(t, "redis-sentinel")
	master := testenv.StartRedis(t)
	conf := fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 1\nsentinel down-after-milliseconds mymaster 1000\n", master)
	real := startReal(t, conf)
	ours := startOurs(t, conf)

	run := func(label string, pre []string, cmds [][]string) {
		rc, oc := dialResp(t, real.port), dialResp(t, ours.port)
		if pre != nil {
			// HELLO's reply, its client id aside.
			r, _ := rc.do(pre...)
			o, _ := oc.do(pre...)
			if r, o := helloID.ReplaceAll(r, []byte("id\r\n:N")), helloID.ReplaceAll(o, []byte("id\r\n:N")); string(r) != string(o) {
				t.Errorf("%s %q:\n ours           %q\n redis-sentinel %q", label, pre, o, r)
			}
		}
		for _, cmd := range cmds {
			r, _ := rc.do(cmd...)
			o, _ := oc.do(cmd...)
			if string(r) != string(o) {
				t.Errorf("%s %q:\n ours           %q\n redis-sentinel %q", label, cmd, o, r)
			}
		}
	}
	run("RESP2", []string{"HELLO", "2", "SETNAME", "me"}, diffCommands)
	run("RESP3", []string{"HELLO", "3"}, [][]string{
		{"SENTINEL", "DEBUG"}, {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nosuch"},
		{"SENTINEL", "CONFIG", "GET", "*"}, {"SENTINEL", "INFO-CACHE", "nosuch"},
		{"SENTINEL", "MASTERS", "x"}, {"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "10.1.1.1", "1", "0", "*"},
		{"PING"}, {"ROLE"}, {"SUBSCRIBE", "a", "b"}, {"PING"}, {"PING", "x"}, {"UNSUBSCRIBE", "a"},
		{"PSUBSCRIBE", "x*"}, {"PUNSUBSCRIBE"}, {"UNSUBSCRIBE"}, {"UNSUBSCRIBE"},
	})
	run("subscribed", nil, [][]string{
		{"SUBSCRIBE", "a", "b", "a"}, {"PING"}, {"PING", "x"}, {"ROLE"}, {"SENTINEL", "MYID"},
		{"PSUBSCRIBE", "p*"}, {"UNSUBSCRIBE", "b", "nosuch"}, {"PUNSUBSCRIBE"}, {"UNSUBSCRIBE"},
		{"UNSUBSCRIBE"}, {"PING"},
	})
}

// Input: a subscriber to +set on ours, then SENTINEL SET of auth-pass and
// quorum. Expected: the +set events as Redis publishes them (auth-pass
// shown as ******), and the config rewritten with the new settings.
func TestEventsAndSetRewrite(t *testing.T) {
	master := testenv.StartRedis(t)
	ours := startOurs(t, fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 2\n", master))
	sub := dialResp(t, ours.port)
	sub.do("SUBSCRIBE", "+set")
	c := dialResp(t, ours.port)
	if _, v := c.do("SENTINEL", "SET", "mymaster", "auth-pass", "secret", "quorum", "1"); v != "OK" {
		t.Fatalf("SET: %v", v)
	}
	want := []string{
		fmt.Sprintf("master mymaster 127.0.0.1 %d auth-pass ******", master),
		fmt.Sprintf("master mymaster 127.0.0.1 %d quorum 1", master),
	}
	for _, w := range want {
		_, v, err := sub.read(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		l, _ := v.([]any)
		if len(l) != 3 || l[0] != "message" || l[1] != "+set" || l[2] != w {
			t.Errorf("event %v, want message +set %q", v, w)
		}
	}
	// Written off the loop: FLUSHCONFIG replies once it is on disk.
	if raw, _ := dialResp(t, ours.port).do("SENTINEL", "FLUSHCONFIG"); string(raw) != "+OK\r\n" {
		t.Fatalf("SENTINEL FLUSHCONFIG: %q", raw)
	}
	conf, _ := os.ReadFile(ours.conf)
	for _, line := range []string{
		fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 1\n", master),
		"sentinel auth-pass mymaster secret\n",
	} {
		if !strings.Contains(string(conf), line) {
			t.Errorf("config lacks %q:\n%s", line, conf)
		}
	}
}

// Input: on ours and on a redis-sentinel, CLIENT REPLY OFF, ON, SKIP
// around PINGs on one connection; a WRITE pause holding another
// connection's PUBLISH (seen in INFO's blocked_clients and CLIENT LIST's
// flags) until CLIENT UNPAUSE; an ALL pause of 300 ms holding a PING; then
// INFO's field names. Expected: the same bytes from both (CLIENT LIST and
// INFO compared by shape), the held replies only after the pause ends, the
// ALL-paused PING no sooner than 300 ms after the pause began.
func TestClientPauseReplyMatchesRedis(t *testing.T) {
	testenv.RequireBinary(t, "redis-sentinel")
	master := testenv.StartRedis(t)
	conf := fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 1\n", master)
	servers := map[string]int{"redis-sentinel": startReal(t, conf).port, "ours": startOurs(t, conf).port}
	type result struct {
		reply, held, info, flags string
		pausedFor                time.Duration
	}
	got := map[string]result{}
	for name, port := range servers {
		var r result
		c := dialResp(t, port)
		// CLIENT REPLY: OFF and SKIP replies are dropped, the rest arrive
		// in order.
		for _, cmd := range [][]string{{"CLIENT", "REPLY", "OFF"}, {"PING", "off"}, {"CLIENT", "REPLY", "SKIP"},
			{"PING", "off2"}, {"CLIENT", "REPLY", "ON"}, {"PING", "on"}, {"CLIENT", "REPLY", "SKIP"},
			{"PING", "skipped"}, {"PING", "after"}, {"CLIENT", "NOSUCH"}} {
			c.send(cmd...)
		}
		for {
			raw, _, err := c.read(500 * time.Millisecond)
			if err != nil {
				break
			}
			r.reply += string(raw)
		}

		// A WRITE pause holds PUBLISH (may_replicate), not INFO.
		admin, held := dialResp(t, port), dialResp(t, port)
		admin.do("CLIENT", "PAUSE", "100000", "WRITE")
		held.send("PUBLISH", "x", "y")
		deadline := time.Now().Add(10 * time.Second)
		for {
			info := fmt.Sprint(admin.val("INFO", "clients"))
			if strings.Contains(info, "blocked_clients:1\r\n") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the PUBLISH is not held: %q", name, info)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if raw, _, err := held.read(100 * time.Millisecond); err == nil {
			t.Errorf("%s: PUBLISH answered during the pause: %q", name, raw)
		}
		list := fmt.Sprint(admin.val("CLIENT", "LIST"))
		for _, l := range strings.Split(strings.TrimSpace(list), "\n") {
			if strings.Contains(l, "cmd=client|list") {
				continue
			}
			for _, f := range strings.Fields(l) {
				if strings.HasPrefix(f, "flags=") {
					r.flags += f + " "
				}
			}
		}
		admin.do("CLIENT", "UNPAUSE")
		raw, _, err := held.read(10 * time.Second)
		if err != nil {
			t.Fatalf("%s: PUBLISH not answered after UNPAUSE: %v", name, err)
		}
		r.held = string(raw)

		// An ALL pause holds everything, CLIENT UNPAUSE included, until it
		// ends by itself.
		start := time.Now()
		admin.do("CLIENT", "PAUSE", "300", "ALL")
		if _, v := held.do("PING"); v != "PONG" {
			t.Errorf("%s: PING after the ALL pause = %v", name, v)
		}
		r.pausedFor = time.Since(start)

		var keys []string
		for _, l := range strings.Split(fmt.Sprint(admin.val("INFO", "everything")), "\r\n") {
			k, _, _ := strings.Cut(l, ":")
			keys = append(keys, k)
		}
		r.info = strings.Join(keys, " ")
		got[name] = r
	}
	real, ours := got["redis-sentinel"], got["ours"]
	if !strings.Contains(real.reply, "$5\r\nafter\r\n") || strings.Contains(real.reply, "skipped") || !strings.Contains(real.flags, "flags=b") {
		t.Fatalf("the test's premise: redis-sentinel replied %q, flags %s", real.reply, real.flags)
	}
	if ours.reply != real.reply {
		t.Errorf("CLIENT REPLY: ours %q, redis-sentinel %q", ours.reply, real.reply)
	}
	if ours.held != real.held || ours.flags != real.flags {
		t.Errorf("WRITE pause: ours %q (flags %s), redis-sentinel %q (flags %s)", ours.held, ours.flags, real.held, real.flags)
	}
	if ours.info != real.info {
		t.Errorf("INFO everything fields:\n ours           %s\n redis-sentinel %s", ours.info, real.info)
	}
	for name, r := range got {
		if r.pausedFor < 300*time.Millisecond {
			t.Errorf("%s: PING under a 300 ms ALL pause answered after %v", name, r.pausedFor)
		}
	}
}
