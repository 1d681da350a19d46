package main

import (
	"crypto/subtle"
	"strings"

	"github.com/goae/goae/internal/resp"
)

// serverCommands are the connection and server commands. CLIENT, CONFIG,
// COMMAND, INFO and HELLO live in their own files.
var serverCommands = []*command{
	{name: "ping", arity: -1, flags: cmdFast, proc: pingCommand},
	{name: "echo", arity: 2, flags: cmdFast, proc: echoCommand},
	{name: "select", arity: 2, flags: cmdFast, proc: selectCommand},
	{name: "dbsize", arity: 1, flags: cmdReadonly | cmdFast, proc: dbsizeCommand},
	{name: "flushdb", arity: -1, flags: cmdWrite, proc: flushCommand},
	{name: "flushall", arity: -1, flags: cmdWrite, proc: flushCommand},
	{name: "auth", arity: -2, flags: cmdNoAuth | cmdFast, proc: authCommand},
}

func pingCommand(s *server, c *client) {
	switch len(c.Argv) {
	case 1:
		c.AddReply(resp.Pong)
	case 2:
		c.AddReplyBulk(c.Argv[1])
	default:
		c.AddReplyError("wrong number of arguments for 'ping' command")
	}
}

func echoCommand(s *server, c *client) { c.AddReplyBulk(c.Argv[1]) }

// selectCommand: this server has database 0 only, like Redis Cluster.
func selectCommand(s *server, c *client) {
	id, ok := resp.ParseInt(c.Argv[1])
	if !ok {
		c.AddReplyError("value is not an integer or out of range")
		return
	}
	if id != 0 {
		c.AddReplyError("DB index is out of range")
		return
	}
	c.db = 0
	c.AddReply(resp.OK)
}

func dbsizeCommand(s *server, c *client) { c.AddReplyInt(int64(s.db.size())) }

// flushCommand is FLUSHDB and FLUSHALL [ASYNC|SYNC]; both empty the one
// database, synchronously.
func flushCommand(s *server, c *client) {
	if len(c.Argv) > 2 {
		c.AddReply(resp.SyntaxErr)
		return
	}
	if len(c.Argv) == 2 {
		opt := strings.ToLower(string(c.Argv[1]))
		if opt != "async" && opt != "sync" {
			c.AddReply(resp.SyntaxErr)
			return
		}
	}
	s.db.flush()
	c.AddReply(resp.OK)
}

// authCommand is AUTH [default] password against --requirepass.
func authCommand(s *server, c *client) {
	if len(c.Argv) > 3 {
		c.AddReply(resp.SyntaxErr)
		return
	}
	if s.cfg.requirepass == "" && len(c.Argv) == 2 {
		c.AddReplyError("AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
		return
	}
	user, pass := "default", c.Argv[len(c.Argv)-1]
	if len(c.Argv) == 3 {
		user = string(c.Argv[1])
	}
	if s.checkPassword(user, pass) {
		c.authed = true
		c.AddReply(resp.OK)
		return
	}
	c.AddReplyError("-WRONGPASS invalid username-password pair or user is disabled.")
}

// checkPassword compares in constant time, as Redis's ACL does.
func (s *server) checkPassword(user string, pass []byte) bool {
	if user != "default" {
		return false
	}
	if s.cfg.requirepass == "" {
		return true // the default user is "nopass"
	}
	return subtle.ConstantTimeCompare(pass, []byte(s.cfg.requirepass)) == 1
}
