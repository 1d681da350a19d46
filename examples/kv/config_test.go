package main

import (
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
	"github.com/goae/goae/internal/testenv"
)

// setObuf sets client-output-buffer-limit as a config file line does.
func setObuf(l *obufLimits, v string) error {
	n, err := parseOutputBufferLimit(v, *l)
	if err == nil {
		*l = n
	}
	return err
}

// configValueDiffs are the parameters whose CONFIG GET value differs from
// a redis-server started by testenv.StartRedis, and why.
var configValueDiffs = map[string]string{
	"port":                       "each server has its own port",
	"dir":                        "redis-server runs in its temp dir, kv in the test's",
	"client-output-buffer-limit": "kv's normal class defaults to 256mb 64mb 60 (Redis: 0 0 0)",
}

// sortedConfigPairs rewrites a CONFIG GET reply with its pairs sorted by
// name: Redis replies in its dict's hash order.
func sortedConfigPairs(raw string) string {
	r, n, err := resp.ReadReply([]byte(raw))
	if err != nil || n != len(raw) || r.Type != '*' && r.Type != '%' {
		return raw
	}
	var pairs []string
	for _, e := range r.Array {
		if e.Type != '$' {
			return raw
		}
	}
	for i := 0; i+1 < len(r.Array); i += 2 {
		pairs = append(pairs, string(resp.AppendBulkString(nil, string(r.Array[i].Str)))+string(resp.AppendBulkString(nil, string(r.Array[i+1].Str))))
	}
	sort.Strings(pairs)
	cnt := len(r.Array)
	if r.Type == '%' {
		cnt /= 2
	}
	return fmt.Sprintf("%c%d\r\n", r.Type, cnt) + strings.Join(pairs, "")
}

// configPairs decodes a CONFIG GET reply into a map.
func configPairs(t *testing.T, raw string) map[string]string {
	t.Helper()
	r, _, err := resp.ReadReply([]byte(raw))
	if err != nil || r.Type != '*' {
		t.Fatalf("CONFIG GET reply %q", raw)
	}
	m := map[string]string{}
	for i := 0; i+1 < len(r.Array); i += 2 {
		m[string(r.Array[i].Str)] = string(r.Array[i+1].Str)
	}
	return m
}

// Input: CONFIG GET * on kv and on redis-server 7.0.15, then CONFIG GET
// of each name alone, and of the hidden parameters by exact name.
// Expected: the same names; the same value for each but the ones in
// configValueDiffs; each single GET the same bytes.
func TestConfigGetEveryParameterMatchesRedis(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	redis := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t))
	a, b := dialRaw(t, ours), dialRaw(t, redis)
	got, want := configPairs(t, a.do("CONFIG", "GET", "*")), configPairs(t, b.do("CONFIG", "GET", "*"))
	for name, v := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("kv has no %s (redis: %q)", name, v)
		case g != v && configValueDiffs[name] == "":
			t.Errorf("%s: kv %q, redis %q", name, g, v)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("kv has %s, redis-server does not", name)
		}
	}
	if len(want) < 190 {
		t.Fatalf("redis-server has only %d parameters", len(want))
	}
	names := []string{"rdb-key-save-delay", "key-load-delay", "watchdog-period", "use-exit-on-panic",
		"loading-process-events-interval-bytes", "HZ", "Hash-Max-Ziplist-Entries", "nosuch", "*nosuch*"}
	for name := range want {
		if configValueDiffs[name] == "" {
			names = append(names, name)
		}
	}
	for _, name := range names {
		if g, w := a.do("CONFIG", "GET", name), b.do("CONFIG", "GET", name); g != w {
			t.Errorf("CONFIG GET %s: kv %q, redis %q", name, g, w)
		}
	}
}

// Input: CONFIG GET with several names, patterns, aliases, duplicates
// and case. Expected: the same pairs as Redis (compared sorted by name,
// as Redis's order is its hash table's).
func TestConfigGetPatternsMatchRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedisWith(t, startServer(t, s), nil, cmds(
		"CONFIG GET *max-*-entries*", "CONFIG GET hash-max-ziplist-* hash-max-listpack-entries",
		"CONFIG GET DATABASES databases", "CONFIG GET slaveof replicaof", "CONFIG GET *slave*", "CONFIG GET repl-*",
		"CONFIG GET ?z", "CONFIG GET [hz]z", "CONFIG GET maxmemory maxmemory-policy MAXMEMORY", "CONFIG GET *delay*",
		"CONFIG GET lazyfree-* activedefrag", "CONFIG GET tls-*", "CONFIG GET", "CONFIG GET a b c",
	), sortedConfigPairs)
}

