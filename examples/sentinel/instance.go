package main

// The monitored instances: masters, their replicas and the other sentinels
// watching them (sentinel.c's sentinelRedisInstance and the functions that
// create, find and release them).

import (
	"net"
	"strconv"
	"strings"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/glob"
	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
)

// Instance flags (SRI_*), with 7.0's values.
const (
	sriMaster             = 1 << 0
	sriSlave              = 1 << 1
	sriSentinel           = 1 << 2
	sriSDown              = 1 << 3 // subjectively down
	sriODown              = 1 << 4 // objectively down (quorum reached)
	sriMasterDown         = 1 << 5 // a sentinel that thinks its master is down
	sriFailoverInProgress = 1 << 6
	sriPromoted           = 1 << 7 // the replica chosen for promotion
	sriReconfSent         = 1 << 8
	sriReconfInprog       = 1 << 9
	sriReconfDone         = 1 << 10
	sriForceFailover      = 1 << 11
	sriScriptKillSent     = 1 << 12
	sriMasterReboot       = 1 << 13
)

// Failover states (SENTINEL_FAILOVER_STATE_*).
const (
	failoverStateNone = iota
	failoverStateWaitStart
	failoverStateSelectSlave
	failoverStateSendSlaveofNoone
	failoverStateWaitPromotion
	failoverStateReconfSlaves
	failoverStateUpdateConfig
)

// Master link status as a replica's INFO reports it.
const (
	masterLinkStatusUp   = 0
	masterLinkStatusDown = 1
)

// Timing constants and their SENTINEL DEBUG-settable values (sentinel.c's
// sentinel_* globals).
const (
	sentinelDefaultSlavePriority = 100
	sentinelMaxPendingCommands   = 100
	sentinelInfoValidityTime     = 5000
	sentinelMaxDesync            = 1000
)

// sentinelTimers are the periods SENTINEL DEBUG shows and sets.
type sentinelTimers struct {
	infoPeriod, pingPeriod, askPeriod, publishPeriod int64
	defaultDownAfter, defaultFailoverTimeout         int64
	tiltTrigger, tiltPeriod, slaveReconfTimeout      int64
	minLinkReconnectPeriod, electionTimeout          int64
	scriptMaxRuntime, scriptRetryDelay               int64
}

func defaultTimers() sentinelTimers {
	return sentinelTimers{
		infoPeriod: 10000, pingPeriod: 1000, askPeriod: 1000, publishPeriod: 2000,
		defaultDownAfter: 30000, defaultFailoverTimeout: 180000,
		tiltTrigger: 2000, tiltPeriod: 30000, slaveReconfTimeout: 10000,
		minLinkReconnectPeriod: 15000, electionTimeout: 10000,
		scriptMaxRuntime: 60000, scriptRetryDelay: 30000,
	}
}

// sentinelRedisInstance is sentinel.c's: a master (cfg set), a replica or a
// sentinel (master set). A master's settings live in its masterConfig,
// which the config rewrite writes.
type sentinelRedisInstance struct {
	flags       int
	name        string
	runid       string // "" until known
	configEpoch uint64
	addr        sentinelAddr
	link        *instanceLink

	lastPubTime             int64
	lastHelloTime           int64
	lastMasterDownReplyTime int64
	sDownSinceTime          int64
	oDownSinceTime          int64
	downAfterPeriod         int64
	masterRebootSinceTime   int64
	infoRefresh             int64

	roleReported        int
	roleReportedTime    int64
	slaveConfChangeTime int64

	// Master specific.
	cfg       *masterConfig
	sentinels *instanceTable // keyed by runid
	slaves    *instanceTable // keyed by "ip:port"

	// Replica specific.
	masterLinkDownTime    int64
	slavePriority         int
	replicaAnnounced      int
	master                *sentinelRedisInstance
	slaveMasterHost       string
	slaveMasterPort       int
	slaveMasterLinkStatus int
	slaveReplOffset       uint64

	// Failover: for a master the sentinel elected to fail it over, for
	// a sentinel the one it voted for.
	leader                  string
	leaderEpoch             uint64
	voteGen                 uint64 // master: the config write that carries our vote (leader, leaderEpoch)
	failoverState           int
	failoverStateChangeTime int64
	failoverStartTime       int64
	failoverEpoch           uint64 // the epoch our failover of this master runs at
	failoverDelayLogged     int64  // the start time the "Next failover delay" line was logged for
	slaveReconfSentTime     int64  // replica: when SLAVEOF was sent during reconf_slaves
	promotedSlave           *sentinelRedisInstance
	info                    string // the last INFO reply (INFO-CACHE)
	released                bool   // released: callbacks still queued for it do nothing
	resolving               bool   // a lookup of its hostname is on its way (refreshInstanceAddr)
}

