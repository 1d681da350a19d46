package main

import (
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/goae/goae/anet"
	"github.com/goae/goae/connection"
	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
	"golang.org/x/sys/unix"
)

// configCommands is CONFIG and its subcommands (config.c).
var configCommands = []*command{
	{name: "config", arity: -2, subcommands: subcommandMap(
		&command{name: "config|get", arity: -3, proc: configGetCommand},
		&command{name: "config|set", arity: -4, proc: configSetCommand},
		&command{name: "config|resetstat", arity: 2, proc: configResetStatCommand},
		&command{name: "config|rewrite", arity: 2, proc: configRewriteCommand},
		&command{name: "config|help", arity: 2, proc: configHelpCommand},
	)},
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// configGetCommand is CONFIG GET parameter [parameter ...] (Redis 7.0):
// a name without glob characters is looked up exactly (and replied with
// the caller's spelling), a pattern is matched case-insensitively
// against names and aliases (hidden parameters need their exact name);
// each name is replied once, as name and value pairs. Redis replies in
// its dict's hash order; kv in the order found.
func configGetCommand(s *server, c *client) {
	var names []string
	var params []*standardConfig
	seen := func(name string) bool {
		return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, name) })
	}
	for _, arg := range c.Argv[2:] {
		if !strings.ContainsAny(string(arg), "[*?") {
			if p := lookupConfig(string(arg)); p != nil && !seen(string(arg)) {
				names, params = append(names, string(arg)), append(params, p)
			}
			continue
		}
		for _, name := range configNames {
			if !seen(name) && stringMatch(arg, name, true) {
				names, params = append(names, name), append(params, lookupConfig(name))
			}
		}
	}
	c.AddReplyMapLen(len(params))
	for i, p := range params {
		c.AddReplyBulkString(names[i])
		c.AddReplyBulkString(p.value(s))
	}
}

// splitValue is performInterfaceSet's split of a CONFIG SET value: at
// single spaces for multi-argument parameters ("" is no arguments).
func (sc *standardConfig) splitValue(v string) []string {
	if sc.flags&multiArgConfig == 0 {
		return []string{v}
	}
	if v == "" {
		return nil
	}
	return strings.Split(v, " ")
}

// configSetCommand is CONFIG SET parameter value [parameter value ...]:
// all or nothing, with Redis's errors and their order (the first unknown
// or immutable parameter, or duplicate, is reported before any value is
// looked at); a value that fails restores every parameter set before it
// from its CONFIG GET form, as restoreBackupConfig does.
func configSetCommand(s *server, c *client) {
	if len(c.Argv)%2 != 0 {
		c.AddReply(resp.SyntaxErr)
		return
	}
	var set []*standardConfig
	var values, setNames []string
	unknown, errArg, errStr := "", "", ""
	for i := 2; i < len(c.Argv); i += 2 {
		name := string(c.Argv[i])
		sc := lookupConfig(name)
		if sc == nil {
			if unknown == "" && errArg == "" {
				unknown = name
			}
			continue
		}
		if unknown != "" || errArg != "" {
			continue
		}
		if sc.flags&immutableConfig != 0 {
			errArg, errStr = name, "can't set immutable config"
			continue
		}
		if sc.flags&protectedConfig != 0 && !s.allowProtectedAction(lookupConfig("enable-protected-configs").num.get(&s.cfg), c) {
			errArg, errStr = name, "can't set protected config"
			continue
		}
		// Redis's dict holds an alias as an entry of its own, so a
		// parameter set by its name and its alias is no duplicate.
		if slices.Contains(setNames, strings.ToLower(name)) {
			errArg, errStr = name, "duplicate parameter"
			continue
		}
		set, values = append(set, sc), append(values, string(c.Argv[i+1]))
		setNames = append(setNames, strings.ToLower(name))
	}
	if unknown != "" {
		c.AddReplyErrorf("Unknown option or number of arguments for CONFIG SET - '%s'", unknown)
		return
	}
	if errArg != "" {
		c.AddReplyErrorf("CONFIG SET failed (possibly related to argument '%s') - %s", errArg, errStr)
		return
	}
	old := make([]string, len(set))
	for i, sc := range set {
		old[i] = sc.format(&s.cfg, s)
	}
	prevPort, prevBind, prevMaxclients := s.cfg.port, s.cfg.bind, s.cfg.maxclients
	// Restoring a value from its CONFIG GET form is not always a no-op
	// (notify-keyspace-events' "A" hides n), so it is applied too.
	restore := func(n int) {
		for j := 0; j < n; j++ {
			set[j].setValue(&s.cfg, set[j].splitValue(old[j]))
		}
		s.applyConfig()
	}
	for i, sc := range set {
		if msg := sc.setValue(&s.cfg, sc.splitValue(values[i])); msg != "" {
			restore(i + 1)
			c.AddReplyErrorf("CONFIG SET failed (possibly related to argument '%s') - %s", configErrName(sc, string(c.Argv[2+2*i])), msg)
			return
		}
	}
	if s.cfg.maxclients != prevMaxclients {
		if msg := s.updateMaxclients(); msg != "" {
			restore(len(set))
			name := "maxclients"
			for i, sc := range set {
				if sc.name == name {
					name = configErrName(sc, string(c.Argv[2+2*i]))
				}
			}
			c.AddReplyErrorf("CONFIG SET failed (possibly related to argument '%s') - %s", name, msg)
			return
		}
	}
	if s.cfg.port != prevPort || s.cfg.bind != prevBind {
		if err := s.rebind(); err != nil {
			s.cfg.log.Warn("Failed applying new configuration. Restoring previous settings.", "err", err.Error())
			name, msg := "bind", "Failed to bind to specified addresses."
			if s.cfg.bind == prevBind {
				name, msg = "port", "Unable to listen on this port. Check server logs."
			}
			restore(len(set))
			for i, sc := range set {
				if sc.name == name {
					name = configErrName(sc, string(c.Argv[2+2*i]))
				}
			}
			c.AddReplyErrorf("CONFIG SET failed (possibly related to argument '%s') - %s", name, msg)
			return
		}
	}
	s.applyConfig()
	c.AddReply(resp.OK)
}

