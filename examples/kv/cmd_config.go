package main

import (
	"github.com/goae/goae/internal/respserver"
	"math"
	"strconv"
	"strings"

	"github.com/goae/goae/internal/resp"
)

// configCommands is CONFIG and its subcommands (config.c).
var configCommands = []*command{
	{name: "config", arity: -2, subcommands: subcommandMap(
		&command{name: "config|get", arity: -3, proc: configGetCommand},
		&command{name: "config|set", arity: -4, proc: configSetCommand},
		&command{name: "config|resetstat", arity: 2, proc: configResetStatCommand},
		&command{name: "config|help", arity: 2, proc: configHelpCommand},
	)},
}

// configParam is one parameter CONFIG GET knows: how to print it and, for
// those that can change at run time, how to set it (nil: immutable).
type configParam struct {
	name string
	get  func(s *server) string
	set  func(s *server, v []byte) string // "" when done, else why not
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// intSetter parses v as Redis's numeric configs do and stores it, within
// [lo, hi].
func intSetter(lo, hi int64, store func(s *server, v int64)) func(s *server, v []byte) string {
	return func(s *server, b []byte) string {
		v, ok := resp.ParseInt(b)
		if !ok {
			return "argument couldn't be parsed into an integer"
		}
		if v < lo || v > hi {
			return "argument must be between " + itoa(lo) + " and " + itoa(hi) + " inclusive"
		}
		store(s, v)
		return ""
	}
}

// fixed is a parameter whose value never changes here: a feature this
// server does not have, reported the way Redis reports it turned off.
func fixed(v string) func(*server) string { return func(*server) string { return v } }

// configParams are the parameters of this server, with Redis's names. The
// ones that set nothing here (persistence, eviction, databases) have the
// values under which Redis behaves as this server does; redis-benchmark
// asks for "save" and "appendonly" when it starts.
var configParams = []*configParam{
	{name: "port", get: func(s *server) string { _, p := s.addr(); return itoa(int64(p)) }},
	{name: "bind", get: func(s *server) string { return s.cfg.bind }},
	{name: "unixsocket", get: func(s *server) string { return s.cfg.unixsocket }},
	{name: "unixsocketperm", get: func(s *server) string { return strconv.FormatUint(uint64(s.cfg.unixsocketperm), 8) }},
	{name: "notify-keyspace-events", get: func(s *server) string { return keyspaceEventsFlagsToString(s.notifyFlags) },
		set: func(s *server, b []byte) string {
			f, ok := keyspaceEventsStringToFlags(string(b))
			if !ok {
				// Redis restores a parameter from its CONFIG GET form after a
				// failed set, and "A" hides n: A plus n comes back as A.
				s.notifyFlags, _ = keyspaceEventsStringToFlags(keyspaceEventsFlagsToString(s.notifyFlags))
				return notifyClassErr
			}
			s.notifyFlags = f
			return ""
		}},
	{name: "tracking-table-max-keys", get: func(s *server) string { return itoa(s.trk.maxKeys) },
		set: intSetter(0, math.MaxInt64, func(s *server, v int64) { s.trk.maxKeys = v })},
	{name: "maxclients", get: func(s *server) string { return itoa(int64(s.cfg.maxclients)) }},
	{name: "timeout", get: func(s *server) string { return itoa(int64(s.cfg.timeout)) },
		set: intSetter(0, math.MaxInt32, func(s *server, v int64) { s.cfg.timeout = int(v) })},
	// hz accepts any non-negative value and is clamped to [1, 500], as
	// Redis does.
	{name: "hz", get: func(s *server) string { return itoa(int64(s.cfg.hz)) },
		set: intSetter(0, math.MaxInt32, func(s *server, v int64) { s.cfg.hz = int(min(max(v, 1), 500)) })},
	{name: "requirepass", get: func(s *server) string { return s.cfg.requirepass },
		set: func(s *server, v []byte) string { s.cfg.requirepass = string(v); return "" }},
	{name: "tcp-keepalive", get: func(s *server) string { return itoa(int64(s.cfg.tcpKeepalive)) },
		set: intSetter(0, math.MaxInt32, func(s *server, v int64) { s.cfg.tcpKeepalive = int(v) })},
	{name: "tcp-backlog", get: func(s *server) string { return itoa(int64(s.cfg.tcpBacklog)) }},
	{name: "proto-max-bulk-len", get: func(s *server) string { return itoa(s.cfg.protoMaxBulkLen) }},
	{name: "client-query-buffer-limit", get: func(s *server) string { return itoa(s.cfg.clientQueryBufferLimit) }},
	{name: "client-output-buffer-limit", get: func(s *server) string { return formatOutputBufferLimit(s.cfg.clientOutputBufferLimit) },
		set: func(s *server, b []byte) string {
			l, err := parseOutputBufferLimit(string(b), s.cfg.clientOutputBufferLimit)
			if err != nil {
				return err.Error()
			}
			s.cfg.clientOutputBufferLimit = l
			return ""
		}},
	{name: "active-expire-effort", get: func(s *server) string { return itoa(int64(s.cfg.activeExpireEffort)) },
		set: intSetter(1, 10, func(s *server, v int64) { s.cfg.activeExpireEffort = int(v) })},
	{name: "save", get: fixed("")},
	{name: "appendonly", get: fixed("no")},
	{name: "databases", get: func(s *server) string { return itoa(int64(len(s.dbs))) }},
	{name: "hash-max-listpack-entries", get: func(s *server) string { return itoa(s.cfg.hashMaxListpackEntries) },
		set: intSetter(0, math.MaxInt64, func(s *server, v int64) { s.cfg.hashMaxListpackEntries = v })},
	{name: "hash-max-listpack-value", get: func(s *server) string { return itoa(s.cfg.hashMaxListpackValue) },
		set: intSetter(0, math.MaxInt64, func(s *server, v int64) { s.cfg.hashMaxListpackValue = v })},
	{name: "set-max-intset-entries", get: func(s *server) string { return itoa(s.cfg.setMaxIntsetEntries) },
		set: intSetter(0, math.MaxInt64, func(s *server, v int64) { s.cfg.setMaxIntsetEntries = v })},
	{name: "zset-max-listpack-entries", get: func(s *server) string { return itoa(s.cfg.zsetMaxListpackEntries) },
		set: intSetter(0, math.MaxInt64, func(s *server, v int64) { s.cfg.zsetMaxListpackEntries = v })},
	{name: "zset-max-listpack-value", get: func(s *server) string { return itoa(s.cfg.zsetMaxListpackValue) },
		set: intSetter(0, math.MaxInt64, func(s *server, v int64) { s.cfg.zsetMaxListpackValue = v })},
	{name: "list-max-listpack-size", get: func(s *server) string { return itoa(s.cfg.listMaxListpackSize) },
		set: intSetter(math.MinInt32, math.MaxInt32, func(s *server, v int64) { s.cfg.listMaxListpackSize = v })},
	{name: "list-compress-depth", get: func(s *server) string { return itoa(s.cfg.listCompressDepth) },
		set: intSetter(0, math.MaxInt32, func(s *server, v int64) { s.cfg.listCompressDepth = v })},
	{name: "maxmemory", get: func(s *server) string { return itoa(s.cfg.maxmemory) },
		set: intSetter(0, math.MaxInt64, func(s *server, v int64) { s.cfg.maxmemory = v })},
	{name: "maxmemory-policy", get: func(s *server) string { return s.cfg.maxmemoryPolicy.String() },
		set: func(s *server, b []byte) string {
			for p := maxmemoryPolicy(0); p < numMaxmemoryPolicies; p++ {
				if strings.EqualFold(p.String(), string(b)) {
					s.cfg.maxmemoryPolicy = p
					return ""
				}
			}
			return "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"
		}},
	{name: "maxmemory-samples", get: func(s *server) string { return itoa(s.cfg.maxmemorySamples) },
		set: intSetter(1, math.MaxInt32, func(s *server, v int64) { s.cfg.maxmemorySamples = v })},
	{name: "maxmemory-eviction-tenacity", get: func(s *server) string { return itoa(s.cfg.maxmemoryEvictionTenacity) },
		set: intSetter(0, 100, func(s *server, v int64) { s.cfg.maxmemoryEvictionTenacity = v })},
	{name: "lfu-log-factor", get: func(s *server) string { return itoa(s.cfg.lfuLogFactor) },
		set: intSetter(0, math.MaxInt32, func(s *server, v int64) { s.cfg.lfuLogFactor = v })},
	{name: "lfu-decay-time", get: func(s *server) string { return itoa(s.cfg.lfuDecayTime) },
		set: intSetter(0, math.MaxInt32, func(s *server, v int64) { s.cfg.lfuDecayTime = v })},
	{name: "cluster-enabled", get: fixed("no")},
	{name: "io-threads", get: fixed("1")},
	{name: "daemonize", get: fixed("no")},
	{name: "protected-mode", get: fixed("no")},
	{name: "replica-read-only", get: fixed("yes")},
	{name: "slave-read-only", get: fixed("yes")},
}

// lookupConfig finds a parameter by name, case-insensitively.
func lookupConfig(name []byte) *configParam {
	for _, p := range configParams {
		if strings.EqualFold(p.name, string(name)) {
			return p
		}
	}
	return nil
}

// configGetCommand is CONFIG GET parameter [parameter ...] (Redis 7.0):
// a name without glob characters is looked up exactly (and replied with
// the caller's spelling), a pattern is matched case-insensitively; each
// parameter is replied once, as name and value pairs.
func configGetCommand(s *server, c *client) {
	var names []string
	var params []*configParam
	seen := func(p *configParam) bool {
		for _, q := range params {
			if q == p {
				return true
			}
		}
		return false
	}
	for _, arg := range c.Argv[2:] {
		if !strings.ContainsAny(string(arg), "[*?") {
			if p := lookupConfig(arg); p != nil && !seen(p) {
				names, params = append(names, string(arg)), append(params, p)
			}
			continue
		}
		for _, p := range configParams {
			if !seen(p) && stringMatch(arg, p.name, true) {
				names, params = append(names, p.name), append(params, p)
			}
		}
	}
	c.AddReplyMapLen(len(params))
	for i, p := range params {
		c.AddReplyBulkString(names[i])
		c.AddReplyBulkString(p.get(s))
	}
}

// configSetCommand is CONFIG SET parameter value [parameter value ...]:
// all or nothing, with Redis's errors. Parameters this server cannot
// change at run time answer as Redis's immutable ones.
func configSetCommand(s *server, c *client) {
	if len(c.Argv)%2 != 0 {
		c.AddReply(resp.SyntaxErr)
		return
	}
	type change struct {
		p   *configParam
		val []byte
	}
	var changes []change
	for i := 2; i < len(c.Argv); i += 2 {
		name := c.Argv[i]
		p := lookupConfig(name)
		if p == nil {
			c.AddReplyErrorf("Unknown option or number of arguments for CONFIG SET - '%s'", name)
			return
		}
		if p.set == nil {
			c.AddReplyErrorf("CONFIG SET failed (possibly related to argument '%s') - can't set immutable config", name)
			return
		}
		for _, ch := range changes {
			if ch.p == p {
				c.AddReplyErrorf("CONFIG SET failed (possibly related to argument '%s') - duplicate parameter", name)
				return
			}
		}
		changes = append(changes, change{p, c.Argv[i+1]})
	}
	// Apply on a copy of the configuration first, so that a bad value
	// leaves everything as it was.
	saved := s.cfg
	for i, ch := range changes {
		if msg := ch.p.set(s, ch.val); msg != "" {
			s.cfg = saved
			c.AddReplyErrorf("CONFIG SET failed (possibly related to argument '%s') - %s", c.Argv[2+2*i], msg)
			return
		}
	}
	// The connection layer keeps its own copy of the client limits.
	s.rs.SetTimeout(s.cfg.timeout)
	s.rs.SetTCPKeepAlive(s.cfg.tcpKeepalive)
	s.rs.SetOutputBufferLimit(s.cfg.clientOutputBufferLimit.normal)
	s.rs.SetPubSubOutputBufferLimit(s.cfg.clientOutputBufferLimit.pubsub)
	c.AddReply(resp.OK)
}

// configResetStatCommand resets INFO's statistics and the per-command
// call counts (resetServerStats, resetCommandTableStats).
func configResetStatCommand(s *server, c *client) {
	s.stats = stats{}
	s.rs.Stats = respserver.Stats{}
	for _, cmd := range s.commands {
		cmd.calls = 0
		for _, sub := range cmd.subcommands {
			sub.calls = 0
		}
	}
	c.AddReply(resp.OK)
}

func configHelpCommand(s *server, c *client) {
	addReplyHelp(c, "CONFIG", []string{
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
	})
}
