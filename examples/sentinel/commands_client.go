package main

// CLIENT and its subcommands (networking.c's clientCommand), as kv has
// them, with the pub/sub client type and the RESP version a sentinel's
// clients have. A sentinel has every subcommand redis-server has: PAUSE
// holds the clients' commands as processCommand does (the sentinel's own
// links to masters, replicas and peers go on), REPLY drops replies,
// TRACKING keeps its settings (a sentinel has no keys, so it never
// invalidates), UNBLOCK finds no client blocked in a command.

import (
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
)

// clientSubcommands are CLIENT's.
func clientSubcommands() map[string]*command {
	m := map[string]*command{}
	for _, c := range []*command{
		{name: "client|setname", arity: 3, proc: clientSetnameCommand},
		{name: "client|getname", arity: 2, proc: clientGetnameCommand},
		{name: "client|id", arity: 2, proc: clientIDCommand},
		{name: "client|info", arity: 2, proc: clientInfoCommand},
		{name: "client|list", arity: -2, proc: clientListCommand},
		{name: "client|kill", arity: -3, proc: clientKillCommand},
		{name: "client|no-evict", arity: 3, proc: clientNoEvictCommand},
		{name: "client|setinfo", arity: 4, proc: clientSetinfoCommand},
		{name: "client|help", arity: 2, proc: clientHelpCommand},
		{name: "client|pause", arity: -3, proc: clientPauseCommand},
		{name: "client|unpause", arity: 2, proc: clientUnpauseCommand},
		{name: "client|reply", arity: 3, proc: clientReplyCommand},
		{name: "client|unblock", arity: -3, proc: clientUnblockCommand},
		{name: "client|tracking", arity: -3, proc: clientTrackingCommand},
		{name: "client|caching", arity: 3, proc: clientCachingCommand},
		{name: "client|getredir", arity: 2, proc: clientGetredirCommand},
		{name: "client|trackinginfo", arity: 2, proc: clientTrackinginfoCommand},
	} {
		m[c.name[len("client|"):]] = c
	}
	return m
}

// clientSetinfoCommand: CLIENT SETINFO is Redis 7.2's; 7.0 does not know
// it, and clients (go-redis) ignore the error.
func clientSetinfoCommand(s *sentinelState, c *client) {
	s.addReplyError(c, "unknown subcommand 'setinfo'. Try CLIENT HELP.")
}

func clientSetnameCommand(s *sentinelState, c *client) { respserver.ClientSetnameCommand(c.Client) }
func clientGetnameCommand(s *sentinelState, c *client) { respserver.ClientGetnameCommand(c.Client) }

func clientIDCommand(s *sentinelState, c *client) { c.AddReplyInt(c.ID) }

// CLIENT INFO, LIST and KILL are respserver's (clientcmd.go), with what
// the sentinel keeps about a client given by ClientView.
func clientInfoCommand(s *sentinelState, c *client) { s.rs.ClientInfoCommand(s, c.Client) }
func clientListCommand(s *sentinelState, c *client) { s.rs.ClientListCommand(s, c.Client) }
func clientKillCommand(s *sentinelState, c *client) { s.rs.ClientKillCommand(s, c.Client) }

// clientNoEvictCommand accepts CLIENT NO-EVICT ON|OFF: this server never
// evicts clients, so both are already true.
func clientNoEvictCommand(s *sentinelState, c *client) {
	switch strings.ToLower(string(c.Argv[2])) {
	case "on", "off":
		c.AddReply(resp.OK)
	default:
		c.AddReply(resp.SyntaxErr)
	}
}

// ClientView is respserver.ClientHost's: a sentinel client is a normal
// one, or a pub/sub one while it has subscriptions; it has no database
// other than 0, no MULTI and no tracking.
func (s *sentinelState) ClientView(rc *respserver.Client, v *respserver.ClientView) {
	c := rc.Data.(*client)
	if len(c.channels)+len(c.patterns) > 0 {
		v.Type = respserver.ClientTypePubsub
		v.Flags.PubSub = true
	}
	v.Sub, v.Psub = len(c.channels), len(c.patterns)
	v.Flags.Blocked = c.postponed != nil // held by CLIENT PAUSE
	if t := c.tracking; t != nil {
		v.Flags.Tracking = true
		v.Flags.TrackingBrokenRedir = t.Flags&respserver.TrackingBrokenRedir != 0
		v.Flags.Bcast = t.Flags&respserver.TrackingBcast != 0
		v.Redir = t.Redirect
	}
	if c.lastcmd != nil {
		v.Cmd = c.lastcmd.name
	}
	v.Size = int(unsafe.Sizeof(*c))
}

// KillClient is respserver.ClientHost's.
func (s *sentinelState) KillClient(rc *respserver.Client) { s.rs.FreeClientAsync(rc) }

// NowMs is respserver.ClientHost's.
func (s *sentinelState) NowMs() int64 { return s.mstime() }

func clientHelpCommand(s *sentinelState, c *client) {
	c.AddReplyHelp("CLIENT", respserver.ClientHelp)
}

// clientPause is the CLIENT PAUSE in force and the clients it holds, in
// the order they came.
type clientPause struct {
	respserver.Pause
	postponed []*client
}

