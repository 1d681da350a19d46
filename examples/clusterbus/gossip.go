package main

import (
	"context"
	"math/rand/v2"
)

// Building PING/PONG/MEET and FAIL messages and their gossip section,
// and applying a received gossip section and ping extensions (cluster.c's
// "CLUSTER messages exchange - PING/PONG and gossip").

// clusterBuildMessageHdr fills the header every message starts with.
func (n *node) clusterBuildMessageHdr(h *Header, t MsgType) {
	myself := n.cluster.myself
	*h = Header{
		Type:         t,
		Port:         uint16(n.cfg.Port),
		CPort:        uint16(n.busPort),
		CurrentEpoch: n.cluster.currentEpoch,
		ConfigEpoch:  myself.configEpoch,
		Sender:       myself.name,
		MySlots:      myself.slots,
		SlaveOf:      myself.slaveof,
		Flags:        myself.flags,
		State:        uint8(n.cluster.state),
	}
	if n.cfg.AnnounceIP != "" {
		h.MyIP = MakeIPField(n.cfg.AnnounceIP)
	}
}

// clusterSetGossipEntry describes node in a gossip entry.
func clusterSetGossipEntry(g *Gossip, node *clusterNode) {
	*g = Gossip{
		NodeName:     node.name,
		PingSent:     uint32(node.pingSent / 1000),
		PongReceived: uint32(node.pongReceived / 1000),
		IP:           MakeIPField(node.ip),
		Port:         uint16(node.port),
		CPort:        uint16(node.cport),
		Flags:        node.flags,
		PPort:        uint16(node.pport),
	}
}

// clusterSendPing sends a PING, PONG or MEET with a gossip section:
// wanted = max(3, nodes/10) random healthy nodes, at most nodes-2, then
// every node in PFAIL so that failure reports spread fast.
func (n *node) clusterSendPing(link *clusterLink, t MsgType) {
	nnodes := len(n.cluster.order)
	freshnodes := nnodes - 2
	wanted := max(nnodes/10, 3)
	wanted = min(wanted, freshnodes)
	pfailWanted := n.cluster.statsPfailNodes

	n.clusterPingsSent++
	m := &n.out
	if !link.inbound && t == TypePing {
		link.node.pingSent = mstime()
	}
	n.clusterBuildMessageHdr(&m.Header, t)
	m.Gossip, m.Exts = m.Gossip[:0], m.Exts[:0]

	maxiterations := wanted * 3
	for freshnodes > 0 && len(m.Gossip) < wanted && maxiterations > 0 {
		maxiterations--
		this := n.cluster.order[rand.IntN(nnodes)]
		if this == n.cluster.myself || this.flags&NodePFail != 0 {
			continue
		}
		if this.flags&(NodeHandshake|NodeNoAddr) != 0 || (this.link == nil && this.numslots == 0) {
			freshnodes-- // technically not correct, but saves CPU (Redis)
			continue
		}
		if this.lastInPingGossip == n.clusterPingsSent {
			continue // already in this message
		}
		m.Gossip = append(m.Gossip, Gossip{})
		clusterSetGossipEntry(&m.Gossip[len(m.Gossip)-1], this)
		this.lastInPingGossip = n.clusterPingsSent
		freshnodes--
	}
	if pfailWanted > 0 {
		for _, node := range n.cluster.order {
			if pfailWanted == 0 {
				break
			}
			if node.flags&(NodeHandshake|NodeNoAddr) != 0 || node.flags&NodePFail == 0 {
				continue
			}
			m.Gossip = append(m.Gossip, Gossip{})
			clusterSetGossipEntry(&m.Gossip[len(m.Gossip)-1], node)
			pfailWanted--
		}
	}
	n.clusterSendMessage(link, m)
}