// instanceTable is a dict of instances by name, kept in insertion order so
// that replies and rewrites are stable.
type instanceTable struct {
	byName map[string]*sentinelRedisInstance
	list   []*sentinelRedisInstance
}

func newInstanceTable() *instanceTable {
	return &instanceTable{byName: map[string]*sentinelRedisInstance{}}
}

func (t *instanceTable) get(name string) *sentinelRedisInstance { return t.byName[name] }
func (t *instanceTable) size() int                              { return len(t.list) }

func (t *instanceTable) add(ri *sentinelRedisInstance) {
	t.byName[ri.name] = ri
	t.list = append(t.list, ri)
}

func (t *instanceTable) remove(ri *sentinelRedisInstance) {
	delete(t.byName, ri.name)
	for i, x := range t.list {
		if x == ri {
			t.list = append(t.list[:i:i], t.list[i+1:]...)
			break
		}
	}
}

// each calls fn on a snapshot of the table, so that fn may change it.
func (t *instanceTable) each(fn func(ri *sentinelRedisInstance)) {
	for _, ri := range append([]*sentinelRedisInstance(nil), t.list...) {
		fn(ri)
	}
}

// createSentinelRedisInstance is sentinel.c's: a master (master nil, cfg
// given), a replica (named ip:port) or a sentinel (named by its runid) of
// master, added to its table. It returns nil, with the reason, when the
// address is invalid or the name already taken (EBUSY).
func (s *sentinelState) createSentinelRedisInstance(name string, flags int, host string, port int, cfg *masterConfig, master *sentinelRedisInstance) (*sentinelRedisInstance, string) {
	addr, reason := s.cfg.createSentinelAddr(host, port)
	if reason != "" {
		return nil, reason
	}
	if flags&sriSlave != 0 {
		name = s.cfg.announceSentinelAddrAndPort(addr)
	}
	var table *instanceTable
	switch {
	case flags&sriMaster != 0:
		table = s.masters
	case flags&sriSlave != 0:
		table = master.slaves
	default:
		table = master.sentinels
	}
	if table.get(name) != nil {
		return nil, "Duplicate master name."
	}
	now := s.mstime()
	ri := &sentinelRedisInstance{
		flags:                   flags,
		name:                    name,
		addr:                    addr,
		link:                    s.createInstanceLink(),
		lastPubTime:             now,
		lastHelloTime:           now,
		lastMasterDownReplyTime: now,
		downAfterPeriod:         s.timers.defaultDownAfter,
		slavePriority:           sentinelDefaultSlavePriority,
		replicaAnnounced:        1,
		slaveMasterLinkStatus:   masterLinkStatusDown,
		sentinels:               newInstanceTable(),
		slaves:                  newInstanceTable(),
		master:                  master,
		cfg:                     cfg,
		roleReported:            flags & (sriMaster | sriSlave),
		roleReportedTime:        now,
		slaveConfChangeTime:     now,
	}
	if master != nil {
		ri.downAfterPeriod = master.downAfterPeriod
	} else if cfg != nil {
		ri.downAfterPeriod = cfg.downAfterPeriod
		ri.configEpoch = cfg.configEpoch
		ri.leaderEpoch = cfg.leaderEpoch
	}
	table.add(ri)
	return ri, ""
}

