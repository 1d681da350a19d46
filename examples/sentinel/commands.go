package main

// The commands a sentinel serves: the table and dispatch (server.c's
// processCommand for the sentinel's command table), the client's reply
// helpers for RESP2 and RESP3, and SENTINEL with its subcommands
// (sentinel.c's sentinelCommand, addReplySentinelRedisInstance,
// sentinelSetCommand, sentinelConfigGetCommand / SetCommand, ...). The
// other commands are in commands_server.go, pub/sub in pubsub.go.

import (
	"net"
	"strconv"
	"strings"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
)

// command is one entry of the sentinel's command table (redisCommand).
type command struct {
	name        string // lower case; "sentinel|masters" for subcommands
	arity       int
	flags       []string // COMMAND INFO's flags
	proc        func(s *sentinelState, c *client)
	subcommands map[string]*command
	noauth      bool
}

// client is a connection with the sentinel's per-client state.
type client struct {
	*respserver.Client
	authed   bool
	lastcmd  *command
	channels []string
	patterns []string
	tracking *respserver.Tracking // CLIENT TRACKING's settings, nil when off
	// postponed is the command CLIENT PAUSE holds, to run when it ends.
	postponed [][]byte
	// holdFor, set by the running command (replyAfterFlush), is the
	// config write its reply waits for.
	holdFor uint64
}

func (s *sentinelState) connected(rc *respserver.Client) {
	rc.Data = &client{Client: rc, authed: s.cfg.requirepass == nil}
	if s.cfg.protectedMode && s.cfg.defaultUser().nopass && !isLocalAddr(rc.Addr) {
		// clientAcceptHandler's protected mode: a client from another
		// host, while the default user has no password, is told why and
		// closed.
		rc.AddReply(protectedModeDenied)
		rc.Flags |= respserver.CloseAfterReply
		s.rs.Stats.Rejected++
	}
}

// protectedModeDenied is Redis 7.0.15's text, its typo included.
const protectedModeDenied = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. " +
	"In this mode connections are only accepted from the loopback interface. " +
	"If you want to connect from external computers to Redis you may adopt one of the following solutions: " +
	"1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. " +
	"2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. " +
	"3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
	"4) Setup a an authentication password for the default user. " +
	"NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"

// isLocalAddr is connIsLocal on a client's "ip:port": a loopback peer
// (127.x.x.x or ::1). A unix socket client is local.
func isLocalAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return true
	}
	return strings.HasPrefix(host, "127.") || host == "::1"
}

// closeIdleClients is clientsCronHandleTimeout for every client: with
// timeout set, a client idle for longer is closed, unless it is held (a
// reply waiting for the config file) or subscribed, as Redis spares
// CLIENT_BLOCKED and CLIENT_PUBSUB clients.
func (s *sentinelState) closeIdleClients() {
	if s.cfg.timeout <= 0 {
		return
	}
	for _, rc := range s.rs.Clients() {
		if rc == nil || rc.Flags&respserver.Blocked != 0 {
			continue
		}
		c, ok := rc.Data.(*client)
		if !ok || len(c.channels)+len(c.patterns) > 0 {
			continue
		}
		if (s.rs.Now-rc.LastInteraction)/1000 > int64(s.cfg.timeout) {
			s.log(llVerbose, "Closing idle client")
			s.rs.FreeClient(rc)
		}
	}
}

func (s *sentinelState) freed(rc *respserver.Client) {
	if c, ok := rc.Data.(*client); ok {
		s.pubsubUnsubscribeAll(c, false)
		s.forgetPostponed(c)
		if c.tracking != nil {
			c.tracking = nil
			s.trackingClients--
		}
	}
}

// command runs one command of a client. Every error reply counts in
// total_error_replies, also those of respserver's command code (CLIENT
// KILL's, TRACKING's), which do not pass through addReplyError; with
// CLIENT REPLY OFF or SKIP the reply is then dropped (CommandDone).
func (s *sentinelState) command(rc *respserver.Client) {
	c := rc.Data.(*client)
	errors, mark := s.stats.totalErrorReply, len(c.Out)
	s.processCommand(c)
	if s.stats.totalErrorReply == errors && len(c.Out) > mark && c.Out[mark] == '-' {
		s.stats.totalErrorReply++
	}
	if c.holdFor != 0 {
		s.holdReply(c, mark)
	}
	c.CommandDone(mark)
}

