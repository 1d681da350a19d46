package main

import (
	"strings"

	"github.com/goae/goae/internal/resp"
)

// redisVersion is the Redis version this server answers as, in HELLO and
// INFO: clients such as go-redis and redis-cli pick features by it.
const redisVersion = "7.0.15"

var helloCommands = []*command{
	{name: "hello", arity: -1, flags: cmdNoAuth | cmdFast, proc: helloCommand},
}

// helloCommand is HELLO [protover [AUTH username password] [SETNAME
// clientname]]. This server speaks RESP2 only: HELLO 3 gets the error
// Redis gives for a version it does not support, so that clients fall
// back to RESP2 (go-redis does).
func helloCommand(s *server, c *client) {
	next := 1
	if len(c.argv) >= 2 {
		ver, ok := parseInt(c.argv[1])
		if !ok {
			c.addReplyError("Protocol version is not an integer or out of range")
			return
		}
		next++
		if ver != 2 {
			c.addReplyError("-NOPROTO unsupported protocol version")
			return
		}
	}

	var user, pass, name []byte
	for j := next; j < len(c.argv); j++ {
		more := len(c.argv) - 1 - j
		opt := string(c.argv[j])
		switch {
		case strings.EqualFold(opt, "auth") && more >= 2:
			user, pass = c.argv[j+1], c.argv[j+2]
			j += 2
		case strings.EqualFold(opt, "setname") && more >= 1:
			name = c.argv[j+1]
			if !validClientName(name) {
				c.addReplyError(clientNameErr)
				return
			}
			j++
		default:
			c.addReplyErrorf("Syntax error in HELLO option '%s'", opt)
			return
		}
	}

	if user != nil {
		if !s.checkPassword(string(user), pass) {
			c.addReplyError("-WRONGPASS invalid username-password pair or user is disabled.")
			return
		}
		c.authed = true
	}
	if s.authRequired(c) {
		// Redis 7.0.15's text, which names the option "HELLO AUTH".
		c.addReplyError("-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if name != nil {
		c.name = string(name)
	}

	c.addReplyArrayLen(14)
	c.addReplyBulkString("server")
	c.addReplyBulkString("redis")
	c.addReplyBulkString("version")
	c.addReplyBulkString(redisVersion)
	c.addReplyBulkString("proto")
	c.addReplyInt(2)
	c.addReplyBulkString("id")
	c.addReplyInt(c.id)
	c.addReplyBulkString("mode")
	c.addReplyBulkString("standalone")
	c.addReplyBulkString("role")
	c.addReplyBulkString("master")
	c.addReplyBulkString("modules")
	c.addReply(resp.EmptyArray)
}
