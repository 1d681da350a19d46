package main

// The config rewrite, as redis-sentinel 7.0.15 does it on every state
// change: config.c's rewriteConfig with sentinel.c's
// rewriteConfigSentinelOption and sentinelFlushConfig, on config.c's
// CONFIG REWRITE engine (internal/redisconf, which kv's CONFIG REWRITE
// uses too): the user's lines stay where they are, each option's new
// lines take its old lines' places, the rest is appended after "# Generated
// by CONFIG REWRITE".
//
// Redis writes the masters, replicas, sentinels, renamed commands and the
// appended server options in dict order, which depends on a hash seed
// picked at random on every start; this port writes them in a fixed order
// (creation order, and the server options in config.c's table order), which
// is one of the orders Redis may write.

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/goae/goae/internal/redisconf"
	"github.com/goae/goae/internal/resp"
)

// specialDirectives are the first words rewriteConfigReadOldFile keeps as
// options besides the standard parameters (config_directives.go): a line
// starting with anything else is kept as a "# ??? " comment.
var specialDirectives = []string{"include", "rename-command", "user", "loadmodule", "sentinel"}

// oldFileOption is the option an old line belongs to, for
// redisconf.ReadOldFile: a parameter's name (for an alias too, as Redis
// files it under the name), and for a "sentinel" line "sentinel <second
// word>", so that every sentinel option has its own places.
func oldFileOption(argv []string) (string, bool) {
	option := strings.ToLower(argv[0])
	if p := redisconf.LookupParameter(option); p != nil {
		return p.Name, true
	}
	if !containsFold(specialDirectives, option) {
		return "", false
	}
	if option == "sentinel" && len(argv) > 1 {
		option = "sentinel " + strings.ToLower(argv[1])
	}
	return option, true
}

// Helpers for the typed options, config.c's rewriteConfig*Option.

func yesNoOption(s *redisconf.Rewrite, option string, value, def bool) {
	v := "no"
	if value {
		v = "yes"
	}
	s.RewriteLine(option, option+" "+v, value != def)
}

func numericalOption(s *redisconf.Rewrite, option string, value, def int64) {
	s.RewriteLine(option, option+" "+strconv.FormatInt(value, 10), value != def)
}

// stringOption is rewriteConfigStringOption / rewriteConfigSdsOption: a
// NULL value is not written (its old lines go), a default one only in an
// old place; the value is quoted with sdscatrepr. def nil means no default.
func stringOption(s *redisconf.Rewrite, option string, value, def *string) {
	if value == nil {
		s.MarkAsProcessed(option)
		return
	}
	force := def == nil || *value != *def
	s.RewriteLine(option, option+" "+resp.Repr(*value), force)
}

// rewriteServerOptions is rewriteConfig's loop over the standard configs,
// in config.c's table order: the ones a sentinel uses from its state, the
// others as they were given (rewriteKeptParameter); then
// rewriteConfigUserOption and rewriteConfigLoadmoduleOption.
func (c *sentinelConfig) rewriteServerOptions(s *redisconf.Rewrite) {
	for i := range redisconf.Parameters {
		p := &redisconf.Parameters[i]
		switch p.Name {
		case "daemonize":
			yesNoOption(s, "daemonize", c.daemonize, false)
		case "protected-mode":
			// Sentinel turns protected mode off, so against the server's
			// default (yes) it is always written.
			yesNoOption(s, "protected-mode", c.protectedMode, true)
		case "pidfile":
			stringOption(s, "pidfile", c.pidfile, nil)
		case "logfile":
			empty := ""
			stringOption(s, "logfile", &c.logfile, &empty)
		case "requirepass":
			stringOption(s, "requirepass", c.requirepass, nil)
		case "loglevel":
			s.RewriteLine("loglevel", "loglevel "+c.loglevel, c.loglevel != defaultLogLevel)
		case "supervised":
			s.RewriteLine("supervised", "supervised "+c.supervised, c.supervised != "no")
		case "port":
			// Likewise the sentinel's port 26379 against the server's 6379.
			numericalOption(s, "port", int64(c.port), serverDefaultPort)
		case "acllog-max-len":
			numericalOption(s, "acllog-max-len", c.aclLogMaxLen, defaultACLLogMaxLen)
		case "maxclients":
			numericalOption(s, "maxclients", int64(c.maxclients), defaultMaxClients)
		case "timeout":
			numericalOption(s, "timeout", int64(c.timeout), 0)
		case "tcp-keepalive":
			numericalOption(s, "tcp-keepalive", int64(c.tcpKeepalive), defaultTCPKeepalive)
		case "hz":
			numericalOption(s, "hz", int64(c.hz), configDefaultHz)
		case "dir":
			// rewriteConfigDirOption: always, as the absolute working
			// directory.
			if wd, err := c.getwd(); err == nil {
				stringOption(s, "dir", &wd, nil)
			} else {
				s.MarkAsProcessed("dir")
			}
		case "bind":
			// rewriteConfigBindOption.
			if c.bind == nil || strings.Join(c.bind, " ") == strings.Join(defaultBind, " ") {
				s.MarkAsProcessed("bind")
			} else {
				addrs := `""`
				if len(c.bind) > 0 {
					addrs = strings.Join(c.bind, " ")
				}
				s.RewriteLine("bind", "bind "+addrs, true)
			}
		case "latency-tracking-info-percentiles":
			// Redis 7.0 compares this option's value with its default
			// wrongly and so always writes it.
			line := "latency-tracking-info-percentiles"
			for _, p := range c.percentiles {
				line += " " + strconv.FormatFloat(p, 'f', -1, 64)
			}
			if len(c.percentiles) == 0 {
				line += ` ""`
			}
			s.RewriteLine("latency-tracking-info-percentiles", line, true)
		default:
			c.rewriteKeptParameter(s, p)
		}
	}

	// rewriteConfigUserOption: every user, by name, always.
	for _, u := range c.sortedUsers() {
		s.RewriteLine("user", "user "+u.name+" "+u.describe(), true)
	}
	s.MarkAsProcessed("user")
	// rewriteConfigLoadmoduleOption: the modules loaded, none.
	s.MarkAsProcessed("loadmodule")
}

