package main

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"github.com/goae/goae/connection"
	"github.com/goae/goae/internal/redisconf"
	"github.com/goae/goae/internal/respserver"
	"github.com/goae/goae/internal/rlimit"
	"golang.org/x/sys/unix"
)

const (
	// configFdsetIncr is what Redis adds to maxclients to size its loop
	// (CONFIG_FDSET_INCR = CONFIG_MIN_RESERVED_FDS + 96): room for the
	// listeners, the poller, logs and files.
	configFdsetIncr = minReservedFds + 96
	// minReservedFds are the fds Redis keeps beyond maxclients for
	// listeners, logs and files (CONFIG_MIN_RESERVED_FDS).
	minReservedFds = 32
	// runWithPeriod granularity for the cron's sub-tasks, in ms.
	statsSamplePeriodMs = 100
	statsSamples        = 16 // STATS_METRIC_SAMPLES
	// cronDBsPerCall is how many databases databasesCron and the active
	// expiry cycle visit a call (CRON_DBS_PER_CALL).
	cronDBsPerCall = 16
)

// config is the server's configuration, from the command line.
type config struct {
	port                   int
	bind                   string
	unixsocket             string
	unixsocketperm         uint32
	maxclients             int
	timeout                int // seconds idle before a client is closed; 0 = never
	hz                     int
	requirepass            string
	tcpKeepalive           int
	tcpBacklog             int
	protoMaxBulkLen        int64
	clientQueryBufferLimit int64
	// clientOutputBufferLimit is client-output-buffer-limit, by class.
	clientOutputBufferLimit obufLimits
	// activeExpireEffort is active-expire-effort, 1 to 10: how much work
	// the active expiry cycle does (expire.go).
	activeExpireEffort int
	// databases is the number of databases, SELECT's 0 to databases-1.
	databases int
	// The compact-encoding thresholds (object.c's choices; CONFIG SET
	// changes them): hash-max-listpack-entries/-value,
	// set-max-intset-entries, zset-max-listpack-entries/-value,
	// list-max-listpack-size, list-compress-depth.
	// rdbCompression is rdbcompression (1: yes): DUMP LZF-compresses
	// strings longer than 20 bytes (rdb_save.go).
	rdbCompression         int64
	hashMaxListpackEntries int64
	hashMaxListpackValue   int64
	setMaxIntsetEntries    int64
	zsetMaxListpackEntries int64
	zsetMaxListpackValue   int64
	listMaxListpackSize    int64
	listCompressDepth      int64
	// maxmemory (bytes, 0: none) and how it is enforced (evict.c):
	// maxmemory-policy, maxmemory-samples, maxmemory-eviction-tenacity,
	// lfu-log-factor, lfu-decay-time.
	maxmemory                 int64
	maxmemoryPolicy           maxmemoryPolicy
	maxmemorySamples          int64
	maxmemoryEvictionTenacity int64
	lfuLogFactor              int64
	lfuDecayTime              int64
	// trackingTableMaxKeys and notifyKeyspaceEvents are pushed into
	// s.trk and s.notifyFlags (applyConfig).
	trackingTableMaxKeys int64
	notifyKeyspaceEvents int
	// loglevel is loglevel's enum value (debug 0 to warning 3), applied
	// to logLevel, the level of log's handler, when set.
	loglevel int64
	logLevel *slog.LevelVar
	// enableDebugCommand is enable-debug-command: no, yes or local.
	enableDebugCommand int64
	// save, dir and replicaof are kept and reported: kv has neither
	// persistence nor replication (config_special.go).
	save      []int64
	dir       string
	replicaof string
	// kept holds the parameters without a field here, by name
	// (config.go); configfile is the absolute path of the config file
	// kv started with, "" without one (CONFIG REWRITE writes it).
	kept       map[string]any
	configfile string
	// renames are the config file's rename-command lines, lowercase
	// (old name, new name or "" to remove).
	renames [][2]string
	// readingConfigFile and saveLoaded are loadServerConfig's state.
	readingConfigFile, saveLoaded bool
	log                           *slog.Logger
}

func defaultConfig() config {
	return config{
		port:                      6379,
		bind:                      "127.0.0.1",
		maxclients:                10000,
		hz:                        10,
		tcpKeepalive:              300,
		tcpBacklog:                511,
		protoMaxBulkLen:           512 << 20,
		clientQueryBufferLimit:    1 << 30,
		clientOutputBufferLimit:   defaultObufLimits(),
		activeExpireEffort:        1,
		databases:                 16,
		rdbCompression:            1,
		hashMaxListpackEntries:    512, // redis-server 7.0.15 reports 512 (CONFIG GET)
		hashMaxListpackValue:      64,
		setMaxIntsetEntries:       512,
		zsetMaxListpackEntries:    128,
		zsetMaxListpackValue:      64,
		listMaxListpackSize:       -2,
		maxmemoryPolicy:           policyNoEviction,
		maxmemorySamples:          5,
		maxmemoryEvictionTenacity: 10,
		lfuLogFactor:              10,
		lfuDecayTime:              1,
		trackingTableMaxKeys:      1000000,
		loglevel:                  2,
		log:                       slog.Default(),
	}
}

