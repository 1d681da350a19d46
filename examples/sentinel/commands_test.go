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
