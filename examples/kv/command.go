package main

import (
	"github.com/goae/goae/internal/respserver"
	"strings"

	"github.com/goae/goae/internal/resp"
)

// Command flags (CMD_*), the ones this server acts on.
const (
	cmdWrite    = 1 << iota // CMD_WRITE: changes the keyspace
	cmdReadonly             // CMD_READONLY
	cmdNoAuth               // CMD_NO_AUTH: allowed before AUTH
	cmdFast                 // CMD_FAST: O(1) or O(log N)
	// Flags that only COMMAND INFO shows here (no scripts, no loading, no
	// replication, no slowlog, no busy scripts).
	cmdNoscript    // CMD_NOSCRIPT
	cmdLoading     // CMD_LOADING
	cmdStale       // CMD_STALE
	cmdSkipSlowlog // CMD_SKIP_SLOWLOG
	cmdAllowBusy   // CMD_ALLOW_BUSY
	cmdNoMulti     // CMD_NO_MULTI: refused inside MULTI
	// cmdNoQueue is run at once inside MULTI rather than queued: EXEC,
	// DISCARD, MULTI and WATCH, the commands processCommand names.
	cmdNoQueue
	// ACL categories a command has beyond those its flags and group give
	// (ACL_CATEGORY_KEYSPACE, ACL_CATEGORY_DANGEROUS).
	cmdCatKeyspace
	cmdCatDangerous
	cmdBlocking // CMD_BLOCKING: may block the client
	// cmdCatConnection puts a command of another group in @connection
	// rather than @keyspace, as Redis does WAIT.
	cmdCatConnection
	// cmdMayReplicate (CMD_MAY_REPLICATE): not a write, but held by CLIENT
	// PAUSE WRITE as one (PUBLISH, in Redis).
	cmdMayReplicate
	cmdMovableKeys // CMD_MOVABLE_KEYS: keys found by command.getkeys
	cmdPubsub      // CMD_PUBSUB: a pub/sub command
	cmdProtected   // CMD_PROTECTED: DEBUG, refused unless enable-debug-command allows it
	// cmdCatSortTypes: the categories of the types SORT reads (@set,
	// @sortedset, @list) in place of @keyspace, as Redis gives SORT.
	cmdCatSortTypes
	// cmdDenyOOM (CMD_DENYOOM): may grow memory, so refused with -OOM
	// while used memory stays over maxmemory (evict.go).
	cmdDenyOOM
)

// command is one entry of the command table (redisCommand).
type command struct {
	name  string // lower case, as Redis's fullname ("client|setname" for subcommands)
	arity int    // exact argc when > 0, minimum argc when < 0
	flags int
	proc  func(s *server, c *client)
	// Key positions, for COMMAND's reply (first, last, step).
	firstKey, lastKey, keyStep int
	// getkeys finds the keys of a command whose key positions depend on
	// its arguments (movablekeys, firstKey 0), for COMMAND GETKEYS; false
	// when the arguments do not give them.
	getkeys func(argv [][]byte) ([][]byte, bool)
	// subcommands, for container commands such as CLIENT and CONFIG.
	subcommands map[string]*command
	calls       int64
}

// commandTable builds the table from the per-family lists.
func commandTable() map[string]*command {
	table := map[string]*command{}
	// Each server gets its own copies: the entries carry call counts.
	for _, group := range [][]*command{
		serverCommands, stringCommands, keyCommands,
		listCommands, hashCommands, setCommands, zsetCommands,
		infoCommands, configCommands, commandCommands, clientCommands, helloCommands,
		multiCommands, pubsubCommands, listBlockCommands, zsetBlockCommands, miscCommands, debugCommands,
	} {
		for _, cmd := range group {
			table[cmd.name] = cloneCommand(cmd)
		}
	}
	return table
}

// cloneCommand copies an entry and its subcommands.
func cloneCommand(cmd *command) *command {
	cp := *cmd
	if cmd.subcommands != nil {
		cp.subcommands = make(map[string]*command, len(cmd.subcommands))
		for name, sub := range cmd.subcommands {
			cp.subcommands[name] = cloneCommand(sub)
		}
	}
	return &cp
}

// lookupCommand finds argv[0] case-insensitively without allocating:
// the name is lowered into a stack buffer, and a map index with
// string(bytes) does not copy.
func (s *server) lookupCommand(name []byte) *command {
	var lower [32]byte
	if len(name) > len(lower) {
		return nil
	}
	for i, b := range name {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		lower[i] = b
	}
	return s.commands[string(lower[:len(name)])]
}

// lookupSubcommand finds argv[1] of a container command.
func lookupSubcommand(cmd *command, name []byte) *command {
	if cmd.subcommands == nil {
		return nil
	}
	return cmd.subcommands[strings.ToLower(string(name))]
}

