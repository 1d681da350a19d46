package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// parseInfo splits an INFO reply into its sections (by lower-case name,
// in order) and their fields, checking Redis's layout on the way: a
// "# Name" header, "field:value" lines, CRLF line ends, and one blank line
// between sections.
func parseInfo(t *testing.T, raw string) (order []string, fields map[string]map[string]string) {
	t.Helper()
	r := mustReply(t, raw)
	if r.Type != '$' {
		t.Fatalf("INFO reply is not a bulk string: %q", raw)
	}
	body := string(r.Str)
	fields = map[string]map[string]string{}
	if body == "" {
		return nil, fields
	}
	if !strings.HasSuffix(body, "\r\n") || strings.HasSuffix(body, "\r\n\r\n") {
		t.Fatalf("INFO body must end in one CRLF: %q", body)
	}
	for i, sec := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n\r\n") {
		lines := strings.Split(sec, "\r\n")
		if !strings.HasPrefix(lines[0], "# ") {
			t.Fatalf("section %d starts with %q", i, lines[0])
		}
		name := strings.ToLower(lines[0][2:])
		order = append(order, name)
		fields[name] = map[string]string{}
		for _, l := range lines[1:] {
			k, v, ok := strings.Cut(l, ":")
			if !ok || k == "" || strings.ContainsAny(l, "\r\n") {
				t.Fatalf("bad line %q in section %s", l, name)
			}
			fields[name][k] = v
		}
	}
	return order, fields
}

// Input: INFO with no argument, with sections, "all", "everything",
// mixed case and an unknown section, after some traffic. Expected:
// Redis's layout; the sections asked for, in Redis's order; the fields
// clients read, with values true of this server; an empty bulk string
// for an unknown section.
func TestInfo(t *testing.T) {
	s := newTestServer(t)
	maxclients := s.cfg.maxclients
	addr := startServer(t, s)
	r := dialRaw(t, addr)
	r.do("SET", "a", "1")
	r.do("SET", "b", "2", "EX", "1000")
	r.do("GET", "a")
	r.do("GET", "nope")
	r.do("NOSUCHCOMMAND")

	order, f := parseInfo(t, r.do("INFO"))
	all := []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "keyspace"}
	if !slices.Equal(order, all) {
		t.Fatalf("INFO sections %q, want %q", order, all)
	}
	_, port := s.addr()
	for sec, want := range map[string]map[string]string{
		"server": {"redis_version": "7.0.15", "redis_mode": "standalone", "arch_bits": strconv.Itoa(strconv.IntSize),
			"process_id": strconv.Itoa(os.Getpid()), "tcp_port": strconv.Itoa(port), "hz": "10", "multiplexing_api": s.el.APIName()},
		"clients":     {"connected_clients": "1", "maxclients": strconv.Itoa(maxclients), "blocked_clients": "0"},
		"memory":      {"maxmemory": "0", "mem_allocator": "go"},
		"persistence": {"loading": "0"},
		"stats": {"total_connections_received": "1", "keyspace_hits": "1", "keyspace_misses": "1",
			"total_error_replies": "1", "rejected_connections": "0", "expired_keys": "0"},
		"replication": {"role": "master", "connected_slaves": "0"},
	} {
		for k, v := range want {
			if got := f[sec][k]; got != v {
				t.Errorf("%s %s = %q, want %q", sec, k, got, v)
			}
		}
	}
	for _, k := range []string{"goae_version", "go_version", "os", "uptime_in_seconds", "uptime_in_days", "executable", "server_time_usec"} {
		if _, ok := f["server"][k]; !ok {
			t.Errorf("server has no %s", k)
		}
	}
	for _, k := range []string{"used_memory", "used_memory_rss"} {
		if v, err := strconv.ParseInt(f["memory"][k], 10, 64); err != nil || v <= 0 {
			t.Errorf("memory %s = %q", k, f["memory"][k])
		}
	}
	if !strings.HasSuffix(f["memory"]["used_memory_human"], "M") && !strings.HasSuffix(f["memory"]["used_memory_human"], "K") {
		t.Errorf("used_memory_human = %q", f["memory"]["used_memory_human"])
	}
	for _, k := range []string{"total_commands_processed", "instantaneous_ops_per_sec", "total_net_input_bytes", "total_net_output_bytes"} {
		if v, err := strconv.ParseInt(f["stats"][k], 10, 64); err != nil || v < 0 {
			t.Errorf("stats %s = %q", k, f["stats"][k])
		}
	}
	// b's TTL is 1000 s: avg_ttl is 0 until an expiry cycle has sampled
	// it, then within a few seconds of 1,000,000 ms.
	checkKeyspaceLine(t, f["keyspace"]["db0"], 2, 1, 1000_000)
	if n, _ := strconv.Atoi(f["stats"]["total_commands_processed"]); n != 4 {
		t.Errorf("total_commands_processed = %d, want 4 (the unknown command is not counted)", n)
	}

	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"INFO", "all"}, all},
		{[]string{"INFO", "everything"}, all},
		{[]string{"INFO", "default"}, all},
		{[]string{"INFO", "keyspace"}, []string{"keyspace"}},
		{[]string{"INFO", "KeySpace", "SERVER"}, []string{"server", "keyspace"}},
		{[]string{"INFO", "stats", "clients", "stats"}, []string{"clients", "stats"}},
		{[]string{"INFO", "server", "nosuch"}, []string{"server"}},
		{[]string{"INFO", "cpu"}, []string{"cpu"}},
	} {
		if got, _ := parseInfo(t, r.do(tc.args...)); !slices.Equal(got, tc.want) {
			t.Errorf("%q: sections %q, want %q", tc.args, got, tc.want)
		}
	}
	if got := r.do("INFO", "nosuch"); got != resp.EmptyBulk {
		t.Errorf("INFO nosuch = %q", got)
	}
	got := r.do("INFO", "keyspace")
	body, ok := strings.CutPrefix(string(mustReply(t, got).Str), "# Keyspace\r\ndb0:")
	if !ok || !strings.HasSuffix(body, "\r\n") {
		t.Fatalf("INFO keyspace = %q", got)
	}
	checkKeyspaceLine(t, strings.TrimSuffix(body, "\r\n"), 2, 1, 1000_000)
}

