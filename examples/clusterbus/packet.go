package main

import (
	"github.com/goae/goae/anet"
)

// Incoming messages: clusterProcessPacket and the per-type handling
// (cluster.c's clusterProcessPacket), with the sender and address helpers
// it uses.

// nodeIp2String is the address a message comes from: its myip if set,
// else the peer address of the link.
func nodeIp2String(link *clusterLink, myip IPField) string {
	if myip[0] != 0 {
		return myip.String()
	}
	ip, _, _ := anet.FdToString(link.conn.FD(), anet.PeerName)
	return ip
}

// nodeUpdateAddressIfNeeded updates node's address from a PING received
// on another link than node.link, freeing node.link so that the next
// cron reconnects to the new address. It reports whether it changed.
func (n *node) nodeUpdateAddressIfNeeded(node *clusterNode, link *clusterLink, h *Header) bool {
	if link == node.link {
		return false
	}
	ip := nodeIp2String(link, h.MyIP)
	port, pport, cport := int(h.Port), int(h.PPort), int(h.CPort)
	if node.port == port && node.cport == cport && node.pport == pport && node.ip == ip {
		return false
	}
	node.ip, node.port, node.pport, node.cport = ip, port, pport, cport
	if node.link != nil {
		n.freeClusterLink(node.link)
	}
	node.flags &^= NodeNoAddr
	n.logf(llWarning, "Address updated for node %s, now %s:%d", node.name, node.ip, node.port)
	return true
}

// getNodeFromLinkAndMsg finds the sender: the link's node once it is
// known, else the header's name; an inbound link gets attached to the
// sender it names.
func (n *node) getNodeFromLinkAndMsg(link *clusterLink, h *Header) *clusterNode {
	if link.node != nil && !nodeInHandshake(link.node) {
		return link.node
	}
	sender := n.clusterLookupNode(h.Sender)
	if sender != nil && link.node == nil {
		n.setClusterNodeToInboundClusterLink(sender, link)
	}
	return sender
}

