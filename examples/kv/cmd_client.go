package main

import (
	"strings"
	"unsafe"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
)

// clientCommands is CLIENT and its subcommands (clientCommand in
// networking.c).
var clientCommands = []*command{
	{name: "client", arity: -2, subcommands: subcommandMap(
		&command{name: "client|setname", arity: 3, proc: clientSetnameCommand},
		&command{name: "client|getname", arity: 2, proc: clientGetnameCommand},
		&command{name: "client|id", arity: 2, proc: clientIDCommand},
		&command{name: "client|info", arity: 2, proc: clientInfoCommand},
		&command{name: "client|list", arity: -2, proc: clientListCommand},
		&command{name: "client|kill", arity: -3, proc: clientKillCommand},
		&command{name: "client|no-evict", arity: 3, proc: clientNoEvictCommand},
		&command{name: "client|pause", arity: -3, flags: cmdNoscript | cmdLoading | cmdStale, proc: clientPauseCommand},
		&command{name: "client|unpause", arity: 2, flags: cmdNoscript | cmdLoading | cmdStale, proc: clientUnpauseCommand},
		&command{name: "client|reply", arity: 3, flags: cmdNoscript | cmdLoading | cmdStale, proc: clientReplyCommand},
		&command{name: "client|unblock", arity: -3, flags: cmdNoscript | cmdLoading | cmdStale, proc: clientUnblockCommand},
		&command{name: "client|help", arity: 2, proc: clientHelpCommand},
		&command{name: "client|tracking", arity: -3, proc: clientTrackingCommand},
		&command{name: "client|caching", arity: 3, proc: clientCachingCommand},
		&command{name: "client|getredir", arity: 2, proc: clientGetredirCommand},
		&command{name: "client|trackinginfo", arity: 2, proc: clientTrackinginfoCommand},
	)},
}

// subcommandMap indexes subcommands by the part of their name after '|',
// as processCommand looks them up.
func subcommandMap(subs ...*command) map[string]*command {
	m := make(map[string]*command, len(subs))
	for _, sub := range subs {
		m[sub.name[strings.IndexByte(sub.name, '|')+1:]] = sub
	}
	return m
}

func clientSetnameCommand(s *server, c *client) { respserver.ClientSetnameCommand(c.Client) }
func clientGetnameCommand(s *server, c *client) { respserver.ClientGetnameCommand(c.Client) }

func clientIDCommand(s *server, c *client) { c.AddReplyInt(c.ID) }

// CLIENT INFO, LIST and KILL are respserver's (clientcmd.go), with what
// kv keeps about a client given by clientView.
func clientInfoCommand(s *server, c *client) { s.rs.ClientInfoCommand(s, c.Client) }
func clientListCommand(s *server, c *client) { s.rs.ClientListCommand(s, c.Client) }
func clientKillCommand(s *server, c *client) { s.rs.ClientKillCommand(s, c.Client) }

// clientNoEvictCommand is CLIENT NO-EVICT ON|OFF. This server never
// evicts clients; the flag is kept for CLIENT LIST ("e").
func clientNoEvictCommand(s *server, c *client) {
	switch strings.ToLower(string(c.Argv[2])) {
	case "on":
		c.bflags |= clientNoEvict
		c.AddReply(resp.OK)
	case "off":
		c.bflags &^= clientNoEvict
		c.AddReply(resp.OK)
	default:
		c.AddReply(resp.SyntaxErr)
	}
}

// ClientView is respserver.ClientHost's: a kv client's database, MULTI
// state, subscriptions, tracking and flags for its CLIENT LIST line.
func (s *server) ClientView(rc *respserver.Client, v *respserver.ClientView) {
	c := rc.Data.(*client)
	v.Type = respserver.ClientTypeNormal // kv has no replicas or masters
	if c.Flags&respserver.PubSub != 0 {
		v.Type = respserver.ClientTypePubsub
	}
	v.DB = int(c.db)
	v.Flags = respserver.ClientFlags{
		PubSub:    c.Flags&respserver.PubSub != 0,
		Multi:     c.mflags&clientMulti != 0,
		Blocked:   c.Flags&respserver.Blocked != 0,
		DirtyCAS:  c.mflags&clientDirtyCAS != 0,
		Unblocked: c.unblockedFlag(),
		NoEvict:   c.bflags&clientNoEvict != 0,
	}
	if tc := s.tracked(c); tc != nil {
		v.Flags.Tracking = true
		v.Flags.TrackingBrokenRedir = tc.Flags&respserver.TrackingBrokenRedir != 0
		v.Flags.Bcast = tc.Flags&respserver.TrackingBcast != 0
		v.Redir = tc.Redirect
	}
	lastcmd := c.lastcmd
	if ms := s.multi[c]; ms != nil {
		if c.mflags&clientMulti != 0 {
			v.Multi = len(ms.cmds)
		}
		v.MultiMem = ms.multiMem()
		if ms.execCmd != nil {
			v.Argv, lastcmd = ms.execArgv, ms.execCmd // inside EXEC
		}
	}
	if lastcmd != nil {
		v.Cmd = lastcmd.name
	}
	if pc := s.pubsub.clients[c]; pc != nil {
		v.Sub, v.Psub, v.Ssub = len(pc.channels), len(pc.patterns), len(pc.shard)
	}
	v.Size = int(unsafe.Sizeof(*c))
}

// KillClient is respserver.ClientHost's. Redis frees the client at once:
// a blocked client must not be served by a push later in this batch.
func (s *server) KillClient(rc *respserver.Client) {
	c := rc.Data.(*client)
	s.freeClientBlockState(c)
	s.freeClientAsync(c)
}

// NowMs is respserver.ClientHost's: the cached clock.
func (s *server) NowMs() int64 { return s.mstime }

// clientByID is lookupClientByID.
func (s *server) clientByID(self *client, id int64) *client {
	if rc := s.rs.ClientByID(self.Client, id); rc != nil {
		return rc.Data.(*client)
	}
	return nil
}

func clientHelpCommand(s *server, c *client) {
	c.AddReplyHelp("CLIENT", respserver.ClientHelp)
}
