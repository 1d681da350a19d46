package main

// The sentinel's command table (sentinel.c's sentinelcmds, 15 commands)
// and the server commands beside SENTINEL: PING, INFO, ROLE, CLIENT, AUTH,
// HELLO, COMMAND, ACL, SHUTDOWN (server.c, networking.c and sentinel.c's
// sentinelInfoCommand / sentinelRoleCommand, as a sentinel has them).

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
	"golang.org/x/sys/unix"
)

// commandTable is the sentinel's table.
func commandTable() map[string]*command {
	sub := map[string]*command{}
	for _, c := range sentinelSubcommands {
		sub[c.name[len("sentinel|"):]] = c
	}
	list := []*command{
		{name: "ping", arity: -1, flags: []string{"fast", "sentinel"}, proc: pingCommand},
		{name: "sentinel", arity: -2, flags: []string{"admin", "sentinel", "only_sentinel"}, subcommands: sub},
		{name: "subscribe", arity: -2, flags: []string{"pubsub", "noscript", "loading", "stale", "sentinel"}, proc: subscribeCommand},
		{name: "unsubscribe", arity: -1, flags: []string{"pubsub", "noscript", "loading", "stale", "sentinel"}, proc: unsubscribeCommand},
		{name: "psubscribe", arity: -2, flags: []string{"pubsub", "noscript", "loading", "stale", "sentinel"}, proc: psubscribeCommand},
		{name: "punsubscribe", arity: -1, flags: []string{"pubsub", "noscript", "loading", "stale", "sentinel"}, proc: punsubscribeCommand},
		{name: "publish", arity: 3, flags: []string{"pubsub", "loading", "stale", "fast", "may_replicate", "sentinel"}, proc: publishCommand},
		{name: "info", arity: -1, flags: []string{"loading", "stale", "sentinel"}, proc: infoCommand},
		{name: "role", arity: 1, flags: []string{"noscript", "loading", "stale", "fast", "sentinel"}, proc: roleCommand},
		{name: "client", arity: -2, flags: []string{"sentinel"}, subcommands: clientSubcommands()},
		{name: "shutdown", arity: -1, flags: []string{"admin", "noscript", "loading", "stale", "no_multi", "sentinel", "allow_busy"}, proc: shutdownCommand},
		{name: "auth", arity: -2, flags: []string{"noscript", "loading", "stale", "fast", "no_auth", "sentinel", "allow_busy"}, proc: authCommand, noauth: true},
		{name: "hello", arity: -1, flags: []string{"noscript", "loading", "stale", "fast", "no_auth", "sentinel", "allow_busy"}, proc: helloCommand, noauth: true},
		{name: "acl", arity: -2, flags: []string{"sentinel"}, subcommands: map[string]*command{
			"whoami": {name: "acl|whoami", arity: 2, proc: aclWhoamiCommand},
		}},
		{name: "command", arity: -1, flags: []string{"loading", "stale", "sentinel"}, proc: commandCommand},
	}
	t := map[string]*command{}
	for _, c := range list {
		t[c.name] = c
	}
	return t
}