// configSweepSkip are parameters whose good values are left out of the
// value sweep, and why; their malformed values are still compared.
var configSweepSkip = map[string]string{
	"port":                       "moves the listener (TestConfigSetPortAndBind)",
	"bind":                       "moves the listener (TestConfigSetPortAndBind)",
	"requirepass":                "locks the connection out (TestConfigSetSpecialsMatchRedis sets it back)",
	"maxclients":                 "Redis raises RLIMIT_NOFILE and resizes its loop; kv keeps them until restart",
	"maxmemory-clients":          "a small limit evicts the test's own connection",
	"client-output-buffer-limit": "a small limit closes the test's connection (TestConfigSetSpecialsMatchRedis)",
	"timeout":                    "a small timeout closes the test's connection",
	"appendonly":                 "redis-server forks an AOF rewrite; kv has no AOF",
	"tls-port":                   "redis-server listens for TLS (and fails without certificates); kv has no TLS",
	"tls-cluster":                "redis-server loads TLS certificates; kv has no TLS",
	"tls-replication":            "redis-server loads TLS certificates; kv has no TLS",
	"watchdog-period":            "redis-server arms SIGALRM",
	"save":                       "TestConfigSetSpecialsMatchRedis",
	"oom-score-adj":              "redis-server writes /proc/self/oom_score_adj",
	"oom-score-adj-values":       "TestConfigSetSpecialsMatchRedis",
	"notify-keyspace-events":     "TestConfigSetSpecialsMatchRedis",
	"dir":                        "refused as protected; TestConfigSetSpecialsMatchRedis",
}

// sweepValues are the values tried on a parameter of sc's type: good
// ones (each bound, each enum name, units) and malformed ones (past each
// bound, garbage, signs, spaces, leading zeros, overflow).
func sweepValues(sc *standardConfig) (good, bad []string) {
	switch sc.kind {
	case boolKind:
		return []string{"yes", "no", "YES", "No"}, []string{"maybe", "", "1", "0", "yes "}
	case enumKind:
		for _, e := range sc.enum {
			good = append(good, e.name, strings.ToUpper(e.name))
		}
		if sc.bitflags {
			good = append(good, "nosave now", "now nosave", "save force", "default")
		}
		return good, []string{"bogus", "", sc.enum[0].name + " ", "1"}
	case stringKind:
		return []string{"x", "a b", "", "it's \"q\""}, []string{"a/b", "a\\b", strings.Repeat("h", 300), "a_b", "{bad}", "{{", "}",
			"{title}", "{port}", " {title} ", "{server-mode}x", "{listen-addr", "{", "{unixsocket}", "x{{y}}"}
	case numericKind:
		lo, hi := big.NewInt(sc.lower), big.NewInt(sc.upper)
		if sc.unsigned {
			hi = new(big.Int).SetUint64(uint64(sc.upper))
		}
		one := big.NewInt(1)
		good = []string{lo.String(), hi.String(), strconv.FormatInt(sc.def, 10)}
		bad = []string{new(big.Int).Sub(lo, one).String(), new(big.Int).Add(hi, one).String(), "abc", "", "1.5", "+1", "01",
			" 1", "1 ", "-0", "99999999999999999999999", "0x10", "1k", "1kb", "2mb", "1gb", "1G", "3MB", "5%", "101%", "-1", "-1k", "%"}
		return good, bad
	}
	return nil, nil
}

// Input: CONFIG SET of every modifiable parameter (immutable ones too,
// which both refuse) with the values of its type from sweepValues, each
// followed by CONFIG GET of it, then back to Redis's value.
// Expected: every reply byte for byte as redis-server 7.0.15's.
func TestConfigSetEveryParameterMatchesRedis(t *testing.T) {
	ours := startServer(t, newTestServer(t))
	redis := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t))
	a, b := dialRaw(t, ours), dialRaw(t, redis)
	defaults := configPairs(t, b.do("CONFIG", "GET", "*"))
	n := 0
	for _, sc := range configTable {
		good, bad := sweepValues(sc)
		values := bad
		if configSweepSkip[sc.name] == "" && sc.flags&hiddenConfig == 0 {
			values = append(append([]string(nil), good...), bad...)
		}
		for _, name := range []string{sc.name, sc.alias} {
			if name == "" {
				continue
			}
			for _, v := range values {
				seq := [][]string{{"CONFIG", "SET", name, v}, {"CONFIG", "GET", name}}
				if configValueDiffs[sc.name] != "" {
					seq = seq[:1]
				}
				for _, cmd := range seq {
					n++
					if g, w := a.do(cmd...), b.do(cmd...); g != w {
						t.Errorf("%q: kv %q, redis %q", cmd, g, w)
					}
				}
			}
		}
		if d, ok := defaults[sc.name]; ok && configValueDiffs[sc.name] == "" && sc.flags&immutableConfig == 0 && sc.name != "dir" {
			a.do("CONFIG", "SET", sc.name, d)
			b.do("CONFIG", "SET", sc.name, d)
		}
	}
	t.Logf("%d commands compared", n)
}