// clusterProcessPacket handles the message in link.rcvbuf. It returns
// false when the link was freed.
func (n *node) clusterProcessPacket(link *clusterLink) bool {
	buf := link.rcvbuf
	t := MsgType(be16(buf[offType:]))
	if t < TypeCount {
		n.cluster.statsBusMessagesReceived[t]++
	}
	m := &n.in
	if err := DecodeInto(m, buf); err != nil {
		if ShouldClose(err) {
			n.logf(llWarning, "%s", err.(*DecodeError).Reason)
			n.handleLinkIOError(link)
			return false
		}
		level := llWarning
		if be16(buf[offVer:]) != ProtoVer {
			level = llDebug // Redis drops other versions silently
		}
		if de, ok := err.(*DecodeError); ok {
			n.logf(level, "%s", de.Reason)
		}
		return true
	}
	h := &m.Header
	now := mstime()

	sender := n.getNodeFromLinkAndMsg(link, h)
	if link.freed {
		return false
	}
	if sender != nil {
		sender.dataReceived = now
	}
	senderConfigEpoch := h.ConfigEpoch
	if sender != nil && !nodeInHandshake(sender) {
		// Adopt a newer currentEpoch, and the sender's configEpoch if it
		// publishes a newer one.
		if h.CurrentEpoch > n.cluster.currentEpoch {
			n.cluster.currentEpoch = h.CurrentEpoch
		}
		if senderConfigEpoch > sender.configEpoch {
			sender.configEpoch = senderConfigEpoch
			n.clusterDoBeforeSleep(todoSaveConfig | todoFsyncConfig)
		}
		sender.replOffset = h.Offset
	}

	// Initial processing of PING and MEET: reply with a PONG.
	if t == TypePing || t == TypeMeet {
		myself := n.cluster.myself
		if (t == TypeMeet || myself.ip == "") && n.cfg.AnnounceIP == "" {
			if ip, _, err := anet.FdToString(link.conn.FD(), anet.SockName); err == nil && ip != myself.ip {
				myself.ip = ip
				n.logf(llWarning, "IP address for this node updated to %s", ip)
				n.clusterDoBeforeSleep(todoSaveConfig)
			}
		}
		// Add the node if it is new to us and the message is MEET.
		if sender == nil && t == TypeMeet {
			node := n.createClusterNode(RandomNodeName(), NodeHandshake)
			node.ip = nodeIp2String(link, h.MyIP)
			node.port, node.pport, node.cport = int(h.Port), int(h.PPort), int(h.CPort)
			n.clusterAddNode(node)
			n.clusterDoBeforeSleep(todoSaveConfig)
			// The gossip of a MEET is trusted; the sender being unknown,
			// only known nodes are updated by it.
			n.clusterProcessGossipSection(m, link, nil)
		}
		n.clusterSendPing(link, TypePong)
		if link.freed {
			return false
		}
	}

	switch {
	case t.isPing():
		n.logf(llDebug, "%s packet received: %s", t, linkNodeName(link))
		if !link.inbound {
			if nodeInHandshake(link.node) {
				if sender != nil {
					// We already know this node: update its address
					// and drop the handshake node (and this link).
					n.logf(llVerbose, "Handshake: we already know node %s, updating the address if needed.", sender.name)
					if n.nodeUpdateAddressIfNeeded(sender, link, h) {
						n.clusterDoBeforeSleep(todoSaveConfig | todoUpdateState)
					}
					n.clusterDelNode(link.node)
					return false
				}
				// Unlike Redis 7.0, a name that verifyClusterNodeId would
				// refuse is not adopted: it would make nodes.conf
				// unreadable. The handshake node then times out.
				if VerifyNodeID(h.Sender.String()) != nil {
					n.logf(llWarning, "Handshake: node at %s:%d sent an invalid name %q", link.node.ip, link.node.cport, h.Sender.String())
					return true
				}
				n.clusterRenameNode(link.node, h.Sender)
				n.logf(llDebug, "Handshake with node %s completed.", link.node.name)
				link.node.flags &^= NodeHandshake
				link.node.flags |= h.Flags & (NodeMaster | NodeSlave)
				n.clusterDoBeforeSleep(todoSaveConfig)
			} else if link.node.name != h.Sender {
				n.logf(llDebug, "PONG contains mismatching sender ID. About node %s added %d ms ago, having flags %d",
					link.node.name, now-link.node.ctime, link.node.flags)
				node := link.node
				node.flags |= NodeNoAddr
				node.ip, node.port, node.pport, node.cport = "", 0, 0, 0
				n.freeClusterLink(link)
				n.clusterDoBeforeSleep(todoSaveConfig)
				return false
			}
		}
		if sender != nil {
			sender.flags = sender.flags&^NodeNoFailover | h.Flags&NodeNoFailover
		}
		if sender != nil && t == TypePing && !nodeInHandshake(sender) && n.nodeUpdateAddressIfNeeded(sender, link, h) {
			n.clusterDoBeforeSleep(todoSaveConfig | todoUpdateState)
		}
		if !link.inbound && t == TypePong {
			node := link.node
			node.pongReceived = now
			node.pingSent = 0
			if nodeTimedOut(node) {
				node.flags &^= NodePFail
				n.clusterDoBeforeSleep(todoSaveConfig | todoUpdateState)
			} else if nodeFailed(node) {
				n.clearNodeFailureIfNeeded(node)
			}
		}
		if sender != nil && !nodeInHandshake(sender) {
			// Role switch: replica -> master or master -> replica.
			if h.SlaveOf.IsNull() {
				n.clusterSetNodeAsMaster(sender)
			} else {
				if nodeIsMaster(sender) {
					// A master turned into a replica: its slots are
					// unassigned until their new owner claims them.
					n.clusterDelNodeSlots(sender)
					sender.flags = sender.flags&^(NodeMaster|NodeMigrateTo) | NodeSlave
					n.clusterDoBeforeSleep(todoSaveConfig | todoUpdateState)
				}
				// The master is recorded only once we know it.
				if master := n.clusterLookupNode(h.SlaveOf); master != nil && sender.slaveof != h.SlaveOf {
					sender.slaveof = h.SlaveOf
					n.clusterDoBeforeSleep(todoSaveConfig)
				}
			}
			n.clusterProcessSlotsClaim(sender, senderConfigEpoch, &h.MySlots)
			// configEpoch collision between two masters.
			myself := n.cluster.myself
			if nodeIsMaster(myself) && nodeIsMaster(sender) && h.ConfigEpoch == myself.configEpoch {
				n.clusterHandleConfigEpochCollision(sender)
			}
		}
		if sender != nil {
			n.clusterProcessGossipSection(m, link, sender)
			n.clusterProcessPingExt(m, sender)
		}
	case t == TypeFail:
		if sender == nil {
			n.logf(llNotice, "Ignoring FAIL message from unknown node %s about %s", h.Sender, m.Fail.NodeName)
			break
		}
		failing := n.clusterLookupNode(m.Fail.NodeName)
		if failing != nil && failing.flags&(NodeFail|NodeMyself) == 0 {
			n.logf(llNotice, "FAIL message received from %s about %s", h.Sender, m.Fail.NodeName)
			failing.flags |= NodeFail
			failing.failTime = now
			failing.flags &^= NodePFail
			n.clusterDoBeforeSleep(todoSaveConfig | todoUpdateState)
		}
	case t == TypePublish || t == TypePublishShard:
		n.logf(llDebug, "%s message ignored (channel %q, %d bytes): this node has no clients to deliver to", t, m.Publish.Channel, len(m.Publish.Message))
	case t == TypeUpdate:
		if sender == nil {
			break // we do not know the sender
		}
		about := n.clusterLookupNode(m.Update.NodeName)
		if about == nil || about.configEpoch >= m.Update.ConfigEpoch {
			break // a node we do not know, or nothing new
		}
		n.logf(llVerbose, "UPDATE from %s: node %s has configEpoch %d", sender.name, about.name, m.Update.ConfigEpoch)
		n.clusterSetNodeAsMaster(about)
		about.configEpoch = m.Update.ConfigEpoch
		n.clusterDoBeforeSleep(todoSaveConfig | todoFsyncConfig)
		n.clusterUpdateSlotsConfigWith(about, m.Update.ConfigEpoch, &m.Update.Slots)
	case t == TypeFailoverAuthRequest || t == TypeFailoverAuthAck || t == TypeMFStart || t == TypeModule:
		// A master without slots does not vote
		// (clusterSendFailoverAuthIfNeeded); we have no replicas and no
		// modules.
		n.logf(llDebug, "%s message ignored", t)
	default:
		n.logf(llWarning, "Received unknown packet type: %d", t)
	}
	return true
}