// clientPauseCommand is CLIENT PAUSE timeout [WRITE|ALL]
// (respserver.ClientPauseCommand: the arguments, the reply, the pause
// extended).
func clientPauseCommand(s *sentinelState, c *client) {
	respserver.ClientPauseCommand(c.Client, &s.pause.Pause)
}

func clientUnpauseCommand(s *sentinelState, c *client) {
	s.unpauseClients()
	c.AddReply(resp.OK)
}

// postponeIfPaused holds c's command cmd until the pause ends, if the
// pause covers it: every command under ALL, under WRITE the ones flagged
// may_replicate (PUBLISH) (processCommand's blockPostponeClient). It
// reports whether it did. The arguments are copied, to run again from
// the copy.
func (s *sentinelState) postponeIfPaused(c *client, cmd *command) bool {
	switch {
	case s.pause.Type == respserver.PauseOff:
		return false
	case s.pause.Type == respserver.PauseWrite && !slices.Contains(cmd.flags, "may_replicate"):
		return false
	case s.pause.End < time.Now().UnixMilli():
		s.unpauseClients()
		return false
	}
	c.postponed = make([][]byte, len(c.Argv))
	for i, a := range c.Argv {
		c.postponed[i] = slices.Clone(a)
	}
	c.Flags |= respserver.Blocked
	s.pause.postponed = append(s.pause.postponed, c)
	return true
}

// checkClientPauseTimeout ends a pause whose time has come
// (checkClientPauseTimeoutAndReturnIfPaused, from serverCron).
func (s *sentinelState) checkClientPauseTimeout() {
	if s.pause.Type != respserver.PauseOff && s.pause.End < time.Now().UnixMilli() {
		s.unpauseClients()
	}
}

// unpauseClients ends the pause and queues the clients it held, in the
// order they came, to run their commands again before the loop sleeps
// (unpauseClients).
func (s *sentinelState) unpauseClients() {
	s.unblocked = append(s.unblocked, s.pause.postponed...)
	s.pause = clientPause{}
}

// processUnblockedClients runs each unpaused client's held command, then
// the rest of its input (processUnblockedClients, from beforeSleep). A
// command run here may pause the clients again: those after it are then
// held again.
func (s *sentinelState) processUnblockedClients() {
	for len(s.unblocked) > 0 {
		c := s.unblocked[0]
		s.unblocked[0] = nil
		s.unblocked = s.unblocked[1:]
		if c.Flags&respserver.Freed != 0 {
			continue
		}
		c.Flags &^= respserver.Blocked
		argv := c.postponed
		c.postponed = nil
		saved := c.Argv
		c.Argv = argv
		s.command(c.Client)
		c.Argv = saved[:0]
		if c.Flags&(respserver.Freed|respserver.Blocked) == 0 {
			s.rs.Feed(c.Client, nil)
		}
	}
	s.unblocked = nil
}

// forgetPostponed drops a freed client from the pause's list.
func (s *sentinelState) forgetPostponed(c *client) {
	if c.postponed == nil {
		return
	}
	if i := slices.Index(s.pause.postponed, c); i >= 0 {
		s.pause.postponed = slices.Delete(s.pause.postponed, i, i+1)
	}
}

// clientReplyCommand is CLIENT REPLY ON|OFF|SKIP (respserver's).
func clientReplyCommand(s *sentinelState, c *client) { respserver.ClientReplyCommand(c.Client) }

// clientUnblockCommand is CLIENT UNBLOCK id [TIMEOUT|ERROR]. No client of
// a sentinel is ever blocked in a command (one held by a pause is not one
// it unblocks), so after the checks the reply is 0.
func clientUnblockCommand(s *sentinelState, c *client) {
	if len(c.Argv) > 4 {
		s.addReplyError(c, resp.SubcommandSyntaxError(c.arg(0), c.arg(1)))
		return
	}
	if len(c.Argv) == 4 {
		switch strings.ToLower(c.arg(3)) {
		case "timeout", "error":
		default:
			s.addReplyError(c, "CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	}
	if _, ok := resp.ParseInt(c.Argv[2]); !ok {
		s.addReplyError(c, "value is not an integer or out of range")
		return
	}
	c.AddReply(resp.Zero)
}

// clientTrackingCommand is CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p
// ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]: respserver's checks, and the
// settings kept on the client (tracking_clients counts them).
func clientTrackingCommand(s *sentinelState, c *client) {
	req, ok := s.rs.ParseClientTracking(c.Client, c.tracking)
	if !ok {
		return
	}
	if req.On {
		if c.tracking == nil {
			c.tracking = &respserver.Tracking{}
			s.trackingClients++
		}
		c.tracking.Enable(req)
	} else if c.tracking != nil {
		c.tracking = nil
		s.trackingClients--
	}
	c.AddReply(resp.OK)
}

func clientCachingCommand(s *sentinelState, c *client) {
	respserver.ClientCachingCommand(c.Client, c.tracking)
}

func clientGetredirCommand(s *sentinelState, c *client) {
	respserver.ClientGetredirCommand(c.Client, c.tracking)
}

func clientTrackinginfoCommand(s *sentinelState, c *client) {
	respserver.ClientTrackinginfoCommand(c.Client, c.tracking)
}
