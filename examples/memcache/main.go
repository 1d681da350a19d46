// Command memcache is a drop-in for memcached 1.6.18 built on goae as
// memcached is built: a dispatcher loop that accepts and hands each
// connection round robin to one of N worker loops (thread.c), a
// connection state machine per client (drive_machine, conn.go), the text
// and meta protocols (proto_text.go, proto_meta.go) and memcached's item
// storage under a hard -m (items.go, assoc.go, slabs.go).
//
//	go build ./examples/memcache && ./memcache -p 11311
//
// It takes memcached's options, long and short: -p/--port (11211),
// -l/--listen (127.0.0.1, where memcached listens on every address),
// -t/--threads (4), -m/--memory-limit (64), -c/--conn-limit (1024, counting
// clients where memcached compares fd numbers), -I/--max-item-size (1m),
// -s/--unix-socket, -u/--user, -U 0, -v/-vv, -h, -V.
//
// Run as root with -u USER (as memcached's init scripts pass -u memcache),
// it binds its sockets and raises its fd limit as root, then assumes
// USER's identity (supplementary groups dropped, then the group and the
// user, for every thread); a USER that does not exist is memcached's
// "can't find the user USER to switch to" and exit status 67. Not root,
// -u is ignored, as by memcached.
//
// Where it differs from memcached 1.6.18, on purpose:
//   - it listens on 127.0.0.1 unless -l says otherwise;
//   - -c counts clients (memcached compares the new fd's number);
//   - run as root without -u it stays root (memcached refuses to start:
//     "can't run as root without the -u switch"), and with -u it switches
//     after binding, where memcached switches before (so a port below
//     1024 works);
//   - -m is a hard limit, and eviction may take from another class;
//   - flags and byte counts past 32 bits are refused, not truncated;
//   - a get line is bounded (1 MiB: "CLIENT_ERROR line too long", closed);
//   - a client with more than 256 MiB of replies pending is closed;
//   - UDP, the binary protocol, SASL, TLS, extstore, watch, lru and
//     lru_crawler commands and stats cachedump are not served;
//   - `stats` prints memcached's names, with 0 for machinery not ported
//     (the slab mover, the logger, the segmented LRU's counters).
package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"os/user"
	"strconv"
	"strings"
	"syscall"

	"github.com/goae/goae/internal/mcproto"
	"github.com/goae/goae/internal/rlimit"
)

// version is what `version`, `stats` and -V report: memcached's, marked as
// ours; clients that parse it see 1.6.18 and know the meta commands.
const version = "1.6.18-goae"

// config is memcached's settings that main reads.
type config struct {
	port        int
	listen      []string
	unixSocket  string
	user        string // -u: whom to become when started as root
	threads     int
	memoryLimit int64
	maxConns    int
	itemSizeMax int
	verbose     int
	backlog     int
	outputLimit int // a conn with more replies pending is closed (memcached has none)
	maxGetLine  int
}

func defaultConfig() config {
	return config{
		port: 11211, listen: []string{"127.0.0.1"}, threads: 4, memoryLimit: 64 << 20,
		maxConns: 1024, itemSizeMax: 1 << 20, backlog: 1024,
		outputLimit: 256 << 20, maxGetLine: mcproto.DefaultMaxGetLineLength,
	}
}

const usage = `memcached ` + version + ` (goae)
-p, --port=<num>          TCP port to listen on (default: 11211)
-U, --udp-port=<num>      UDP port to listen on (only 0, off, is supported)
-s, --unix-socket=<file>  UNIX socket to listen on (disables network support)
-u, --user=<user>         assume identity of <username> (only when run as root)
-l, --listen=<addr>       interface to listen on (default: 127.0.0.1; memcached's
                          is INADDR_ANY); a comma-separated list for several
-m, --memory-limit=<num>  item memory in megabytes, a hard limit (default: 64)
-c, --conn-limit=<num>    max simultaneous clients (default: 1024)
-t, --threads=<num>       number of worker threads to use (default: 4)
-I, --max-item-size=<num> adjusts max item size
                          (default: 1m, min: 1k, max: 1024m)
-b, --listen-backlog=<num> set the backlog queue limit (default: 1024)
-v, --verbose             verbose (print errors/warnings while in event loop)
-vv                       very verbose (also print client commands)
-h, --help                print this help and exit
-V, --version             print version and exit
`