// checkKeyspaceLine checks a db0 line of INFO keyspace, as Redis 7.0
// prints it: "keys=N,expires=M,avg_ttl=T", T being 0 (not sampled yet) or
// at most maxTTL ms and no more than 10 s under it.
func checkKeyspaceLine(t *testing.T, line string, keys, expires int, maxTTL int64) {
	t.Helper()
	var ttl int64
	prefix := fmt.Sprintf("keys=%d,expires=%d,avg_ttl=", keys, expires)
	v, ok := strings.CutPrefix(line, prefix)
	if ok {
		var err error
		ttl, err = strconv.ParseInt(v, 10, 64)
		ok = err == nil && strconv.FormatInt(ttl, 10) == v
	}
	if !ok || ttl != 0 && (ttl > maxTTL || ttl < maxTTL-10_000) {
		t.Errorf("db0:%s, want %s0 or %d..%d", line, prefix, maxTTL-10_000, maxTTL)
	}
}

// Input: INFO for an unknown section and for keyspace (empty, then with
// keys without TTL), and CONFIG errors and parameters whose values are
// the same on both, on our server and on redis-server 7.0. Expected:
// identical replies.
func TestInfoAndConfigMatchRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"INFO nosuch", "INFO keyspace", "SET a 1", "INFO keyspace", "INFO KEYSPACE nosuch",
		"CONFIG GET appendonly", "CONFIG GET save", "CONFIG GET SAVE", "CONFIG GET save save", "CONFIG GET nosuch",
		"CONFIG GET maxmemory", "CONFIG GET timeout", "CONFIG GET hz", "CONFIG GET tcp-keepalive", "CONFIG GET tcp-backlog",
		"CONFIG GET proto-max-bulk-len", "CONFIG GET client-query-buffer-limit", "CONFIG GET requirepass",
		"CONFIG GET unixsocket", "CONFIG GET unixsocketperm", "CONFIG GET maxmemory-policy", "CONFIG GET bind",
		"CONFIG GET cluster-enabled", "CONFIG GET appendonl?", "CONFIG GET [s]ave", "CONFIG GET nosuch*",
		"CONFIG", "CONFIG GET", "CONFIG FOO", "CONFIG SET", "CONFIG SET hz", "CONFIG SET foo bar",
		"CONFIG SET hz abc", "CONFIG SET hz -1", "CONFIG SET hz 10 hz 11", "CONFIG SET hz 10 HZ 11",
		"CONFIG SET timeout -1", "CONFIG SET timeout 1.5", "CONFIG SET hz 10 foo", "CONFIG SET hz 10 foo bar",
		"CONFIG SET unixsocket x", "CONFIG SET tcp-keepalive -1", "CONFIG SET hz 0", "CONFIG GET hz",
		"CONFIG SET hz 1000", "CONFIG GET hz", "CONFIG SET HZ 10", "CONFIG GET hz", "CONFIG SET timeout 0 tcp-keepalive 300",
		"CONFIG SET hz 11 timeout x", "CONFIG GET hz", "CONFIG RESETSTAT", "CONFIG RESETSTAT x", "CONFIG HELP x",
	))
}

