package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The client commands, called directly on a running node through call
// (node.do), each checked against Redis 7.0's reply.

// Input: PING, PING msg, PING a b. Expected: +PONG, the bulk msg, and the
// arity error.
func TestPingCommand(t *testing.T) {
	n := startNode(t, Config{})
	if r := call(t, n, "ping"); r.Type != '+' || string(r.Str) != "PONG" {
		t.Errorf("PING: %c %q", r.Type, r.Str)
	}
	if r := call(t, n, "PING", "hi"); r.Type != '$' || string(r.Str) != "hi" {
		t.Errorf("PING hi: %c %q", r.Type, r.Str)
	}
	if r := call(t, n, "ping", "a", "b"); r.Type != '-' || string(r.Str) != "ERR wrong number of arguments for 'ping' command" {
		t.Errorf("PING a b: %c %q", r.Type, r.Str)
	}
	if r := call(t, n, "get", "k"); r.Type != '-' || !strings.HasPrefix(string(r.Str), "ERR unknown command 'get', with args beginning with: 'k'") {
		t.Errorf("GET k: %c %q", r.Type, r.Str)
	}
}

// Input: a lone node's CLUSTER MYID, NODES, INFO and LINKS. Expected:
// MYID is 40 hex characters; NODES is one line in Redis's format,
// "<id> :<port>@<cport> myself,master - 0 0 0 connected" (the ip is
// empty until a MEET teaches it); INFO has Redis's fields in Redis's
// order; LINKS is empty.
func TestClusterIntrospection(t *testing.T) {
	n := startNode(t, Config{})
	id := callStr(t, n, "cluster", "myid")
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(id) {
		t.Fatalf("MYID %q", id)
	}
	nodes := callStr(t, n, "CLUSTER", "NODES")
	want := id + " :" + strconv.Itoa(n.cfg.Port) + "@" + strconv.Itoa(n.busPort) + " myself,master - 0 0 0 connected\n"
	if nodes != want {
		t.Errorf("CLUSTER NODES:\n got %q\nwant %q", nodes, want)
	}
	info := callStr(t, n, "cluster", "info")
	fields := []string{"cluster_state:fail", "cluster_slots_assigned:0", "cluster_slots_ok:0", "cluster_slots_pfail:0",
		"cluster_slots_fail:0", "cluster_known_nodes:1", "cluster_size:", "cluster_current_epoch:0", "cluster_my_epoch:0",
		"cluster_stats_messages_sent:0", "cluster_stats_messages_received:0", "total_cluster_links_buffer_limit_exceeded:0"}
	lines := strings.Split(strings.TrimSuffix(info, "\r\n"), "\r\n")
	if len(lines) != len(fields) {
		t.Fatalf("CLUSTER INFO has %d lines, want %d:\n%s", len(lines), len(fields), info)
	}
	for i, f := range fields {
		if !strings.HasPrefix(lines[i], f) {
			t.Errorf("CLUSTER INFO line %d: %q, want %q", i, lines[i], f)
		}
	}
	if r := call(t, n, "cluster", "links"); r.Type != '*' || len(r.Array) != 0 {
		t.Errorf("CLUSTER LINKS: %c %d entries", r.Type, len(r.Array))
	}
}