// clusterSendUpdate tells the node at the other end of link (our
// outbound link to it, if any) the slots about serves under its
// configEpoch.
func (n *node) clusterSendUpdate(link *clusterLink, about *clusterNode) {
	if link == nil {
		return
	}
	m := &n.out
	n.clusterBuildMessageHdr(&m.Header, TypeUpdate)
	m.Update = Update{ConfigEpoch: about.configEpoch, NodeName: about.name, Slots: about.slots}
	n.clusterSendMessage(link, m)
}

// clusterSendFail broadcasts that nodename is failing.
func (n *node) clusterSendFail(nodename NodeName) {
	m := &n.out
	n.clusterBuildMessageHdr(&m.Header, TypeFail)
	m.Fail.NodeName = nodename
	n.clusterBroadcastMessage(m)
}

// clusterProcessPingExt takes the hostname from the extensions; a message
// without one clears it.
func (n *node) clusterProcessPingExt(m *Message, sender *clusterNode) {
	hostname := ""
	for i := range m.Exts {
		e := &m.Exts[i]
		if e.Type == ExtHostname {
			hostname, _ = e.CString()
		} else {
			n.logf(llDebug, "Received unknown extension type %d", e.Type)
		}
	}
	if hostname != sender.hostname {
		sender.hostname = hostname
		n.clusterDoBeforeSleep(todoSaveConfig)
	}
}

// clusterProcessGossipSection applies what the sender says about other
// nodes: failure reports (from masters), pong times, addresses of
// failing nodes, and new nodes, learnt only from known senders.
func (n *node) clusterProcessGossipSection(m *Message, link *clusterLink, sender *clusterNode) {
	now := mstime()
	for i := range m.Gossip {
		g := &m.Gossip[i]
		flags := g.Flags
		if n.log.Enabled(context.Background(), llDebug) {
			n.logf(llDebug, "GOSSIP %s %s:%d@%d %s", g.NodeName, g.IP, g.Port, g.CPort, flags)
		}
		node := n.clusterLookupNode(g.NodeName)
		if node != nil {
			if sender != nil && nodeIsMaster(sender) && node != n.cluster.myself {
				if flags&(NodeFail|NodePFail) != 0 {
					if n.clusterNodeAddFailureReport(node, sender) {
						n.logf(llVerbose, "Node %s reported node %s as not reachable.", sender.name, node.name)
					}
					n.markNodeAsFailingIfNeeded(node)
				} else if n.clusterNodeDelFailureReport(node, sender) {
					n.logf(llVerbose, "Node %s reported node %s is back online.", sender.name, node.name)
				}
			}
			if flags&(NodeFail|NodePFail) == 0 && node.pingSent == 0 && n.clusterNodeFailureReportsCount(node) == 0 {
				pongtime := int64(g.PongReceived) * 1000
				if pongtime <= now+500 && pongtime > node.pongReceived {
					node.pongReceived = pongtime
				}
			}
			if node.flags&(NodeFail|NodePFail) != 0 && flags&NodeNoAddr == 0 && flags&(NodeFail|NodePFail) == 0 &&
				(node.ip != g.IP.String() || node.port != int(g.Port) || node.cport != int(g.CPort)) {
				if node.link != nil {
					n.freeClusterLink(node.link)
				}
				node.ip, node.port, node.pport, node.cport = g.IP.String(), int(g.Port), int(g.PPort), int(g.CPort)
				node.flags &^= NodeNoAddr
			}
			continue
		}
		// An unknown node: add it with its real name if a known node
		// vouches for it; clusterCron then connects and PINGs it. Unlike
		// Redis 7.0 we also require a valid name, so that garbage never
		// reaches nodes.conf.
		if sender != nil && flags&NodeNoAddr == 0 && !n.clusterBlacklistExists(g.NodeName) && VerifyNodeID(g.NodeName.String()) == nil {
			nn := n.createClusterNode(g.NodeName, flags&^(NodeMyself|NodeMeet))
			nn.ip, nn.port, nn.pport, nn.cport = g.IP.String(), int(g.Port), int(g.PPort), int(g.CPort)
			n.clusterAddNode(nn)
			n.clusterDoBeforeSleep(todoSaveConfig)
		}
	}
}
