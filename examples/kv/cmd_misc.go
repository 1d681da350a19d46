package main

import (
	"strconv"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
)

// TIME, WAIT, RESET and the CLIENT subcommands that change how a
// connection is served: PAUSE, UNPAUSE, REPLY, UNBLOCK (blocked.go) and
// NO-EVICT, as Redis 7.0's server.c, replication.c and networking.c.

var miscCommands = []*command{
	{name: "time", arity: 1, flags: cmdLoading | cmdStale | cmdFast, proc: timeCommand},
	{name: "wait", arity: 3, flags: cmdNoscript | cmdCatConnection, proc: waitCommand},
	{name: "reset", arity: 1, flags: cmdNoscript | cmdLoading | cmdStale | cmdFast | cmdNoAuth | cmdAllowBusy | cmdNoQueue, proc: resetCommand},
}

// Connection flags of a client (client.bflags). CLIENT REPLY's are
// respserver's (clientreply.go).
const (
	clientNoEvict   = 1 << iota // CLIENT_NO_EVICT: CLIENT NO-EVICT ON
	clientUnblocked             // CLIENT_UNBLOCKED: to be reprocessed (blocked.go)
)

// timeCommand replies the unix time as seconds and microseconds.
func timeCommand(s *server, c *client) {
	now := time.Now()
	c.AddReplyArrayLen(2)
	c.AddReplyBulkString(strconv.FormatInt(now.Unix(), 10))
	c.AddReplyBulkString(strconv.FormatInt(int64(now.Nanosecond()/1000), 10))
}

// waitCommand is WAIT numreplicas timeout. With no replicas none can
// acknowledge: 0 at once when none is asked for (or inside MULTI), else
// the client blocks until its timeout (0: until CLIENT UNBLOCK) and then
// gets 0, as Redis's with no replica attached does.
func waitCommand(s *server, c *client) {
	numreplicas, ok := intArg(c, c.Argv[1])
	if !ok {
		return
	}
	timeout, ok := s.getTimeout(c, c.Argv[2], true)
	if !ok {
		return
	}
	if numreplicas <= 0 || denyBlocking(c) {
		c.AddReply(resp.Zero)
		return
	}
	bs := s.blockStateOf(c)
	bs.timeout = timeout
	s.blockClient(bs, blockedWait)
}

// resetCommand is RESET (clearClientConnectionState): out of MULTI with
// no WATCH, database 0, no name, authenticated only if no password is
// set, replies on; "+RESET".
func resetCommand(s *server, c *client) {
	s.disableTracking(c)
	c.SetProtocol(2)
	s.discardTransaction(c)
	s.pubsubUnsubscribeAll(c)
	c.db = 0
	c.Name = ""
	c.authed = s.cfg.requirepass == ""
	c.Flags &^= respserver.ReplyOff | respserver.ReplySkipNext
	c.AddReplyStatus("RESET")
}

// clientPauseCommand is CLIENT PAUSE timeout [WRITE|ALL]
// (respserver.ClientPauseCommand: the arguments, the reply, the pause
// extended).
func clientPauseCommand(s *server, c *client) {
	respserver.ClientPauseCommand(c.Client, &s.pause)
}

func clientUnpauseCommand(s *server, c *client) {
	s.unpauseClients()
	c.AddReply(resp.OK)
}

// unpauseClients ends the pause and queues the postponed clients, in the
// order they came, to run their commands again (unpauseClients).
func (s *server) unpauseClients() {
	s.pause = respserver.Pause{}
	for len(s.blocking.postponed) > 0 {
		s.unblockClient(s.blocking.postponed[0])
	}
}

// checkClientPauseTimeout ends a pause whose time has come and reports
// whether one is still in force (checkClientPauseTimeoutAndReturnIfPaused).
// While it is, keys are not expired, by lookups or by the expiry cycle.
func (s *server) checkClientPauseTimeout() bool {
	if s.pause.Type == respserver.PauseOff {
		return false
	}
	if s.pause.End < s.mstime {
		s.unpauseClients()
	}
	return s.pause.Type != respserver.PauseOff
}

// postponeIfPaused holds c's command cmd until the pause ends, if the
// pause covers it: every command under ALL; under WRITE the writes, and
// an EXEC with writes queued (processCommand's blockPostponeClient). It
// reports whether it did. The command's arguments are copied: they run
// again from the copy once unblocked.
func (s *server) postponeIfPaused(c *client, cmd *command) bool {
	if s.pause.Type == respserver.PauseWrite && !s.mayReplicate(c, cmd) {
		return false
	}
	bs := s.blockStateOf(c)
	n := 0
	for _, a := range c.Argv {
		n += len(a)
	}
	buf := bs.argbuf[:0]
	if cap(buf) < n {
		buf = make([]byte, 0, n)
	}
	argv := bs.argv[:0]
	for _, a := range c.Argv {
		start := len(buf)
		buf = append(buf, a...)
		argv = append(argv, buf[start:len(buf):len(buf)])
	}
	bs.argbuf, bs.argv = buf, argv
	bs.timeout = 0
	s.blockClient(bs, blockedPostpone)
	return true
}

// mayReplicate tells whether cmd is one a WRITE pause holds.
func (s *server) mayReplicate(c *client, cmd *command) bool {
	if cmd.flags&(cmdWrite|cmdMayReplicate) != 0 {
		return true
	}
	if cmd.name == "exec" {
		if ms := s.multi[c]; ms != nil {
			for _, q := range ms.cmds {
				if q.cmd.flags&(cmdWrite|cmdMayReplicate) != 0 {
					return true
				}
			}
		}
	}
	return false
}

// clientReplyCommand is CLIENT REPLY ON|OFF|SKIP (respserver's).
func clientReplyCommand(s *server, c *client) { respserver.ClientReplyCommand(c.Client) }

// addReplySubcommandSyntaxError is Redis's reply to a subcommand given
// the wrong number of arguments by its own check.
func addReplySubcommandSyntaxError(c *client) {
	c.AddReplyError(resp.SubcommandSyntaxError(string(c.Argv[0]), string(c.Argv[1])))
}