// processCommand checks a parsed command and calls it, in the order of
// Redis's processCommand: QUIT, lookup, arity, authentication.
func (s *server) processCommand(c *client) {
	if len(s.trk.clients) > 0 {
		s.trackingLimitUsedSlots()
	}
	argv := c.Argv
	if len(argv[0]) == 4 && strings.EqualFold(string(argv[0]), "quit") {
		c.AddReply(resp.OK)
		c.Flags |= respserver.CloseAfterReply
		return
	}
	// A pipeline usually repeats its command: try the last one before the
	// table (the lookup lowers the name and hashes it).
	cmd := c.lastcmd
	if cmd == nil || s.renamed || !resp.EqualFold(argv[0], cmd.name) {
		cmd = s.lookupCommand(argv[0])
	}
	if cmd == nil {
		s.rejectCommand(c, resp.UnknownCommandError(argv))
		return
	}
	if cmd.subcommands != nil && len(argv) >= 2 {
		sub := lookupSubcommand(cmd, argv[1])
		if sub == nil {
			s.rejectCommand(c, resp.UnknownSubcommandError(cmd.name, string(argv[1])))
			return
		}
		cmd = sub
	}
	if (cmd.arity > 0 && len(argv) != cmd.arity) || len(argv) < -cmd.arity {
		s.rejectCommandFor(c, cmd, "wrong number of arguments for '"+cmd.name+"' command")
		return
	}
	if cmd.flags&cmdProtected != 0 && !s.allowProtectedAction(s.cfg.enableDebugCommand, c) {
		s.rejectCommandFor(c, cmd, debugNotAllowedErr)
		return
	}
	if s.authRequired(c) && cmd.flags&cmdNoAuth == 0 {
		s.rejectCommandFor(c, cmd, resp.NoAuthErr[1:len(resp.NoAuthErr)-2])
		return
	}
	c.lastcmd = cmd
	if s.cfg.maxmemory != 0 && s.processMaxmemory(c, cmd) {
		return
	}
	if c.Flags&respserver.PubSub != 0 && c.Protocol() == 2 && !subscribedModeAllowed(cmd.name) {
		// RESP2 has no room for replies between messages.
		s.rejectCommandFor(c, cmd, subscribedModeError(cmd.name))
		return
	}
	if s.pause.Type != respserver.PauseOff && s.postponeIfPaused(c, cmd) {
		return
	}
	if c.mflags&clientMulti != 0 && cmd.flags&(cmdNoMulti|cmdNoQueue) != cmdNoQueue {
		// Inside MULTI: queued, or refused (processCommand's tail).
		if cmd.flags&cmdNoMulti != 0 {
			s.rejectCommand(c, "Command not allowed inside a transaction")
			return
		}
		s.queueMultiCommand(c, cmd)
		c.AddReply(resp.Queued)
		return
	}
	s.call(c, cmd)
}

// call runs cmd for c in c's database (call).
func (s *server) call(c *client, cmd *command) {
	s.db = s.dbs[c.db]
	s.executing++
	cmd.proc(s, c)
	s.executing--
	cmd.calls++
	s.stats.numCommands++
	if len(s.trk.clients) > 0 {
		// The keys a tracking client reads are remembered for its cache.
		if tc := s.trk.clients[c.ID]; tc != nil && tc.Flags&respserver.TrackingBcast == 0 && cmd.flags&cmdReadonly != 0 {
			s.trackingRememberKeys(tc, cmd, c.Argv)
		}
	}
	if s.executing == 0 && len(s.trk.pending) > 0 {
		s.trackingHandlePendingKeyInvalidations()
	}
}

// rejectCommand replies an error for a command that does not run, which
// dooms the transaction c is in, if any (rejectCommand).
func (s *server) rejectCommand(c *client, msg string) { s.rejectCommandFor(c, nil, msg) }

// rejectCommandFor is rejectCommand once cmd is known: a rejected EXEC
// ends the transaction with the reason (execCommandAbort). msg is an error
// text without the "-" (and, for the default ERR code, without "ERR ").
func (s *server) rejectCommandFor(c *client, cmd *command, msg string) {
	flagTransaction(c)
	s.stats.totalErrorReplys++
	if cmd != nil && cmd.name == "exec" {
		s.discardTransaction(c)
		c.AddReplyError("-EXECABORT Transaction discarded because of: " + msg)
		return
	}
	if strings.HasPrefix(msg, "NOAUTH ") {
		msg = "-" + msg
	}
	c.AddReplyError(msg)
}

// authRequired reports whether c must authenticate before running
// commands (authRequired): a password is set and c has not given it. As in
// Redis it is asked at each command, so clearing the password lets an
// unauthenticated client in, and setting one again locks it out; a client
// that connected while there was no password counts as authenticated.
func (s *server) authRequired(c *client) bool {
	return s.cfg.requirepass != "" && !c.authed
}