// server is the whole state of the key-value server: one loop, one
// keyspace, the clients. Everything runs on the loop's goroutine.
type server struct {
	cfg       config
	el        *ae.EventLoop
	listeners []*connection.Listener
	lfds      []int
	tcpFD     int // the TCP listener, -1 without one
	closed    bool

	// rs owns the connections: reading, parsing, writing replies.
	rs *respserver.Server

	// dbs are the databases (server.db); db is the one of the client
	// whose command runs, which call sets (c->db).
	dbs      []*db
	db       *db
	commands map[string]*command

	// multi holds the transaction state of the clients in MULTI or with
	// WATCHed keys (multi.go); touchScratch is touchWatchedKey's list.
	multi        map[*client]*multiState
	touchScratch []*client
	// resizeDB is databasesCron's next database to resize.
	resizeDB int

	// Time, cached once per loop iteration (server.mstime/unixtime).
	mstime    int64
	startTime time.Time
	cronloops int64

	stats       stats
	expireCycle expireCycleState

	// currentClient is the client whose command runs (server.current_client),
	// nil outside a command; executing is call's nesting depth
	// (server.execution_nesting): 2 inside EXEC.
	currentClient *client
	executing     int
	// trk is client side caching (tracking.go).
	trk trackingState
	// pubsub is the channels, patterns and subscribers (pubsub.go).
	pubsub pubsubState
	// notifyFlags is notify-keyspace-events (notify.go).
	notifyFlags int
	// blocking holds the blocked clients and the keys they wait on
	// (blocked.go); pause is the CLIENT PAUSE in force (cmd_misc.go).
	blocking blocking
	pause    respserver.Pause
	// activeExpireDisabled is DEBUG SET-ACTIVE-EXPIRE 0 (Redis's
	// active_expire_enabled, inverted so that the zero value is on);
	// quicklistPackedThreshold is DEBUG QUICKLIST-PACKED-THRESHOLD
	// (cmd_debug.go), the size from which a list element is a plain node.
	activeExpireDisabled     bool
	quicklistPackedThreshold int64
	// renamed is set when rename-command renamed a command: a command is
	// then always looked up by the name sent (command.go).
	renamed bool
	// lruclock is server.lruclock, the LRU clock serverCron caches
	// (lru.go); evict is maxmemory's state (evict.go).
	lruclock uint32
	evict    evictState
}

// stats are INFO's counters.
type stats struct {
	numCommands      int64
	expiredKeys      int64
	evictedKeys      int64 // stat_evictedkeys
	keyspaceHits     int64
	keyspaceMisses   int64
	opsSamples       [statsSamples]int64
	opsSampleIdx     int
	lastSampleTime   int64
	lastSampleCount  int64
	totalErrorReplys int64

	// Active expiry (expire.go): the running estimate of the share of
	// keys with a TTL that are expired but present (0 to 1), how many
	// cycles stopped at their time limit, and the microseconds spent.
	expiredStalePerc           float64
	expiredTimeCapReachedCount int64
	expireCycleTimeUsed        int64
}

