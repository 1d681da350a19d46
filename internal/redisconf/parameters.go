package redisconf

import "strings"

// Kind is how config.c types a parameter's value, as far as a server
// that keeps a parameter without acting on it needs to know.
type Kind byte

const (
	Bool       Kind = 'b' // yes or no
	String     Kind = 's' // a string
	NullString Kind = 'n' // a string whose "" is NULL (EMPTY_STRING_IS_NULL)
	Enum       Kind = 'e' // one of a set of names
	Number     Kind = 'i' // a number, with or without a unit
	MultiArg   Kind = 'm' // several arguments (MULTI_ARG_CONFIG)
	Special    Kind = 'x' // one argument, parsed by its own function
)

// Parameter is one entry of config.c's static_configs: its name, its
// alias ("" when none) and the kind of its value.
type Parameter struct {
	Name, Alias string
	Kind        Kind
}

// Parameters are config.c's static_configs of Redis 7.0.15, in its order:
// every parameter redis-server (and so redis-sentinel, which loads its file
// with config.c) accepts. examples/kv holds the full table, with types,
// bounds, defaults and what each does; its TestConfigTableMatchesRedisconf
// checks that table's names, aliases and kinds are these.
var Parameters = parseParameters(parameterList)

// DeprecatedParameters are config.c's deprecated_configs: accepted in a
// config file with exactly one argument and ignored.
var DeprecatedParameters = []string{"list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands"}

var parameterByName = func() map[string]*Parameter {
	m := map[string]*Parameter{}
	for i := range Parameters {
		p := &Parameters[i]
		m[p.Name] = p
		if p.Alias != "" {
			m[p.Alias] = p
		}
	}
	return m
}()

// LookupParameter finds a parameter by its name or alias, in lower case;
// nil when Redis has none of that name.
func LookupParameter(name string) *Parameter { return parameterByName[name] }

// parameterList is one parameter a line: the name, its alias after a
// '|', and the Kind letter.
const parameterList = `
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

func parseParameters(list string) []Parameter {
	var ps []Parameter
	for _, l := range strings.Split(strings.TrimSpace(list), "\n") {
		names, kind, _ := strings.Cut(l, " ")
		name, alias, _ := strings.Cut(names, "|")
		ps = append(ps, Parameter{Name: name, Alias: alias, Kind: Kind(kind[0])})
	}
	return ps
}
