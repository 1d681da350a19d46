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
	switch len(c.argv) {
	case 1:
		c.addReply(resp.Pong)
	case 2:
		c.addReplyBulk(c.argv[1])
	default:
		c.addReplyError("wrong number of arguments for 'ping' command")
	}
}

func echoCommand(s *server, c *client) { c.addReplyBulk(c.argv[1]) }

// selectCommand: this server has database 0 only, like Redis Cluster.
func selectCommand(s *server, c *client) {
	id, ok := parseInt(c.argv[1])
	if !ok {
		c.addReplyError("value is not an integer or out of range")
		return
	}
	if id != 0 {
		c.addReplyError("DB index is out of range")
		return
	}
	c.db = 0
	c.addReply(resp.OK)
}

func dbsizeCommand(s *server, c *client) { c.addReplyInt(int64(s.db.size())) }

// flushCommand is FLUSHDB and FLUSHALL [ASYNC|SYNC]; both empty the one
// database, synchronously.
func flushCommand(s *server, c *client) {
	if len(c.argv) > 2 {
		c.addReply(resp.SyntaxErr)
		return
	}
	if len(c.argv) == 2 {
		opt := strings.ToLower(string(c.argv[1]))
		if opt != "async" && opt != "sync" {
			c.addReply(resp.SyntaxErr)
			return
		}
	}
	s.db.flush()
	c.addReply(resp.OK)
}

// authCommand is AUTH [default] password against --requirepass.
func authCommand(s *server, c *client) {
	if len(c.argv) > 3 {
		c.addReply(resp.SyntaxErr)
		return
	}
	if s.cfg.requirepass == "" && len(c.argv) == 2 {
		c.addReplyError("AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
		return
	}
	user, pass := "default", c.argv[len(c.argv)-1]
	if len(c.argv) == 3 {
		user = string(c.argv[1])
	}
	if s.checkPassword(user, pass) {
		c.authed = true
		c.addReply(resp.OK)
		return
	}
	c.addReplyError("-WRONGPASS invalid username-password pair or user is disabled.")
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
