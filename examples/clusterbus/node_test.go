package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
	"golang.org/x/sys/unix"
)

// Helpers for tests that run our nodes in-process: each node has its own
// ae loop on its own goroutine, and the tests reach it only through
// node.do (ae.Post) or the network.

// testLogger discards logs unless CLUSTERBUS_TEST_LOG=debug|verbose|notice
// is set, which sends them to stderr at that level.
func testLogger(prefix string) *slog.Logger {
	lv, ok := map[string]slog.Level{"debug": llDebug, "verbose": llVerbose, "notice": llNotice}[os.Getenv("CLUSTERBUS_TEST_LOG")]
	if !ok {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv})).With("node", prefix)
}

// startNode starts a node with cfg. When cfg.Port is 0 it picks a free
// bus port (and advertises bus port - 10000 as client port, which nothing
// binds yet), retrying when the port was taken meanwhile.
func startNode(t *testing.T, cfg Config) *node {
	t.Helper()
	if cfg.Log == nil {
		cfg.Log = testLogger(t.Name())
	}
	if cfg.NodeTimeout == 0 {
		cfg.NodeTimeout = 2000
	}
	var lastErr error
	for attempt := 0; attempt < 20; attempt++ {
		c := cfg
		if c.Port == 0 {
			cport := testenv.FreePort(t)
			if cport <= PortIncr {
				continue
			}
			c.Port = cport - PortIncr
		}
		n, err := newNode(c)
		if err != nil {
			lastErr = err
			if errors.Is(err, unix.EADDRINUSE) && cfg.Port == 0 {
				continue
			}
			t.Fatalf("newNode: %v", err)
		}
		go n.run()
		t.Cleanup(n.stop)
		return n
	}
	t.Fatalf("no free bus port: %v", lastErr)
	return nil
}

// call runs a client command on n's loop and decodes the reply.
func call(t testing.TB, n *node, args ...string) resp.Reply {
	t.Helper()
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	var out []byte
	if !n.do(func() { out = n.processCommand(argv, nil) }) {
		t.Fatalf("%s: node stopped", strings.Join(args, " "))
	}
	r, k, err := resp.ReadReply(out)
	if err != nil || k != len(out) {
		t.Fatalf("%s: bad reply %q: %v", strings.Join(args, " "), out, err)
	}
	return r
}

func callStr(t testing.TB, n *node, args ...string) string {
	t.Helper()
	r := call(t, n, args...)
	if r.Type == '-' {
		t.Fatalf("%s: error %s", strings.Join(args, " "), r.Str)
	}
	return string(r.Str)
}

// nodeLine is one parsed CLUSTER NODES line.
type nodeLine struct {
	id, ip          string
	port, cport     int
	hostname        string
	flags           string
	master          string
	pingSent, pongR int64
	epoch           uint64
	link            string
	slots           []string
}

// parseClusterNodes parses CLUSTER NODES text, checking Redis's format.
func parseClusterNodes(t testing.TB, text string) map[string]nodeLine {
	t.Helper()
	res := map[string]nodeLine{}
	if !strings.HasSuffix(text, "\n") && text != "" {
		t.Fatalf("CLUSTER NODES does not end with a newline: %q", text)
	}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, " ")
		if len(f) < 8 {
			t.Fatalf("CLUSTER NODES line with %d fields: %q", len(f), line)
		}
		var l nodeLine
		var err error
		l.id = f[0]
		if VerifyNodeID(l.id) != nil {
			t.Fatalf("bad node id in %q", line)
		}
		addr := f[1]
		if i := strings.IndexByte(addr, ','); i >= 0 {
			l.hostname, addr = addr[i+1:], addr[:i]
		}
		hostport, bus, ok := strings.Cut(addr, "@")
		colon := strings.LastIndexByte(hostport, ':')
		if !ok || colon < 0 {
			t.Fatalf("bad address in %q", line)
		}
		l.ip = hostport[:colon]
		if l.port, err = strconv.Atoi(hostport[colon+1:]); err != nil {
			t.Fatalf("bad port in %q", line)
		}
		if l.cport, err = strconv.Atoi(bus); err != nil {
			t.Fatalf("bad bus port in %q", line)
		}
		l.flags, l.master = f[2], f[3]
		if l.pingSent, err = strconv.ParseInt(f[4], 10, 64); err != nil {
			t.Fatalf("bad ping_sent in %q", line)
		}
		if l.pongR, err = strconv.ParseInt(f[5], 10, 64); err != nil {
			t.Fatalf("bad pong_received in %q", line)
		}
		if l.epoch, err = strconv.ParseUint(f[6], 10, 64); err != nil {
			t.Fatalf("bad epoch in %q", line)
		}
		l.link = f[7]
		if l.link != "connected" && l.link != "disconnected" {
			t.Fatalf("bad link state in %q", line)
		}
		l.slots = f[8:]
		res[l.id] = l
	}
	return res
}

func clusterNodes(t testing.TB, n *node) map[string]nodeLine {
	t.Helper()
	return parseClusterNodes(t, callStr(t, n, "cluster", "nodes"))
}

// sees reports whether a's CLUSTER NODES shows b, by name, as a
// connected master with no other flag.
func sees(t testing.TB, a *node, bID string) bool {
	l, ok := clusterNodes(t, a)[bID]
	return ok && l.flags == "master" && l.link == "connected"
}

func myID(t testing.TB, n *node) string { return callStr(t, n, "cluster", "myid") }

