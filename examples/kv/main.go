// Command kv is a Redis-protocol key-value server on one ae event loop,
// built the way Redis's networking.c is: a bounded accept loop, one read
// per readable event, commands parsed with internal/resp and run in
// place, replies written from the before-sleep hook, serverCron as a time
// event. redis-cli, redis-benchmark and go-redis use it as they use Redis.
//
//	go run ./examples/kv                 # 127.0.0.1:6379
//	go run ./examples/kv --port 7777 --requirepass secret
//	go run ./examples/kv --client-output-buffer-limit "normal 64mb 16mb 30"
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
//   - maxmemory compares the live heap plus estimates of the keys added and
//     removed since the last GC cycle (evict.go), so about 0.7 times as many
//     small keys fit in a given maxmemory as in Redis.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/respserver"
)

func main() {
	cfg := defaultConfig()
	flag.IntVar(&cfg.port, "port", cfg.port, "TCP port (0: pick a free one)")
	flag.StringVar(&cfg.bind, "bind", cfg.bind, "address to listen on")
	flag.StringVar(&cfg.unixsocket, "unixsocket", "", "also listen on this unix socket path")
	perm := flag.Uint("unixsocketperm", 0, "permissions of the unix socket (octal, e.g. 0700; 0 keeps the umask's)")
	flag.IntVar(&cfg.maxclients, "maxclients", cfg.maxclients, "maximum number of connected clients")
	flag.IntVar(&cfg.timeout, "timeout", 0, "close a client idle for this many seconds (0: never)")
	flag.IntVar(&cfg.hz, "hz", cfg.hz, "serverCron frequency, 1 to 500")
	flag.IntVar(&cfg.databases, "databases", cfg.databases, "number of databases, SELECT 0 to databases-1")
	flag.StringVar(&cfg.requirepass, "requirepass", "", "password clients must AUTH with")
	flag.IntVar(&cfg.tcpKeepalive, "tcp-keepalive", cfg.tcpKeepalive, "TCP keepalive interval in seconds (0: off)")
	flag.Var(memoryFlag{&cfg.protoMaxBulkLen}, "proto-max-bulk-len", "largest bulk string a client may send (memory size: 512mb, 1gb, ...)")
	flag.Var(memoryFlag{&cfg.clientQueryBufferLimit}, "client-query-buffer-limit", "largest query buffer of a client (memory size)")
	flag.Var(obufFlag{&cfg.clientOutputBufferLimit}, "client-output-buffer-limit", `"<class> <hard> <soft> <seconds>" as Redis's, for classes normal, replica and pubsub (0: no limit); default "normal 256mb 64mb 60 slave 256mb 64mb 60 pubsub 32mb 8mb 60", where Redis has no limit for normal clients`)
	level := flag.String("loglevel", "notice", "debug, verbose, notice or warning")
	cpuprofile := flag.String("cpuprofile", "", "write a pprof CPU profile of the whole run to this file")
	memprofile := flag.String("memprofile", "", "write a pprof heap profile (allocations included) to this file at shutdown")
	flag.Parse()
	cfg.unixsocketperm = uint32(*perm)

	lv, ok := logLevels[*level]
	if !ok {
		slog.Error("Invalid --loglevel", "value", *level)
		os.Exit(2)
	}
	cfg.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))

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
	stopProfiles, err := startProfiles(*cpuprofile, *memprofile)
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

// logLevels maps Redis's loglevel names (and slog's) to slog levels.
var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "verbose": slog.LevelDebug,
	"notice": slog.LevelInfo, "info": slog.LevelInfo,
	"warning": slog.LevelWarn, "warn": slog.LevelWarn, "error": slog.LevelError,
}

