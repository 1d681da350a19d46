package main

import (
	"net"

	"golang.org/x/sys/unix"
)

// The node table (cluster.c's "CLUSTER node API" and "CLUSTER nodes
// blacklist"): create, add, free, delete and rename nodes, the FORGET
// blacklist, and CLUSTER MEET's handshake node.

// createClusterNode is createClusterNode: a node with no address and no
// links.
func (n *node) createClusterNode(name NodeName, flags NodeFlags) *clusterNode {
	now := mstime()
	return &clusterNode{ctime: now, name: name, flags: flags, dataReceived: now, idx: -1}
}

func (n *node) clusterLookupNode(name NodeName) *clusterNode { return n.cluster.nodes[name] }

// clusterAddNode adds node to the nodes table.
func (n *node) clusterAddNode(node *clusterNode) {
	n.cluster.nodes[node.name] = node
	node.idx = len(n.cluster.order)
	n.cluster.order = append(n.cluster.order, node)
}

func (n *node) removeFromOrder(node *clusterNode) {
	o := n.cluster.order
	last := o[len(o)-1]
	o[node.idx] = last
	last.idx = node.idx
	o[len(o)-1] = nil
	n.cluster.order = o[:len(o)-1]
	node.idx = -1
}

// freeClusterNode unlinks node from the cluster and frees its links.
func (n *node) freeClusterNode(node *clusterNode) {
	if n.cluster.nodes[node.name] == node {
		delete(n.cluster.nodes, node.name)
	}
	if node.idx >= 0 {
		n.removeFromOrder(node)
	}
	for i, owner := range n.cluster.slots {
		if owner == node {
			n.cluster.slots[i] = nil
		}
	}
	if node.link != nil {
		n.freeClusterLink(node.link)
	}
	if node.inboundLink != nil {
		n.freeClusterLink(node.inboundLink)
	}
}

// clusterDelNode removes a node: its failure reports about others go,
// then the node.
func (n *node) clusterDelNode(delnode *clusterNode) {
	for _, other := range n.cluster.order {
		if other != delnode {
			n.clusterNodeDelFailureReport(other, delnode)
		}
	}
	n.freeClusterNode(delnode)
}

// clusterRenameNode gives a handshake node its real name.
func (n *node) clusterRenameNode(node *clusterNode, newname NodeName) {
	n.logf(llDebug, "Renaming node %s into %s", node.name, newname)
	delete(n.cluster.nodes, node.name)
	node.name = newname
	n.cluster.nodes[newname] = node
}

func nodeIsMaster(node *clusterNode) bool    { return node.flags&NodeMaster != 0 }
func nodeIsSlave(node *clusterNode) bool     { return node.flags&NodeSlave != 0 }
func nodeInHandshake(node *clusterNode) bool { return node.flags&NodeHandshake != 0 }
func nodeTimedOut(node *clusterNode) bool    { return node.flags&NodePFail != 0 }
func nodeFailed(node *clusterNode) bool      { return node.flags&NodeFail != 0 }

// clusterBlacklistAddNode forbids re-adding node from gossip for a
// minute (CLUSTER FORGET).
func (n *node) clusterBlacklistAddNode(node *clusterNode) {
	n.clusterBlacklistCleanup()
	n.cluster.blacklist[node.name] = mstime() + clusterBlacklistTTL
}

func (n *node) clusterBlacklistCleanup() {
	now := mstime()
	for name, expire := range n.cluster.blacklist {
		if expire < now {
			delete(n.cluster.blacklist, name)
		}
	}
}

func (n *node) clusterBlacklistExists(name NodeName) bool {
	n.clusterBlacklistCleanup()
	_, ok := n.cluster.blacklist[name]
	return ok
}

// clusterStartHandshake is CLUSTER MEET's work: a node with a random name
// in HANDSHAKE|MEET that clusterCron will connect to. It fails with
// unix.EINVAL on a bad address and unix.EAGAIN when the same handshake is
// already in progress.
func (n *node) clusterStartHandshake(ip string, port, cport int) error {
	addr := net.ParseIP(ip)
	if addr == nil {
		return unix.EINVAL
	}
	if port <= 0 || port > 65535 || cport <= 0 || cport > 65535 {
		return unix.EINVAL
	}
	normIP := addr.String()
	for _, node := range n.cluster.order {
		if nodeInHandshake(node) && node.ip == normIP && node.port == port && node.cport == cport {
			return unix.EAGAIN
		}
	}
	node := n.createClusterNode(RandomNodeName(), NodeHandshake|NodeMeet)
	node.ip, node.port, node.cport = normIP, port, cport
	n.clusterAddNode(node)
	return nil
}
