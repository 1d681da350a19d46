package main

import (
	"math"
	"slices"
	"strings"
)

// The enums of config.c, in its order (the first name of a value is the
// one CONFIG GET prints).
var (
	yesNoLocalEnum     = []configEnum{{"no", 0}, {"yes", 1}, {"local", 2}} // protected_action_enum
	supervisedEnum     = []configEnum{{"upstart", 3}, {"systemd", 2}, {"auto", 1}, {"no", 0}}
	syslogFacilityEnum = []configEnum{{"user", 8}, {"local0", 128}, {"local1", 136}, {"local2", 144},
		{"local3", 152}, {"local4", 160}, {"local5", 168}, {"local6", 176}, {"local7", 184}}
	replDisklessLoadEnum = []configEnum{{"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}}
	loglevelEnum         = []configEnum{{"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3}}
	maxmemoryPolicyEnum  = func() []configEnum {
		out := make([]configEnum, numMaxmemoryPolicies)
		for p := maxmemoryPolicy(0); p < numMaxmemoryPolicies; p++ {
			out[p] = configEnum{p.String(), int64(p)}
		}
		return out
	}()
	aofFsyncEnum         = []configEnum{{"everysec", 2}, {"always", 1}, {"no", 0}}
	oomScoreAdjEnum      = []configEnum{{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}}
	aclPubsubDefaultEnum = []configEnum{{"allchannels", 1}, {"resetchannels", 0}}
	sanitizeDumpEnum     = []configEnum{{"no", 0}, {"yes", 1}, {"clients", 2}}
	endpointTypeEnum     = []configEnum{{"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}}
	propagationErrorEnum = []configEnum{{"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}}
	shutdownOnSigEnum    = []configEnum{{"default", 0}, {"save", 1}, {"nosave", 2}, {"now", 4}, {"force", 8}}
	tlsAuthClientsEnum   = []configEnum{{"no", 0}, {"yes", 1}, {"optional", 2}}
)

const (
	intMax   = math.MaxInt32
	intMin   = math.MinInt32
	longMax  = math.MaxInt64
	llongMax = math.MaxInt64
	uintMax  = math.MaxUint32
	ullMax   = -1 // ULLONG_MAX, compared as unsigned
)

// protectedActionLocal is enable-debug-command's "local".
const protectedActionLocal = 2

// enable-* values, in config.enableDebugCommand.
const (
	protectedActionNo  = 0
	protectedActionYes = 1
)

func shutdownOnSig(name string) *standardConfig {
	sc := enumConfig(name, "", multiArgConfig, shutdownOnSigEnum, 0, nil)
	sc.bitflags = true
	return sc
}

// configTable is config.c's static_configs for Redis 7.0.15: every
// parameter, its alias, flags, type and bounds, default, and where the
// value lives. Those with a config field change what kv does; the others
// are kept and reported.
var configTable = []*standardConfig{
	// Bool configs.
	boolConfig("rdbchecksum", "", immutableConfig, true, nil),
	boolConfig("daemonize", "", immutableConfig, false, nil),
	boolConfig("io-threads-do-reads", "", immutableConfig, false, nil),
	boolConfig("always-show-logo", "", immutableConfig, false, nil),
	boolConfig("protected-mode", "", 0, true, nil),
	boolConfig("rdbcompression", "", 0, true, int64Field(func(c *config) *int64 { return &c.rdbCompression })),
	boolConfig("rdb-del-sync-files", "", 0, false, nil),
	boolConfig("activerehashing", "", 0, true, nil),
	boolConfig("stop-writes-on-bgsave-error", "", 0, true, nil),
	boolConfig("set-proc-title", "", immutableConfig, true, nil),
	boolConfig("dynamic-hz", "", 0, true, nil),
	boolConfig("lazyfree-lazy-eviction", "", 0, false, nil),
	boolConfig("lazyfree-lazy-expire", "", 0, false, nil),
	boolConfig("lazyfree-lazy-server-del", "", 0, false, nil),
	boolConfig("lazyfree-lazy-user-del", "", 0, false, nil),
	boolConfig("lazyfree-lazy-user-flush", "", 0, false, nil),
	boolConfig("repl-disable-tcp-nodelay", "", 0, false, nil),
	boolConfig("repl-diskless-sync", "", 0, true, nil),
	boolConfig("aof-rewrite-incremental-fsync", "", 0, true, nil),
	boolConfig("no-appendfsync-on-rewrite", "", 0, false, nil),
	boolConfig("cluster-require-full-coverage", "", 0, true, nil),
	boolConfig("rdb-save-incremental-fsync", "", 0, true, nil),
	boolConfig("aof-load-truncated", "", 0, true, nil),
	boolConfig("aof-use-rdb-preamble", "", 0, true, nil),
	boolConfig("aof-timestamp-enabled", "", 0, false, nil),
	boolConfig("cluster-replica-no-failover", "cluster-slave-no-failover", 0, false, nil),
	boolConfig("replica-lazy-flush", "slave-lazy-flush", 0, false, nil),
	boolConfig("replica-serve-stale-data", "slave-serve-stale-data", 0, true, nil),
	boolConfig("replica-read-only", "slave-read-only", 0, true, nil),
	boolConfig("replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, true, nil),
	boolConfig("jemalloc-bg-thread", "", 0, true, nil),
	activedefragConfig(),
	boolConfig("syslog-enabled", "", immutableConfig, false, nil),
	boolConfig("cluster-enabled", "", immutableConfig, false, nil),
	boolConfig("appendonly", "", 0, false, nil),
	boolConfig("cluster-allow-reads-when-down", "", 0, false, nil),
	boolConfig("cluster-allow-pubsubshard-when-down", "", 0, true, nil),
	boolConfig("crash-log-enabled", "", 0, true, nil),
	boolConfig("crash-memcheck-enabled", "", 0, true, nil),
	boolConfig("use-exit-on-panic", "", hiddenConfig, false, nil),
	boolConfig("disable-thp", "", immutableConfig, true, nil),
	boolConfig("cluster-allow-replica-migration", "", 0, true, nil),
	boolConfig("replica-announced", "", 0, true, nil),
	boolConfig("latency-tracking", "", 0, true, nil),
	boolConfig("aof-disable-auto-gc", "", 0, false, nil),
	boolConfig("replica-ignore-disk-write-errors", "", 0, false, nil),

	// String configs.
	stringConfig("aclfile", "", immutableConfig, false, "", nil, nil),
	stringConfig("unixsocket", "", immutableConfig, true, "", nil, stringField(func(c *config) *string { return &c.unixsocket })),
	stringConfig("pidfile", "", immutableConfig, true, "", nil, nil),
	stringConfig("replica-announce-ip", "slave-announce-ip", 0, true, "", nil, nil),
	stringConfig("masteruser", "", sensitiveConfig, true, "", nil, nil),
	stringConfig("cluster-announce-ip", "", 0, true, "", nil, nil),
	stringConfig("cluster-config-file", "", immutableConfig, false, "nodes.conf", nil, nil),
	stringConfig("cluster-announce-hostname", "", 0, true, "", isValidAnnouncedHostname, nil),
	stringConfig("syslog-ident", "", immutableConfig, false, "redis", nil, nil),
	stringConfig("dbfilename", "", protectedConfig, false, "dump.rdb", isValidBaseName("dbfilename", "filename"), nil),
	stringConfig("appendfilename", "", immutableConfig, false, "appendonly.aof", isValidBaseName("appendfilename", "filename"), nil),
	stringConfig("appenddirname", "", immutableConfig, false, "appendonlydir", isValidBaseName("appenddirname", "dirname"), nil),
	stringConfig("server_cpulist", "", immutableConfig, true, "", nil, nil),
	stringConfig("bio_cpulist", "", immutableConfig, true, "", nil, nil),
	stringConfig("aof_rewrite_cpulist", "", immutableConfig, true, "", nil, nil),
	stringConfig("bgsave_cpulist", "", immutableConfig, true, "", nil, nil),
	stringConfig("ignore-warnings", "", 0, false, "", nil, nil),
	stringConfig("proc-title-template", "", 0, false, "{title} {listen-addr} {server-mode}", isValidProcTitleTemplate, nil),
	stringConfig("bind-source-addr", "", 0, true, "", nil, nil),
	stringConfig("logfile", "", immutableConfig, false, "", nil, nil),
	stringConfig("masterauth", "", sensitiveConfig, true, "", nil, nil),
	stringConfig("requirepass", "", sensitiveConfig, true, "", nil, stringField(func(c *config) *string { return &c.requirepass })),

	// Enum configs.
	enumConfig("supervised", "", immutableConfig, supervisedEnum, 0, nil),
	enumConfig("syslog-facility", "", immutableConfig, syslogFacilityEnum, 128, nil),
	enumConfig("repl-diskless-load", "", 0, replDisklessLoadEnum, 0, nil),
	enumConfig("loglevel", "", 0, loglevelEnum, 2, int64Field(func(c *config) *int64 { return &c.loglevel })),
	enumConfig("maxmemory-policy", "", 0, maxmemoryPolicyEnum, int64(policyNoEviction), &numHome{
		get: func(c *config) int64 { return int64(c.maxmemoryPolicy) },
		set: func(c *config, v int64) { c.maxmemoryPolicy = maxmemoryPolicy(v) }}),
	enumConfig("appendfsync", "", 0, aofFsyncEnum, 2, nil),
	enumConfig("oom-score-adj", "", 0, oomScoreAdjEnum, 0, nil),
	enumConfig("acl-pubsub-default", "", 0, aclPubsubDefaultEnum, 0, nil),
	enumConfig("sanitize-dump-payload", "", 0, sanitizeDumpEnum, 0, nil),
	enumConfig("enable-protected-configs", "", immutableConfig, yesNoLocalEnum, protectedActionNo, nil),
	enumConfig("enable-debug-command", "", immutableConfig, yesNoLocalEnum, protectedActionNo,
		int64Field(func(c *config) *int64 { return &c.enableDebugCommand })),
	enumConfig("enable-module-command", "", immutableConfig, yesNoLocalEnum, protectedActionNo, nil),
	enumConfig("cluster-preferred-endpoint-type", "", 0, endpointTypeEnum, 0, nil),
	enumConfig("propagation-error-behavior", "", 0, propagationErrorEnum, 0, nil),
	shutdownOnSig("shutdown-on-sigint"),
	shutdownOnSig("shutdown-on-sigterm"),

	// Integer configs.
	numConfig("databases", "", immutableConfig, false, 1, intMax, 16, 0, intField(func(c *config) *int { return &c.databases })),
	portConfig(),
	numConfig("io-threads", "", immutableConfig, false, 1, 128, 1, 0, nil),
	numConfig("auto-aof-rewrite-percentage", "", 0, false, 0, intMax, 100, 0, nil),
	numConfig("cluster-replica-validity-factor", "cluster-slave-validity-factor", 0, false, 0, intMax, 10, 0, nil),
	numConfig("list-max-listpack-size", "list-max-ziplist-size", 0, false, intMin, intMax, -2, 0, int64Field(func(c *config) *int64 { return &c.listMaxListpackSize })),
	numConfig("tcp-keepalive", "", 0, false, 0, intMax, 300, 0, intField(func(c *config) *int { return &c.tcpKeepalive })),
	numConfig("cluster-migration-barrier", "", 0, false, 0, intMax, 1, 0, nil),
	numConfig("active-defrag-cycle-min", "", 0, false, 1, 99, 1, 0, nil),
	numConfig("active-defrag-cycle-max", "", 0, false, 1, 99, 25, 0, nil),
	numConfig("active-defrag-threshold-lower", "", 0, false, 0, 1000, 10, 0, nil),
	numConfig("active-defrag-threshold-upper", "", 0, false, 0, 1000, 100, 0, nil),
	numConfig("lfu-log-factor", "", 0, false, 0, intMax, 10, 0, int64Field(func(c *config) *int64 { return &c.lfuLogFactor })),
	numConfig("lfu-decay-time", "", 0, false, 0, intMax, 1, 0, int64Field(func(c *config) *int64 { return &c.lfuDecayTime })),
	numConfig("replica-priority", "slave-priority", 0, false, 0, intMax, 100, 0, nil),
	numConfig("repl-diskless-sync-delay", "", 0, false, 0, intMax, 5, 0, nil),
	numConfig("maxmemory-samples", "", 0, false, 1, intMax, 5, 0, int64Field(func(c *config) *int64 { return &c.maxmemorySamples })),
	numConfig("maxmemory-eviction-tenacity", "", 0, false, 0, 100, 10, 0, int64Field(func(c *config) *int64 { return &c.maxmemoryEvictionTenacity })),
	numConfig("timeout", "", 0, false, 0, intMax, 0, 0, intField(func(c *config) *int { return &c.timeout })),
	numConfig("replica-announce-port", "slave-announce-port", 0, false, 0, 65535, 0, 0, nil),
	numConfig("tcp-backlog", "", immutableConfig, false, 0, intMax, 511, 0, intField(func(c *config) *int { return &c.tcpBacklog })),
	numConfig("cluster-port", "", immutableConfig, false, 0, 65535, 0, 0, nil),
	numConfig("cluster-announce-bus-port", "", 0, false, 0, 65535, 0, 0, nil),
	numConfig("cluster-announce-port", "", 0, false, 0, 65535, 0, 0, nil),
	numConfig("cluster-announce-tls-port", "", 0, false, 0, 65535, 0, 0, nil),
	numConfig("repl-timeout", "", 0, false, 1, intMax, 60, 0, nil),
	numConfig("repl-ping-replica-period", "repl-ping-slave-period", 0, false, 1, intMax, 10, 0, nil),
	numConfig("list-compress-depth", "", 0, false, 0, intMax, 0, 0, int64Field(func(c *config) *int64 { return &c.listCompressDepth })),
	numConfig("rdb-key-save-delay", "", hiddenConfig, false, intMin, intMax, 0, 0, nil),
	numConfig("key-load-delay", "", hiddenConfig, false, intMin, intMax, 0, 0, nil),
	numConfig("active-expire-effort", "", 0, false, 1, 10, 1, 0, intField(func(c *config) *int { return &c.activeExpireEffort })),
	// hz is clamped to [1, 500] when set, as updateHZ does.
	numConfig("hz", "", 0, false, 0, intMax, 10, 0, &numHome{
		get: func(c *config) int64 { return int64(c.hz) },
		set: func(c *config, v int64) { c.hz = int(min(max(v, 1), 500)) }}),
	numConfig("min-replicas-to-write", "min-slaves-to-write", 0, false, 0, intMax, 0, 0, nil),
	numConfig("min-replicas-max-lag", "min-slaves-max-lag", 0, false, 0, intMax, 10, 0, nil),
	numConfig("watchdog-period", "", hiddenConfig, false, 0, intMax, 0, 0, nil),
	numConfig("shutdown-timeout", "", 0, false, 0, intMax, 10, 0, nil),
	numConfig("repl-diskless-sync-max-replicas", "", 0, false, 0, intMax, 0, 0, nil),

	// Unsigned int configs.
	numConfig("maxclients", "", 0, true, 1, uintMax, 10000, 0, intField(func(c *config) *int { return &c.maxclients })),
	numConfig("unixsocketperm", "", immutableConfig, true, 0, 0o777, 0, octalConfig, &numHome{
		get: func(c *config) int64 { return int64(c.unixsocketperm) },
		set: func(c *config, v int64) { c.unixsocketperm = uint32(v) }}),
	numConfig("socket-mark-id", "", immutableConfig, true, 0, uintMax, 0, 0, nil),

	// Unsigned long configs.
	numConfig("active-defrag-max-scan-fields", "", 0, true, 1, longMax, 1000, 0, nil),
	numConfig("slowlog-max-len", "", 0, true, 0, longMax, 128, 0, nil),
	numConfig("acllog-max-len", "", 0, true, 0, longMax, 128, 0, nil),

	// Long long configs.
	numConfig("busy-reply-threshold", "lua-time-limit", 0, false, 0, longMax, 5000, 0, nil),
	numConfig("cluster-node-timeout", "", 0, false, 0, llongMax, 15000, 0, nil),
	numConfig("slowlog-log-slower-than", "", 0, false, -1, llongMax, 10000, 0, nil),
	numConfig("latency-monitor-threshold", "", 0, false, 0, llongMax, 0, 0, nil),
	numConfig("proto-max-bulk-len", "", 0, false, 1<<20, longMax, 512<<20, memoryConfig, int64Field(func(c *config) *int64 { return &c.protoMaxBulkLen })),
	numConfig("stream-node-max-entries", "", 0, false, 0, llongMax, 100, 0, nil),
	// repl-backlog-size: CONFIG SET raises it to 16kb, as
	// resizeReplicationBacklog does.
	numConfig("repl-backlog-size", "", 0, false, 1, llongMax, 1<<20, memoryConfig, &numHome{
		get: func(c *config) int64 {
			if v, ok := c.kept["repl-backlog-size"]; ok {
				return v.(int64)
			}
			return 1 << 20
		},
		set: func(c *config, v int64) {
			if !c.readingConfigFile {
				v = max(v, 16<<10)
			}
			c.keep("repl-backlog-size", v)
		}}),

	// Unsigned long long configs. maxmemory keeps Redis's full range in
	// CONFIG GET; config.maxmemory, which eviction reads, saturates at
	// 2^63-1.
	numConfig("maxmemory", "", 0, true, 0, ullMax, 0, memoryConfig, &numHome{
		get: func(c *config) int64 {
			if v, ok := c.kept["maxmemory"]; ok && v.(int64) < 0 {
				return v.(int64)
			}
			return c.maxmemory
		},
		set: func(c *config, v int64) {
			c.keep("maxmemory", v)
			c.maxmemory = int64(min(uint64(v), math.MaxInt64))
		}}),
	numConfig("cluster-link-sendbuf-limit", "", 0, true, 0, ullMax, 0, memoryConfig, nil),

	// Size_t configs.
	numConfig("hash-max-listpack-entries", "hash-max-ziplist-entries", 0, true, 0, longMax, 512, 0, int64Field(func(c *config) *int64 { return &c.hashMaxListpackEntries })),
	numConfig("set-max-intset-entries", "", 0, true, 0, longMax, 512, 0, int64Field(func(c *config) *int64 { return &c.setMaxIntsetEntries })),
	numConfig("zset-max-listpack-entries", "zset-max-ziplist-entries", 0, true, 0, longMax, 128, 0, int64Field(func(c *config) *int64 { return &c.zsetMaxListpackEntries })),
	numConfig("active-defrag-ignore-bytes", "", 0, true, 1, llongMax, 100<<20, memoryConfig, nil),
	numConfig("hash-max-listpack-value", "hash-max-ziplist-value", 0, true, 0, longMax, 64, memoryConfig, int64Field(func(c *config) *int64 { return &c.hashMaxListpackValue })),
	numConfig("stream-node-max-bytes", "", 0, true, 0, longMax, 4096, memoryConfig, nil),
	numConfig("zset-max-listpack-value", "zset-max-ziplist-value", 0, true, 0, longMax, 64, memoryConfig, int64Field(func(c *config) *int64 { return &c.zsetMaxListpackValue })),
	numConfig("hll-sparse-max-bytes", "", 0, true, 0, longMax, 3000, memoryConfig, nil),
	numConfig("tracking-table-max-keys", "", 0, true, 0, longMax, 1000000, 0, int64Field(func(c *config) *int64 { return &c.trackingTableMaxKeys })),
	numConfig("client-query-buffer-limit", "", 0, true, 1<<20, longMax, 1<<30, memoryConfig, int64Field(func(c *config) *int64 { return &c.clientQueryBufferLimit })),
	numConfig("maxmemory-clients", "", 0, false, -100, longMax, 0, memoryConfig|percentConfig, nil),

	// Other configs.
	numConfig("repl-backlog-ttl", "", 0, false, 0, longMax, 3600, 0, nil),
	numConfig("auto-aof-rewrite-min-size", "", 0, false, 0, llongMax, 64<<20, memoryConfig, nil),
	numConfig("loading-process-events-interval-bytes", "", hiddenConfig, false, 1024, intMax, 2<<20, 0, nil),

	// TLS configs (the binary has TLS built in; kv has no TLS).
	numConfig("tls-port", "", 0, false, 0, 65535, 0, 0, nil),
	numConfig("tls-session-cache-size", "", 0, false, 0, intMax, 20*1024, 0, nil),
	numConfig("tls-session-cache-timeout", "", 0, false, 0, intMax, 300, 0, nil),
	boolConfig("tls-cluster", "", 0, false, nil),
	boolConfig("tls-replication", "", 0, false, nil),
	enumConfig("tls-auth-clients", "", 0, tlsAuthClientsEnum, 1, nil),
	boolConfig("tls-prefer-server-ciphers", "", 0, false, nil),
	boolConfig("tls-session-caching", "", 0, true, nil),
	stringConfig("tls-cert-file", "", 0, true, "", nil, nil),
	stringConfig("tls-key-file", "", 0, true, "", nil, nil),
	stringConfig("tls-key-file-pass", "", 0, true, "", nil, nil),
	stringConfig("tls-client-cert-file", "", 0, true, "", nil, nil),
	stringConfig("tls-client-key-file", "", 0, true, "", nil, nil),
	stringConfig("tls-client-key-file-pass", "", 0, true, "", nil, nil),
	stringConfig("tls-dh-params-file", "", 0, true, "", nil, nil),
	stringConfig("tls-ca-cert-file", "", 0, true, "", nil, nil),
	stringConfig("tls-ca-cert-dir", "", 0, true, "", nil, nil),
	stringConfig("tls-protocols", "", 0, true, "", nil, nil),
	stringConfig("tls-ciphers", "", 0, true, "", nil, nil),
	stringConfig("tls-ciphersuites", "", 0, true, "", nil, nil),

	// Special configs (config_special.go).
	specialConfig("dir", "", protectedConfig, setDirOption, getDirOption, rewriteDirOption),
	specialConfig("save", "", multiArgConfig, setSaveOption, getSaveOption, rewriteSaveOption),
	specialConfig("client-output-buffer-limit", "", multiArgConfig, setObufOption, getObufOption, rewriteObufOption),
	specialConfig("oom-score-adj-values", "", multiArgConfig, setOOMScoreAdjValuesOption, getOOMScoreAdjValuesOption, rewriteOOMScoreAdjValuesOption),
	specialConfig("notify-keyspace-events", "", 0, setNotifyOption, getNotifyOption, rewriteNotifyOption),
	specialConfig("bind", "", multiArgConfig, setBindOption, getBindOption, rewriteBindOption),
	specialConfig("replicaof", "slaveof", immutableConfig|multiArgConfig, setReplicaOfOption, getReplicaOfOption, rewriteReplicaOfOption),
	specialConfig("latency-tracking-info-percentiles", "", multiArgConfig, setPercentilesOption, getPercentilesOption, rewritePercentilesOption),
}

// activedefragConfig is activedefrag, which redis-server 7.0.15 as
// packaged here (its jemalloc without defrag support) refuses to turn on;
// kv has no defragmentation either.
func activedefragConfig() *standardConfig {
	sc := boolConfig("activedefrag", "", 0, false, nil)
	sc.isValid = func(string) string {
		return "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution"
	}
	return sc
}

// portConfig is port: CONFIG GET reports the port kv listens on (the one
// it picked for port 0).
func portConfig() *standardConfig {
	sc := numConfig("port", "", 0, false, 0, 65535, 6379, 0, intField(func(c *config) *int { return &c.port }))
	sc.view = func(s *server) string {
		if _, p := s.addr(); p != 0 {
			return itoa(int64(p))
		}
		return itoa(int64(s.cfg.port))
	}
	return sc
}

// isValidBaseName is isValidDBfilename and its kin: a name, not a path.
func isValidBaseName(param, what string) func(string) string {
	return func(v string) string {
		if strings.ContainsAny(v, "/\\") {
			return param + " can't be a path, just a " + what
		}
		return ""
	}
}

// isValidAnnouncedHostname is config.c's check of cluster-announce-hostname.
func isValidAnnouncedHostname(v string) string {
	if len(v) >= 256 {
		return "Hostnames must be less than 256 characters"
	}
	for i := 0; i < len(v); i++ {
		ch := v[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '.') {
			return "Hostnames may only contain alphanumeric characters, hyphens or dots"
		}
	}
	return ""
}

// procTitleVars are the variables proc-title-template may use.
var procTitleVars = []string{"title", "listen-addr", "server-mode", "port", "tls-port", "unixsocket", "config-file"}

// isValidProcTitleTemplate is validateProcTitleTemplate: sdstemplate's
// syntax ("{name}" a variable, "{{" a brace; a lone "}" is itself), known
// names, and a result that is not empty once trimmed of spaces, with an
// empty title and server mode (standalone), no unix socket and no config
// file.
func isValidProcTitleTemplate(v string) string {
	const bad = "template format is invalid or contains unknown variables"
	nonEmpty := false
	for i := 0; i < len(v); i++ {
		if v[i] != '{' {
			nonEmpty = nonEmpty || v[i] != ' '
			continue
		}
		if i+1 >= len(v) {
			return bad
		}
		if v[i+1] == '{' {
			nonEmpty = true
			i++
			continue
		}
		end := strings.IndexByte(v[i+1:], '}')
		if end < 0 {
			return bad
		}
		name := v[i+1 : i+1+end]
		if !slices.Contains(procTitleVars, name) {
			return bad
		}
		switch name {
		case "listen-addr", "port", "tls-port":
			nonEmpty = true
		}
		i += end + 1
	}
	if !nonEmpty {
		return bad
	}
	return ""
}