func (c *client) addReplyBulkInt(n int64) { c.AddReplyBulkString(strconv.FormatInt(n, 10)) }

func (s *sentinelState) addReplyError(c *client, msg string) {
	s.stats.totalErrorReply++
	c.AddReplyError(msg)
}

// arg is argv[i] as a string.
func (c *client) arg(i int) string { return string(c.Argv[i]) }

// sentinelCommands are SENTINEL's subcommands with their arities.
var sentinelSubcommands = []*command{
	{name: "sentinel|ckquorum", arity: 3, proc: sentinelCkquorumCommand},
	{name: "sentinel|config", arity: -3, proc: sentinelConfigCommand},
	{name: "sentinel|debug", arity: -2, proc: sentinelDebugCommand},
	{name: "sentinel|failover", arity: 3, proc: sentinelFailoverCommand},
	{name: "sentinel|flushconfig", arity: 2, proc: sentinelFlushconfigCommand},
	{name: "sentinel|get-master-addr-by-name", arity: 3, proc: sentinelGetMasterAddrCommand},
	{name: "sentinel|help", arity: 2, proc: sentinelHelpCommand},
	{name: "sentinel|info-cache", arity: -3, proc: sentinelInfoCacheCommand},
	{name: "sentinel|is-master-down-by-addr", arity: 6, proc: sentinelIsMasterDownByAddrCommand},
	{name: "sentinel|master", arity: 3, proc: sentinelMasterCommand},
	{name: "sentinel|masters", arity: 2, proc: sentinelMastersCommand},
	{name: "sentinel|monitor", arity: 6, proc: sentinelMonitorCommand},
	{name: "sentinel|myid", arity: 2, proc: sentinelMyidCommand},
	{name: "sentinel|pending-scripts", arity: 2, proc: sentinelPendingScriptsCommand},
	{name: "sentinel|remove", arity: 3, proc: sentinelRemoveCommand},
	{name: "sentinel|replicas", arity: 3, proc: sentinelReplicasCommand},
	{name: "sentinel|reset", arity: 3, proc: sentinelResetCommand},
	{name: "sentinel|sentinels", arity: 3, proc: sentinelSentinelsCommand},
	{name: "sentinel|set", arity: -5, proc: sentinelSetCommand},
	{name: "sentinel|simulate-failure", arity: -3, proc: sentinelSimulateFailureCommand},
	{name: "sentinel|slaves", arity: 3, proc: sentinelReplicasCommand},
}

// sentinelGetMasterByNameOrReplyError is sentinel.c's.
func (s *sentinelState) sentinelGetMasterByNameOrReplyError(c *client, name string) *sentinelRedisInstance {
	ri := s.sentinelGetMasterByName(name)
	if ri == nil {
		s.addReplyError(c, "No such master with that name")
	}
	return ri
}

// instanceFlagNames are the flags' names in the order the reply lists them.
var instanceFlagNames = []struct {
	flag int
	name string
}{
	{sriSDown, "s_down"}, {sriODown, "o_down"}, {sriMaster, "master"}, {sriSlave, "slave"},
	{sriSentinel, "sentinel"}, {-1, "disconnected"}, {sriMasterDown, "master_down"},
	{sriFailoverInProgress, "failover_in_progress"}, {sriPromoted, "promoted"},
	{sriReconfSent, "reconf_sent"}, {sriReconfInprog, "reconf_inprog"},
	{sriReconfDone, "reconf_done"}, {sriForceFailover, "force_failover"},
	{sriScriptKillSent, "script_kill_sent"},
}

// failoverStateNames are sentinelFailoverStateStr's.
var failoverStateNames = []string{"none", "wait_start", "select_slave", "send_slaveof_noone",
	"wait_promotion", "reconf_slaves", "update_config"}

