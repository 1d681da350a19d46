package main

import "github.com/goae/goae/internal/respserver"

// redisVersion is the Redis version this server answers as, in HELLO and
// INFO: clients such as go-redis and redis-cli pick features by it.
const redisVersion = "7.0.15"

var helloCommands = []*command{
	{name: "hello", arity: -1, flags: cmdNoAuth | cmdFast, proc: helloCommand},
}

// helloCommand is HELLO [protover [AUTH username password] [SETNAME
// clientname]]: it switches the connection to RESP2 or RESP3 and replies
// with a map of the server's properties (an array of pairs in RESP2).
// The arguments and the reply are respserver's (hello.go).
func helloCommand(s *server, c *client) {
	h, errText := respserver.ParseHello(c.Argv)
	if errText != "" {
		c.AddReplyError(errText)
		return
	}
	if h.User != nil {
		if !s.checkPassword(string(h.User), h.Pass) {
			c.AddReplyError("-WRONGPASS invalid username-password pair or user is disabled.")
			return
		}
		c.authed = true
	}
	if s.authRequired(c) {
		c.AddReplyError(respserver.HelloNoAuthErr)
		return
	}
	if h.Name != nil {
		c.Name = string(h.Name)
	}
	c.AddReplyHello(h, redisVersion, "standalone", "master")
}