func newServer(cfg config) (*server, error) {
	if cfg.hz < 1 {
		cfg.hz = 1
	}
	if cfg.hz > 500 {
		cfg.hz = 500
	}
	cfg.activeExpireEffort = min(max(cfg.activeExpireEffort, 1), 10)
	if cfg.databases < 1 {
		return nil, fmt.Errorf("databases: argument must be between 1 and %d inclusive", math.MaxInt32)
	}
	maxclients, err := adjustOpenFilesLimit(cfg)
	if err != nil {
		return nil, err
	}
	cfg.maxclients = maxclients
	el, err := ae.New(cfg.maxclients + configFdsetIncr)
	if err != nil {
		return nil, err
	}
	s := &server{
		cfg:   cfg,
		el:    el,
		tcpFD: -1,
		// tracking-table-max-keys: Redis's default.
		trk:       trackingState{maxKeys: cfg.trackingTableMaxKeys},
		dbs:       make([]*db, cfg.databases),
		multi:     map[*client]*multiState{},
		startTime: time.Now(),

		quicklistPackedThreshold: defaultQuicklistPackedThreshold,
	}
	for i := range s.dbs {
		s.dbs[i] = newDB(i)
		s.dbs[i].srv = s
	}
	s.db = s.dbs[0]
	s.notifyFlags = cfg.notifyKeyspaceEvents
	s.rs = respserver.New(el, respserver.Config{
		MaxClients:              cfg.maxclients,
		Timeout:                 cfg.timeout,
		TCPKeepAlive:            cfg.tcpKeepalive,
		ProtoMaxBulkLen:         cfg.protoMaxBulkLen,
		QueryBufferLimit:        cfg.clientQueryBufferLimit,
		OutputBufferLimit:       cfg.clientOutputBufferLimit.normal,
		PubSubOutputBufferLimit: cfg.clientOutputBufferLimit.pubsub,
		UnixSocket:              cfg.unixsocket,
		Log:                     cfg.log,
	}, respserver.Handler{
		Command:      s.command,
		AuthRequired: func(rc *respserver.Client) bool { return s.authRequired(rc.Data.(*client)) },
		Connected:    s.connected,
		Freed:        s.freed,
	})
	s.commands = commandTable()
	redisconf.ApplyRenames(s.commands, cfg.renames)
	s.renamed = len(cfg.renames) > 0
	s.updateCachedTime()

	if cfg.bind == "" && cfg.unixsocket == "" {
		s.close()
		//lint:ignore ST1005 Redis's log line, as it logs it
		return nil, errors.New("Configured to not listen anywhere, exiting.")
	}
	if (cfg.port != 0 || cfg.unixsocket == "") && cfg.bind != "" {
		fd, err := anet.TCPServer(cfg.port, listenAddr(cfg.bind), cfg.tcpBacklog)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("could not create server TCP listening socket %s: %w", anet.FormatAddr(cfg.bind, cfg.port), err)
		}
		s.tcpFD = fd
		if err := s.listen(fd, false); err != nil {
			return nil, err
		}
	}
	if cfg.unixsocket != "" {
		os.Remove(cfg.unixsocket) // a stale socket from an earlier run
		fd, err := anet.UnixServer(cfg.unixsocket, cfg.unixsocketperm, cfg.tcpBacklog)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("failed opening Unix socket: %w", err)
		}
		if err := s.listen(fd, true); err != nil {
			return nil, err
		}
	}
	// serverCron first runs after 1 ms, then every 1000/hz ms.
	el.CreateTimeEvent(1, s.serverCron, nil, nil)
	el.SetBeforeSleepProc(s.beforeSleep)
	el.SetAfterSleepProc(s.afterSleep)
	return s, nil
}

func (s *server) listen(fd int, isUnix bool) error {
	s.lfds = append(s.lfds, fd)
	anet.Cloexec(fd)
	onConn := s.rs.AcceptTCP
	if isUnix {
		onConn = s.rs.AcceptUnix
	}
	l, err := connection.NewListener(s.el, fd, connection.ListenConfig{Log: s.cfg.log}, onConn)
	if err != nil {
		s.close()
		return err
	}
	s.listeners = append(s.listeners, l)
	return nil
}

// adjustOpenFilesLimit makes RLIMIT_NOFILE fit maxclients plus Redis's
// CONFIG_MIN_RESERVED_FDS (32), raising the soft limit when it can and
// otherwise lowering maxclients with Redis's warnings (adjustOpenFilesLimit).
// Unlike Redis, which as root raises the hard limit too, it stays within
// the hard limit the administrator set.
func adjustOpenFilesLimit(cfg config) (int, error) {
	want := uint64(cfg.maxclients + minReservedFds)
	old, hard, err := rlimit.NoFile()
	if err != nil {
		cfg.log.Warn(fmt.Sprintf("Unable to obtain the current NOFILE limit (%v), assuming 1024 and setting the max clients configuration accordingly.", err))
		return 1024 - minReservedFds, nil
	}
	if old >= want {
		return cfg.maxclients, nil
	}
	var setErr error = unix.EPERM // what raising past the hard limit meets
	best := old
	if hard > old {
		if err := rlimit.SetNoFile(min(want, hard), hard); err != nil {
			setErr = err
		}
		if cur, _, err := rlimit.NoFile(); err == nil {
			best = cur
		}
	}
	if best >= want {
		cfg.log.Info(fmt.Sprintf("Increased maximum number of open files to %d (it was originally set to %d).", want, old))
		return cfg.maxclients, nil
	}
	if best <= minReservedFds {
		cfg.log.Error(fmt.Sprintf("Your current 'ulimit -n' of %d is not enough for the server to start. Please increase your open file limit to at least %d. Exiting.", old, want))
		return 0, fmt.Errorf("RLIMIT_NOFILE %d leaves no fd for clients", old)
	}
	maxclients := int(best) - minReservedFds
	cfg.log.Warn(fmt.Sprintf("You requested maxclients of %d requiring at least %d max file descriptors.", cfg.maxclients, want))
	cfg.log.Warn(fmt.Sprintf("Server can't set maximum open files to %d because of OS error: %v.", want, setErr))
	cfg.log.Warn(fmt.Sprintf("Current maximum open files is %d. maxclients has been reduced to %d to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.", best, maxclients))
	return maxclients, nil
}