// addReplySentinelRedisInstance is sentinel.c's: the instance as a map of
// bulk strings, in Redis's field order.
func (s *sentinelState) addReplySentinelRedisInstance(c *client, ri *sentinelRedisInstance) {
	now := s.mstime()
	var kv []string
	add := func(k, v string) { kv = append(kv, k, v) }
	addInt := func(k string, v int64) { add(k, strconv.FormatInt(v, 10)) }

	add("name", ri.name)
	add("ip", s.cfg.announceSentinelAddr(ri.addr))
	addInt("port", int64(ri.addr.port))
	add("runid", ri.runid)
	var flags []string
	for _, f := range instanceFlagNames {
		if (f.flag == -1 && ri.link.disconnected) || (f.flag > 0 && ri.flags&f.flag != 0) {
			flags = append(flags, f.name)
		}
	}
	add("flags", strings.Join(flags, ","))
	addInt("link-pending-commands", int64(ri.link.pendingCommands))
	addInt("link-refcount", int64(ri.link.refcount))
	if ri.flags&sriFailoverInProgress != 0 {
		add("failover-state", failoverStateNames[ri.failoverState])
	}
	lastPingSent := int64(0)
	if ri.link.actPingTime != 0 {
		lastPingSent = now - ri.link.actPingTime
	}
	addInt("last-ping-sent", lastPingSent)
	addInt("last-ok-ping-reply", now-ri.link.lastAvailTime)
	addInt("last-ping-reply", now-ri.link.lastPongTime)
	if ri.flags&sriSDown != 0 {
		addInt("s-down-time", now-ri.sDownSinceTime)
	}
	if ri.flags&sriODown != 0 {
		addInt("o-down-time", now-ri.oDownSinceTime)
	}
	addInt("down-after-milliseconds", ri.downAfterPeriod)

	if ri.flags&(sriMaster|sriSlave) != 0 {
		infoRefresh := int64(0)
		if ri.infoRefresh != 0 {
			infoRefresh = now - ri.infoRefresh
		}
		addInt("info-refresh", infoRefresh)
		role := "slave"
		if ri.roleReported == sriMaster {
			role = "master"
		}
		add("role-reported", role)
		addInt("role-reported-time", now-ri.roleReportedTime)
	}
	if ri.flags&sriMaster != 0 {
		add("config-epoch", strconv.FormatUint(ri.configEpoch, 10))
		addInt("num-slaves", int64(ri.slaves.size()))
		addInt("num-other-sentinels", int64(ri.sentinels.size()))
		addInt("quorum", int64(ri.cfg.quorum))
		addInt("failover-timeout", ri.cfg.failoverTimeout)
		addInt("parallel-syncs", int64(ri.cfg.parallelSyncs))
		if ri.cfg.notificationScript != nil {
			add("notification-script", *ri.cfg.notificationScript)
		}
		if ri.cfg.clientReconfigScript != nil {
			add("client-reconfig-script", *ri.cfg.clientReconfigScript)
		}
	}
	if ri.flags&sriSlave != 0 {
		addInt("master-link-down-time", ri.masterLinkDownTime)
		status := "err"
		if ri.slaveMasterLinkStatus == masterLinkStatusUp {
			status = "ok"
		}
		add("master-link-status", status)
		host := ri.slaveMasterHost
		if host == "" {
			host = "?"
		}
		add("master-host", host)
		addInt("master-port", int64(ri.slaveMasterPort))
		addInt("slave-priority", int64(ri.slavePriority))
		add("slave-repl-offset", strconv.FormatUint(ri.slaveReplOffset, 10))
		addInt("replica-announced", int64(ri.replicaAnnounced))
	}
	if ri.flags&sriSentinel != 0 {
		addInt("last-hello-message", now-ri.lastHelloTime)
		leader := ri.leader
		if leader == "" {
			leader = "?"
		}
		add("voted-leader", leader)
		add("voted-leader-epoch", strconv.FormatUint(ri.leaderEpoch, 10))
	}
	c.AddReplyMapLen(len(kv) / 2)
	for _, x := range kv {
		c.AddReplyBulkString(x)
	}
}

// addReplyDictOfRedisInstances is sentinel.c's: replicas that asked not
// to be announced are left out.
func (s *sentinelState) addReplyDictOfRedisInstances(c *client, t *instanceTable) {
	var list []*sentinelRedisInstance
	for _, ri := range t.list {
		if ri.flags&sriSlave != 0 && ri.replicaAnnounced == 0 {
			continue
		}
		list = append(list, ri)
	}
	c.AddReplyArrayLen(len(list))
	for _, ri := range list {
		s.addReplySentinelRedisInstance(c, ri)
	}
}