// Input: the special parameters (save, client-output-buffer-limit,
// oom-score-adj-values, notify-keyspace-events, latency percentiles,
// dir, replicaof) with good and malformed values; requirepass set and
// reset.
// Expected: redis-server 7.0.15's replies.
func TestConfigSetSpecialsMatchRedis(t *testing.T) {
	// Redis's normal class of client-output-buffer-limit, for the GETs.
	s := newTestServer(t, func(c *config) { c.clientOutputBufferLimit.normal = respserver.NoOutputBufferLimit })
	diffRedisWith(t, startServer(t, s), nil, cmds(
		`CONFIG SET save "3600 1 300 100"`, "CONFIG GET save", `CONFIG SET save ""`, "CONFIG GET save",
		`CONFIG SET save "3600"`, `CONFIG SET save "0 1"`, `CONFIG SET save "1 -1"`, `CONFIG SET save "x 1"`,
		`CONFIG SET save "1  1"`, `CONFIG SET save " 1 1"`, `CONFIG SET save "+5 1"`, "CONFIG GET save",
		`CONFIG SET client-output-buffer-limit "pubsub 1mb 2mb 3"`, "CONFIG GET client-output-buffer-limit",
		`CONFIG SET client-output-buffer-limit "slave 1gb 1k 0 replica 10 20 30"`, "CONFIG GET client-output-buffer-limit",
		`CONFIG SET client-output-buffer-limit "master 1 1 1"`, `CONFIG SET client-output-buffer-limit "pubsub 1 1"`,
		`CONFIG SET client-output-buffer-limit "pubsub 1 1 -1"`, `CONFIG SET client-output-buffer-limit "pubsub x 1 1"`,
		`CONFIG SET client-output-buffer-limit ""`, `CONFIG SET client-output-buffer-limit "pubsub 1 1 1 "`,
		`CONFIG SET client-output-buffer-limit "PUBSUB 32mb 8mb 60 slave 256mb 64mb 60"`, "CONFIG GET client-output-buffer-limit",
		`CONFIG SET oom-score-adj-values "1 2 3"`, "CONFIG GET oom-score-adj-values", `CONFIG SET oom-score-adj-values "1 2"`,
		`CONFIG SET oom-score-adj-values "1 2 2001"`, `CONFIG SET oom-score-adj-values "-2000 x 1"`,
		`CONFIG SET oom-score-adj-values "0 200 800"`, "CONFIG GET oom-score-adj-values",
		"CONFIG SET notify-keyspace-events KEA", "CONFIG GET notify-keyspace-events", "CONFIG SET notify-keyspace-events Kx$lnm",
		"CONFIG GET notify-keyspace-events", "CONFIG SET notify-keyspace-events KEB", "CONFIG GET notify-keyspace-events",
		`CONFIG SET notify-keyspace-events ""`, "CONFIG GET notify-keyspace-events",
		`CONFIG SET latency-tracking-info-percentiles "50 99.99 100 0"`, "CONFIG GET latency-tracking-info-percentiles",
		`CONFIG SET latency-tracking-info-percentiles "101"`, `CONFIG SET latency-tracking-info-percentiles "x"`,
		`CONFIG SET latency-tracking-info-percentiles "-1"`, `CONFIG SET latency-tracking-info-percentiles ""`,
		"CONFIG GET latency-tracking-info-percentiles", `CONFIG SET latency-tracking-info-percentiles "1e1 0.5"`,
		"CONFIG GET latency-tracking-info-percentiles",
		"CONFIG SET dir /tmp", "CONFIG SET dbfilename x.rdb", "CONFIG SET replicaof \"127.0.0.1 1\"", "CONFIG SET slaveof \"no one\"",
		"CONFIG GET replicaof", "CONFIG SET requirepass secret", "AUTH secret", "CONFIG GET requirepass", "CONFIG SET requirepass \"\"",
		"CONFIG GET requirepass", "CONFIG SET masterauth \"a b\"", "CONFIG GET masterauth",
	), func(s string) string { return s })
}

