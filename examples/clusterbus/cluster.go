package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"github.com/goae/goae/internal/listener"
	"github.com/goae/goae/internal/respserver"
	"golang.org/x/sys/unix"
)

// This file is the node: Redis 7.0's src/cluster.c (clusterState,
// clusterNode, clusterLink, the bus accept/read/write handlers,
// clusterProcessPacket, clusterCron and failure detection) on an ae loop.
// Function names follow cluster.c so that the C can be read alongside.
// Everything here runs on the loop's goroutine; other goroutines reach a
// node only through node.do (ae.Post) or the network.

// Constants of src/cluster.h and src/server.h (7.0.15).
const (
	clusterFailReportValidityMult = 2      // CLUSTER_FAIL_REPORT_VALIDITY_MULT
	clusterFailUndoTimeMult       = 2      // CLUSTER_FAIL_UNDO_TIME_MULT
	clusterBlacklistTTL           = 60_000 // CLUSTER_BLACKLIST_TTL, in ms here
	clusterCronPeriod             = 100    // clusterCron runs under run_with_period(100)
	maxClusterAcceptsPerCall      = 1000   // MAX_CLUSTER_ACCEPTS_PER_CALL
	defaultNodeTimeout            = 15000  // cluster-node-timeout
	tcpBacklog                    = 511    // tcp-backlog
	eventLoopSetSize              = 10000 + 128

	clusterStateOK   = 0 // CLUSTER_OK
	clusterStateFail = 1 // CLUSTER_FAIL

	// clusterDoBeforeSleep flags (CLUSTER_TODO_*).
	todoUpdateState = 1 << 1
	todoSaveConfig  = 1 << 2
	todoFsyncConfig = 1 << 3

	// rcvbufKeep: a receive buffer larger than this is released after
	// its message (Redis shrinks to RCVBUF_INIT_LEN after every message).
	rcvbufKeep = 4 * MsgSize
)

// Log levels: Redis's four, on slog's scale.
const (
	llDebug   = slog.LevelDebug     // LL_DEBUG
	llVerbose = slog.LevelDebug + 2 // LL_VERBOSE
	llNotice  = slog.LevelInfo      // LL_NOTICE
	llWarning = slog.LevelWarn      // LL_WARNING
)

// failReport is clusterNodeFailReport: node says the owner is failing.
type failReport struct {
	node *clusterNode
	time int64
}

// clusterNode is Redis's clusterNode, without the replication and slot
// migration fields this node has no use for.
type clusterNode struct {
	ctime        int64 // creation time, ms
	name         NodeName
	flags        NodeFlags
	configEpoch  uint64
	slots        SlotBitmap
	numslots     int
	slaveof      NodeName // CLUSTER_NODE_NULL_NAME for a master
	pingSent     int64    // ms of the pending PING, 0 if none
	pongReceived int64    // ms of the last PONG
	dataReceived int64    // ms of the last data on any link
	failTime     int64    // ms when FAIL was set
	ip           string
	hostname     string
	port         int          // client port
	pport        int          // plaintext port with TLS, else 0
	cport        int          // bus port
	link         *clusterLink // outbound link, nil when none
	inboundLink  *clusterLink
	failReports  []failReport
	idx          int // position in clusterState.order

	lastInPingGossip uint64 // the clusterSendPing call that last gossiped it
}

// clusterLink is Redis's clusterLink: one TCP connection of the bus.
type clusterLink struct {
	ctime      int64
	fd         int
	sndbuf     []byte
	rcvbuf     []byte
	node       *clusterNode // nil on an inbound link until the sender is known
	inbound    bool
	connecting bool // non-blocking connect in progress (outbound)
	freed      bool
}

// clusterState is Redis's clusterState, reduced to what a node without
// slots and replicas needs.
type clusterState struct {
	myself        *clusterNode
	currentEpoch  uint64
	lastVoteEpoch uint64
	state         int
	size          int
	nodes         map[NodeName]*clusterNode
	order         []*clusterNode // the nodes again, for random picks (dictGetRandomKey)
	blacklist     map[NodeName]int64
	slots         [ClusterSlots]*clusterNode // only from nodes.conf: we never take slots

	statsBusMessagesSent     [TypeCount]uint64
	statsBusMessagesReceived [TypeCount]uint64
	statsPfailNodes          int
	todoBeforeSleep          int
}

