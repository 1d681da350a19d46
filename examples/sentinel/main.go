// Command sentinel is Redis Sentinel 7.0 on goae: a drop-in for
// redis-sentinel 7.0.15 that monitors masters, discovers their replicas
// and the other sentinels, agrees on SDOWN/ODOWN, votes, carries out
// failovers (or follows those the others carry out), and answers the
// commands a sentinel answers, on one ae loop.
//
//	sentinel sentinel.conf [--port P] [--option value ...]
//
// Differences from redis-sentinel, none of them on the wire:
//   - the TILT rule and every period run on a monotonic clock (Redis reads
//     the wall clock, so a clock step triggers TILT; a stall of more than
//     2 s still does here);
//   - a link closed by a master's reset reconnects at the next tick, not
//     up to a second later (redis#8607's spurious SDOWN after a switch);
//   - with resolve-hostnames yes, names are looked up again on each
//     reconnect (redis#9103), on another goroutine: the reconnect goes to
//     the address known, the next one to the new address if it changed;
//   - tables are kept in creation order where Redis iterates hash order;
//   - -failover-abort-no-good-slave's log line says which replica was
//     excluded by which rule (redis#5677, #7825); the event is Redis's;
//   - the config file is rewritten and fsynced by a writer goroutine, not
//     in the loop (a slow disk cannot trip TILT); what Redis does after its
//     synchronous flush waits for the write, holding only the client
//     concerned: the reply to an is-master-down-by-addr carrying a vote not
//     yet on disk, the replies of SENTINEL FLUSHCONFIG, MONITOR, REMOVE,
//     SET and CONFIG SET; our own vote is counted once on disk;
//   - every redis-server directive is accepted, as by redis-sentinel
//     (config_directives.go); those without effect on a sentinel are kept
//     and written back, their values checked only for their number of
//     arguments and yes/no (redis-sentinel checks them as redis-server
//     does), and rename-command "sentinel|..." is refused where
//     redis-sentinel crashes;
//   - daemonize yes re-executes the process in a new session (Go cannot
//     fork), as Redis's fork does: the starting process exits 0 once the
//     config has loaded (process.go);
//   - scripts are started with os.StartProcess and each is reaped by its
//     own pid (Redis reaps any child with waitpid(-1)); an exec that
//     fails is reported as Redis's forked child reports it (exit code 2);
//   - two sentinels sharing a myid (a copied config file, redis#4652) are
//     reported in the log, by each of the two and by the others, which
//     see them flap with +sentinel-address-switch;
//   - SENTINEL CONFIG SET announce-ip "" unsets the address: Redis keeps
//     an empty one, which its hellos would announce, and writes
//     `sentinel announce-ip ""` to the file (which it reads back as unset).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"github.com/goae/goae/connection"
	"github.com/goae/goae/internal/redisconf"
	"github.com/goae/goae/internal/respserver"
	"golang.org/x/sys/unix"
)

// sentinelState is sentinel.c's struct sentinelState with the server
// around it: the loop, the clients, the clock.
type sentinelState struct {
	cfg     *sentinelConfig
	el      *ae.EventLoop
	rs      *respserver.Server
	masters *instanceTable

	tilt          bool
	tiltStartTime int64
	previousTime  int64
	timers        sentinelTimers
	hz            int   // the timer's rate, picked again on every run
	lastIdleCheck int64 // when closeIdleClients last ran
	simFailure    int

	start       time.Time
	startUnixMs int64
	runID       string // the server's run_id (INFO), not the sentinel's myid

	logger     *slog.Logger
	logHandler *redisLogHandler
	verbosity  int

	listeners []*connection.Listener
	lfds      []int
	port      int // the port listened on

	pubsub    pubsubState
	commands  map[string]*command
	stats     serverStats
	myidClash myidClashState // myid_clash.go
	scripts   scriptsState   // scripts.go

	writer       *configWriter // config_writer.go
	submittedGen uint64        // the newest config write handed to the writer
	writtenGen   uint64        // the newest one over (on disk, or failed)
	flushWaiters []flushWaiter // clients whose reply waits for a write

	pause           clientPause // CLIENT PAUSE (commands_client.go)
	unblocked       []*client   // unpaused clients to run before the loop sleeps
	trackingClients int         // clients with CLIENT TRACKING on

	closing     atomic.Bool                      // close has begun: the loop runs no more
	writeConfig func(path, content string) error // nil: writeConfigFile (tests set it)
	// lookupHost resolves names off the loop (refreshInstanceAddr); nil:
	// net.DefaultResolver's (tests set it).
	lookupHost func(ctx context.Context, host string) ([]string, error)
}

