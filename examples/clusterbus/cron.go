package main

import (
	"math/rand/v2"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/connection"
)

// clusterCron (cluster.c's "CLUSTER cron job"): reconnects, handshake
// timeouts, the ping schedule, PFAIL and link recycling.

func (n *node) clusterCronProc(*ae.EventLoop, int64, any) int {
	n.clusterCron()
	if n.srv != nil {
		n.srv.Cron(1000 / clusterCronPeriod) // clientsCron, at serverCron's hz 10
	}
	return clusterCronPeriod
}

// clusterNodeCronHandleReconnect drops an expired handshake node, or
// starts a non-blocking connect to a node without an outbound link; the
// connect completes in clusterLinkConnectHandler. It reports whether node
// was deleted.
func (n *node) clusterNodeCronHandleReconnect(node *clusterNode, handshakeTimeout, now int64) bool {
	if node.flags&(NodeMyself|NodeNoAddr) != 0 {
		return false
	}
	if node.flags&NodePFail != 0 {
		n.cluster.statsPfailNodes++
	}
	if nodeInHandshake(node) && now-node.ctime > handshakeTimeout {
		n.logf(llVerbose, "Handshake with node %s (%s:%d) timed out", node.name, node.ip, node.cport)
		n.clusterDelNode(node)
		return true
	}
	if node.link == nil {
		conn := connection.NewSocket(n.el)
		link := n.createClusterLink(node, conn, false)
		if err := conn.Connect(node.ip, node.cport, connection.ConnectOptions{}, n.linkConnectHandler); err != nil {
			// A synchronous error: claim a ping was sent so that failure
			// detection works.
			if node.pingSent == 0 {
				node.pingSent = mstime()
			}
			n.logf(llDebug, "Unable to connect to Cluster Node [%s]:%d -> %v", node.ip, node.cport, err)
			n.freeClusterLink(link)
			return false
		}
		node.link = link
	}
	return false
}

// clusterCron runs every 100 ms.
func (n *node) clusterCron() {
	n.cronIteration++
	now := mstime()
	timeout := n.cfg.NodeTimeout
	handshakeTimeout := max(timeout, 1000)
	updateState := false

	n.cluster.statsPfailNodes = 0
	// clusterDelNode may remove nodes: walk a copy.
	nodes := append([]*clusterNode(nil), n.cluster.order...)
	for _, node := range nodes {
		if node.idx < 0 {
			continue
		}
		n.clusterNodeCronHandleReconnect(node, handshakeTimeout, now)
	}

	// Every 10th call, ping the node with the oldest pong among 5 random
	// picks.
	if n.cronIteration%10 == 0 && len(n.cluster.order) > 0 {
		var minPongNode *clusterNode
		var minPong int64
		for j := 0; j < 5; j++ {
			this := n.cluster.order[rand.IntN(len(n.cluster.order))]
			if this.link == nil || this.pingSent != 0 {
				continue
			}
			if this.flags&(NodeMyself|NodeHandshake) != 0 {
				continue
			}
			if minPongNode == nil || minPong > this.pongReceived {
				minPongNode, minPong = this, this.pongReceived
			}
		}
		if minPongNode != nil {
			n.logf(llDebug, "Pinging node %s", minPongNode.name)
			n.clusterSendPing(minPongNode.link, TypePing)
		}
	}

	for _, node := range append(nodes[:0], n.cluster.order...) {
		now = mstime()
		if node.flags&(NodeMyself|NodeNoAddr|NodeHandshake) != 0 {
			continue
		}
		pingDelay := now - node.pingSent
		dataDelay := now - node.dataReceived
		// No data for half the timeout on a link that waits for a PONG:
		// reconnect, maybe the connection is the problem.
		if node.link != nil && now-node.link.ctime > timeout && node.pingSent != 0 &&
			pingDelay > timeout/2 && dataDelay > timeout/2 {
			n.freeClusterLink(node.link)
		}
		// No ping pending and the last PONG older than half the timeout:
		// ping now.
		if node.link != nil && node.pingSent == 0 && now-node.pongReceived > timeout/2 {
			n.clusterSendPing(node.link, TypePing)
			continue
		}
		if node.pingSent == 0 {
			continue
		}
		nodeDelay := min(pingDelay, dataDelay)
		if nodeDelay > timeout && node.flags&(NodePFail|NodeFail) == 0 {
			n.logf(llDebug, "*** NODE %s possibly failing", node.name)
			node.flags |= NodePFail
			updateState = true
		}
	}
	if updateState || n.cluster.state == clusterStateFail {
		n.clusterUpdateState()
	}
}