func sentinelMastersCommand(s *sentinelState, c *client) {
	s.addReplyDictOfRedisInstances(c, s.masters)
}

func sentinelMasterCommand(s *sentinelState, c *client) {
	if ri := s.sentinelGetMasterByNameOrReplyError(c, c.arg(2)); ri != nil {
		s.addReplySentinelRedisInstance(c, ri)
	}
}

func sentinelReplicasCommand(s *sentinelState, c *client) {
	if ri := s.sentinelGetMasterByNameOrReplyError(c, c.arg(2)); ri != nil {
		s.addReplyDictOfRedisInstances(c, ri.slaves)
	}
}

func sentinelSentinelsCommand(s *sentinelState, c *client) {
	if ri := s.sentinelGetMasterByNameOrReplyError(c, c.arg(2)); ri != nil {
		s.addReplyDictOfRedisInstances(c, ri.sentinels)
	}
}

func sentinelMyidCommand(s *sentinelState, c *client) { c.AddReplyBulkString(s.cfg.myid) }

func sentinelGetMasterAddrCommand(s *sentinelState, c *client) {
	ri := s.sentinelGetMasterByName(c.arg(2))
	if ri == nil {
		c.AddReplyNullArray()
		return
	}
	addr := sentinelGetCurrentMasterAddress(ri)
	c.AddReplyArrayLen(2)
	c.AddReplyBulkString(s.cfg.announceSentinelAddr(addr))
	c.addReplyBulkInt(int64(addr.port))
}

// sentinelIsMasterDownByAddrCommand is SENTINEL IS-MASTER-DOWN-BY-ADDR ip
// port epoch runid: whether we see that master SDOWN (never in TILT), and
// our vote when a runid asks for one.
func sentinelIsMasterDownByAddrCommand(s *sentinelState, c *client) {
	port, ok1 := resp.ParseInt(c.Argv[3])
	reqEpoch, ok2 := resp.ParseInt(c.Argv[4])
	if !ok1 || !ok2 {
		s.addReplyError(c, "value is not an integer or out of range")
		return
	}
	ri := getSentinelRedisInstanceByAddrAndRunID(s.masters, c.arg(2), int(port), "")
	isdown := !s.tilt && ri != nil && ri.flags&sriSDown != 0 && ri.flags&sriMaster != 0
	var leader string
	var leaderEpoch uint64
	if ri != nil && ri.flags&sriMaster != 0 && c.arg(5) != "*" {
		leader, leaderEpoch = s.sentinelVoteLeader(ri, uint64(reqEpoch), c.arg(5))
		// Redis fsyncs a new vote before this reply carries it, so that
		// a crash cannot make it vote twice in one epoch: the reply waits
		// until the vote it carries (this one, or one not yet written) is
		// on disk; the loop goes on meanwhile.
		if !s.flushed(ri.voteGen) {
			s.replyAfterFlush(c)
		}
	}
	c.AddReplyArrayLen(3)
	if isdown {
		c.AddReply(resp.One)
	} else {
		c.AddReply(resp.Zero)
	}
	if leader == "" {
		leader = "*"
	}
	c.AddReplyBulkString(leader)
	c.AddReplyInt(int64(leaderEpoch))
}

// sentinelIsQuorumReachable is sentinel.c's.
func sentinelIsQuorumReachable(master *sentinelRedisInstance) (usable int, noQuorum, noAuth bool) {
	voters := master.sentinels.size() + 1
	usable = 1
	for _, ri := range master.sentinels.list {
		if ri.flags&(sriSDown|sriODown) == 0 {
			usable++
		}
	}
	return usable, usable < master.cfg.quorum, usable < voters/2+1
}