// serverStats are INFO's counters.
type serverStats struct {
	numCommands     int64
	totalErrorReply int64
}

func main() {
	// One loop that sleeps in epoll_wait most of the time, as the cluster
	// bus node does (bench/NOTES.md, "Cluster bus CPU at rest: one P"):
	// with more Ps the runtime hands the sleeping loop's P to another
	// thread and back on every timer tick. `MODES=idle bash
	// bench/sentinel.sh`: three sentinels at rest used 2.31x
	// redis-sentinel's CPU with 1 master and 2.78x with 20; with one P,
	// 1.32x and 1.54x. The environment's GOMAXPROCS, if set, wins.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	s, err := newSentinel(os.Args[1:], os.Stdout)
	if errors.Is(err, errDaemonized) {
		os.Exit(0)
	}
	if err != nil {
		os.Exit(1)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		name := "SIGTERM"
		if sig == syscall.SIGINT {
			name = "SIGINT"
		}
		// Redis's signal handler logs with serverLogFromHandler's
		// shape: "pid:signal-handler (unix time) message".
		s.logHandler.raw(fmt.Sprintf("%d:signal-handler (%d) Received %s scheduling shutdown...\n", os.Getpid(), time.Now().Unix(), name))
		s.el.Post(func(*ae.EventLoop) { s.prepareForShutdown() })
	}()
	s.run()
	os.Exit(0)
}

// newSentinel is what Redis's main does for a sentinel: load the config
// (an error printed as Redis prints it), check for a supervisor, become a
// daemon (daemonize yes: errDaemonized in the process that started it),
// listen, write the pid file, pick and save the myid on first start,
// create the instances and emit +monitor for each master
// (sentinelIsRunning), tell systemd it is ready, and arm the timer. logw
// receives the log when no logfile is configured.
func newSentinel(args []string, logw io.Writer) (*sentinelState, error) {
	startDir, _ := os.Getwd() // before "dir" moves it: where a daemon copy starts
	cfg, err := loadSentinelConfig(args)
	var cerr *configError
	if errors.As(err, &cerr) {
		fmt.Fprint(os.Stderr, cerr.Error())
		return nil, err
	}
	s := &sentinelState{
		cfg:     cfg,
		masters: newInstanceTable(),
		timers:  defaultTimers(),
		hz:      configDefaultHz,
		start:   time.Now(),
	}
	if cfg == nil {
		s.cfg = newSentinelConfig()
	}
	s.startUnixMs = s.start.UnixMilli()
	s.setupLog(logw)
	if err != nil {
		s.log(llWarning, err.Error())
		return nil, err
	}
	// A daemon copy was checked by the process that started it.
	supervised := !(s.cfg.daemonize && os.Getenv(daemonEnv) != "") && s.redisIsSupervised()
	background := s.cfg.daemonize && !supervised
	if background {
		if err := s.daemonize(startDir); err != nil {
			return nil, err
		}
	}
	var b [20]byte
	rand.Read(b[:])
	s.runID = hex.EncodeToString(b[:])

	s.log(llWarning, "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo")
	s.log(llWarning, fmt.Sprintf("Redis version=%s, bits=64, commit=00000000, modified=0, pid=%d, just started", redisVersion, os.Getpid()))
	s.log(llWarning, "Configuration loaded")

	// CONFIG_FDSET_INCR slots beyond maxclients, as Redis sizes its loop.
	el, err := ae.New(s.cfg.maxclients + 128)
	if err != nil {
		s.log(llWarning, err.Error())
		return nil, err
	}
	s.el = el
	s.rs = respserver.New(el, respserver.Config{
		Log:               discardLogger(),
		MaxClients:        s.cfg.maxclients,
		TCPKeepAlive:      s.cfg.tcpKeepalive,
		OutputBufferLimit: respserver.OutputBufferLimit{Hard: 32 << 20, Soft: 8 << 20, SoftSeconds: 60},
	}, respserver.Handler{
		Command:   s.command,
		Connected: s.connected,
		Freed:     s.freed,
	})
	s.commands = commandTable()
	redisconf.ApplyRenames(s.commands, s.cfg.renames)
	s.previousTime = s.mstime()
	if err := s.listenToPort(); err != nil {
		s.close()
		return nil, err
	}
	if background || s.cfg.pidfile != nil {
		s.createPidFile()
	}
	s.log(llNotice, fmt.Sprintf("Running mode=sentinel, port=%d.", s.port))

	s.createInstancesFromConfig()
	if s.cfg.pickMyID() {
		// Before the loop runs, so written here and now: the new myid is
		// on disk before anything else happens.
		s.syncConfig()
		if err := s.cfg.sentinelFlushConfig(); err != nil {
			s.log(llWarning, err.Error())
		} else {
			s.log(llNotice, "Sentinel new configuration saved on disk")
		}
	}
	s.log(llWarning, "Sentinel ID is "+s.cfg.myid)
	for _, m := range s.masters.list {
		s.sentinelEvent(llWarning, "+monitor", m, "%@ quorum %d", m.cfg.quorum)
	}
	if s.cfg.supervised == "systemd" {
		s.communicateSystemd("STATUS=Ready to accept connections\n")
		s.communicateSystemd("READY=1\n")
	}
	el.CreateTimeEvent(1, s.serverCron, nil, nil)
	el.SetBeforeSleepProc(func(*ae.EventLoop) { s.processUnblockedClients(); s.rs.BeforeSleep() })
	el.SetAfterSleepProc(func(*ae.EventLoop) { s.updateCachedTime() })
	return s, nil
}