// addr returns the TCP address the server listens on ("" if none).
func (s *server) addr() (string, int) {
	if s.tcpFD < 0 {
		return "", 0
	}
	ip, port, _ := anet.FdToString(s.tcpFD, anet.SockName)
	return ip, port
}

// serve runs the loop until Stop, then closes listeners and clients.
func (s *server) serve() {
	s.el.Main()
	s.close()
}

// shutdown stops the loop; called on the loop (from a Post).
func (s *server) shutdown() { s.el.Stop() }

// close releases the listeners, the clients and the loop; a second call
// does nothing.
func (s *server) close() {
	if s.closed {
		return
	}
	s.closed = true
	for _, l := range s.listeners {
		l.Close()
	}
	for _, fd := range s.lfds {
		unix.Close(fd)
	}
	s.listeners, s.lfds, s.tcpFD = nil, nil, -1
	if s.cfg.unixsocket != "" {
		os.Remove(s.cfg.unixsocket)
	}
	s.rs.Close()
	s.el.Close()
	s.evictRelease()
}

func (s *server) updateCachedTime() {
	s.mstime = time.Now().UnixMilli()
	if s.rs != nil {
		s.rs.Now = s.mstime
	}
}

// beforeSleep runs before the loop polls: a fast expiry cycle when one is
// due (it returns at once otherwise), then free the clients scheduled to
// close and write pending replies (handleClientsWithPendingWrites), in
// Redis's order.
func (s *server) beforeSleep(el *ae.EventLoop) {
	s.blockedBeforeSleep()
	if !s.activeExpireDisabled {
		s.activeExpireCycle(activeExpireCycleFast)
	}
	s.trackingBroadcastInvalidationMessages()
	s.rs.BeforeSleep()
}

// afterSleep refreshes the cached clock once per iteration, so every
// command of a batch sees the same time, as Redis's cached mstime.
func (s *server) afterSleep(el *ae.EventLoop) {
	s.updateCachedTime()
	s.evictNewIteration()
}

// serverCron runs hz times a second: statistics, clients, expiry.
func (s *server) serverCron(el *ae.EventLoop, _ int64, _ any) int {
	s.updateCachedTime()
	s.lruclock = lruClockAt(s.mstime)
	s.evictCron()
	if s.mstime-s.stats.lastSampleTime >= statsSamplePeriodMs {
		s.trackInstantaneousMetric()
	}
	s.checkClientPauseTimeout()
	s.rs.Cron(s.cfg.hz)
	// Done here too so that a CONFIG SET of tracking-table-max-keys acts
	// on an idle server.
	if len(s.trk.clients) > 0 {
		s.trackingLimitUsedSlots()
	}
	// databasesCron: expire keys by sampling, then give back the memory
	// of mostly empty expires tables, CRON_DBS_PER_CALL databases a call.
	if !s.activeExpireDisabled {
		s.activeExpireCycle(activeExpireCycleSlow)
	}
	for range min(cronDBsPerCall, len(s.dbs)) {
		s.dbs[s.resizeDB%len(s.dbs)].shrinkExpires()
		s.resizeDB++
	}
	s.cronloops++
	return 1000 / s.cfg.hz
}

// trackInstantaneousMetric records commands per second since the last
// sample (trackInstantaneousMetric(STATS_METRIC_COMMAND, ...)).
func (s *server) trackInstantaneousMetric() {
	st := &s.stats
	dt := s.mstime - st.lastSampleTime
	ops := st.numCommands - st.lastSampleCount
	if dt > 0 && st.lastSampleTime != 0 {
		st.opsSamples[st.opsSampleIdx] = ops * 1000 / dt
		st.opsSampleIdx = (st.opsSampleIdx + 1) % statsSamples
	}
	st.lastSampleTime = s.mstime
	st.lastSampleCount = st.numCommands
}

func (s *server) instantaneousOps() int64 {
	var sum int64
	for _, v := range s.stats.opsSamples {
		sum += v
	}
	return sum / statsSamples
}

var processStart = time.Now()

// monotonicMicros reads the monotonic clock, for time budgets.
func monotonicMicros() int64 { return time.Since(processStart).Microseconds() }
