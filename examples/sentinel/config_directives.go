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

// keptDirective is the last value a parameter without effect was given.
type keptDirective struct {
	p    *redisconf.Parameter
	args []string
}

// keepServerParameter is the generic half of config.c's set for a
// parameter the sentinel does not use: the argument count (argv is the
// whole line, the name lowercased), yes or no for a boolean, and the value
// kept for the rewrite. It returns Redis's message for a bad line, or "".
func (c *sentinelConfig) keepServerParameter(p *redisconf.Parameter, argv []string) string {
	args := argv[1:]
	if p.Kind == redisconf.MultiArg {
		if len(args) == 1 && args[0] != "" {
			args, _ = resp.SplitArgs(args[0])
		}
	} else if len(argv) != 2 {
		return "wrong number of arguments"
	}
	switch p.Name {
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
	if p.Kind == redisconf.Bool {
		switch yesnotoi(args[0]) {
		case -1:
			return "argument must be 'yes' or 'no'"
		case 1:
			if p.Name == "activedefrag" {
				// As redis-server 7.0.15 is packaged here: its jemalloc
				// has no defragmentation support.
				return "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution"
			}
		}
	}
	if c.kept == nil {
		c.kept = map[string]*keptDirective{}
	}
	c.kept[p.Name] = &keptDirective{p: p, args: append([]string(nil), args...)}
	return ""
}

// rewriteKeptParameter writes a kept parameter back as config.c's rewrite
// of its type would write its value: a boolean as yes or no, a string
// quoted (a NULL one not at all), an enum or a multi-argument value
// other than replicaof's in lower case, a number as given; "save" never (a sentinel writes no save lines, and its old ones
// go). A value given on the command line only is appended.
func (c *sentinelConfig) rewriteKeptParameter(s *redisconf.Rewrite, p *redisconf.Parameter) {
	k := c.kept[p.Name]
	if p.Name == "save" || k == nil {
		s.MarkAsProcessed(p.Name)
		return
	}
	v := strings.Join(k.args, " ")
	switch p.Kind {
	case redisconf.Bool:
		v = "no"
		if yesnotoi(k.args[0]) == 1 {
			v = "yes"
		}
	case redisconf.NullString:
		if v == "" {
			s.MarkAsProcessed(p.Name)
			return
		}
		v = resp.Repr(v)
	case redisconf.String:
		v = resp.Repr(v)
	case redisconf.Enum:
		v = strings.ToLower(v)
	case redisconf.MultiArg:
		if p.Name != "replicaof" { // host names keep their case
			v = strings.ToLower(v)
		}
	case redisconf.Special: // notify-keyspace-events
		v = resp.Repr(v)
	}
	s.RewriteLine(p.Name, p.Name+" "+v, true)
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