// releaseInstance is releaseSentinelRedisInstance: its replicas and
// sentinels first, then its link (a shared one lives on, the callbacks
// queued for this instance turned into no-ops).
func (s *sentinelState) releaseInstance(ri *sentinelRedisInstance) {
	ri.sentinels.each(func(x *sentinelRedisInstance) { s.releaseInstance(x) })
	ri.slaves.each(func(x *sentinelRedisInstance) { s.releaseInstance(x) })
	ri.sentinels, ri.slaves = newInstanceTable(), newInstanceTable()
	s.releaseInstanceLink(ri.link, ri)
	ri.released = true
	ri.promotedSlave = nil
}

// sentinelRedisInstanceTypeStr is sentinel.c's.
func sentinelRedisInstanceTypeStr(ri *sentinelRedisInstance) string {
	switch {
	case ri.flags&sriMaster != 0:
		return "master"
	case ri.flags&sriSlave != 0:
		return "slave"
	case ri.flags&sriSentinel != 0:
		return "sentinel"
	}
	return "unknown"
}

// masterOf is the master an instance belongs to (itself for a master).
func masterOf(ri *sentinelRedisInstance) *sentinelRedisInstance {
	if ri.flags&sriMaster != 0 {
		return ri
	}
	return ri.master
}

// sentinelRedisInstanceLookupSlave is sentinel.c's: the replica of master
// at ip:port.
func (s *sentinelState) sentinelRedisInstanceLookupSlave(master *sentinelRedisInstance, host string, port int) *sentinelRedisInstance {
	addr, reason := s.cfg.createSentinelAddr(host, port)
	var key string
	if reason == "" {
		key = s.cfg.announceSentinelAddrAndPort(addr)
	} else {
		key = net.JoinHostPort(host, strconv.Itoa(port))
	}
	return master.slaves.get(key)
}

// getSentinelRedisInstanceByAddrAndRunID is sentinel.c's: the first
// instance of table with that address (ip "" matches any) and runid (""
// matches any).
func getSentinelRedisInstanceByAddrAndRunID(table *instanceTable, ip string, port int, runid string) *sentinelRedisInstance {
	for _, ri := range table.list {
		if runid != "" && ri.runid != runid {
			continue
		}
		if ip != "" && !(ri.addr.ip == ip && ri.addr.port == port) {
			continue
		}
		return ri
	}
	return nil
}

// removeMatchingSentinelFromMaster is sentinel.c's: drop master's
// sentinels with that runid; it reports how many went.
func (s *sentinelState) removeMatchingSentinelFromMaster(master *sentinelRedisInstance, runid string) int {
	removed := 0
	master.sentinels.each(func(ri *sentinelRedisInstance) {
		if ri.runid != "" && ri.runid == runid {
			master.sentinels.remove(ri)
			s.releaseInstance(ri)
			removed++
		}
	})
	return removed
}

// sentinelGetMasterByName is sentinel.c's.
func (s *sentinelState) sentinelGetMasterByName(name string) *sentinelRedisInstance {
	return s.masters.get(name)
}

// sentinelAddrEqualsHostname is sentinel.c's: the address matches the
// given host (an IP, or the hostname when announce-hostnames is on).
func (s *sentinelState) sentinelAddrEqualsHostname(a sentinelAddr, host string) bool {
	if s.cfg.announceHostnames {
		return strings.EqualFold(a.hostname, host)
	}
	return strings.EqualFold(a.ip, host)
}

// sentinelAddrOrHostnameEqual is sentinel.c's.
func sentinelAddrOrHostnameEqual(a, b sentinelAddr) bool {
	return a.port == b.port && (strings.EqualFold(a.ip, b.ip) || strings.EqualFold(a.hostname, b.hostname))
}

// sentinelGetCurrentMasterAddress is sentinel.c's: the promoted replica's
// address once the failover reached RECONF_SLAVES, else the master's.
func sentinelGetCurrentMasterAddress(master *sentinelRedisInstance) sentinelAddr {
	if master.flags&sriFailoverInProgress != 0 && master.promotedSlave != nil &&
		master.failoverState >= failoverStateReconfSlaves {
		return master.promotedSlave.addr
	}
	return master.addr
}

// sentinelPropagateDownAfterPeriod is sentinel.c's: a master's
// down-after-milliseconds goes to its replicas and sentinels.
func sentinelPropagateDownAfterPeriod(master *sentinelRedisInstance) {
	for _, t := range []*instanceTable{master.slaves, master.sentinels} {
		for _, ri := range t.list {
			ri.downAfterPeriod = master.downAfterPeriod
		}
	}
}