// memtoull parses a memory size as Redis's config does: a number with an
// optional unit, b, k (1000), kb (1024), m, mb, g, gb, case-insensitive.
func memtoull(s string) (int64, error) {
	units := []struct {
		suffix string
		mul    int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"b", 1}}
	num, mul := strings.ToLower(s), int64(1)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mul = strings.TrimSuffix(num, u.suffix), u.mul
			break
		}
	}
	n, err := strconv.ParseUint(num, 10, 63)
	if err != nil || num == "" || (mul > 1 && n > uint64(1<<63-1)/uint64(mul)) {
		return 0, fmt.Errorf("argument must be a memory value: %q", s)
	}
	return int64(n) * mul, nil
}

// memoryFlag is a flag holding a memory size of at least 1mb (the
// minimum Redis's config accepts for proto-max-bulk-len and
// client-query-buffer-limit).
type memoryFlag struct{ p *int64 }

func (f memoryFlag) String() string {
	if f.p == nil {
		return ""
	}
	return strconv.FormatInt(*f.p, 10)
}

func (f memoryFlag) Set(s string) error {
	n, err := memtoull(s)
	if err != nil {
		return err
	}
	if n < 1<<20 {
		return fmt.Errorf("argument must be between 1048576 and 9223372036854775807 inclusive")
	}
	*f.p = n
	return nil
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

// obufFlag is --client-output-buffer-limit: groups of "<class> <hard>
// <soft> <seconds>", as Redis's config; classes not named keep their
// values. A 0 hard or soft limit is Redis's "no limit".
type obufFlag struct{ p *obufLimits }

func (f obufFlag) String() string {
	if f.p == nil {
		return ""
	}
	return formatOutputBufferLimit(*f.p)
}

// formatOutputBufferLimit writes the classes as Redis's CONFIG GET does.
func formatOutputBufferLimit(l obufLimits) string {
	one := func(l respserver.OutputBufferLimit) string {
		return fmt.Sprintf("%d %d %d", max(l.Hard, 0), max(l.Soft, 0), max(l.SoftSeconds, 0))
	}
	return "normal " + one(l.normal) + " slave " + one(l.replica) + " pubsub " + one(l.pubsub)
}

func (f obufFlag) Set(s string) error {
	l, err := parseOutputBufferLimit(s, *f.p)
	if err != nil {
		return err
	}
	*f.p = l
	return nil
}

// obufErr is a client-output-buffer-limit error, in Redis's words (which
// CONFIG SET replies with: capitalized, with a full stop).
type obufErr string

func (e obufErr) Error() string { return string(e) }

// parseOutputBufferLimit parses Redis's client-output-buffer-limit value
// into cur: the classes it names change, the others stay. Nothing changes
// on an error.
func parseOutputBufferLimit(s string, cur obufLimits) (obufLimits, error) {
	args := strings.Fields(s)
	if len(args) == 0 || len(args)%4 != 0 {
		return cur, obufErr("Wrong number of arguments in buffer limit configuration.")
	}
	out := cur
	for i := 0; i < len(args); i += 4 {
		var dst *respserver.OutputBufferLimit
		switch strings.ToLower(args[i]) {
		case "normal":
			dst = &out.normal
		case "replica", "slave":
			dst = &out.replica
		case "pubsub":
			dst = &out.pubsub
		default:
			return cur, obufErr("Invalid client class specified in buffer limit configuration.")
		}
		hard, err1 := memtoull(args[i+1])
		soft, err2 := memtoull(args[i+2])
		secs, err3 := strconv.ParseInt(args[i+3], 10, 32)
		if err1 != nil || err2 != nil || err3 != nil || secs < 0 {
			return cur, obufErr("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
		}
		// Redis's 0 is "no limit"; respserver's is "default".
		l := respserver.OutputBufferLimit{Hard: hard, Soft: soft, SoftSeconds: int(secs)}
		if hard == 0 {
			l.Hard = -1
		}
		if soft == 0 {
			l.Soft, l.SoftSeconds = -1, -1
		}
		*dst = l
	}
	return out, nil
}