// Input: CONFIG SET with several parameters where one is bad (a value,
// an unknown name, an immutable one, a duplicate), in each position, and
// a good set of several; CONFIG GET after each.
// Expected: Redis's error, which names the first problem; nothing
// changed after a failure; all changed after the good one.
func TestConfigSetAtomicMatchesRedis(t *testing.T) {
	s := newTestServer(t)
	get := "CONFIG GET timeout hz maxmemory hash-max-listpack-entries notify-keyspace-events"
	diffRedisWith(t, startServer(t, s), nil, cmds(
		"CONFIG SET timeout 100 hz 50 maxmemory abc", get,
		"CONFIG SET timeout 100 hz x maxmemory 1mb", get,
		"CONFIG SET timeout 100 nosuch 1 daemonize yes", get,
		"CONFIG SET timeout 100 daemonize yes nosuch 1", get,
		"CONFIG SET daemonize yes timeout x", get,
		"CONFIG SET timeout 100 TIMEOUT 200", get,
		"CONFIG SET hash-max-ziplist-entries 1 hash-max-listpack-entries 2", get,
		"CONFIG SET notify-keyspace-events KA timeout -1", get,
		"CONFIG SET timeout 100 hz 50 maxmemory 1gb hash-max-ziplist-entries 7 notify-keyspace-events Elg", get,
		"CONFIG SET timeout", "CONFIG SET timeout 1 hz", "CONFIG SET", "CONFIG SET timeout 0 hz 10 maxmemory 0",
		"CONFIG SET hz 1000", "CONFIG GET hz", "CONFIG SET hz 0", "CONFIG GET hz", "CONFIG SET hz 10",
		"CONFIG SET maxmemory 18446744073709551615", "CONFIG GET maxmemory", "CONFIG SET maxmemory 18446744073709551616",
		"CONFIG GET maxmemory", "CONFIG SET maxmemory 100MB", "CONFIG GET maxmemory", "CONFIG SET maxmemory 10k", "CONFIG GET maxmemory",
		"CONFIG SET maxmemory 0", "CONFIG SET hash-max-listpack-value 1gb", "CONFIG GET hash-max-ziplist-value",
		"CONFIG SET zset-max-ziplist-value 2kb", "CONFIG GET zset-max-listpack-value", "CONFIG SET zset-max-ziplist-entries 3k",
		"CONFIG SET lua-time-limit 100", "CONFIG GET busy-reply-threshold", "CONFIG SET slave-priority 5", "CONFIG GET replica-priority",
		"CONFIG SET maxmemory-clients 5%", "CONFIG GET maxmemory-clients", "CONFIG SET maxmemory-clients 0",
		"CONFIG SET shutdown-on-sigterm \"now nosave force\"", "CONFIG GET shutdown-on-sigterm",
		"CONFIG SET oom-score-adj no", "CONFIG HELP", "CONFIG REWRITE", "CONFIG REWRITE x", "CONFIG RESETSTAT", "CONFIG FOO",
	), sortedConfigPairs)
	var cfg config
	onLoopT(t, s, func() { cfg = s.cfg })
	if cfg.maxmemory != 0 || cfg.hashMaxListpackEntries != 7 || cfg.hashMaxListpackValue != 1<<30 {
		t.Errorf("fields after the sets: maxmemory %d, hash-max-listpack-entries %d, -value %d",
			cfg.maxmemory, cfg.hashMaxListpackEntries, cfg.hashMaxListpackValue)
	}
}

// Input: CONFIG SET maxmemory 2^64-1 (Redis's ULLONG_MAX).
// Expected: CONFIG GET shows it as Redis does; config.maxmemory, which
// eviction reads, saturates at 2^63-1 rather than going negative.
func TestConfigMaxmemorySaturates(t *testing.T) {
	s := newTestServer(t)
	if got := s.exec("CONFIG", "SET", "maxmemory", "18446744073709551615"); got != resp.OK {
		t.Fatal(got)
	}
	if s.cfg.maxmemory != 1<<63-1 {
		t.Errorf("maxmemory field = %d", s.cfg.maxmemory)
	}
	if got := s.exec("CONFIG", "GET", "maxmemory"); !strings.Contains(got, "18446744073709551615") {
		t.Errorf("CONFIG GET maxmemory = %q", got)
	}
	s.exec("CONFIG", "SET", "maxmemory", "2gb")
	if s.cfg.maxmemory != 2<<30 || !strings.Contains(s.exec("CONFIG", "GET", "maxmemory"), "2147483648") {
		t.Errorf("maxmemory 2gb: field %d, GET %q", s.cfg.maxmemory, s.exec("CONFIG", "GET", "maxmemory"))
	}
}