// createInstancesFromConfig makes the instances the config names: each
// master, then its known replicas and sentinels (sentinelHandleConfiguration
// creates them as it reads the lines).
func (s *sentinelState) createInstancesFromConfig() {
	for _, mc := range s.cfg.masters {
		m, _ := s.createSentinelRedisInstance(mc.name, sriMaster, mc.addr.hostname, mc.addr.port, mc, nil)
		if m == nil {
			continue
		}
		for _, r := range mc.replicas {
			s.createSentinelRedisInstance("", sriSlave, r.hostname, r.port, nil, m)
		}
		for _, ks := range mc.sentinels {
			si, _ := s.createSentinelRedisInstance(ks.runid, sriSentinel, ks.addr.hostname, ks.addr.port, nil, m)
			if si != nil {
				si.runid = ks.runid
				s.sentinelTryConnectionSharing(si)
			}
		}
	}
}

// listenToPort is server.c's: one listening socket per bind address
// ("* -::*" by default: every IPv4 address and, if the system has IPv6,
// every IPv6 one); a leading '-' makes an address optional.
func (s *sentinelState) listenToPort() error {
	binds := s.cfg.bind
	if binds == nil {
		binds = defaultBind
	}
	port := s.cfg.port
	for _, addr := range binds {
		optional := strings.HasPrefix(addr, "-")
		addr = strings.TrimPrefix(addr, "-")
		var fd int
		var err error
		if strings.Contains(addr, ":") {
			fd, err = anet.TCP6Server(port, addr, 511)
		} else {
			fd, err = anet.TCPServer(port, addr, 511)
		}
		if err != nil {
			if (errors.Is(err, unix.EADDRNOTAVAIL) && optional) || errors.Is(err, unix.EAFNOSUPPORT) ||
				errors.Is(err, unix.EPROTONOSUPPORT) || errors.Is(err, unix.EADDRNOTAVAIL) {
				continue
			}
			s.log(llWarning, fmt.Sprintf("Warning: Could not create server TCP listening socket %s:%d: %s", addr, port, strerror(err)))
			s.log(llWarning, fmt.Sprintf("Failed listening on port %d (tcp), aborting.", port))
			return err
		}
		anet.Cloexec(fd)
		s.lfds = append(s.lfds, fd)
		if port == 0 { // a free port, picked at the first bind
			_, port, _ = anet.FdToString(fd, anet.SockName)
		}
		l, err := connection.NewListener(s.el, fd, connection.ListenConfig{Log: discardLogger()}, s.rs.AcceptTCP)
		if err != nil {
			return err
		}
		s.listeners = append(s.listeners, l)
	}
	s.port = port
	s.cfg.port = port
	return nil
}