// Config is the node's configuration: the command-line flags.
type Config struct {
	Port        int    // client port, advertised in every message; 0: no client listener
	Bind        string // address of both listeners
	ClusterPort int    // bus port; 0 means Port+10000
	ConfigFile  string // nodes.conf; "" keeps no file (tests)
	NodeTimeout int64  // cluster-node-timeout, ms
	AnnounceIP  string // cluster-announce-ip: sent as myip
	Log         *slog.Logger
	// Backlog is the bus listener's listen(2) backlog; 0 means Redis's
	// tcp-backlog default, 511.
	Backlog int
}

// node is one cluster node: a loop, a bus listener and the cluster
// state (server.cluster).
type node struct {
	cfg     Config
	log     *slog.Logger
	el      *ae.EventLoop
	cluster clusterState
	busPort int
	lfd     int
	ln      *listener.Listener

	// The client port: RESP clients served by internal/respserver,
	// running processCommand.
	srv      *respserver.Server
	cfd      int
	cln      *listener.Listener
	replyBuf []byte

	// cronID is clusterCron's time event.
	cronID int64

	// loading is server.loading: while set, clusterAcceptHandler accepts
	// nothing. Any goroutine may set it.
	loading atomic.Bool

	links            map[*clusterLink]struct{} // every open link, to close them all
	cronIteration    uint64
	clusterPingsSent uint64 // clusterSendPing's static cluster_pings_sent
	firstUpdate      int64

	readBuf [ReadChunkLen]byte // clusterReadHandler's stack buffer
	in      Message            // decoded incoming message, reused
	out     Message            // outgoing message being built, reused

	// Handlers, stored once so that ae sees the same func values.
	readHandler, writeHandler, connectHandler ae.FileProc

	done     chan struct{}
	stopOnce sync.Once
}

func mstime() int64 { return time.Now().UnixMilli() }

