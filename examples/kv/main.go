// Command kv is a Redis-protocol key-value server on one ae event loop,
// built the way Redis's networking.c is: a bounded accept loop, one read
// per readable event, commands parsed with internal/resp and run in
// place, replies written from the before-sleep hook, serverCron as a time
// event. redis-cli, redis-benchmark and go-redis use it as they use Redis.
//
//	go run ./examples/kv                 # 127.0.0.1:6379
//	go run ./examples/kv --port 7777 --requirepass secret
//	go run ./examples/kv --client-output-buffer-limit "normal 64mb 16mb 30"
//	go run ./examples/kv /etc/redis/redis.conf --port 7000
//
// The command line is redis-server's: an optional config file, then
// "--name value" options, each a line added after the file's (any
// parameter CONFIG knows); kv's own --cpuprofile and --memprofile take a
// file name.
//
// Where kv and redis-server 7.0.15 differ on purpose or by construction:
//   - the normal class of client-output-buffer-limit defaults to
//     256mb 64mb 60 (Redis: no limit), so a client that never reads cannot
//     take the server's memory;
//   - FLUSHDB and FLUSHALL replace the keyspace at once and leave the old
//     one to the garbage collector, so SYNC costs what ASYNC does;
//   - PUBSUB CHANNELS lists channels sorted, and a message matching
//     several patterns of one client reaches it in the order the patterns
//     were first subscribed (Redis walks its hash tables);
//   - under CLIENT REPLY OFF or SKIP the pushes a client's own command
//     makes for it (a RESP3 SUBSCRIBE's confirmation, an invalidation of a
//     key it wrote) are dropped with its reply; Redis sends pushes anyway;
//   - COMMAND INFO has no key specs, tips or admin flags;
//   - parameters of features kv lacks (persistence, replication, cluster,
//     TLS, ACL files, defragmentation, lazy freeing, latency tracking,
//     oom-score-adj, protected-mode, ...) are kept and reported only;
//     save defaults to "" (kv does not persist); dir is checked and
//     reported, but kv does not chdir; replicaof from a config file is
//     kept, not acted on;
//   - bind may list several addresses; kv listens on the first;
//   - CONFIG GET replies in the table's order and CONFIG REWRITE appends
//     in it (Redis: its hash table's order, which changes between runs);
//   - a config file's "user" lines are accepted for the default user only
//     (kv has no ACL: its password is requirepass);
//   - DEBUG has HELP, SLEEP, OBJECT, SET-ACTIVE-EXPIRE and
//     QUICKLIST-PACKED-THRESHOLD; HELP lists Redis's whole set, and the
//     others answer as unknown subcommands.
//   - DUMP's payload is redis-server's byte for byte where the encoding
//     fixes the order; a hashtable hash or set is written in kv's order
//     (Redis: its hash order), an intset that once held a wider integer
//     stays wide in Redis (intsets are never narrowed) where kv writes the
//     width its members need, and a list's quicklist nodes are cut as RPUSHes under the current
//     list-max-listpack-size would cut them (rdb_save.go); RESTORE reads
//     either;
//   - maxmemory compares the live heap plus estimates of the keys added and
//     removed since the last GC cycle (evict.go), so about 0.7 times as many
//     small keys fit in a given maxmemory as in Redis.
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/respserver"
)

func main() {
	cfg := defaultConfig()
	cfg.logLevel = new(slog.LevelVar)
	cpuprofile, memprofile, err := parseArgs(os.Args[1:], &cfg)
	if m, ok := err.(*exitMessage); ok {
		if m.code == 0 {
			fmt.Print(m.text)
		} else {
			fmt.Fprint(os.Stderr, m.text)
		}
		os.Exit(m.code)
	}
	if err != nil {
		// Redis's FATAL CONFIG FILE ERROR block, as redis-server prints it.
		fmt.Fprint(os.Stderr, err.Error())
		os.Exit(1)
	}
	cfg.logLevel.Set(slogLevel(cfg.loglevel))
	cfg.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.logLevel}))

	// The loop keeps its P while it sleeps in epoll_wait (see package
	// ae). Pinned to one CPU (taskset), Go starts with one P, and the
	// runtime's monitor keeps taking it back. With two, under
	// redis-benchmark -c 1000 -P 1 the monitor woke 3,556 times instead
	// of 5,717 per 200,000 requests, and CPU per request fell about 4%.
	// (Idle, two Ps cost more: see examples/clusterbus.) The
	// environment's GOMAXPROCS, if set, wins.
	if os.Getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
	s, err := newServer(cfg)
	if err != nil {
		cfg.log.Error(err.Error())
		os.Exit(1)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		cfg.log.Warn("Received signal, scheduling shutdown...", "signal", sig.String())
		s.el.Post(func(*ae.EventLoop) { s.shutdown() })
	}()
	ip, port := s.addr()
	cfg.log.Info("Ready to accept connections", "addr", ip, "port", port, "unixsocket", cfg.unixsocket, "maxclients", s.cfg.maxclients, "poller", s.el.APIName())
	stopProfiles, err := startProfiles(cpuprofile, memprofile)
	if err != nil {
		cfg.log.Error(err.Error())
		os.Exit(1)
	}
	s.serve()
	if err := stopProfiles(); err != nil {
		cfg.log.Warn(err.Error())
	}
	cfg.log.Warn("Server is now ready to exit, bye bye...")
}

// startProfiles starts the CPU profile if cpu names a file and returns
// the function that, at shutdown, stops it and writes the heap profile to
// mem (if named): the profiles the performance notes in README come from
// (go tool pprof kv cpu.out).
func startProfiles(cpu, mem string) (stop func() error, err error) {
	if mem != "" {
		runtime.MemProfileRate = 4096 // finer than the default 512 KiB: per-client objects are small
	}
	var cpuf *os.File
	if cpu != "" {
		if cpuf, err = os.Create(cpu); err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(cpuf); err != nil {
			cpuf.Close()
			return nil, err
		}
	}
	return func() error {
		var errs []error
		if cpuf != nil {
			pprof.StopCPUProfile()
			errs = append(errs, cpuf.Close())
		}
		if mem != "" {
			f, err := os.Create(mem)
			if err != nil {
				return errors.Join(append(errs, err)...)
			}
			errs = append(errs, pprof.Lookup("allocs").WriteTo(f, 0), f.Close())
		}
		return errors.Join(errs...)
	}, nil
}

// obufLimits is client-output-buffer-limit: the limits of each class, in
// respserver's terms (negative: no limit). Normal and pubsub apply; kv has
// no replicas, so that class is kept and reported only.
type obufLimits struct{ normal, replica, pubsub respserver.OutputBufferLimit }

// defaultObufLimits is goae's normal class (Redis has none for normal
// clients) and Redis's replica and pubsub classes.
func defaultObufLimits() obufLimits {
	return obufLimits{
		normal: respserver.OutputBufferLimit{Hard: respserver.DefaultOutputBufferHard,
			Soft: respserver.DefaultOutputBufferSoft, SoftSeconds: respserver.DefaultOutputBufferSoftSeconds},
		replica: respserver.OutputBufferLimit{Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60},
		pubsub: respserver.OutputBufferLimit{Hard: respserver.DefaultPubSubOutputBufferHard,
			Soft: respserver.DefaultPubSubOutputBufferSoft, SoftSeconds: respserver.DefaultPubSubOutputBufferSoftSeconds},
	}
}