// run serves until shutdown, then releases everything.
func (s *sentinelState) run() {
	s.el.Main()
	s.close()
}

// prepareForShutdown is server.c's (with finishShutdown) for a sentinel:
// nothing to save; systemd is told, the pid file removed.
func (s *sentinelState) prepareForShutdown() {
	s.log(llWarning, "User requested shutdown...")
	if s.cfg.supervised == "systemd" {
		s.communicateSystemd("STOPPING=1\n")
	}
	if s.cfg.daemonize || s.cfg.pidfile != nil {
		s.log(llNotice, "Removing the pid file.")
		if s.cfg.pidfile != nil {
			os.Remove(*s.cfg.pidfile)
		}
	}
	s.log(llWarning, "Sentinel is now ready to exit, bye bye...")
	s.el.Stop()
}

func (s *sentinelState) close() {
	s.closing.Store(true)
	if s.writer != nil {
		s.writer.close() // the last state reaches the disk
	}
	for _, m := range s.masters.list {
		s.releaseInstance(m)
	}
	for _, l := range s.listeners {
		l.Close()
	}
	for _, fd := range s.lfds {
		unix.Close(fd)
	}
	s.listeners, s.lfds = nil, nil
	if s.rs != nil {
		s.rs.Close()
	}
	if s.el != nil {
		s.el.Close()
	}
}

// setupLog sends the log to the logfile, or to w, in Redis's line shape.
func (s *sentinelState) setupLog(w io.Writer) {
	if s.cfg.logfile != "" {
		if f, err := os.OpenFile(s.cfg.logfile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
			w = f
		}
	}
	for i, l := range logLevels {
		if l == s.cfg.loglevel {
			s.verbosity = i
		}
	}
	s.logHandler = &redisLogHandler{w: w, pid: os.Getpid(), level: slogLevel(s.verbosity)}
	s.logger = slog.New(s.logHandler)
}

// log is serverLog: a line at a Redis level.
func (s *sentinelState) log(level int, msg string) {
	if level < s.verbosity {
		return
	}
	s.logger.Log(context.Background(), slogLevel(level), msg)
}

// slogLevel maps LL_* to slog levels (verbose between debug and info).
func slogLevel(level int) slog.Level {
	return [...]slog.Level{slog.LevelDebug, slog.LevelDebug + 2, slog.LevelInfo, slog.LevelWarn}[level]
}

// redisLogHandler writes slog records as serverLogRaw does:
// "PID:X DD Mon YYYY HH:MM:SS.mmm C message", C one of ". - * #" for
// debug, verbose, notice and warning, X the sentinel's role character.
type redisLogHandler struct {
	mu    sync.Mutex
	w     io.Writer
	pid   int
	level slog.Level
}

func (h *redisLogHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *redisLogHandler) Handle(_ context.Context, r slog.Record) error {
	c := byte('#')
	switch {
	case r.Level < slog.LevelDebug+2:
		c = '.'
	case r.Level < slog.LevelInfo:
		c = '-'
	case r.Level < slog.LevelWarn:
		c = '*'
	}
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool {
		msg += " " + a.Key + "=" + a.Value.String()
		return true
	})
	return h.raw(fmt.Sprintf("%d:X %s %c %s\n", h.pid, r.Time.Format("02 Jan 2006 15:04:05.000"), c, msg))
}

// raw writes a line as it is; the signal goroutine uses it too.
func (h *redisLogHandler) raw(line string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, line)
	return err
}

func (h *redisLogHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *redisLogHandler) WithGroup(string) slog.Handler      { return h }

// discardLogger drops what the connection layer logs: the sentinel logs
// its own lines.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
