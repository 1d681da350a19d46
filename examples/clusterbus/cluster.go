package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"github.com/goae/goae/connection"
	"github.com/goae/goae/internal/respserver"
	"golang.org/x/sys/unix"
)

// The node is Redis 7.0's src/cluster.c on an ae loop, split by
// cluster.c's own sections: this file has the structures (clusterState,
// clusterNode, clusterLink), clusterInit (newNode) and clusterBeforeSleep;
// node.go the node table, failreports.go failure reports and FAIL,
// links.go the links and their handlers, packet.go clusterProcessPacket,
// gossip.go the PING/PONG/MEET messages and gossip, slots.go slots, epochs
// and the cluster state, cron.go clusterCron; config.go is nodes.conf and
// commands.go the CLUSTER command. Function names follow cluster.c so that
// the C can be read alongside.
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
// migration fields this node has no use for. slots and numslots are what
// the node claims as a master; clusterState.slots is the same
// information by slot (slots.go keeps the two in step).
type clusterNode struct {
	ctime        int64 // creation time, ms
	name         NodeName
	flags        NodeFlags
	configEpoch  uint64
	slots        SlotBitmap
	numslots     int
	slaveof      NodeName // CLUSTER_NODE_NULL_NAME for a master
	replOffset   uint64   // repl_offset: the offset of its last header
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
	ctime   int64
	conn    *connection.Conn // output through the node's write queue
	rcvbuf  []byte
	node    *clusterNode // nil on an inbound link until the sender is known
	inbound bool
	freed   bool
}

// clusterState is Redis's clusterState, reduced to what a node that
// serves no slots itself and has no replicas needs.
type clusterState struct {
	myself        *clusterNode
	currentEpoch  uint64
	lastVoteEpoch uint64
	state         int
	size          int
	nodes         map[NodeName]*clusterNode
	order         []*clusterNode // the nodes again, for random picks (dictGetRandomKey)
	blacklist     map[NodeName]int64
	slots         [ClusterSlots]*clusterNode // slot -> owner, from headers, UPDATEs and nodes.conf

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
	ln      *connection.Listener

	// The client port: RESP clients served by internal/respserver,
	// running processCommand.
	srv      *respserver.Server
	cfd      int
	cln      *connection.Listener
	replyBuf []byte

	// cronID is clusterCron's time event.
	cronID int64

	// loading is server.loading: while set, clusterAcceptHandler accepts
	// nothing. Any goroutine may set it.
	loading atomic.Bool

	links            map[*clusterLink]struct{} // every open link, to close them all
	cronIteration    uint64
	clusterPingsSent uint64 // clusterSendPing's static cluster_pings_sent
	firstUpdate      int64  // clusterUpdateState's first_call_time
	// amongMinorityTime is clusterUpdateState's among_minority_time: when
	// it last saw fewer than a majority of the masters with slots.
	amongMinorityTime int64

	readBuf [ReadChunkLen]byte // clusterReadHandler's stack buffer
	in      Message            // decoded incoming message, reused
	out     Message            // outgoing message being built, reused

	// Handlers, stored once: no method value per link.
	readHandler, connAcceptHandler, linkConnectHandler connection.Handler

	// wq writes the links' messages before the loop sleeps, with the
	// write barrier once a link's writable handler is needed.
	wq      *connection.WriteQueue
	sendBuf []byte // clusterSendMessage builds each message here

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
	n.readHandler, n.connAcceptHandler, n.linkConnectHandler = n.clusterReadHandler, n.clusterConnAcceptHandler, n.clusterLinkConnectHandler
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
	n.wq = connection.NewWriteQueue(el)
	n.wq.Barrier = true
	n.wq.OnWriteError = func(conn *connection.Conn, err error) {
		n.logf(llDebug, "I/O error writing to node link: %v", err)
		n.handleLinkIOError(conn.PrivateData().(*clusterLink))
	}
	n.ln, err = connection.NewListener(el, lfd, connection.ListenConfig{
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
	n.wq.BeforeSleep()
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
	ln, err := connection.NewListener(n.el, fd, connection.ListenConfig{Log: n.log}, n.srv.AcceptTCP)
	if err != nil {
		unix.Close(fd)
		n.srv = nil
		return err
	}
	n.cfd, n.cln = fd, ln
	return nil
}
