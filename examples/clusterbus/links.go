package main

import (
	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"golang.org/x/sys/unix"
)

// Links (cluster.c's "Communication with Nodes"): create and free a
// link, accept, read, write and connect handlers, sending and
// broadcasting messages.

func (n *node) createClusterLink(node *clusterNode, fd int, inbound bool) *clusterLink {
	l := &clusterLink{ctime: mstime(), fd: fd, node: node, inbound: inbound}
	n.links[l] = struct{}{}
	return l
}

// freeClusterLink closes the link and detaches it from its node. It is
// safe to call from the link's own handlers: they check link.freed.
func (n *node) freeClusterLink(link *clusterLink) {
	if link.freed {
		return
	}
	link.freed = true
	n.el.DeleteFileEvent(link.fd, ae.Readable|ae.Writable)
	unix.Close(link.fd)
	link.sndbuf, link.rcvbuf = nil, nil
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
		n.logf(llDebug, "Replacing inbound link fd %d from node %s with fd %d", node.inboundLink.fd, node.name, link.fd)
		n.freeClusterLink(node.inboundLink)
	}
	node.inboundLink = link
	link.node = node
}

// clusterAcceptHandler (with clusterConnAcceptHandler) sets up an inbound
// link. The listener does the bounded accept loop and the loading check.
func (n *node) clusterAcceptHandler(fd int, ip string, port int) {
	n.logf(llVerbose, "Accepting cluster node connection from %s:%d", ip, port)
	anet.EnableTCPNoDelay(fd)
	anet.KeepAlive(fd, int(n.cfg.NodeTimeout/1000*2)) // errors ignored, as in Redis
	link := n.createClusterLink(nil, fd, true)
	if err := n.el.CreateFileEvent(fd, ae.Readable, n.readHandler, link); err != nil {
		n.logf(llVerbose, "Error accepting cluster node connection: %v", err)
		n.freeClusterLink(link)
	}
}

// clusterReadHandler reads messages as Redis does: 8 bytes for the sig
// and totlen, checked, then the rest in reads of at most 4352 bytes, as
// long as data is there; each complete message is processed at once. The
// buffer grows only by what was read.
func (n *node) clusterReadHandler(_ *ae.EventLoop, fd int, clientData any, _ ae.Mask) {
	link := clientData.(*clusterLink)
	for !link.freed {
		readlen, err := NextReadLen(link.rcvbuf)
		if err != nil {
			n.logf(llWarning, "%s", err.(*DecodeError).Reason)
			n.handleLinkIOError(link)
			return
		}
		nread, err := unix.Read(fd, n.readBuf[:readlen])
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return
		}
		if err != nil || nread <= 0 {
			reason := "connection closed"
			if err != nil {
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

// clusterWriteHandler writes the send buffer; the handler goes once it is
// drained. A write error frees the link.
func (n *node) clusterWriteHandler(el *ae.EventLoop, fd int, clientData any, _ ae.Mask) {
	link := clientData.(*clusterLink)
	if link.freed {
		return
	}
	nw, err := unix.Write(fd, link.sndbuf)
	if err == unix.EAGAIN || err == unix.EINTR {
		return
	}
	if err != nil || nw <= 0 {
		reason := "short write"
		if err != nil {
			reason = err.Error()
		}
		n.logf(llDebug, "I/O error writing to node link: %s", reason)
		n.handleLinkIOError(link)
		return
	}
	rest := copy(link.sndbuf, link.sndbuf[nw:])
	link.sndbuf = link.sndbuf[:rest]
	if rest == 0 {
		el.DeleteFileEvent(fd, ae.Writable)
		if cap(link.sndbuf) > rcvbufKeep {
			link.sndbuf = nil
		}
	}
}

// clusterSendMessage queues a message on link and installs the write
// handler with the barrier, as connSetWriteHandlerWithBarrier(..., 1).
func (n *node) clusterSendMessage(link *clusterLink, m *Message) {
	if link.freed {
		return
	}
	wasEmpty := len(link.sndbuf) == 0
	link.sndbuf = AppendMessage(link.sndbuf, m)
	if wasEmpty && !link.connecting {
		if err := n.el.CreateFileEvent(link.fd, ae.Writable|ae.Barrier, n.writeHandler, link); err != nil {
			n.handleLinkIOError(link)
			return
		}
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
func (n *node) clusterLinkConnectHandler(el *ae.EventLoop, fd int, clientData any, _ ae.Mask) {
	link := clientData.(*clusterLink)
	if link.freed || !link.connecting {
		return
	}
	node := link.node
	if err := anet.GetError(fd); err != nil {
		n.logf(llVerbose, "Connection with Node %s at %s:%d failed: %v", node.name, node.ip, node.cport, err)
		n.freeClusterLink(link)
		return
	}
	link.connecting = false
	el.DeleteFileEvent(fd, ae.Writable)
	if err := el.CreateFileEvent(fd, ae.Readable, n.readHandler, link); err != nil {
		n.freeClusterLink(link)
		return
	}
	if len(link.sndbuf) > 0 {
		el.CreateFileEvent(fd, ae.Writable|ae.Barrier, n.writeHandler, link)
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