func sentinelCkquorumCommand(s *sentinelState, c *client) {
	ri := s.sentinelGetMasterByNameOrReplyError(c, c.arg(2))
	if ri == nil {
		return
	}
	usable, noQuorum, noAuth := sentinelIsQuorumReachable(ri)
	if !noQuorum && !noAuth {
		c.AddReply("+OK " + strconv.Itoa(usable) + " usable Sentinels. Quorum and failover authorization can be reached\r\n")
		return
	}
	e := "-NOQUORUM " + strconv.Itoa(usable) + " usable Sentinels. "
	if noQuorum {
		e += "Not enough available Sentinels to reach the specified quorum for this master"
	}
	if noAuth {
		if noQuorum {
			e += ". "
		}
		e += "Not enough available Sentinels to reach the majority and authorize a failover"
	}
	s.stats.totalErrorReply++
	c.AddReply(e + "\r\n")
}

func sentinelMonitorCommand(s *sentinelState, c *client) {
	quorum, ok := resp.ParseInt(c.Argv[5])
	if !ok {
		s.addReplyError(c, "Invalid quorum")
		return
	}
	port, ok := resp.ParseInt(c.Argv[4])
	if !ok {
		s.addReplyError(c, "Invalid port")
		return
	}
	if quorum <= 0 {
		s.addReplyError(c, "Quorum must be 1 or greater.")
		return
	}
	host := c.arg(3)
	if formatIP(host) == "" && !s.cfg.resolveHostnames {
		s.addReplyError(c, "Invalid IP address or hostname specified")
		return
	}
	if port < 0 || port > 65535 {
		s.addReplyError(c, "Invalid port number.")
		return
	}
	if s.sentinelGetMasterByName(c.arg(2)) != nil {
		s.addReplyError(c, "Duplicate master name.")
		return
	}
	mc := &masterConfig{name: c.arg(2), quorum: int(quorum),
		downAfterPeriod: s.timers.defaultDownAfter, failoverTimeout: s.timers.defaultFailoverTimeout,
		parallelSyncs: sentinelDefaultParallelSyncs}
	ri, reason := s.createSentinelRedisInstance(mc.name, sriMaster, host, int(port), mc, nil)
	if ri == nil {
		s.addReplyError(c, reason)
		return
	}
	mc.addr = ri.addr
	s.flushConfig()
	s.sentinelEvent(llWarning, "+monitor", ri, "%@ quorum %d", mc.quorum)
	c.AddReply(resp.OK)
	s.replyAfterFlush(c) // Redis replies after its flush
}

func sentinelRemoveCommand(s *sentinelState, c *client) {
	ri := s.sentinelGetMasterByNameOrReplyError(c, c.arg(2))
	if ri == nil {
		return
	}
	s.sentinelEvent(llWarning, "-monitor", ri, "%@")
	s.masters.remove(ri)
	s.releaseInstance(ri)
	s.flushConfig()
	c.AddReply(resp.OK)
	s.replyAfterFlush(c)
}

func sentinelResetCommand(s *sentinelState, c *client) {
	c.AddReplyInt(int64(s.sentinelResetMastersByPattern(c.arg(2))))
}

func sentinelFailoverCommand(s *sentinelState, c *client) {
	ri := s.sentinelGetMasterByNameOrReplyError(c, c.arg(2))
	if ri == nil {
		return
	}
	if ri.flags&sriFailoverInProgress != 0 {
		s.addReplyError(c, "-INPROG Failover already in progress")
		return
	}
	if e := s.sentinelFailover(ri); e != "" {
		s.addReplyError(c, e)
		return
	}
	c.AddReply(resp.OK)
}

// sentinelFlushconfigCommand is SENTINEL FLUSHCONFIG: the reply comes once
// the file is on disk, and meanwhile only this client waits
// (config_writer.go).
func sentinelFlushconfigCommand(s *sentinelState, c *client) {
	if !s.flushConfig() {
		s.addReplyError(c, "Failed to save config file. Check server logs.")
		return
	}
	c.Flags |= respserver.Blocked
	s.flushWaiters = append(s.flushWaiters, flushWaiter{c: c, gen: s.submittedGen})
}

