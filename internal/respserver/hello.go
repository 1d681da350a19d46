package respserver

// HELLO's common part (networking.c's helloCommand): its arguments and
// its reply. Authenticating and naming the client stay the server's, which
// knows its users and counts its error replies.

import (
	"github.com/goae/goae/internal/resp"
)

// Hello is what a HELLO command asks for.
type Hello struct {
	Proto      int    // 2 or 3; 0 when not given
	User, Pass []byte // AUTH's; User is nil when not given
	Name       []byte // SETNAME's; nil when not given
}

// HelloNoAuthErr is Redis 7.0.15's reply to a HELLO from a client that
// must authenticate and did not (its text names the option "HELLO AUTH").
const HelloNoAuthErr = "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"

// ParseHello reads HELLO [protover [AUTH username password] [SETNAME
// clientname]] from argv (argv[0] is HELLO). A non-empty err is the
// error to reply with, as Redis's text; nothing is to be done then.
func ParseHello(argv [][]byte) (h Hello, err string) {
	next := 1
	if len(argv) >= 2 {
		v, ok := resp.ParseInt(argv[1])
		if !ok {
			return h, "Protocol version is not an integer or out of range"
		}
		next++
		if v < 2 || v > 3 {
			return h, "-NOPROTO unsupported protocol version"
		}
		h.Proto = int(v)
	}
	for j := next; j < len(argv); j++ {
		more := len(argv) - 1 - j
		opt := string(argv[j])
		switch {
		case resp.EqualFold(opt, "auth") && more >= 2:
			h.User, h.Pass = argv[j+1], argv[j+2]
			j += 2
		case resp.EqualFold(opt, "setname") && more >= 1:
			h.Name = argv[j+1]
			if !ValidClientName(h.Name) {
				return h, ClientNameErr
			}
			j++
		default:
			return h, "Syntax error in HELLO option '" + opt + "'"
		}
	}
	return h, ""
}

// AddReplyHello switches the client to h's protocol (when given) and
// replies with the server's properties, a map (an array of pairs in
// RESP2): server, version, proto, id, mode, then role unless it is empty
// (a sentinel has none), then modules. The caller has checked h's AUTH
// and set its name.
func (c *Client) AddReplyHello(h Hello, version, mode, role string) {
	if h.Proto != 0 {
		c.SetProtocol(h.Proto)
	}
	n := 7
	if role == "" {
		n = 6
	}
	c.AddReplyMapLen(n)
	c.AddReplyBulkString("server")
	c.AddReplyBulkString("redis")
	c.AddReplyBulkString("version")
	c.AddReplyBulkString(version)
	c.AddReplyBulkString("proto")
	c.AddReplyInt(int64(c.Protocol()))
	c.AddReplyBulkString("id")
	c.AddReplyInt(c.ID)
	c.AddReplyBulkString("mode")
	c.AddReplyBulkString(mode)
	if role != "" {
		c.AddReplyBulkString("role")
		c.AddReplyBulkString(role)
	}
	c.AddReplyBulkString("modules")
	c.AddReplyArrayLen(0)
}

// AddReplyHelp is networking.c's addReplyHelp: a usage line for the
// command name, the given lines, then HELP's own, as status replies.
func (c *Client) AddReplyHelp(name string, lines []string) {
	c.AddReplyArrayLen(len(lines) + 3)
	c.AddReplyStatus(name + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.AddReplyStatus(l)
	}
	c.AddReplyStatus("HELP")
	c.AddReplyStatus("    Prints this help.")
}