// Input: CONFIG GET with patterns, several arguments, and names in
// another case; CONFIG SET of the parameters that change at run time;
// CONFIG HELP. Expected: each parameter once, the caller's spelling for
// an exact name, values following the server's configuration, and the
// settings taking effect.
func TestConfig(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.unixsocket = ""; c.hz = 10 })
	maxclients := s.cfg.maxclients
	addr := startServer(t, s)
	r := dialRaw(t, addr)
	_, port := s.addr()
	pairs := func(raw string) map[string]string {
		t.Helper()
		l := mustBulks(t, raw)
		if len(l)%2 != 0 {
			t.Fatalf("odd CONFIG GET reply %q", raw)
		}
		m := map[string]string{}
		for i := 0; i < len(l); i += 2 {
			if _, dup := m[l[i]]; dup {
				t.Fatalf("%s twice in %q", l[i], raw)
			}
			m[l[i]] = l[i+1]
		}
		return m
	}
	got := pairs(r.do("CONFIG", "GET", "port", "*port*", "PORT", "databases", "max*", "maxmemory"))
	want := map[string]string{"port": strconv.Itoa(port), "databases": "16", "maxclients": strconv.Itoa(maxclients),
		"maxmemory": "0", "maxmemory-policy": "noeviction", "maxmemory-samples": "5", "maxmemory-eviction-tenacity": "10",
		"maxmemory-clients": "0", "cluster-announce-bus-port": "0", "cluster-announce-port": "0", "cluster-announce-tls-port": "0",
		"cluster-port": "0", "replica-announce-port": "0", "slave-announce-port": "0", "tls-port": "0"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("CONFIG GET = %v, want %v", got, want)
	}
	if got := pairs(r.do("CONFIG", "GET", "TCP-*")); got["tcp-keepalive"] != "300" || got["tcp-backlog"] != "511" || len(got) != 2 {
		t.Errorf("CONFIG GET TCP-* = %v", got)
	}
	if got := pairs(r.do("CONFIG", "GET", "*")); len(got) != len(configNames) {
		t.Errorf("CONFIG GET * has %d parameters, want %d", len(got), len(configNames))
	}
	if got := r.do("CONFIG", "GET", "Appendonly"); got != "*2\r\n$10\r\nAppendonly\r\n$2\r\nno\r\n" {
		t.Errorf("CONFIG GET Appendonly = %q", got)
	}

	// A failed CONFIG SET changes nothing.
	if got := r.do("CONFIG", "SET", "timeout", "100", "hz", "x"); !strings.HasPrefix(got, "-ERR CONFIG SET failed (possibly related to argument 'hz')") {
		t.Fatalf("bad CONFIG SET = %q", got)
	}
	if got := r.do("CONFIG", "GET", "timeout"); got != "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n" {
		t.Fatalf("timeout after a failed CONFIG SET: %q", got)
	}
	if got := r.do("CONFIG", "SET", "timeout", "100", "hz", "50", "tcp-keepalive", "60"); got != resp.OK {
		t.Fatalf("CONFIG SET = %q", got)
	}
	if got := pairs(r.do("CONFIG", "GET", "timeout", "hz", "tcp-keepalive")); got["timeout"] != "100" || got["hz"] != "50" || got["tcp-keepalive"] != "60" {
		t.Fatalf("after CONFIG SET: %v", got)
	}

	// requirepass applies to new connections; this one stays in.
	if got := r.do("CONFIG", "SET", "requirepass", "pw"); got != resp.OK {
		t.Fatalf("CONFIG SET requirepass = %q", got)
	}
	if got := r.do("PING"); got != resp.Pong {
		t.Fatalf("PING after setting a password = %q", got)
	}
	r2 := dialRaw(t, addr)
	if got := r2.do("PING"); got != resp.NoAuthErr {
		t.Fatalf("new connection PING = %q", got)
	}
	if got := r2.do("AUTH", "pw"); got != resp.OK {
		t.Fatalf("AUTH = %q", got)
	}
	// Clearing it lets in a connection that never authenticated.
	r3 := dialRaw(t, addr)
	if got := r3.do("PING"); got != resp.NoAuthErr {
		t.Fatalf("PING before AUTH = %q", got)
	}
	if got := r.do("CONFIG", "SET", "requirepass", ""); got != resp.OK {
		t.Fatalf("CONFIG SET requirepass \"\" = %q", got)
	}
	if got := r3.do("PING"); got != resp.Pong {
		t.Fatalf("PING once the password is cleared = %q", got)
	}
	// Setting one again locks it out again (Redis asks at each command),
	// while r2, which authenticated, stays in.
	if got := r.do("CONFIG", "SET", "requirepass", "pw2"); got != resp.OK {
		t.Fatalf("CONFIG SET requirepass pw2 = %q", got)
	}
	if got := r3.do("PING"); got != resp.NoAuthErr {
		t.Fatalf("never-authenticated client after a new password: PING = %q", got)
	}
	if got := r2.do("PING"); got != resp.Pong {
		t.Fatalf("authenticated client after a new password: PING = %q", got)
	}
	r.do("CONFIG", "SET", "requirepass", "")

	help := mustReply(t, r.do("CONFIG", "HELP"))
	if len(help.Array) < 4 || string(help.Array[0].Str) != "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" ||
		string(help.Array[len(help.Array)-1].Str) != "    Prints this help." {
		t.Errorf("CONFIG HELP = %v", help.Array)
	}
}