func meet(t testing.TB, a, b *node) {
	t.Helper()
	if s := callStr(t, a, "cluster", "meet", "127.0.0.1", strconv.Itoa(b.cfg.Port), strconv.Itoa(b.busPort)); s != "OK" {
		t.Fatalf("CLUSTER MEET: %s", s)
	}
}

// waitConverged waits until every node sees every other as a connected
// master, and itself as myself,master.
func waitConverged(t *testing.T, d time.Duration, nodes ...*node) {
	t.Helper()
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		ids[i] = myID(t, n)
	}
	waitFor(t, d, "convergence", func() bool {
		for i, n := range nodes {
			view := clusterNodes(t, n)
			if len(view) != len(nodes) || view[ids[i]].flags != "myself,master" {
				return false
			}
			for j := range nodes {
				if j != i && !sees(t, n, ids[j]) {
					return false
				}
			}
		}
		return true
	})
	if t.Failed() {
		for _, n := range nodes {
			t.Logf("%s", callStr(t, n, "cluster", "nodes"))
		}
	}
}

// Input: two nodes, A told CLUSTER MEET B. Expected: within a few seconds
// both CLUSTER NODES show the other under its real name as "master ...
// connected", with its address (127.0.0.1, client port, bus port), and
// no handshake node is left.
func TestTwoNodesMeet(t *testing.T) {
	a := startNode(t, Config{})
	b := startNode(t, Config{})
	meet(t, a, b)
	waitConverged(t, 10*time.Second, a, b)
	idA, idB := myID(t, a), myID(t, b)
	la := clusterNodes(t, a)[idB]
	if la.ip != "127.0.0.1" || la.port != b.cfg.Port || la.cport != b.busPort || la.master != "-" {
		t.Errorf("A's line for B: %+v", la)
	}
	lb := clusterNodes(t, b)[idA]
	if lb.ip != "127.0.0.1" || lb.port != a.cfg.Port || lb.cport != a.busPort {
		t.Errorf("B's line for A: %+v", lb)
	}
	// B learnt its own address from the MEET (getsockname).
	if me := clusterNodes(t, b)[idB]; me.ip != "127.0.0.1" || me.port != b.cfg.Port || me.cport != b.busPort {
		t.Errorf("B's own line: %+v", me)
	}
}

// Input: three nodes, A meets B and C; B and C are never introduced.
// Expected: B and C learn of each other from A's gossip and all three
// see each other as connected masters.
func TestThreeNodesConverge(t *testing.T) {
	a := startNode(t, Config{})
	b := startNode(t, Config{})
	c := startNode(t, Config{})
	meet(t, a, b)
	meet(t, a, c)
	waitConverged(t, 20*time.Second, a, b, c)
	info := callStr(t, b, "cluster", "info")
	for _, want := range []string{"cluster_known_nodes:3\r\n", "cluster_state:fail\r\n", "cluster_stats_messages_pong_received:"} {
		if !strings.Contains(info, want) {
			t.Errorf("CLUSTER INFO lacks %q:\n%s", want, info)
		}
	}
}

func (l nodeLine) String() string {
	return fmt.Sprintf("%s %s:%d@%d %s %s %d %d %d %s", l.id, l.ip, l.port, l.cport, l.flags, l.master, l.pingSent, l.pongR, l.epoch, l.link)
}

// Input: node A with --cluster-announce-ip 127.0.0.1 and node B without,
// both meeting a fake peer that records what it receives.
// Expected: A's own CLUSTER NODES line has the announced ip from the
// start, and A's MEET carries it in myip; B's MEET has an all-zero myip
// (the receiver uses the socket's peer address), as clusterBuildMessageHdr.
func TestAnnounceIP(t *testing.T) {
	a := startNode(t, Config{AnnounceIP: "127.0.0.1"})
	b := startNode(t, Config{})
	if me := clusterNodes(t, a)[myID(t, a)]; me.ip != "127.0.0.1" {
		t.Errorf("A's own ip %q, want the announced one", me.ip)
	}
	f := newFakeNode(t, strings.Repeat("c", 40))
	for _, n := range []*node{a, b} {
		callStr(t, n, "cluster", "meet", "127.0.0.1", strconv.Itoa(f.port), strconv.Itoa(f.cport))
	}
	meetFrom := func(n *node) *Message {
		var sender NodeName
		copy(sender[:], myID(t, n))
		b := f.received(func(m *Message) bool { return m.Type == TypeMeet && m.Sender == sender })
		if b == nil {
			return nil
		}
		m, _ := Decode(b)
		return m
	}
	waitFor(t, 5*time.Second, "both MEETs", func() bool { return meetFrom(a) != nil && meetFrom(b) != nil })
	if ip := meetFrom(a).MyIP.String(); ip != "127.0.0.1" {
		t.Errorf("A's MEET myip %q", ip)
	}
	if m := meetFrom(b); m.MyIP != (IPField{}) || m.Port != uint16(b.cfg.Port) || m.CPort != uint16(b.busPort) || m.PPort != 0 || m.Flags != NodeMyself|NodeMaster {
		t.Errorf("B's MEET header %+v", m.Header)
	}
}

// Input: six nodes introduced in a chain only (A meets B, B meets C, ...,
// E meets F). Expected: gossip spreads every node to every other: all six
// converge to six connected masters.
func TestChainOfSixConverges(t *testing.T) {
	var nodes []*node
	for i := 0; i < 6; i++ {
		nodes = append(nodes, startNode(t, Config{}))
	}
	for i := 0; i+1 < len(nodes); i++ {
		meet(t, nodes[i], nodes[i+1])
	}
	waitConverged(t, 30*time.Second, nodes...)
}