// sentinelResetMaster is sentinel.c's: forget the replicas (and, unless
// keepSentinels, the sentinels), close the links and clear the failover
// state and timers. Unlike Redis the link may reconnect at the next tick
// instead of up to a second later (redis#8607's spurious SDOWN).
func (s *sentinelState) sentinelResetMaster(ri *sentinelRedisInstance, keepSentinels, event bool) {
	ri.slaves.each(func(x *sentinelRedisInstance) { s.releaseInstance(x) })
	ri.slaves = newInstanceTable()
	if !keepSentinels {
		ri.sentinels.each(func(x *sentinelRedisInstance) { s.releaseInstance(x) })
		ri.sentinels = newInstanceTable()
	}
	s.instanceLinkCloseConnection(ri.link, ri.link.cc)
	s.instanceLinkCloseConnection(ri.link, ri.link.pc)
	ri.flags &= sriMaster
	ri.leader = ""
	ri.failoverState = failoverStateNone
	ri.failoverStateChangeTime = 0
	ri.failoverStartTime = 0
	ri.promotedSlave = nil
	ri.runid = ""
	ri.slaveMasterHost = ""
	now := s.mstime()
	ri.link.actPingTime = now
	ri.link.lastPingTime = 0
	ri.link.lastAvailTime = now
	ri.link.lastPongTime = now
	ri.link.lastReconnTime = 0
	ri.roleReportedTime = now
	ri.roleReported = sriMaster
	if event {
		s.sentinelEvent(llWarning, "+reset-master", ri, "%@")
	}
}

// sentinelResetMasterAndChangeAddress is sentinel.c's: the master moves to
// host:port; its replicas, except the one at the new address, are created
// again, with the old master among them.
func (s *sentinelState) sentinelResetMasterAndChangeAddress(master *sentinelRedisInstance, host string, port int) bool {
	newaddr, reason := s.cfg.createSentinelAddr(host, port)
	if reason != "" {
		return false
	}
	var slaves []sentinelAddr
	for _, sl := range master.slaves.list {
		if sentinelAddrOrHostnameEqual(sl.addr, newaddr) {
			continue
		}
		slaves = append(slaves, sl.addr)
	}
	if !sentinelAddrOrHostnameEqual(newaddr, master.addr) {
		slaves = append(slaves, master.addr)
	}
	s.sentinelResetMaster(master, true, false)
	master.addr = newaddr
	master.oDownSinceTime = 0
	master.sDownSinceTime = 0
	for _, a := range slaves {
		if sl, _ := s.createSentinelRedisInstance("", sriSlave, a.hostname, a.port, nil, master); sl != nil {
			s.sentinelEvent(llNotice, "+slave", sl, "%@")
		}
	}
	s.flushConfig()
	return true
}

// sentinelResetMastersByPattern is sentinel.c's: SENTINEL RESET.
func (s *sentinelState) sentinelResetMastersByPattern(pattern string) int {
	reset := 0
	for _, ri := range s.masters.list {
		if glob.Match([]byte(pattern), ri.name, false) {
			s.sentinelResetMaster(ri, false, true)
			reset++
		}
	}
	return reset
}

// syncConfig copies the runtime state the rewrite writes into the
// masterConfigs: addresses, epochs, the known replicas and sentinels.
func (s *sentinelState) syncConfig() {
	s.cfg.masters = s.cfg.masters[:0]
	for _, m := range s.masters.list {
		c := m.cfg
		c.addr = m.addr
		c.current = nil
		if cur := sentinelGetCurrentMasterAddress(m); cur != m.addr {
			c.current = &cur
		}
		c.configEpoch = m.configEpoch
		c.leaderEpoch = m.leaderEpoch
		c.downAfterPeriod = m.downAfterPeriod
		c.replicas = c.replicas[:0]
		for _, sl := range m.slaves.list {
			c.replicas = append(c.replicas, sl.addr)
		}
		c.sentinels = c.sentinels[:0]
		for _, si := range m.sentinels.list {
			c.sentinels = append(c.sentinels, knownSentinel{addr: si.addr, runid: si.runid})
		}
		s.cfg.masters = append(s.cfg.masters, c)
	}
}