// longOpts maps memcached's long options to their letters.
var longOpts = map[string]byte{
	"port": 'p', "udp-port": 'U', "unix-socket": 's', "listen": 'l', "memory-limit": 'm',
	"conn-limit": 'c', "threads": 't', "max-item-size": 'I', "listen-backlog": 'b',
	"verbose": 'v', "help": 'h', "version": 'V', "user": 'u',
}

// withArg lists the options that take a value (getopt's "p:" and so on).
const withArg = "pUslmctIbu"

// parseArgs reads memcached's command line as getopt_long does: -p 11211,
// -p11211, --port 11211, --port=11211, and -vv. It returns the config, or
// a message and the exit status for -h, -V and bad input.
func parseArgs(args []string) (config, string, int, bool) {
	cfg := defaultConfig()
	listenSet := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		var opts []byte // letters in this word
		var val string
		hasVal := false
		switch {
		case strings.HasPrefix(a, "--") && len(a) > 2:
			name := a[2:]
			if k := strings.IndexByte(name, '='); k >= 0 {
				name, val, hasVal = name[:k], name[k+1:], true
			}
			o, ok := longOpts[name]
			if !ok {
				return cfg, fmt.Sprintf("memcached: unrecognized option '%s'\nTry `memcached -h' for more information.\n", a), 64, false
			}
			opts = []byte{o}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for j := 1; j < len(a); j++ {
				opts = append(opts, a[j])
				if strings.IndexByte(withArg, a[j]) >= 0 && j+1 < len(a) {
					val, hasVal = a[j+1:], true
					break
				}
			}
		default:
			continue // getopt leaves non-options alone; memcached ignores them
		}
		for _, o := range opts {
			if strings.IndexByte(withArg, o) >= 0 && !hasVal {
				if i+1 >= len(args) {
					return cfg, fmt.Sprintf("memcached: option requires an argument -- '%c'\n", o), 64, false
				}
				i++
				val, hasVal = args[i], true
			}
			switch o {
			case 'p':
				cfg.port = atoi(val)
			case 'U':
				if atoi(val) != 0 {
					return cfg, "UDP is not supported by this server: use -U 0\n", 64, false
				}
			case 's':
				cfg.unixSocket = val
			case 'u':
				cfg.user = val
			case 'l':
				if !listenSet {
					cfg.listen = nil
					listenSet = true
				}
				cfg.listen = append(cfg.listen, strings.Split(val, ",")...)
			case 'm':
				cfg.memoryLimit = int64(atoi(val)) << 20
			case 'c':
				cfg.maxConns = atoi(val)
				if cfg.maxConns <= 0 {
					return cfg, "Maximum connections must be greater than 0\n", 64, false
				}
			case 't':
				cfg.threads = atoi(val)
				if cfg.threads <= 0 {
					return cfg, "Number of threads must be greater than 0\n", 64, false
				}
			case 'I':
				cfg.itemSizeMax = itemSize(val)
			case 'b':
				cfg.backlog = atoi(val)
			case 'v':
				cfg.verbose++
			case 'h':
				return cfg, usage, 0, false
			case 'V':
				return cfg, "memcached " + version + "\n", 0, false
			default:
				return cfg, fmt.Sprintf("memcached: invalid option -- '%c'\nIllegal argument \"%c\"\n", o, o), 64, false
			}
		}
	}
	// memcached's checks, in its order.
	switch {
	case cfg.itemSizeMax < 1024:
		return cfg, "Item max size cannot be less than 1024 bytes.\n", 64, false
	case int64(cfg.itemSizeMax) > cfg.memoryLimit/2:
		return cfg, "Cannot set item size limit higher than 1/2 of memory max.\n", 64, false
	case cfg.itemSizeMax > 1<<30:
		return cfg, "Cannot set item size limit higher than a gigabyte.\n", 64, false
	}
	return cfg, "", 0, true
}