// sentinelInfoCacheCommand is SENTINEL INFO-CACHE name...: the last INFO of
// each named master and its replicas with its age (the replicas' ages are
// the master's, as in Redis).
func sentinelInfoCacheCommand(s *sentinelState, c *client) {
	var masters []*sentinelRedisInstance
	seen := map[string]bool{}
	for i := 2; i < len(c.Argv); i++ {
		if ri := s.sentinelGetMasterByName(c.arg(i)); ri != nil && !seen[ri.name] {
			seen[ri.name] = true
			masters = append(masters, ri)
		}
	}
	now := s.mstime()
	c.AddReplyArrayLen(len(masters) * 2)
	for _, ri := range masters {
		c.AddReplyBulkString(ri.name)
		c.AddReplyArrayLen(ri.slaves.size() + 1)
		age := int64(0)
		if ri.infoRefresh != 0 {
			age = now - ri.infoRefresh
		}
		for _, x := range append([]*sentinelRedisInstance{ri}, ri.slaves.list...) {
			c.AddReplyArrayLen(2)
			c.AddReplyInt(age)
			if x.info != "" {
				// A bulk string in RESP3 too: redis-sentinel 7.0.15
				// replies $<len>, not a verbatim =<len> txt: string
				// (found by TestInfoCacheMatchesRedis).
				c.AddReplyBulkString(x.info)
			} else {
				c.AddReplyNull()
			}
		}
	}
}

func sentinelSimulateFailureCommand(s *sentinelState, c *client) {
	s.simFailure = 0
	for i := 2; i < len(c.Argv); i++ {
		switch strings.ToLower(c.arg(i)) {
		case "crash-after-election":
			s.simFailure |= 1
			s.log(llWarning, "Failure simulation: this Sentinel will crash after being successfully elected as failover leader")
		case "crash-after-promotion":
			s.simFailure |= 2
			s.log(llWarning, "Failure simulation: this Sentinel will crash after promoting the selected replica to master")
		case "help":
			c.AddReplyArrayLen(2)
			c.AddReplyBulkString("crash-after-election")
			c.AddReplyBulkString("crash-after-promotion")
			return
		default:
			s.addReplyError(c, "Unknown failure simulation specified")
			return
		}
	}
	c.AddReply(resp.OK)
}

var sentinelHelp = []string{
	"CKQUORUM <master-name>",
	"    Check if the current Sentinel configuration is able to reach the quorum",
	"    needed to failover a master and the majority needed to authorize the",
	"    failover.",
	"CONFIG SET <param> <value>",
	"    Set a global Sentinel configuration parameter.",
	"CONFIG GET <param>",
	"    Get global Sentinel configuration parameter.",
	"DEBUG [<param> <value> ...]",
	"    Show a list of configurable time parameters and their values (milliseconds).",
	"    Or update current configurable parameters values (one or more).",
	"GET-MASTER-ADDR-BY-NAME <master-name>",
	"    Return the ip and port number of the master with that name.",
	"FAILOVER <master-name>",
	"    Manually failover a master node without asking for agreement from other",
	"    Sentinels",
	"FLUSHCONFIG",
	"    Force Sentinel to rewrite its configuration on disk, including the current",
	"    Sentinel state.",
	"INFO-CACHE <master-name>",
	"    Return last cached INFO output from masters and all its replicas.",
	"IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
	"    Check if the master specified by ip:port is down from current Sentinel's",
	"    point of view.",
	"MASTER <master-name>",
	"    Show the state and info of the specified master.",
	"MASTERS",
	"    Show a list of monitored masters and their state.",
	"MONITOR <name> <ip> <port> <quorum>",
	"    Start monitoring a new master with the specified name, ip, port and quorum.",
	"MYID",
	"    Return the ID of the Sentinel instance.",
	"PENDING-SCRIPTS",
	"    Get pending scripts information.",
	"REMOVE <master-name>",
	"    Remove master from Sentinel's monitor list.",
	"REPLICAS <master-name>",
	"    Show a list of replicas for this master and their state.",
	"RESET <pattern>",
	"    Reset masters for specific master name matching this pattern.",
	"SENTINELS <master-name>",
	"    Show a list of Sentinel instances for this master and their state.",
	"SET <master-name> <option> <value> [<option> <value> ...]",
	"    Set configuration parameters for certain masters.",
	"SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]",
	"    Simulate a Sentinel crash.",
}

func sentinelHelpCommand(s *sentinelState, c *client) { c.AddReplyHelp("SENTINEL", sentinelHelp) }