// flushConfig is sentinelFlushConfig: the state synced into the config,
// the new text built on the loop and handed to the writer goroutine
// (config_writer.go), which writes and fsyncs it; it reports false when
// the text could not be built (logged, as Redis logs a failed flush; the
// sentinel goes on). What Redis does after its synchronous flush and must
// not do before the state is on disk waits for the write: a reply
// (replyAfterFlush), our own vote's count (voteOnDisk).
func (s *sentinelState) flushConfig() bool {
	s.syncConfig()
	content, err := s.cfg.rewriteConfigContent()
	if err != nil {
		s.log(llWarning, flushConfigError(err).Error())
		return false
	}
	if s.writer == nil {
		write := s.writeConfig
		if write == nil {
			write = writeConfigFile
		}
		s.writer = newConfigWriter(s.cfg.configFile, write, s.configWritten)
	}
	s.submittedGen = s.writer.submit(content)
	return true
}

// flushed reports whether the config write of generation gen (0: none)
// is over: on disk, or failed and logged, as Redis's flush is over when
// it returns.
func (s *sentinelState) flushed(gen uint64) bool { return gen <= s.writtenGen }

// configWritten is the writer's report (on its goroutine): the outcome is
// logged on the loop, as sentinelFlushConfig logs it, and the clients
// waiting for this write get their reply. Once the loop is gone (the last
// write at shutdown) it is logged from here.
func (s *sentinelState) configWritten(gen uint64, err error) {
	done := func() {
		if err != nil {
			s.log(llWarning, flushConfigError(err).Error())
		} else {
			s.log(llNotice, "Sentinel new configuration saved on disk")
		}
		s.writtenGen = max(s.writtenGen, gen)
		s.flushConfigReplies(gen, err)
	}
	if s.closing.Load() || s.el.Post(func(*ae.EventLoop) { done() }) != nil {
		done() // the loop has stopped and waits in close for this write
	}
}

// flushWaiter is a client held until the config write of generation gen
// is over, with the reply its command made, held back (nil for SENTINEL
// FLUSHCONFIG, whose reply says how the write went).
type flushWaiter struct {
	c     *client
	gen   uint64
	reply []byte
}

// replyAfterFlush asks that the reply of the command c is running be held
// until every config write submitted so far is over, as Redis replies
// only after its synchronous sentinelFlushConfig: command() takes what the
// command replied and holds c (respserver.Blocked: its next commands wait
// too), the loop goes on serving the others, and flushConfigReplies sends
// it. Nothing is held when the writes are already over.
func (s *sentinelState) replyAfterFlush(c *client) {
	if !s.flushed(s.submittedGen) {
		c.holdFor = s.submittedGen
	}
}

// holdReply is command()'s half of replyAfterFlush: the reply past mark
// is taken out of c's output and c is held.
func (s *sentinelState) holdReply(c *client, mark int) {
	reply := append([]byte{}, c.Out[mark:]...)
	c.Out = c.Out[:mark]
	c.Flags |= respserver.Blocked
	s.flushWaiters = append(s.flushWaiters, flushWaiter{c, c.holdFor, reply})
	c.holdFor = 0
}

// flushConfigReplies answers the clients whose write is over and lets
// their input run again.
func (s *sentinelState) flushConfigReplies(gen uint64, err error) {
	keep := s.flushWaiters[:0]
	for _, w := range s.flushWaiters {
		if w.gen > gen {
			keep = append(keep, w)
			continue
		}
		if w.c.Flags&respserver.Freed != 0 {
			continue
		}
		mark := len(w.c.Out)
		switch {
		case w.reply != nil:
			w.c.AddReply(string(w.reply))
		case err != nil:
			s.addReplyError(w.c, "Failed to save config file. Check server logs.")
		default:
			w.c.AddReply(resp.OK)
		}
		w.c.Flags &^= respserver.Blocked
		w.c.CommandDone(mark) // CLIENT REPLY OFF or SKIP drops it
		s.rs.Feed(w.c.Client, nil)
	}
	clear(s.flushWaiters[len(keep):])
	s.flushWaiters = keep
}