// Input: traffic, then CONFIG RESETSTAT. Expected: INFO's counters start
// again from zero (the RESETSTAT itself counted), and COMMAND's call
// counts too.
func TestConfigResetStat(t *testing.T) {
	s := newTestServer(t)
	r := dialRaw(t, startServer(t, s))
	for i := 0; i < 10; i++ {
		r.do("GET", "x")
	}
	r.do("NOSUCH")
	_, f := parseInfo(t, r.do("INFO", "stats"))
	if f["stats"]["keyspace_misses"] != "10" || f["stats"]["total_error_replies"] != "1" {
		t.Fatalf("before: %v", f["stats"])
	}
	if got := r.do("CONFIG", "RESETSTAT"); got != resp.OK {
		t.Fatalf("CONFIG RESETSTAT = %q", got)
	}
	_, f = parseInfo(t, r.do("INFO", "stats"))
	for k, want := range map[string]string{"keyspace_misses": "0", "total_error_replies": "0", "total_commands_processed": "1",
		"total_connections_received": "0", "expired_keys": "0"} {
		if f["stats"][k] != want {
			t.Errorf("after RESETSTAT %s = %q, want %q", k, f["stats"][k], want)
		}
	}
	var calls int64
	onLoop(s, func() { calls = s.commands["get"].calls })
	if calls != 0 {
		t.Errorf("get calls = %d after RESETSTAT", calls)
	}
}

// onLoop runs f on s's loop goroutine and waits for it, for a test that
// reads the state of a running server.
func onLoop(s *server, f func()) {
	done := make(chan struct{})
	s.el.Post(func(*ae.EventLoop) { f(); close(done) })
	<-done
}

// Input: redis-cli info, and redis-cli info keyspace. Expected: exit 0,
// nothing on stderr, Redis's section headers.
func TestRedisCLIInfo(t *testing.T) {
	cli := testenv.RequireBinary(t, "redis-cli")
	s := newTestServer(t)
	addr := startServer(t, s)
	_, port := s.addr()
	dialRaw(t, addr).do("SET", "k", "v")
	out := runRedisCLI(t, cli, port, "info")
	for _, h := range []string{"# Server", "redis_version:7.0.15", "# Clients", "# Memory", "# Stats", "# Keyspace", "db0:keys=1,expires=0,avg_ttl=0"} {
		if !strings.Contains(out, h) {
			t.Errorf("redis-cli info lacks %q:\n%s", h, out)
		}
	}
	// redis-cli prints the bulk string as it is (CRLFs included), as it
	// does for Redis.
	if out := runRedisCLI(t, cli, port, "info", "keyspace"); out != "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n" {
		t.Errorf("redis-cli info keyspace = %q", out)
	}
}

// Input: a second of commands. Expected: instantaneous_ops_per_sec, from
// serverCron's samples, becomes positive.
func TestInfoInstantaneousOps(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.hz = 100 })
	r := dialRaw(t, startServer(t, s))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for i := 0; i < 100; i++ {
			r.do("PING")
		}
		_, f := parseInfo(t, r.do("INFO", "stats"))
		if n, _ := strconv.Atoi(f["stats"]["instantaneous_ops_per_sec"]); n > 0 {
			return
		}
	}
	t.Fatal("instantaneous_ops_per_sec stayed 0")
}
