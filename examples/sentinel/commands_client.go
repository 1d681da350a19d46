package main

// CLIENT and its subcommands (networking.c's clientCommand), as kv has
// them, with the pub/sub client type and the RESP version a sentinel's
// clients have.

import (
	"strings"
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