// rewriteConfigSentinelOption mirrors sentinel.c's: the sentinel's state,
// the lines Redis writes in the order it writes them. Values are formatted
// with %s as Redis does, unquoted, except announce-ip (sdscatrepr).
func (c *sentinelConfig) rewriteConfigSentinelOption(s *redisconf.Rewrite) {
	yn := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	s.RewriteLine("sentinel myid", "sentinel myid "+c.myid, true)
	s.RewriteLine("sentinel deny-scripts-reconfig",
		"sentinel deny-scripts-reconfig "+yn(c.denyScriptsReconfig), !c.denyScriptsReconfig) // the default is yes
	s.RewriteLine("sentinel resolve-hostnames",
		"sentinel resolve-hostnames "+yn(c.resolveHostnames), c.resolveHostnames)
	s.RewriteLine("sentinel announce-hostnames",
		"sentinel announce-hostnames "+yn(c.announceHostnames), c.announceHostnames)

	for _, m := range c.masters {
		masterAddr := m.addr
		if m.current != nil {
			masterAddr = *m.current
		}
		s.RewriteLine("sentinel monitor", fmt.Sprintf("sentinel monitor %s %s %d %d",
			m.name, c.announceSentinelAddr(masterAddr), masterAddr.port, m.quorum), true)
		if m.downAfterPeriod != sentinelDefaultDownAfter {
			s.RewriteLine("sentinel down-after-milliseconds",
				fmt.Sprintf("sentinel down-after-milliseconds %s %d", m.name, m.downAfterPeriod), true)
		}
		if m.failoverTimeout != sentinelDefaultFailoverTimeout {
			s.RewriteLine("sentinel failover-timeout",
				fmt.Sprintf("sentinel failover-timeout %s %d", m.name, m.failoverTimeout), true)
		}
		if m.parallelSyncs != sentinelDefaultParallelSyncs {
			s.RewriteLine("sentinel parallel-syncs",
				fmt.Sprintf("sentinel parallel-syncs %s %d", m.name, m.parallelSyncs), true)
		}
		perMasterString := func(option string, v *string) {
			if v != nil {
				s.RewriteLine("sentinel "+option, "sentinel "+option+" "+m.name+" "+*v, true)
			}
		}
		perMasterString("notification-script", m.notificationScript)
		perMasterString("client-reconfig-script", m.clientReconfigScript)
		perMasterString("auth-pass", m.authPass)
		perMasterString("auth-user", m.authUser)
		if m.masterRebootDownPeriod != 0 {
			s.RewriteLine("sentinel master-reboot-down-after-period",
				fmt.Sprintf("sentinel master-reboot-down-after-period %s %d", m.name, m.masterRebootDownPeriod), true)
		}
		s.RewriteLine("sentinel config-epoch",
			fmt.Sprintf("sentinel config-epoch %s %d", m.name, m.configEpoch), true)
		s.RewriteLine("sentinel leader-epoch",
			fmt.Sprintf("sentinel leader-epoch %s %d", m.name, m.leaderEpoch), true)
		for _, r := range m.replicas {
			// A replica already promoted (its address is the master's
			// current one) is written with the old master's address.
			if r.ip == masterAddr.ip && r.port == masterAddr.port {
				r = m.addr
			}
			s.RewriteLine("sentinel known-replica",
				fmt.Sprintf("sentinel known-replica %s %s %d", m.name, c.announceSentinelAddr(r), r.port), true)
		}
		for _, si := range m.sentinels {
			if si.runid == "" {
				continue
			}
			s.RewriteLine("sentinel known-sentinel",
				fmt.Sprintf("sentinel known-sentinel %s %s %d %s", m.name, c.announceSentinelAddr(si.addr), si.addr.port, si.runid), true)
		}
		for _, rc := range m.renamedCommands {
			s.RewriteLine("sentinel rename-command",
				fmt.Sprintf("sentinel rename-command %s %s %s", m.name, rc.oldName, rc.newName), true)
		}
	}

	s.RewriteLine("sentinel current-epoch", fmt.Sprintf("sentinel current-epoch %d", c.currentEpoch), true)
	if c.announceIP != "" {
		s.RewriteLine("sentinel announce-ip", "sentinel announce-ip "+resp.Repr(c.announceIP), true)
	} else {
		s.MarkAsProcessed("sentinel announce-ip")
	}
	if c.announcePort != 0 {
		s.RewriteLine("sentinel announce-port", fmt.Sprintf("sentinel announce-port %d", c.announcePort), true)
	} else {
		s.MarkAsProcessed("sentinel announce-port")
	}
	if c.sentinelAuthUser != "" {
		s.RewriteLine("sentinel sentinel-user", "sentinel sentinel-user "+c.sentinelAuthUser, true)
	} else {
		s.MarkAsProcessed("sentinel sentinel-user")
	}
	if c.sentinelAuthPass != "" {
		s.RewriteLine("sentinel sentinel-pass", "sentinel sentinel-pass "+c.sentinelAuthPass, true)
	} else {
		s.MarkAsProcessed("sentinel sentinel-pass")
	}

	// Options whose old lines go when no master writes them any more.
	for _, o := range []string{"monitor", "down-after-milliseconds", "failover-timeout",
		"parallel-syncs", "notification-script", "client-reconfig-script", "auth-pass",
		"auth-user", "config-epoch", "leader-epoch", "known-replica", "known-sentinel",
		"rename-command", "master-reboot-down-after-period"} {
		s.MarkAsProcessed("sentinel " + o)
	}
}