// atoi is C's atoi: leading digits, 0 for none.
func atoi(s string) int {
	s = strings.TrimLeft(s, " \t\n")
	end := 0
	if end < len(s) && (s[0] == '-' || s[0] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil {
		return 0
	}
	return n
}

// itemSize reads -I as memcached does: a number with an optional k or m.
func itemSize(s string) int {
	if s == "" {
		return 0
	}
	switch s[len(s)-1] {
	case 'k', 'K':
		return atoi(s[:len(s)-1]) * 1024
	case 'm', 'M':
		return atoi(s[:len(s)-1]) * 1024 * 1024
	}
	return atoi(s)
}

// logLevel maps -v to slog: quiet but for warnings, -v informs, -vv
// logs every command.
func logLevel(v int) slog.Level {
	switch {
	case v >= 2:
		return slog.LevelDebug
	case v == 1:
		return slog.LevelInfo
	}
	return slog.LevelWarn
}

func main() {
	cfg, msg, status, ok := parseArgs(os.Args[1:])
	if !ok {
		var w io.Writer = os.Stderr
		if status == 0 {
			w = os.Stdout
		}
		fmt.Fprint(w, msg)
		os.Exit(status)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel(cfg.verbose)}))
	raiseNofile(cfg, log)
	var pw *user.User
	if isRoot() && cfg.user != "" {
		var err error
		if pw, err = user.Lookup(cfg.user); err != nil {
			fmt.Fprintf(os.Stderr, "can't find the user %s to switch to\n", cfg.user)
			os.Exit(67) // EX_NOUSER
		}
	}
	s, err := newServer(cfg, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(71) // EX_OSERR, as memcached's failed bind
	}
	if pw != nil {
		if msg, status := assumeIdentity(pw, cfg.unixSocket); status != 0 {
			fmt.Fprint(os.Stderr, msg)
			os.Exit(status)
		} else if msg != "" {
			fmt.Fprint(os.Stderr, msg)
		}
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		log.Info("Signal handled", "signal", sig.String())
		s.stop()
	}()
	log.Info("memcached listening", "addr", s.Addr(), "threads", cfg.threads, "version", version)
	s.run()
}

// isRoot is memcached's getuid() == 0 || geteuid() == 0.
func isRoot() bool { return os.Getuid() == 0 || os.Geteuid() == 0 }

// assumeIdentity is memcached's "lose root privileges": drop the
// supplementary groups (EPERM, already minimal, is only reported), then
// take pw's group and user. Since Go 1.16 these change every thread of the
// process on Linux, the workers' locked threads included. The unix socket,
// if any, made as root, is given to pw first (memcached makes it after the
// switch, so it is pw's). It returns a message and, when the process must
// exit, the status (EX_OSERR).
func assumeIdentity(pw *user.User, unixSocket string) (string, int) {
	uid, err1 := strconv.Atoi(pw.Uid)
	gid, err2 := strconv.Atoi(pw.Gid)
	if err1 != nil || err2 != nil {
		return fmt.Sprintf("failed to assume identity of user %s\n", pw.Username), 71
	}
	if unixSocket != "" {
		os.Chown(unixSocket, uid, gid)
	}
	msg := ""
	if err := syscall.Setgroups(nil); err != nil {
		msg = fmt.Sprintf("failed to drop supplementary groups: %v\n", err)
		if err != syscall.EPERM {
			return msg, 71
		}
	}
	if syscall.Setgid(gid) != nil || syscall.Setuid(uid) != nil {
		return msg + fmt.Sprintf("failed to assume identity of user %s\n", pw.Username), 71
	}
	return msg, 0
}

// raiseNofile raises RLIMIT_NOFILE to fit -c clients, as memcached does.
func raiseNofile(cfg config, log *slog.Logger) {
	need := uint64(cfg.maxConns) + 64
	cur, max, err := rlimit.NoFile()
	if err != nil || cur >= need {
		return
	}
	if need > max {
		need = max
	}
	if err := rlimit.SetNoFile(need, max); err != nil {
		log.Warn("failed to set rlimit for open files", "err", err)
	}
}
