package main

// The server directives: redis-sentinel loads its file with redis-server's
// config.c, so it accepts every parameter redis-server has, not only the
// few a sentinel.conf usually carries. Those that mean something to a
// sentinel are honoured (config.go's setServerOption: port, bind, dir,
// logfile, loglevel, pidfile, daemonize, supervised, maxclients, timeout,
// tcp-keepalive, hz, protected-mode, requirepass, acllog-max-len,
// latency-tracking-info-percentiles); every other one is accepted as
// config.c accepts it (one argument, or several for a multi-argument
// parameter; yes or no for a boolean), kept, and written back by the
// rewrite, without effect. Their values are not checked further: where
// redis-server would refuse, say, "maxmemory abc", this sentinel keeps it.

import (
	"strings"

	"github.com/goae/goae/internal/redisconf"
	"github.com/goae/goae/internal/resp"
)

// serverParameterList is config.c's static_configs in Redis 7.0.15, in its
// order: every standard parameter, with its alias after a '|', and a kind
// letter: b bool, s string, n string whose "" is NULL
// (EMPTY_STRING_IS_NULL), e enum, i number, m multi-argument (special
// configs and the shutdown-on-* enums), x single-argument special. It is
// the list of names of examples/kv/config_table.go's configTable (kv holds
// the full table, with types, bounds and defaults; it lives in kv's
// package main, so it cannot be shared from here): TestServerDirectivesMatchKV
// checks the two agree.
const serverParameterList = `
rdbchecksum b
daemonize b
io-threads-do-reads b
always-show-logo b
protected-mode b
rdbcompression b
rdb-del-sync-files b
activerehashing b
stop-writes-on-bgsave-error b
set-proc-title b
dynamic-hz b
lazyfree-lazy-eviction b
lazyfree-lazy-expire b
lazyfree-lazy-server-del b
lazyfree-lazy-user-del b
lazyfree-lazy-user-flush b
repl-disable-tcp-nodelay b
repl-diskless-sync b
aof-rewrite-incremental-fsync b
no-appendfsync-on-rewrite b
cluster-require-full-coverage b
rdb-save-incremental-fsync b
aof-load-truncated b
aof-use-rdb-preamble b
aof-timestamp-enabled b
cluster-replica-no-failover|cluster-slave-no-failover b
replica-lazy-flush|slave-lazy-flush b
replica-serve-stale-data|slave-serve-stale-data b
replica-read-only|slave-read-only b
replica-ignore-maxmemory|slave-ignore-maxmemory b
jemalloc-bg-thread b
activedefrag b
syslog-enabled b
cluster-enabled b
appendonly b
cluster-allow-reads-when-down b
cluster-allow-pubsubshard-when-down b
crash-log-enabled b
crash-memcheck-enabled b
use-exit-on-panic b
disable-thp b
cluster-allow-replica-migration b
replica-announced b
latency-tracking b
aof-disable-auto-gc b
replica-ignore-disk-write-errors b
aclfile s
unixsocket n
pidfile n
replica-announce-ip|slave-announce-ip n
masteruser n
cluster-announce-ip n
cluster-config-file s
cluster-announce-hostname n
syslog-ident s
dbfilename s
appendfilename s
appenddirname s
server_cpulist n
bio_cpulist n
aof_rewrite_cpulist n
bgsave_cpulist n
ignore-warnings s
proc-title-template s
bind-source-addr n
logfile s
masterauth n
requirepass n
supervised e
syslog-facility e
repl-diskless-load e
loglevel e
maxmemory-policy e
appendfsync e
oom-score-adj e
acl-pubsub-default e
sanitize-dump-payload e
enable-protected-configs e
enable-debug-command e
enable-module-command e
cluster-preferred-endpoint-type e
propagation-error-behavior e
shutdown-on-sigint m
shutdown-on-sigterm m
databases i
port i
io-threads i
auto-aof-rewrite-percentage i
cluster-replica-validity-factor|cluster-slave-validity-factor i
list-max-listpack-size|list-max-ziplist-size i
tcp-keepalive i
cluster-migration-barrier i
active-defrag-cycle-min i
active-defrag-cycle-max i
active-defrag-threshold-lower i
active-defrag-threshold-upper i
lfu-log-factor i
lfu-decay-time i
replica-priority|slave-priority i
repl-diskless-sync-delay i
maxmemory-samples i
maxmemory-eviction-tenacity i
timeout i
replica-announce-port|slave-announce-port i
tcp-backlog i
cluster-port i
cluster-announce-bus-port i
cluster-announce-port i
cluster-announce-tls-port i
repl-timeout i
repl-ping-replica-period|repl-ping-slave-period i
list-compress-depth i
rdb-key-save-delay i
key-load-delay i
active-expire-effort i
hz i
min-replicas-to-write|min-slaves-to-write i
min-replicas-max-lag|min-slaves-max-lag i
watchdog-period i
shutdown-timeout i
repl-diskless-sync-max-replicas i
maxclients i
unixsocketperm i
socket-mark-id i
active-defrag-max-scan-fields i
slowlog-max-len i
acllog-max-len i
busy-reply-threshold|lua-time-limit i
cluster-node-timeout i
slowlog-log-slower-than i
latency-monitor-threshold i
proto-max-bulk-len i
stream-node-max-entries i
repl-backlog-size i
maxmemory i
cluster-link-sendbuf-limit i
hash-max-listpack-entries|hash-max-ziplist-entries i
set-max-intset-entries i
zset-max-listpack-entries|zset-max-ziplist-entries i
active-defrag-ignore-bytes i
hash-max-listpack-value|hash-max-ziplist-value i
stream-node-max-bytes i
zset-max-listpack-value|zset-max-ziplist-value i
hll-sparse-max-bytes i
tracking-table-max-keys i
client-query-buffer-limit i
maxmemory-clients i
repl-backlog-ttl i
auto-aof-rewrite-min-size i
loading-process-events-interval-bytes i
tls-port i
tls-session-cache-size i
tls-session-cache-timeout i
tls-cluster b
tls-replication b
tls-auth-clients e
tls-prefer-server-ciphers b
tls-session-caching b
tls-cert-file n
tls-key-file n
tls-key-file-pass n
tls-client-cert-file n
tls-client-key-file n
tls-client-key-file-pass n
tls-dh-params-file n
tls-ca-cert-file n
tls-ca-cert-dir n
tls-protocols n
tls-ciphers n
tls-ciphersuites n
dir x
save m
client-output-buffer-limit m
oom-score-adj-values m
notify-keyspace-events x
bind m
replicaof|slaveof m
latency-tracking-info-percentiles m
`