// rewriteConfigContent is config.c's rewriteConfig but for the file's
// replacement: read the old file, rewrite every option in place or append
// it, blank the orphaned lines; it returns the new text (built on the
// loop, written by config_writer.go or sentinelFlushConfig).
func (c *sentinelConfig) rewriteConfigContent() (string, error) {
	s, err := redisconf.ReadOldFile(c.configFile, oldFileOption)
	if err != nil {
		return "", err
	}
	c.rewriteServerOptions(s)
	c.rewriteConfigSentinelOption(s)
	s.RemoveOrphaned()
	return s.Content(), nil
}

// sentinelFlushConfig mirrors sentinel.c's: rewrite the config file, then
// open and fsync it once more. On failure it returns the warning Redis
// logs ("WARNING: Sentinel was not able to save the new configuration on
// disk!!!: <strerror>"), for the caller to log; the sentinel goes on.
func (c *sentinelConfig) sentinelFlushConfig() error {
	content, err := c.rewriteConfigContent()
	if err == nil {
		err = writeConfigFile(c.configFile, content)
	}
	return flushConfigError(err)
}

// writeConfigFile is sentinelFlushConfig's second half, the writer
// goroutine's part: the file replaced, then opened and fsynced once more.
func writeConfigFile(path, content string) error {
	err := redisconf.OverwriteFile(path, content)
	if err == nil {
		var f *os.File
		if f, err = os.Open(path); err == nil {
			err = f.Sync()
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
	}
	return err
}

// flushConfigError is the warning Redis logs for a failed flush.
func flushConfigError(err error) error {
	if err != nil {
		return fmt.Errorf("WARNING: Sentinel was not able to save the new configuration on disk!!!: %s", strerror(err))
	}
	return nil
}
