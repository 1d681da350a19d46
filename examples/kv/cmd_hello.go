package main

import (
	"strings"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
)

// redisVersion is the Redis version this server answers as, in HELLO and
// INFO: clients such as go-redis and redis-cli pick features by it.
const redisVersion = "7.0.15"

var helloCommands = []*command{
	{name: "hello", arity: -1, flags: cmdNoAuth | cmdFast, proc: helloCommand},
}

// helloCommand is HELLO [protover [AUTH username password] [SETNAME
// clientname]]: it switches the connection to RESP2 or RESP3 and replies
// with a map of the server's properties (an array of pairs in RESP2).
func helloCommand(s *server, c *client) {
	next := 1
	var ver int64
	if len(c.Argv) >= 2 {
		v, ok := resp.ParseInt(c.Argv[1])
		if !ok {
			c.AddReplyError("Protocol version is not an integer or out of range")
			return
		}
		next++
		if v < 2 || v > 3 {
			c.AddReplyError("-NOPROTO unsupported protocol version")
			return
		}
		ver = v
	}

	var user, pass, name []byte
	for j := next; j < len(c.Argv); j++ {
		more := len(c.Argv) - 1 - j
		opt := string(c.Argv[j])
		switch {
		case strings.EqualFold(opt, "auth") && more >= 2:
			user, pass = c.Argv[j+1], c.Argv[j+2]
			j += 2
		case strings.EqualFold(opt, "setname") && more >= 1:
			name = c.Argv[j+1]
			if !respserver.ValidClientName(name) {
				c.AddReplyError(respserver.ClientNameErr)
				return
			}
			j++
		default:
			c.AddReplyErrorf("Syntax error in HELLO option '%s'", opt)
			return
		}
	}

	if user != nil {
		if !s.checkPassword(string(user), pass) {
			c.AddReplyError("-WRONGPASS invalid username-password pair or user is disabled.")
			return
		}
		c.authed = true
	}
	if s.authRequired(c) {
		// Redis 7.0.15's text, which names the option "HELLO AUTH".
		c.AddReplyError("-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if name != nil {
		c.Name = string(name)
	}

	if ver != 0 {
		c.SetProtocol(int(ver))
	}
	c.AddReplyMapLen(7)
	c.AddReplyBulkString("server")
	c.AddReplyBulkString("redis")
	c.AddReplyBulkString("version")
	c.AddReplyBulkString(redisVersion)
	c.AddReplyBulkString("proto")
	c.AddReplyInt(int64(c.Protocol()))
	c.AddReplyBulkString("id")
	c.AddReplyInt(c.ID)
	c.AddReplyBulkString("mode")
	c.AddReplyBulkString("standalone")
	c.AddReplyBulkString("role")
	c.AddReplyBulkString("master")
	c.AddReplyBulkString("modules")
	c.AddReply(resp.EmptyArray)
}