// processCommand is server.c's, as far as a sentinel's commands need:
// QUIT, lookup, subcommand, arity, authentication, the subscribed-mode
// restriction of RESP2, CLIENT PAUSE.
func (s *sentinelState) processCommand(c *client) {
	name := strings.ToLower(c.arg(0))
	if name == "quit" {
		c.AddReply(resp.OK)
		c.Flags |= respserver.CloseAfterReply
		return
	}
	cmd := s.commands[name]
	if cmd == nil {
		s.addReplyError(c, resp.UnknownCommandError(c.Argv))
		return
	}
	if cmd.subcommands != nil {
		if len(c.Argv) < 2 {
			s.addReplyError(c, "wrong number of arguments for '"+cmd.name+"' command")
			return
		}
		sub := cmd.subcommands[strings.ToLower(c.arg(1))]
		if sub == nil {
			s.addReplyError(c, resp.UnknownSubcommandError(cmd.name, c.arg(1)))
			return
		}
		cmd = sub
	}
	if (cmd.arity > 0 && len(c.Argv) != cmd.arity) || len(c.Argv) < -cmd.arity {
		s.addReplyError(c, "wrong number of arguments for '"+cmd.name+"' command")
		return
	}
	if !c.authed && !cmd.noauth && s.cfg.requirepass != nil {
		s.stats.totalErrorReply++
		c.AddReply(resp.NoAuthErr)
		return
	}
	if c.Protocol() == 2 && len(c.channels)+len(c.patterns) > 0 {
		switch cmd.name { // by the command, whatever rename-command called it
		case "ping", "subscribe", "unsubscribe", "psubscribe", "punsubscribe":
		default:
			s.addReplyError(c, "Can't execute '"+cmd.name+"': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
			return
		}
	}
	if s.postponeIfPaused(c, cmd) {
		return
	}
	c.lastcmd = cmd
	cmd.proc(s, c)
	s.stats.numCommands++ // after the call, as call() counts: INFO does not see itself
}

// pingCommand is server.c's, with subscribed mode's reply in RESP2.
func pingCommand(s *sentinelState, c *client) {
	if len(c.Argv) > 2 {
		s.addReplyError(c, "wrong number of arguments for 'ping' command")
		return
	}
	if c.Protocol() == 2 && len(c.channels)+len(c.patterns) > 0 {
		c.AddReplyArrayLen(2)
		c.AddReplyBulkString("pong")
		if len(c.Argv) == 1 {
			c.AddReplyBulkString("")
		} else {
			c.AddReplyBulk(c.Argv[1])
		}
		return
	}
	if len(c.Argv) == 1 {
		c.AddReply(resp.Pong)
	} else {
		c.AddReplyBulk(c.Argv[1])
	}
}

// roleCommand is sentinelRoleCommand.
func roleCommand(s *sentinelState, c *client) {
	c.AddReplyArrayLen(2)
	c.AddReplyBulkString("sentinel")
	c.AddReplyArrayLen(s.masters.size())
	for _, m := range s.masters.list {
		c.AddReplyBulkString(m.name)
	}
}

// authCommand is AUTH [user] password against the default user's
// password (requirepass) and the users the config defines.
func authCommand(s *sentinelState, c *client) {
	if len(c.Argv) > 3 {
		s.addReplyError(c, "syntax error")
		return
	}
	user, pass := "default", c.arg(1)
	if len(c.Argv) == 3 {
		user, pass = c.arg(1), c.arg(2)
	} else if s.cfg.requirepass == nil {
		s.addReplyError(c, "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
		return
	}
	if !s.checkPassword(user, pass) {
		s.addReplyError(c, "-WRONGPASS invalid username-password pair or user is disabled.")
		return
	}
	c.authed = true
	c.AddReply(resp.OK)
}

// checkPassword is ACLCheckUserCredentials for the users this config has.
func (s *sentinelState) checkPassword(user, pass string) bool {
	for _, u := range s.cfg.users {
		if u.name != user {
			continue
		}
		if !u.enabled {
			return false
		}
		if u.nopass {
			return true
		}
		h := hashPassword(pass)
		for _, p := range u.passwords {
			if p == h {
				return true
			}
		}
		return false
	}
	return false
}

func aclWhoamiCommand(s *sentinelState, c *client) { c.AddReplyBulkString("default") }

// helloCommand is HELLO [protover [AUTH user pass] [SETNAME name]], RESP2
// and RESP3; the arguments and the reply are respserver's (hello.go).
func helloCommand(s *sentinelState, c *client) {
	h, errText := respserver.ParseHello(c.Argv)
	if errText != "" {
		s.addReplyError(c, errText)
		return
	}
	if h.User != nil {
		if !s.checkPassword(string(h.User), string(h.Pass)) {
			s.addReplyError(c, "-WRONGPASS invalid username-password pair or user is disabled.")
			return
		}
		c.authed = true
	}
	if !c.authed && s.cfg.requirepass != nil {
		s.addReplyError(c, respserver.HelloNoAuthErr)
		return
	}
	if h.Name != nil {
		c.Name = string(h.Name)
	}
	c.AddReplyHello(h, redisVersion, "sentinel", "")
}

// shutdownCommand is SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: a
// sentinel has nothing to save; it exits.
func shutdownCommand(s *sentinelState, c *client) {
	for _, a := range c.Argv[1:] {
		switch strings.ToLower(string(a)) {
		case "nosave", "save", "now", "force":
		case "abort":
			s.addReplyError(c, "No shutdown in progress.")
			return
		default:
			s.addReplyError(c, "syntax error")
			return
		}
	}
	s.prepareForShutdown()
}

// commandCommand is COMMAND: COUNT, INFO name..., LIST, and the whole
// table; entries carry name, arity, flags and the key positions (none),
// with empty ACL categories, tips, key specs and subcommands.
func commandCommand(s *sentinelState, c *client) {
	names := make([]string, 0, len(s.commands))
	for n := range s.commands {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(c.Argv) == 1 {
		c.AddReplyArrayLen(len(names))
		for _, n := range names {
			s.addReplyCommandInfo(c, s.commands[n])
		}
		return
	}
	switch strings.ToLower(c.arg(1)) {
	case "count":
		c.AddReplyInt(int64(len(s.commands)))
	case "list":
		c.AddReplyArrayLen(len(names))
		for _, n := range names {
			c.AddReplyBulkString(n)
		}
	case "info":
		args := c.Argv[2:]
		if len(args) == 0 {
			c.AddReplyArrayLen(len(names))
			for _, n := range names {
				s.addReplyCommandInfo(c, s.commands[n])
			}
			return
		}
		c.AddReplyArrayLen(len(args))
		for _, a := range args {
			if cmd := s.commands[strings.ToLower(string(a))]; cmd != nil {
				s.addReplyCommandInfo(c, cmd)
			} else {
				c.AddReplyNull()
			}
		}
	default:
		s.addReplyError(c, resp.UnknownSubcommandError("command", c.arg(1)))
	}
}

func (s *sentinelState) addReplyCommandInfo(c *client, cmd *command) {
	c.AddReplyArrayLen(10)
	c.AddReplyBulkString(cmd.name)
	c.AddReplyInt(int64(cmd.arity))
	c.AddReplySetLen(len(cmd.flags))
	for _, f := range cmd.flags {
		c.AddReplyStatus(f)
	}
	c.AddReplyInt(0)
	c.AddReplyInt(0)
	c.AddReplyInt(0)
	c.AddReplySetLen(0)
	c.AddReplySetLen(0)
	c.AddReplyArrayLen(0)
	c.AddReplyArrayLen(0)
}

// infoCommand is sentinelInfoCommand, INFO [section ...]: the server,
// clients, stats and cpu sections a sentinel keeps, and its own sentinel
// section.
func infoCommand(s *sentinelState, c *client) {
	want := map[string]bool{}
	if len(c.Argv) == 1 {
		want["default"] = true
	}
	for _, a := range c.Argv[1:] {
		want[strings.ToLower(string(a))] = true
	}
	all := want["default"] || want["all"] || want["everything"]
	var b bytes.Buffer
	for _, sec := range []struct {
		name, title string
		gen         func(*bytes.Buffer)
	}{
		{"server", "Server", s.infoServer},
		{"clients", "Clients", s.infoClients},
		{"stats", "Stats", s.infoStats},
		{"cpu", "CPU", infoCPU},
		{"sentinel", "Sentinel", s.infoSentinel},
	} {
		if !all && !want[sec.name] {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# " + sec.title + "\r\n")
		sec.gen(&b)
	}
	c.AddReplyVerbatim(b.String(), "txt")
}

func (s *sentinelState) infoServer(b *bytes.Buffer) {
	exe, _ := os.Executable()
	now := time.Now()
	uptime := int64(time.Since(s.start).Seconds())
	fmt.Fprintf(b, "redis_version:%s\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\n"+
		"redis_mode:sentinel\r\nos:%s\r\narch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\n"+
		"multiplexing_api:%s\r\natomicvar_api:c11-builtin\r\ngcc_version:0.0.0\r\nprocess_id:%d\r\n"+
		"process_supervised:no\r\nrun_id:%s\r\ntcp_port:%d\r\nserver_time_usec:%d\r\n"+
		"uptime_in_seconds:%d\r\nuptime_in_days:%d\r\nhz:%d\r\nconfigured_hz:%d\r\nlru_clock:%d\r\n"+
		"executable:%s\r\nconfig_file:%s\r\nio_threads_active:0\r\n",
		redisVersion, unameString(), s.el.APIName(), os.Getpid(), s.runID, s.port, now.UnixMicro(),
		uptime, uptime/86400, s.hz, s.cfg.hz, (now.UnixMilli()/1000)&(1<<24-1), exe, s.cfg.configFile)
}

func (s *sentinelState) infoClients(b *bytes.Buffer) {
	fmt.Fprintf(b, "connected_clients:%d\r\ncluster_connections:0\r\nmaxclients:%d\r\n"+
		"client_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\nblocked_clients:%d\r\n"+
		"tracking_clients:%d\r\nclients_in_timeout_table:0\r\n", s.rs.NumClients(), s.cfg.maxclients, len(s.pause.postponed), s.trackingClients)
}

// infoCPU is the process's CPU time from getrusage. Redis's main-thread
// figures (RUSAGE_THREAD) are the process's here: the loop is one
// goroutine, not one thread.
func infoCPU(b *bytes.Buffer) {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	tv := func(t unix.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	fmt.Fprintf(b, "used_cpu_sys:%.6f\r\nused_cpu_user:%.6f\r\nused_cpu_sys_children:0.000000\r\n"+
		"used_cpu_user_children:0.000000\r\nused_cpu_sys_main_thread:%.6f\r\nused_cpu_user_main_thread:%.6f\r\n",
		tv(ru.Stime), tv(ru.Utime), tv(ru.Stime), tv(ru.Utime))
}

// infoStats is the Stats section with every field redis-sentinel 7.0.15
// writes, in its order; a sentinel has no keys, replication, forks or
// defrag, so those counters stay 0 as they do in Redis.
func (s *sentinelState) infoStats(b *bytes.Buffer) {
	st := s.rs.Stats
	fmt.Fprintf(b, "total_connections_received:%d\r\ntotal_commands_processed:%d\r\ninstantaneous_ops_per_sec:0\r\n"+
		"total_net_input_bytes:%d\r\ntotal_net_output_bytes:%d\r\ntotal_net_repl_input_bytes:0\r\n"+
		"total_net_repl_output_bytes:0\r\ninstantaneous_input_kbps:0.00\r\ninstantaneous_output_kbps:0.00\r\n"+
		"instantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\nrejected_connections:%d\r\n"+
		"sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\nexpired_keys:0\r\nexpired_stale_perc:0.00\r\n"+
		"expired_time_cap_reached_count:0\r\nexpire_cycle_cpu_milliseconds:0\r\nevicted_keys:0\r\nevicted_clients:0\r\n"+
		"total_eviction_exceeded_time:0\r\ncurrent_eviction_exceeded_time:0\r\nkeyspace_hits:0\r\nkeyspace_misses:0\r\n"+
		"pubsub_channels:%d\r\npubsub_patterns:%d\r\npubsubshard_channels:0\r\nlatest_fork_usec:0\r\ntotal_forks:0\r\n"+
		"migrate_cached_sockets:0\r\nslave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\nactive_defrag_misses:0\r\n"+
		"active_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\n"+
		"tracking_total_keys:0\r\ntracking_total_items:0\r\ntracking_total_prefixes:%d\r\nunexpected_error_replies:0\r\n"+
		"total_error_replies:%d\r\ndump_payload_sanitizations:0\r\ntotal_reads_processed:%d\r\ntotal_writes_processed:%d\r\n"+
		"io_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\nreply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n",
		st.Connections, s.stats.numCommands, st.NetInputBytes, st.NetOutputBytes, st.Rejected,
		len(s.pubsub.channels), len(s.pubsub.patterns), s.trackingPrefixes(), s.stats.totalErrorReply,
		st.ReadsProcessed, st.WritesProcessed)
}

// trackingPrefixes is the number of distinct BCAST prefixes the clients
// track (the prefix table's size).
func (s *sentinelState) trackingPrefixes() int {
	if s.trackingClients == 0 {
		return 0
	}
	seen := map[string]bool{}
	for _, rc := range s.rs.Clients() {
		if rc == nil {
			continue
		}
		if c, ok := rc.Data.(*client); ok && c.tracking != nil {
			for _, p := range c.tracking.Prefixes {
				seen[p] = true
			}
		}
	}
	return len(seen)
}

// infoSentinel is the Sentinel section: one masterN line per master with
// its status and the sentinels counting us.
func (s *sentinelState) infoSentinel(b *bytes.Buffer) {
	tiltSince := int64(-1)
	tilt := 0
	if s.tilt {
		tilt = 1
		tiltSince = (s.mstime() - s.tiltStartTime) / 1000
	}
	fmt.Fprintf(b, "sentinel_masters:%d\r\nsentinel_tilt:%d\r\nsentinel_tilt_since_seconds:%d\r\n"+
		"sentinel_running_scripts:%d\r\nsentinel_scripts_queue_length:%d\r\nsentinel_simulate_failure_flags:%d\r\n",
		s.masters.size(), tilt, tiltSince, s.scripts.running, len(s.scripts.queue), s.simFailure)
	for i, m := range s.masters.list {
		status := "ok"
		if m.flags&sriODown != 0 {
			status = "odown"
		} else if m.flags&sriSDown != 0 {
			status = "sdown"
		}
		addr := sentinelGetCurrentMasterAddress(m)
		fmt.Fprintf(b, "master%d:name=%s,status=%s,address=%s,slaves=%d,sentinels=%d\r\n",
			i, m.name, status, s.cfg.announceSentinelAddrAndPort(addr), m.slaves.size(), m.sentinels.size()+1)
	}
}

// unameString is "sysname release machine", as Redis's os field.
func unameString() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return runtime.GOOS
	}
	cstr := func(b []byte) string {
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
		return string(b)
	}
	return cstr(u.Sysname[:]) + " " + cstr(u.Release[:]) + " " + cstr(u.Machine[:])
}