// newNode creates the node, as clusterInit does: load nodes.conf or
// create myself with a random name, listen on the bus port and schedule
// clusterCron. Run it with run.
func newNode(cfg Config) (*node, error) {
	if cfg.NodeTimeout <= 0 {
		cfg.NodeTimeout = defaultNodeTimeout
	}
	if cfg.Bind == "" {
		cfg.Bind = "127.0.0.1"
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Backlog <= 0 {
		cfg.Backlog = tcpBacklog
	}
	n := &node{cfg: cfg, log: cfg.Log, lfd: -1, cfd: -1, links: map[*clusterLink]struct{}{}, done: make(chan struct{})}
	n.readHandler, n.writeHandler, n.connectHandler = n.clusterReadHandler, n.clusterWriteHandler, n.clusterLinkConnectHandler
	n.cluster.state = clusterStateFail
	n.cluster.size = 1
	n.cluster.nodes = map[NodeName]*clusterNode{}
	n.cluster.blacklist = map[NodeName]int64{}

	n.busPort = cfg.ClusterPort
	if n.busPort == 0 {
		if cfg.Port > 65535-PortIncr {
			return nil, errors.New("port number too high: the cluster bus port is 10,000 port numbers higher than the client port, which must be 55535 or less")
		}
		n.busPort = cfg.Port + PortIncr
	}
	if cfg.Port < 0 || cfg.Port > 65535 || n.busPort <= 0 || n.busPort > 65535 {
		return nil, fmt.Errorf("invalid ports %d and %d", cfg.Port, n.busPort)
	}

	saveconf := false
	if cfg.ConfigFile != "" {
		loaded, err := n.clusterLoadConfig(cfg.ConfigFile)
		if err != nil {
			return nil, err
		}
		saveconf = !loaded
	}
	if n.cluster.myself == nil {
		myself := n.createClusterNode(RandomNodeName(), NodeMyself|NodeMaster)
		n.cluster.myself = myself
		n.log.Info(fmt.Sprintf("No cluster configuration found, I'm %s", myself.name))
		n.clusterAddNode(myself)
		saveconf = true
	}
	if cfg.AnnounceIP != "" {
		n.cluster.myself.ip = cfg.AnnounceIP
	}
	myself := n.cluster.myself
	myself.port, myself.cport, myself.pport = cfg.Port, n.busPort, 0

	el, err := ae.New(eventLoopSetSize)
	if err != nil {
		return nil, err
	}
	n.el = el
	lfd, err := anet.TCPServer(n.busPort, cfg.Bind, cfg.Backlog)
	if err != nil {
		el.Close()
		return nil, fmt.Errorf("could not bind the cluster bus port %s: %w", anet.FormatAddr(cfg.Bind, n.busPort), err)
	}
	n.lfd = lfd
	n.ln, err = listener.New(el, lfd, listener.Config{
		MaxAcceptsPerCall: maxClusterAcceptsPerCall,
		Hold:              n.loading.Load,
		Log:               n.log,
	}, n.clusterAcceptHandler)
	if err != nil {
		unix.Close(lfd)
		el.Close()
		return nil, err
	}
	if cfg.Port != 0 {
		if err := n.listenClients(); err != nil {
			n.ln.Close()
			unix.Close(lfd)
			el.Close()
			return nil, err
		}
	}
	n.cronID = el.CreateTimeEvent(1, n.clusterCronProc, nil, nil)
	el.SetBeforeSleepProc(n.beforeSleep)
	if saveconf {
		n.clusterDoBeforeSleep(todoSaveConfig | todoFsyncConfig)
	}
	return n, nil
}

// run runs the loop until stop, then closes every fd the node owns.
func (n *node) run() {
	defer close(n.done)
	n.el.Main()
	for l := range n.links {
		n.freeClusterLink(l)
	}
	n.ln.Close()
	unix.Close(n.lfd)
	if n.srv != nil {
		n.cln.Close()
		unix.Close(n.cfd)
		n.srv.Close()
	}
	n.el.Close()
}

// stop stops the loop and waits until run has closed everything. Any
// goroutine may call it, more than once.
func (n *node) stop() {
	n.stopOnce.Do(func() {
		n.el.Post(func(el *ae.EventLoop) { el.Stop() })
	})
	<-n.done
}

// do runs fn on the loop and waits for it. It reports false when the
// loop is gone.
func (n *node) do(fn func()) bool {
	ch := make(chan struct{})
	if err := n.el.Post(func(*ae.EventLoop) { fn(); close(ch) }); err != nil {
		return false
	}
	select {
	case <-ch:
		return true
	case <-n.done:
		return false
	}
}

func (n *node) logf(level slog.Level, format string, args ...any) {
	if !n.log.Enabled(context.Background(), level) {
		return
	}
	n.log.Log(context.Background(), level, fmt.Sprintf(format, args...))
}

func (n *node) clusterDoBeforeSleep(flags int) { n.cluster.todoBeforeSleep |= flags }

// beforeSleep is the cluster part of Redis's beforeSleep
// (clusterBeforeSleep).
func (n *node) beforeSleep(*ae.EventLoop) {
	if n.srv != nil {
		n.srv.Now = mstime()
		defer n.srv.BeforeSleep() // replies go out after the cluster work
	}
	todo := n.cluster.todoBeforeSleep
	n.cluster.todoBeforeSleep = 0
	if todo&todoUpdateState != 0 {
		n.clusterUpdateState()
	}
	if todo&todoSaveConfig != 0 {
		n.clusterSaveConfigOrLog(todo&todoFsyncConfig != 0)
	}
}

// ---- Nodes

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

// ---- Failure reports

func (n *node) clusterNodeAddFailureReport(failing, sender *clusterNode) bool {
	now := mstime()
	for i := range failing.failReports {
		if failing.failReports[i].node == sender {
			failing.failReports[i].time = now
			return false
		}
	}
	failing.failReports = append(failing.failReports, failReport{node: sender, time: now})
	return true
}

func (n *node) clusterNodeCleanupFailureReports(node *clusterNode) {
	maxtime := n.cfg.NodeTimeout * clusterFailReportValidityMult
	now := mstime()
	kept := node.failReports[:0]
	for _, fr := range node.failReports {
		if now-fr.time <= maxtime {
			kept = append(kept, fr)
		}
	}
	clear(node.failReports[len(kept):])
	node.failReports = kept
}

func (n *node) clusterNodeDelFailureReport(node, sender *clusterNode) bool {
	for i := range node.failReports {
		if node.failReports[i].node == sender {
			node.failReports = append(node.failReports[:i], node.failReports[i+1:]...)
			n.clusterNodeCleanupFailureReports(node)
			return true
		}
	}
	n.clusterNodeCleanupFailureReports(node)
	return false
}

func (n *node) clusterNodeFailureReportsCount(node *clusterNode) int {
	n.clusterNodeCleanupFailureReports(node)
	return len(node.failReports)
}

// markNodeAsFailingIfNeeded turns PFAIL into FAIL when enough masters
// agree: failure reports from masters, plus our own view if we are a
// master, must reach needed_quorum = size/2 + 1, where size is the number
// of masters serving at least one slot (clusterUpdateState).
//
// In a cluster of masters without slots, size is 0 (1 before the first
// clusterUpdateState), so the quorum is 1 and our own PFAIL is enough: as
// in Redis, the node becomes FAIL as soon as one other master's gossip
// reports it failing, because only a report triggers this check. That is
// what Redis 7.0 does for slotless masters; with only two nodes no report
// ever comes and the node stays PFAIL (observed on Redis).
func (n *node) markNodeAsFailingIfNeeded(node *clusterNode) {
	neededQuorum := n.cluster.size/2 + 1
	if !nodeTimedOut(node) || nodeFailed(node) {
		return
	}
	failures := n.clusterNodeFailureReportsCount(node)
	if nodeIsMaster(n.cluster.myself) {
		failures++
	}
	if failures < neededQuorum {
		return
	}
	n.logf(llNotice, "Marking node %s as failing (quorum reached).", node.name)
	node.flags &^= NodePFail
	node.flags |= NodeFail
	node.failTime = mstime()
	n.clusterSendFail(node.name)
	n.clusterDoBeforeSleep(todoUpdateState | todoSaveConfig)
}

// clearNodeFailureIfNeeded clears FAIL of a node we reach again: at once
// for a replica or a master without slots, after
// node_timeout*CLUSTER_FAIL_UNDO_TIME_MULT for a master still owning slots.
func (n *node) clearNodeFailureIfNeeded(node *clusterNode) {
	now := mstime()
	if !nodeIsMaster(node) || node.numslots == 0 {
		role := "master without slots"
		if !nodeIsMaster(node) {
			role = "replica"
		}
		n.logf(llNotice, "Clear FAIL state for node %s: %s is reachable again.", node.name, role)
		node.flags &^= NodeFail
		n.clusterDoBeforeSleep(todoUpdateState | todoSaveConfig)
	}
	if nodeIsMaster(node) && node.numslots > 0 && now-node.failTime > n.cfg.NodeTimeout*clusterFailUndoTimeMult {
		n.logf(llNotice, "Clear FAIL state for node %s: is reachable again and nobody is serving its slots after some time.", node.name)
		node.flags &^= NodeFail
		n.clusterDoBeforeSleep(todoUpdateState | todoSaveConfig)
	}
}

// clusterUpdateState computes size and state. We never own slots, so
// state is "fail" unless nodes.conf gave every slot to reachable masters.
func (n *node) clusterUpdateState() {
	now := mstime()
	if n.firstUpdate == 0 {
		n.firstUpdate = now
	}
	// CLUSTER_WRITABLE_DELAY: a master waits 2 s before turning OK.
	if nodeIsMaster(n.cluster.myself) && n.cluster.state == clusterStateFail && now-n.firstUpdate < 2000 {
		return
	}
	newState := clusterStateOK
	for _, owner := range n.cluster.slots {
		if owner == nil || nodeFailed(owner) {
			newState = clusterStateFail
			break
		}
	}
	size, reachable := 0, 0
	for _, node := range n.cluster.order {
		if nodeIsMaster(node) && node.numslots > 0 {
			size++
			if node.flags&(NodeFail|NodePFail) == 0 {
				reachable++
			}
		}
	}
	n.cluster.size = size
	if reachable < size/2+1 {
		newState = clusterStateFail
	}
	if newState != n.cluster.state {
		n.logf(llWarning, "Cluster state changed: %s", map[int]string{clusterStateOK: "ok", clusterStateFail: "fail"}[newState])
		n.cluster.state = newState
	}
}

// ---- Links

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

// ---- Messages out

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

// clusterSendFail broadcasts that nodename is failing.
func (n *node) clusterSendFail(nodename NodeName) {
	m := &n.out
	n.clusterBuildMessageHdr(&m.Header, TypeFail)
	m.Fail.NodeName = nodename
	n.clusterBroadcastMessage(m)
}

// ---- Messages in

// nodeIp2String is the address a message comes from: its myip if set,
// else the peer address of the link.
func nodeIp2String(link *clusterLink, myip IPField) string {
	if myip[0] != 0 {
		return myip.String()
	}
	ip, _, _ := anet.FdToString(link.fd, anet.PeerName)
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
	if sender != nil && !nodeInHandshake(sender) {
		if h.CurrentEpoch > n.cluster.currentEpoch {
			n.cluster.currentEpoch = h.CurrentEpoch
		}
		if h.ConfigEpoch > sender.configEpoch {
			sender.configEpoch = h.ConfigEpoch
			n.clusterDoBeforeSleep(todoSaveConfig | todoFsyncConfig)
		}
	}

	// Initial processing of PING and MEET: reply with a PONG.
	if t == TypePing || t == TypeMeet {
		myself := n.cluster.myself
		if (t == TypeMeet || myself.ip == "") && n.cfg.AnnounceIP == "" {
			if ip, _, err := anet.FdToString(link.fd, anet.SockName); err == nil && ip != myself.ip {
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
			// Role: we only follow master <-> replica flags; a node
			// without slots and replication has nothing else to do.
			if h.SlaveOf.IsNull() {
				if !nodeIsMaster(sender) {
					sender.flags = sender.flags&^NodeSlave | NodeMaster
					sender.slaveof = NodeName{}
					n.clusterDoBeforeSleep(todoSaveConfig | todoUpdateState)
				}
			} else {
				if nodeIsMaster(sender) {
					sender.flags = sender.flags&^(NodeMaster|NodeMigrateTo) | NodeSlave
					n.clusterDoBeforeSleep(todoSaveConfig | todoUpdateState)
				}
				// The master is recorded only once we know it.
				if master := n.clusterLookupNode(h.SlaveOf); master != nil && sender.slaveof != h.SlaveOf {
					sender.slaveof = h.SlaveOf
					n.clusterDoBeforeSleep(todoSaveConfig)
				}
			}
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
		n.logf(llDebug, "UPDATE message ignored (node %s, configEpoch %d): this node serves no slots", m.Update.NodeName, m.Update.ConfigEpoch)
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

// clusterHandleConfigEpochCollision: of two masters with the same
// configEpoch, the one with the smaller name takes a new epoch.
func (n *node) clusterHandleConfigEpochCollision(sender *clusterNode) {
	myself := n.cluster.myself
	if sender.configEpoch != myself.configEpoch || !nodeIsMaster(sender) || !nodeIsMaster(myself) {
		return
	}
	if string(sender.name[:]) <= string(myself.name[:]) {
		return
	}
	n.cluster.currentEpoch++
	myself.configEpoch = n.cluster.currentEpoch
	n.clusterSaveConfigOrLog(true)
	n.logf(llVerbose, "WARNING: configEpoch collision with node %s. configEpoch set to %d", sender.name, myself.configEpoch)
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

// ---- clusterCron

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
		fd, err := anet.TCPNonBlockConnect(node.ip, node.cport)
		if err == nil && fd >= n.el.SetSize() {
			unix.Close(fd)
			err = unix.ERANGE
		}
		if err != nil {
			// A synchronous error: claim a ping was sent so that failure
			// detection works.
			if node.pingSent == 0 {
				node.pingSent = mstime()
			}
			n.logf(llDebug, "Unable to connect to Cluster Node [%s]:%d -> %v", node.ip, node.cport, err)
			return false
		}
		link := n.createClusterLink(node, fd, false)
		link.connecting = true
		if err := n.el.CreateFileEvent(fd, ae.Writable, n.connectHandler, link); err != nil {
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

// listenClients opens the client port: a listener on cfg.Bind:cfg.Port
// handing connections to a respserver.Server whose commands are
// processCommand's.
func (n *node) listenClients() error {
	fd, err := anet.TCPServer(n.cfg.Port, n.cfg.Bind, n.cfg.Backlog)
	if err != nil {
		return fmt.Errorf("could not create server TCP listening socket %s: %w", anet.FormatAddr(n.cfg.Bind, n.cfg.Port), err)
	}
	n.srv = respserver.New(n.el, respserver.Config{TCPKeepAlive: 300, Log: n.log}, respserver.Handler{
		// The reply is built apart and added with AddReply, which applies
		// the client output buffer limits.
		Command: func(c *respserver.Client) {
			n.replyBuf = n.processCommand(c.Argv, n.replyBuf[:0])
			c.AddReply(string(n.replyBuf))
		},
	})
	n.srv.Now = mstime()
	ln, err := listener.New(n.el, fd, listener.Config{Log: n.log}, n.srv.AcceptTCP)
	if err != nil {
		unix.Close(fd)
		n.srv = nil
		return err
	}
	n.cfd, n.cln = fd, ln
	return nil
}