// Input: CONFIG SET of the parameters kv acts on.
// Expected: each takes effect: the connection layer's timeout and
// keepalive, keyspace notifications, the tracking table's limit, hz
// clamped, the log level.
func TestConfigSetIsHonoured(t *testing.T) {
	s := newTestServer(t)
	for _, kv := range [][2]string{{"timeout", "7"}, {"tcp-keepalive", "9"}, {"notify-keyspace-events", "KEg"},
		{"tracking-table-max-keys", "5"}, {"hz", "900"}, {"loglevel", "warning"}, {"active-expire-effort", "4"}} {
		if got := s.exec("CONFIG", "SET", kv[0], kv[1]); got != resp.OK {
			t.Fatalf("CONFIG SET %s %s: %q", kv[0], kv[1], got)
		}
	}
	if s.notifyFlags != notifyKeyspace|notifyKeyevent|notifyGeneric || s.trk.maxKeys != 5 || s.cfg.hz != 500 ||
		s.cfg.timeout != 7 || s.cfg.tcpKeepalive != 9 || s.cfg.loglevel != 3 || s.cfg.activeExpireEffort != 4 {
		t.Errorf("after CONFIG SET: notify %x, tracking %d, hz %d, timeout %d, keepalive %d, loglevel %d, effort %d",
			s.notifyFlags, s.trk.maxKeys, s.cfg.hz, s.cfg.timeout, s.cfg.tcpKeepalive, s.cfg.loglevel, s.cfg.activeExpireEffort)
	}
}

// TestConfigSetClientLimits: maxclients, proto-max-bulk-len and
// client-query-buffer-limit set at run time act on the next client,
// request and read. Tried: maxclients 2 with one client connected, then
// two more (the third gets Redis's "-ERR max number of clients reached"
// and is closed); maxclients back up past the loop's size (it grows:
// CONFIG GET gives the new figure); proto-max-bulk-len 1mb, then a 2 MB
// bulk (Redis's "Protocol error: invalid bulk length", closed);
// client-query-buffer-limit 1mb, then 2 MB of a command that never
// ends (closed). A client connected before is served throughout.
func TestConfigSetClientLimits(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	first := dialRaw(t, addr)
	if got := first.do("CONFIG", "SET", "maxclients", "2"); got != resp.OK {
		t.Fatalf("CONFIG SET maxclients 2: %q", got)
	}
	second := dialRaw(t, addr)
	if got := second.do("PING"); got != "+PONG\r\n" {
		t.Fatalf("the second client: %q", got)
	}
	third, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	third.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, _ := io.ReadAll(third); string(got) != "-ERR max number of clients reached\r\n" {
		t.Errorf("the third client past maxclients 2: %q", got)
	}
	third.Close()
	second.conn.Close()

	var size, table int
	onLoopT(t, s, func() { size = s.el.SetSize() })
	big := size + 1000
	if got := first.do("CONFIG", "SET", "maxclients", strconv.Itoa(big)); got != resp.OK {
		t.Fatalf("CONFIG SET maxclients %d: %q", big, got)
	}
	onLoopT(t, s, func() { size, table = s.el.SetSize(), len(s.rs.Clients()) })
	if size < big || table < size {
		t.Errorf("maxclients %d: the loop holds %d fds, the client table %d", big, size, table)
	}
	if got := first.do("CONFIG", "GET", "maxclients"); !strings.Contains(got, strconv.Itoa(big)) {
		t.Errorf("CONFIG GET maxclients: %q", got)
	}

	for _, c := range []struct {
		param, input, want string
	}{
		{"proto-max-bulk-len", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"client-query-buffer-limit", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000000\r\n" + strings.Repeat("x", 2<<20), ""},
	} {
		if got := first.do("CONFIG", "SET", c.param, "1mb"); got != resp.OK {
			t.Fatalf("CONFIG SET %s 1mb: %q", c.param, got)
		}
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		go conn.Write([]byte(c.input))
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, err := io.ReadAll(conn)
		conn.Close()
		// A close with input unread is a reset: a close all the same.
		if (err != nil && !errors.Is(err, syscall.ECONNRESET)) || string(got) != c.want {
			t.Errorf("%s 1mb, then %d bytes: %q (%v), want %q and a close", c.param, len(c.input), got, err, c.want)
		}
		if got := first.do("CONFIG", "SET", c.param, "1gb"); got != resp.OK {
			t.Fatalf("CONFIG SET %s 1gb: %q", c.param, got)
		}
	}
	if got := first.do("PING"); got != "+PONG\r\n" {
		t.Errorf("the first client at the end: %q", got)
	}
}
