package main

import (
	"testing"

	"github.com/goae/goae/connection"
	"golang.org/x/sys/unix"
)

// idleNode is a node whose loop is not running: the test calls its
// methods directly, which is allowed while no goroutine runs the loop.
func idleNode(t *testing.T) *node {
	t.Helper()
	nd, err := newNode(Config{ClusterPort: pickBusPort(t), NodeTimeout: 1000, Log: testLogger(t.Name())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		go nd.run()
		nd.stop()
	})
	return nd
}

// addTestNode adds a node named after c with the given flags; connected
// gives it a placeholder outbound link (never written to).
func addTestNode(nd *node, c byte, flags NodeFlags, connected bool) *clusterNode {
	var nn NodeName
	for i := range nn {
		nn[i] = c
	}
	cn := nd.createClusterNode(nn, flags)
	cn.ip, cn.port, cn.cport = "127.0.0.1", 7000+int(c), 17000+int(c)
	if connected {
		cn.link = nd.createClusterLink(cn, connection.NewSocket(nd.el), false)
	}
	nd.clusterAddNode(cn)
	return cn
}

// Input: a node knowing 13 others: the PING's target, 8 healthy
// connected masters, 2 in PFAIL, one in handshake, one without address;
// then clusterSendPing to the target over a socketpair.
// Expected: as clusterSendPing, the gossip has at most wanted =
// max(3, 14/10) = 3 random healthy entries, never myself, handshake or
// noaddr nodes, no duplicates (the target may be one, as in Redis), then
// every PFAIL node, last; the target's
// ping_sent is set and the message decodes as a PING of that length.
func TestClusterSendPingGossip(t *testing.T) {
	nd := idleNode(t)
	target := addTestNode(nd, 'a', NodeMaster, false)
	healthy := map[NodeName]bool{}
	for c := byte('b'); c < 'b'+8; c++ {
		healthy[addTestNode(nd, c, NodeMaster, true).name] = true
	}
	pf1 := addTestNode(nd, 'x', NodeMaster|NodePFail, true)
	pf2 := addTestNode(nd, 'y', NodeMaster|NodePFail, true)
	addTestNode(nd, 'h', NodeHandshake, true)
	addTestNode(nd, 'n', NodeMaster|NodeNoAddr, true)
	nd.cluster.statsPfailNodes = 2

	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[1])
	unix.SetNonblock(fds[0], true)
	unix.SetNonblock(fds[1], true)
	conn := connection.NewAcceptedSocket(nd.el, fds[0])
	conn.Accept(nil)
	link := nd.createClusterLink(target, conn, false)
	target.link = link
	// Redis does not leave the target out: it may gossip about itself to
	// the receiver (freshnodes only accounts for it).
	healthy[target.name] = true

	for round := 0; round < 20; round++ {
		target.pingSent = 0
		nd.clusterSendPing(link, TypePing)
		if target.pingSent == 0 {
			t.Fatal("ping_sent not set")
		}
		// What the link sends: written now, read from the other end.
		link.conn.Flush()
		var sent [64 << 10]byte
		k, _ := unix.Read(fds[1], sent[:])
		m, err := Decode(sent[:max(k, 0)])
		if err != nil || m.Type != TypePing || m.Sender != nd.cluster.myself.name {
			t.Fatalf("sent %v, %v", m, err)
		}
		g := m.Gossip
		if len(g) < 2 || len(g) > 5 {
			t.Fatalf("%d gossip entries, want 2 PFAIL after at most 3 others", len(g))
		}
		tail := g[len(g)-2:]
		if !((tail[0].NodeName == pf1.name && tail[1].NodeName == pf2.name) || (tail[0].NodeName == pf2.name && tail[1].NodeName == pf1.name)) {
			t.Fatalf("last entries %s %s, want the PFAIL nodes", tail[0].NodeName, tail[1].NodeName)
		}
		if tail[0].Flags&NodePFail == 0 || tail[0].IP.String() != "127.0.0.1" {
			t.Fatalf("PFAIL entry %+v", tail[0])
		}
		seen := map[NodeName]bool{}
		for _, e := range g[:len(g)-2] {
			if !healthy[e.NodeName] || seen[e.NodeName] {
				t.Fatalf("gossip entry for %s (healthy %v, duplicate %v)", e.NodeName, healthy[e.NodeName], seen[e.NodeName])
			}
			seen[e.NodeName] = true
		}
	}
	nd.freeClusterLink(link)
}