func linkNodeName(link *clusterLink) string {
	if link.node == nil {
		return "NULL"
	}
	return link.node.name.String()
}

// clusterProcessSlotsClaim is the part of clusterProcessPacket that reads
// the slots a PING, PONG or MEET claims (myslots: a replica sends its
// master's), once the sender's role is up to date. When the claim differs
// from what we hold for the sender (or its master), a master's claim is
// applied by clusterUpdateSlotsConfigWith; and if the claim includes a
// slot whose owner has a greater configEpoch than the sender's, the
// sender's view is stale: it gets an UPDATE about that owner (only the
// first such owner, as in Redis).
func (n *node) clusterProcessSlotsClaim(sender *clusterNode, senderConfigEpoch uint64, claimed *SlotBitmap) {
	senderMaster := sender
	if !nodeIsMaster(sender) {
		senderMaster = n.clusterLookupNode(sender.slaveof)
	}
	if senderMaster == nil || senderMaster.slots == *claimed {
		return
	}
	if nodeIsMaster(sender) {
		n.clusterUpdateSlotsConfigWith(sender, senderConfigEpoch, claimed)
	}
	for j := 0; j < ClusterSlots; j++ {
		if !claimed.Has(j) {
			continue
		}
		owner := n.cluster.slots[j]
		if owner == sender || owner == nil {
			continue
		}
		if owner.configEpoch > senderConfigEpoch {
			n.logf(llVerbose, "Node %s has old slots configuration, sending an UPDATE message about %s", sender.name, owner.name)
			n.clusterSendUpdate(sender.link, owner)
			break
		}
	}
}