// serverParameter is one entry of serverParameterList.
type serverParameter struct {
	name, alias string
	kind        byte
}

// serverParameters are serverParameterList's entries in order, and
// serverParameterByName finds one by its name or alias.
var serverParameters, serverParameterByName = func() ([]*serverParameter, map[string]*serverParameter) {
	var list []*serverParameter
	byName := map[string]*serverParameter{}
	for _, l := range strings.Split(strings.TrimSpace(serverParameterList), "\n") {
		names, kind, _ := strings.Cut(l, " ")
		name, alias, _ := strings.Cut(names, "|")
		p := &serverParameter{name: name, alias: alias, kind: kind[0]}
		list = append(list, p)
		byName[name] = p
		if alias != "" {
			byName[alias] = p
		}
	}
	return list, byName
}()

// deprecatedDirectives are config.c's deprecated_configs: accepted with
// exactly one argument and ignored; the rewrite, which does not know them,
// keeps their lines as "# ??? " comments, as Redis's does.
var deprecatedDirectives = []string{"list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands"}

// keptDirective is the last value a parameter without effect was given.
type keptDirective struct {
	p    *serverParameter
	args []string
}

// keepServerParameter is the generic half of config.c's set for a
// parameter the sentinel does not use: the argument count (argv is the
// whole line, the name lowercased), yes or no for a boolean, and the value
// kept for the rewrite. It returns Redis's message for a bad line, or "".
func (c *sentinelConfig) keepServerParameter(p *serverParameter, argv []string) string {
	args := argv[1:]
	if p.kind == 'm' {
		if len(args) == 1 && args[0] != "" {
			args, _ = resp.SplitArgs(args[0])
		}
	} else if len(argv) != 2 {
		return "wrong number of arguments"
	}
	switch p.name {
	case "save":
		// setConfigSaveOption's check: pairs of seconds >= 1 and
		// changes >= 0.
		if len(args) == 1 && args[0] == "" {
			args = nil
		}
		if len(args)%2 == 1 {
			return "Invalid save parameters"
		}
		for j, a := range args {
			n, ok := cStrtollAll(a)
			if !ok || (j%2 == 0 && n < 1) || (j%2 == 1 && n < 0) {
				return "Invalid save parameters"
			}
		}
	case "replicaof":
		// setConfigReplicaOfOption's.
		if len(args) != 2 {
			return "wrong number of arguments"
		}
		if !(strings.EqualFold(args[0], "no") && strings.EqualFold(args[1], "one")) {
			if n, ok := cStrtollAll(args[1]); !ok || n < 0 || n > 65535 {
				return "Invalid master port"
			}
		}
	}
	if p.kind == 'b' {
		switch yesnotoi(args[0]) {
		case -1:
			return "argument must be 'yes' or 'no'"
		case 1:
			if p.name == "activedefrag" {
				// As redis-server 7.0.15 is packaged here: its jemalloc
				// has no defragmentation support.
				return "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution"
			}
		}
	}
	if c.kept == nil {
		c.kept = map[string]*keptDirective{}
	}
	c.kept[p.name] = &keptDirective{p: p, args: append([]string(nil), args...)}
	return ""
}

// rewriteKeptParameter writes a kept parameter back as config.c's rewrite
// of its type would write its value: a boolean as yes or no, a string
// quoted (a NULL one not at all), an enum or a multi-argument value
// other than replicaof's in lower case, a number as given; "save" never (a sentinel writes no save lines, and its old ones
// go). A value given on the command line only is appended.
func (c *sentinelConfig) rewriteKeptParameter(s *redisconf.Rewrite, p *serverParameter) {
	k := c.kept[p.name]
	if p.name == "save" || k == nil {
		s.MarkAsProcessed(p.name)
		return
	}
	v := strings.Join(k.args, " ")
	switch p.kind {
	case 'b':
		v = "no"
		if yesnotoi(k.args[0]) == 1 {
			v = "yes"
		}
	case 'n':
		if v == "" {
			s.MarkAsProcessed(p.name)
			return
		}
		v = resp.Repr(v)
	case 's':
		v = resp.Repr(v)
	case 'e':
		v = strings.ToLower(v)
	case 'm':
		if p.name != "replicaof" { // host names keep their case
			v = strings.ToLower(v)
		}
	case 'x': // notify-keyspace-events
		v = resp.Repr(v)
	}
	s.RewriteLine(p.name, p.name+" "+v, true)
}

// cStrtollAll is strtol(s, &end, 10) with *end == '\0' required: leading
// space and a sign allowed, digits to the end (none at all is 0, as C
// has it).
func cStrtollAll(s string) (int64, bool) {
	_, digits := cNumberPrefix(s)
	i := strings.Index(s, digits) + len(digits)
	if digits == "" {
		// No digits: strtol stops at the start (after no conversion).
		return 0, s == ""
	}
	return strtol(s), i == len(s)
}