// Input: CLUSTER MEET with bad arguments and a good one twice, then the
// other subcommands' error cases. Expected: Redis's error texts; a good
// MEET adds a "handshake" node with a random name at the given address
// (once, even if repeated: the second MEET answers OK but adds nothing).
func TestClusterMeetForgetErrors(t *testing.T) {
	n := startNode(t, Config{})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cluster"}, "ERR wrong number of arguments for 'cluster' command"},
		{[]string{"cluster", "nosuch"}, "ERR unknown subcommand 'nosuch'. Try CLUSTER HELP."},
		{[]string{"cluster", "meet", "127.0.0.1"}, "ERR wrong number of arguments for 'cluster|meet' command"},
		{[]string{"cluster", "meet", "127.0.0.1", "x"}, "ERR Invalid TCP base port specified: x"},
		{[]string{"cluster", "meet", "127.0.0.1", "7000", "y"}, "ERR Invalid TCP bus port specified: y"},
		{[]string{"cluster", "meet", "localhost", "7000"}, "ERR Invalid node address specified: localhost:7000"},
		{[]string{"cluster", "meet", "127.0.0.1", "0"}, "ERR Invalid node address specified: 127.0.0.1:0"},
		{[]string{"cluster", "meet", "127.0.0.1", "7000", "1", "2"}, "ERR unknown subcommand or wrong number of arguments for 'meet'. Try CLUSTER HELP."},
		{[]string{"cluster", "nodes", "x"}, "ERR wrong number of arguments for 'cluster|nodes' command"},
		{[]string{"cluster", "forget", strings.Repeat("0", 40)}, "ERR Unknown node " + strings.Repeat("0", 40)},
		{[]string{"cluster", "forget", myID(t, n)}, "ERR I tried hard but I can't forget myself..."},
		{[]string{"cluster", "reset", "medium"}, "ERR syntax error"},
		{[]string{"cluster", "count-failure-reports", "nosuch"}, "ERR Unknown node nosuch"},
	} {
		r := call(t, n, tc.args...)
		if r.Type != '-' || string(r.Str) != tc.want {
			t.Errorf("%s: %c %q, want %q", strings.Join(tc.args, " "), r.Type, r.Str, tc.want)
		}
	}
	// A port nobody listens on: the handshake node stays until it times
	// out.
	for i := 0; i < 2; i++ {
		if s := callStr(t, n, "cluster", "meet", "127.0.0.1", "1", "2"); s != "OK" {
			t.Fatalf("MEET: %s", s)
		}
	}
	view := clusterNodes(t, n)
	if len(view) != 2 {
		t.Fatalf("%d nodes after MEET, want 2", len(view))
	}
	for id, l := range view {
		if id == myID(t, n) {
			continue
		}
		if l.flags != "handshake" || l.ip != "127.0.0.1" || l.port != 1 || l.cport != 2 {
			t.Errorf("handshake node: %v", l)
		}
		// FORGET works on it, and RESET clears everything else.
		if s := callStr(t, n, "cluster", "forget", id); s != "OK" {
			t.Errorf("FORGET: %s", s)
		}
	}
	callStr(t, n, "cluster", "meet", "127.0.0.1", "1", "2")
	if s := callStr(t, n, "cluster", "reset", "soft"); s != "OK" {
		t.Errorf("RESET SOFT: %s", s)
	}
	if v := clusterNodes(t, n); len(v) != 1 {
		t.Errorf("%d nodes after RESET SOFT, want 1", len(v))
	}
}

// Input: two converged nodes; A runs CLUSTER LINKS, then CLUSTER FORGET B.
// Expected: LINKS lists a "to" and a "from" link for B with Redis's
// fields; after FORGET, B is gone from A's view and stays gone (the
// blacklist keeps B's gossip from re-adding it), while B still knows A.
func TestClusterLinksAndForget(t *testing.T) {
	a := startNode(t, Config{})
	b := startNode(t, Config{})
	meet(t, a, b)
	waitConverged(t, 10*time.Second, a, b)
	idB := myID(t, b)
	waitFor(t, 5*time.Second, "both links", func() bool {
		r := call(t, a, "cluster", "links")
		dirs := map[string]bool{}
		for _, l := range r.Array {
			if len(l.Array) != 12 || string(l.Array[0].Str) != "direction" || string(l.Array[2].Str) != "node" ||
				string(l.Array[4].Str) != "create-time" || string(l.Array[6].Str) != "events" ||
				string(l.Array[8].Str) != "send-buffer-allocated" || string(l.Array[10].Str) != "send-buffer-used" {
				t.Fatalf("CLUSTER LINKS entry %+v", l)
			}
			if string(l.Array[3].Str) == idB {
				dirs[string(l.Array[1].Str)] = true
			}
		}
		return dirs["to"] && dirs["from"]
	})
	if s := callStr(t, a, "cluster", "forget", idB); s != "OK" {
		t.Fatalf("FORGET: %s", s)
	}
	time.Sleep(1500 * time.Millisecond)
	if _, ok := clusterNodes(t, a)[idB]; ok {
		t.Errorf("B back in A's view after FORGET")
	}
}

// Input: raw RESP over TCP to a node's client port (internal/respserver):
// PING, CLUSTER MYID, then CLUSTER MEET to a second node sent the same
// way. Expected: +PONG, the same id as the loop-side call, +OK, and the
// two nodes converge as with an in-loop MEET.
func TestClientPort(t *testing.T) {
	a := startNode(t, Config{})
	b := startNode(t, Config{})
	if r := redisDo(t, a.cfg.Port, "PING"); r.Type != '+' || string(r.Str) != "PONG" {
		t.Fatalf("PING over the client port: %c %q", r.Type, r.Str)
	}
	if got := redisStr(t, a.cfg.Port, "CLUSTER", "MYID"); got != myID(t, a) {
		t.Fatalf("CLUSTER MYID over the client port: %q", got)
	}
	if s := redisStr(t, a.cfg.Port, "CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(b.cfg.Port)); s != "OK" {
		t.Fatalf("CLUSTER MEET over the client port: %q", s)
	}
	waitConverged(t, 10*time.Second, a, b)
	view := parseClusterNodes(t, redisStr(t, b.cfg.Port, "cluster", "nodes"))
	if l := view[myID(t, a)]; l.flags != "master" || l.port != a.cfg.Port {
		t.Errorf("B's view of A over the client port: %v", l)
	}
}