// updateMaxclients is config.c's: the fd limit raised for the new
// maxclients (or the figure the system allows, in the error), and the
// loop grown to hold it (never shrunk, as Redis); then the connection
// layer takes the new limit. It returns the error text, "" when done.
func (s *server) updateMaxclients() string {
	want := s.cfg.maxclients
	got, err := adjustOpenFilesLimit(s.cfg)
	if err != nil || got != want {
		return fmt.Sprintf("The operating system is not able to handle the specified number of clients, try with %d", got)
	}
	if s.el.SetSize() < want+configFdsetIncr {
		if err := s.el.ResizeSetSize(want + configFdsetIncr); err != nil {
			return "The event loop API used by Redis is not able to handle the specified number of clients"
		}
	}
	s.rs.SetMaxClients(want)
	return ""
}

// configErrName is the name a failed set is reported under: Redis's
// entry for the name the caller used (the alias's own, lowercase).
func configErrName(sc *standardConfig, typed string) string {
	if sc.alias != "" && strings.EqualFold(typed, sc.alias) {
		return sc.alias
	}
	return sc.name
}

// applyConfig pushes the configuration into the parts of kv that keep
// their own copy (Redis's apply functions): the connection layer's client
// limits, keyspace notifications, the tracking table, the log level.
func (s *server) applyConfig() {
	s.rs.SetTimeout(s.cfg.timeout)
	s.rs.SetTCPKeepAlive(s.cfg.tcpKeepalive)
	s.rs.SetOutputBufferLimit(s.cfg.clientOutputBufferLimit.normal)
	s.rs.SetPubSubOutputBufferLimit(s.cfg.clientOutputBufferLimit.pubsub)
	s.rs.SetProtoMaxBulkLen(s.cfg.protoMaxBulkLen)
	s.rs.SetQueryBufferLimit(s.cfg.clientQueryBufferLimit)
	s.notifyFlags = s.cfg.notifyKeyspaceEvents
	s.trk.maxKeys = s.cfg.trackingTableMaxKeys
	if s.cfg.logLevel != nil {
		s.cfg.logLevel.Set(slogLevel(s.cfg.loglevel))
	}
}

// slogLevel maps loglevel's values to slog's levels.
func slogLevel(v int64) slog.Level {
	return [...]slog.Level{slog.LevelDebug, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn}[min(max(v, 0), 3)]
}

// rebind listens on the configured port and bind address and closes the
// old TCP listener, as CONFIG SET port and bind do (changeListenPort,
// applyBind); on an error the old listener stays.
func (s *server) rebind() error {
	fd, l := -1, (*connection.Listener)(nil)
	if s.cfg.bind != "" { // no addresses: no TCP listener, as in Redis
		var err error
		if fd, err = anet.TCPServer(s.cfg.port, listenAddr(s.cfg.bind), s.cfg.tcpBacklog); err != nil {
			return err
		}
		anet.Cloexec(fd)
		if l, err = connection.NewListener(s.el, fd, connection.ListenConfig{Log: s.cfg.log}, s.rs.AcceptTCP); err != nil {
			unix.Close(fd)
			return err
		}
	}
	if s.tcpFD >= 0 {
		for i, old := range s.listeners {
			if old.FD() == s.tcpFD && !old.Unix() {
				old.Close()
				s.listeners = slices.Delete(s.listeners, i, i+1)
				break
			}
		}
		if i := slices.Index(s.lfds, s.tcpFD); i >= 0 {
			unix.Close(s.tcpFD)
			s.lfds = slices.Delete(s.lfds, i, i+1)
		}
	}
	s.tcpFD = fd
	if l != nil {
		s.lfds = append(s.lfds, fd)
		s.listeners = append(s.listeners, l)
	}
	return nil
}

// allowProtectedAction is Redis's: yes, or local and the client is on
// the unix socket or a loopback address.
func (s *server) allowProtectedAction(setting int64, c *client) bool {
	return setting == protectedActionYes || (setting == protectedActionLocal && isLocalClient(c))
}

// isLocalClient is islocalClient: unix socket ("path:0") or loopback.
func isLocalClient(c *client) bool {
	i := strings.LastIndexByte(c.Addr, ':')
	if i < 0 {
		return false
	}
	host := strings.Trim(c.Addr[:i], "[]")
	return strings.HasPrefix(host, "/") || strings.HasPrefix(host, "127.") || host == "::1"
}

// configRewriteCommand is CONFIG REWRITE (config_rewrite.go).
func configRewriteCommand(s *server, c *client) {
	if s.cfg.configfile == "" {
		c.AddReplyError("The server is running without a config file")
		return
	}
	if err := s.rewriteConfig(s.cfg.configfile, false); err != nil {
		s.cfg.log.Warn("CONFIG REWRITE failed: " + strerror(err))
		c.AddReplyErrorf("Rewriting config file: %s", strerror(err))
		return
	}
	s.cfg.log.Warn("CONFIG REWRITE executed with success.")
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
	c.AddReplyHelp("CONFIG", []string{
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
	})
}
