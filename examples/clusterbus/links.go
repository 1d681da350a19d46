package main

import (
	"io"

	"github.com/goae/goae/connection"
)

// Links (cluster.c's "Communication with Nodes"): create and free a
// link, accept, read, write and connect handlers, sending and
// broadcasting messages.

func (n *node) createClusterLink(node *clusterNode, conn *connection.Conn, inbound bool) *clusterLink {
	l := &clusterLink{ctime: mstime(), conn: conn, node: node, inbound: inbound}
	conn.SetPrivateData(l)
	conn.SetWriteQueue(n.wq)
	n.links[l] = struct{}{}
	return l
}

// freeClusterLink closes the link and detaches it from its node. It is
// safe to call from the link's own handlers: the connection layer runs
// none of them once it is closed, and the read loop checks link.freed.
func (n *node) freeClusterLink(link *clusterLink) {
	if link.freed {
		return
	}
	link.freed = true
	link.conn.Close()
	link.rcvbuf = nil
	if node := link.node; node != nil {
		switch {
		case node.link == link:
			node.link = nil
		case node.inboundLink == link:
			node.inboundLink = nil
		}
	}
	delete(n.links, link)
}

func (n *node) handleLinkIOError(link *clusterLink) { n.freeClusterLink(link) }

// setClusterNodeToInboundClusterLink attaches an identified inbound link
// to its node. Redis keeps one inbound link per node and frees the older
// one when the same node connects again.
func (n *node) setClusterNodeToInboundClusterLink(node *clusterNode, link *clusterLink) {
	if node.inboundLink != nil && node.inboundLink != link {
		n.logf(llDebug, "Replacing inbound link fd %d from node %s with fd %d", node.inboundLink.conn.FD(), node.name, link.conn.FD())
		n.freeClusterLink(node.inboundLink)
	}
	node.inboundLink = link
	link.node = node
}

// clusterAcceptHandler takes an accepted bus connection (the body of
// clusterAcceptHandler's loop; the listener does the bounded accept loop
// and the loading check).
func (n *node) clusterAcceptHandler(conn *connection.Conn, ip string, port int) {
	n.logf(llVerbose, "Accepting cluster node connection from %s:%d", ip, port)
	conn.EnableTCPNoDelay()
	conn.KeepAlive(int(n.cfg.NodeTimeout / 1000 * 2)) // errors ignored, as in Redis
	if err := conn.Accept(n.connAcceptHandler); err != nil {
		n.logf(llVerbose, "Error accepting cluster node connection: %v", err)
		conn.Close()
	}
}

// clusterConnAcceptHandler makes the inbound link and reads from it.
func (n *node) clusterConnAcceptHandler(conn *connection.Conn) {
	if conn.State() != connection.StateConnected {
		n.logf(llVerbose, "Error accepting cluster node connection: %v", conn.LastError())
		conn.Close()
		return
	}
	link := n.createClusterLink(nil, conn, true)
	if err := conn.SetReadHandler(n.readHandler); err != nil {
		n.logf(llVerbose, "Error accepting cluster node connection: %v", err)
		n.freeClusterLink(link)
	}
}

// clusterReadHandler reads messages as Redis does: 8 bytes for the sig
// and totlen, checked, then the rest in reads of at most 4352 bytes, as
// long as data is there; each complete message is processed at once. The
// buffer grows only by what was read.
func (n *node) clusterReadHandler(conn *connection.Conn) {
	link := conn.PrivateData().(*clusterLink)
	for !link.freed {
		readlen, err := NextReadLen(link.rcvbuf)
		if err != nil {
			n.logf(llWarning, "%s", err.(*DecodeError).Reason)
			n.handleLinkIOError(link)
			return
		}
		nread, err := conn.Read(n.readBuf[:readlen])
		if err == connection.ErrWouldBlock {
			return
		}
		if err != nil {
			reason := "connection closed"
			if err != io.EOF {
				reason = err.Error()
			}
			n.logf(llDebug, "I/O error reading from node link: %s", reason)
			n.handleLinkIOError(link)
			return
		}
		link.rcvbuf = append(link.rcvbuf, n.readBuf[:nread]...)
		if len(link.rcvbuf) >= FramePrefixLen {
			if more, err := NextReadLen(link.rcvbuf); err == nil && more == 0 {
				if !n.clusterProcessPacket(link) {
					return
				}
				if cap(link.rcvbuf) > rcvbufKeep {
					link.rcvbuf = nil
				} else {
					link.rcvbuf = link.rcvbuf[:0]
				}
			}
		}
	}
}

// clusterSendMessage queues a message on link (clusterSendMessage): the
// node's write queue writes it before the loop sleeps and, if the socket
// does not take it all, installs the writable handler with the barrier,
// as Redis's connSetWriteHandlerWithBarrier(..., 1); a write error frees
// the link (clusterWriteHandler).
func (n *node) clusterSendMessage(link *clusterLink, m *Message) {
	if link.freed {
		return
	}
	n.sendBuf = AppendMessage(n.sendBuf[:0], m)
	link.conn.Append(n.sendBuf)
	if cap(n.sendBuf) > rcvbufKeep {
		n.sendBuf = nil
	}
	if m.Type < TypeCount {
		n.cluster.statsBusMessagesSent[m.Type]++
	}
}

// clusterBroadcastMessage sends m to every connected node but myself and
// nodes in handshake.
func (n *node) clusterBroadcastMessage(m *Message) {
	for _, node := range n.cluster.order {
		if node.link == nil || node.flags&(NodeMyself|NodeHandshake) != 0 {
			continue
		}
		n.clusterSendMessage(node.link, m)
	}
}

// clusterLinkConnectHandler finishes a non-blocking connect: on success
// the link reads and a MEET or PING goes out at once.
func (n *node) clusterLinkConnectHandler(conn *connection.Conn) {
	link := conn.PrivateData().(*clusterLink)
	if link.freed {
		return
	}
	node := link.node
	if conn.State() != connection.StateConnected {
		n.logf(llVerbose, "Connection with Node %s at %s:%d failed: %v", node.name, node.ip, node.cport, conn.LastError())
		n.freeClusterLink(link)
		return
	}
	if err := conn.SetReadHandler(n.readHandler); err != nil {
		n.freeClusterLink(link)
		return
	}
	// Queue a PING at once, to avoid false positives in failure
	// detection; a MEET if the node is flagged MEET.
	oldPingSent := node.pingSent
	t := TypePing
	if node.flags&NodeMeet != 0 {
		t = TypeMeet
	}
	n.clusterSendPing(link, t)
	if oldPingSent != 0 {
		node.pingSent = oldPingSent
	}
	node.flags &^= NodeMeet
	n.logf(llDebug, "Connecting with Node %s at %s:%d", node.name, node.ip, node.cport)
}
