package main

import (
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/goae/goae/anet"
	"github.com/goae/goae/internal/resp"
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
		&command{name: "client|help", arity: 2, proc: clientHelpCommand},
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

const clientNameErr = "Client names cannot contain spaces, newlines or special characters."

// validClientName is validateClientName: printable ASCII without spaces,
// or empty (which clears the name).
func validClientName(name []byte) bool {
	for _, b := range name {
		if b < '!' || b > '~' {
			return false
		}
	}
	return true
}

func clientSetnameCommand(s *server, c *client) {
	if !validClientName(c.argv[2]) {
		c.addReplyError(clientNameErr)
		return
	}
	c.name = string(c.argv[2])
	c.addReply(resp.OK)
}

func clientGetnameCommand(s *server, c *client) {
	if c.name == "" {
		c.addReplyNull()
		return
	}
	c.addReplyBulkString(c.name)
}

func clientIDCommand(s *server, c *client) { c.addReplyInt(c.id) }

func clientInfoCommand(s *server, c *client) {
	c.addReplyBulk(append(s.appendClientInfo(nil, c), '\n'))
}

// clientNoEvictCommand accepts CLIENT NO-EVICT ON|OFF: this server never
// evicts clients, so both are already true.
func clientNoEvictCommand(s *server, c *client) {
	switch strings.ToLower(string(c.argv[2])) {
	case "on", "off":
		c.addReply(resp.OK)
	default:
		c.addReply(resp.SyntaxErr)
	}
}

// Client types of CLIENT LIST TYPE and CLIENT KILL TYPE
// (getClientTypeByName); every client of this server is a normal one.
const (
	clientTypeNormal = iota
	clientTypeReplica
	clientTypePubsub
	clientTypeMaster
)

func clientTypeByName(name []byte) int {
	switch strings.ToLower(string(name)) {
	case "normal":
		return clientTypeNormal
	case "slave", "replica":
		return clientTypeReplica
	case "pubsub":
		return clientTypePubsub
	case "master":
		return clientTypeMaster
	}
	return -1
}

// liveClients returns the connected clients in connection order, the
// order of Redis's server.clients list.
func (s *server) liveClients() []*client {
	var out []*client
	for _, cl := range s.clients {
		if cl != nil && cl.fd >= 0 {
			out = append(out, cl)
		}
	}
	slices.SortFunc(out, func(a, b *client) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	return out
}

// clientListCommand is CLIENT LIST [TYPE type | ID id [id ...]].
func clientListCommand(s *server, c *client) {
	var out []byte
	switch {
	case len(c.argv) == 4 && strings.EqualFold(string(c.argv[2]), "type"):
		typ := clientTypeByName(c.argv[3])
		if typ == -1 {
			c.addReplyErrorf("Unknown client type '%s'", c.argv[3])
			return
		}
		if typ == clientTypeNormal {
			out = s.appendAllClientsInfo(out, c)
		}
	case len(c.argv) > 3 && strings.EqualFold(string(c.argv[2]), "id"):
		out = []byte{}
		for _, arg := range c.argv[3:] {
			id, ok := parseInt(arg)
			if !ok {
				c.addReplyError("Invalid client ID")
				return
			}
			if cl := s.clientByID(c, id); cl != nil {
				out = append(s.appendClientInfo(out, cl), '\n')
			}
		}
	case len(c.argv) != 2:
		c.addReply(resp.SyntaxErr)
		return
	default:
		out = s.appendAllClientsInfo(out, c)
	}
	c.addReplyBulk(out)
}

// appendAllClientsInfo appends a line per client (getAllClientsInfoString).
// The calling client is listed even when it has no socket (tests run
// commands on such clients).
func (s *server) appendAllClientsInfo(dst []byte, self *client) []byte {
	for _, cl := range s.clientsWith(self) {
		dst = append(s.appendClientInfo(dst, cl), '\n')
	}
	return dst
}

// clientsWith is liveClients plus self if it is not a connected client.
func (s *server) clientsWith(self *client) []*client {
	all := s.liveClients()
	if self.fd < 0 && self.flags&(flagFreed|flagCloseASAP) == 0 {
		all = append(all, self)
	}
	return all
}

// clientByID is lookupClientByID.
func (s *server) clientByID(self *client, id int64) *client {
	for _, cl := range s.clientsWith(self) {
		if cl.id == id {
			return cl
		}
	}
	return nil
}

// clientLaddr is the client's local address, found once and kept
// (getClientSockname).
func clientLaddr(c *client) string {
	if c.laddr == "" && c.fd >= 0 {
		ip, port, err := anet.FdToString(c.fd, anet.SockName)
		if err == nil {
			c.laddr = anet.FormatAddr(ip, port)
		}
	}
	if c.laddr == "" {
		return "?:0"
	}
	return c.laddr
}

// clientFlagsString is the flags= field of CLIENT LIST, for the flags this
// server has.
func clientFlagsString(dst []byte, c *client) []byte {
	n := len(dst)
	if c.flags&flagCloseAfterReply != 0 {
		dst = append(dst, 'c')
	}
	if c.flags&flagCloseASAP != 0 {
		dst = append(dst, 'A')
	}
	if c.flags&flagUnixSocket != 0 {
		dst = append(dst, 'U')
	}
	if len(dst) == n {
		dst = append(dst, 'N')
	}
	return dst
}

// appendClientInfo appends CLIENT LIST's line for cl without the newline
// (catClientInfoString), in Redis 7.0's field order. Fields for features
// this server lacks (pub/sub, MULTI, tracking, ACL users, RESP3) hold the
// values Redis gives a client that does not use them. The memory figures
// are this server's own: qbuf is the query buffer's length and qbuf-free
// its spare capacity; argv-mem the bytes of the current arguments; obl the
// reply bytes not yet written; rbs the reply buffer's capacity and rbp
// its current use (Redis's is a peak over a few seconds, which is not
// tracked here); oll and omem are 0, the reply being one buffer;
// tot-mem adds the buffers to the client struct's size.
func (s *server) appendClientInfo(dst []byte, cl *client) []byte {
	var argvMem int
	for _, a := range cl.argv {
		argvMem += len(a)
	}
	now := s.mstime
	dst = append(dst, "id="...)
	dst = strconv.AppendInt(dst, cl.id, 10)
	dst = append(dst, " addr="...)
	dst = append(dst, cl.addr...)
	dst = append(dst, " laddr="...)
	dst = append(dst, clientLaddr(cl)...)
	dst = append(dst, " fd="...)
	dst = strconv.AppendInt(dst, int64(cl.fd), 10)
	dst = append(dst, " name="...)
	dst = append(dst, cl.name...)
	dst = append(dst, " age="...)
	dst = strconv.AppendInt(dst, now/1000-cl.ctime/1000, 10)
	dst = append(dst, " idle="...)
	dst = strconv.AppendInt(dst, now/1000-cl.lastInteraction/1000, 10)
	dst = append(dst, " flags="...)
	dst = clientFlagsString(dst, cl)
	dst = append(dst, " db="...)
	dst = strconv.AppendInt(dst, int64(cl.db), 10)
	dst = append(dst, " sub=0 psub=0 ssub=0 multi=-1 qbuf="...)
	dst = strconv.AppendInt(dst, int64(len(cl.querybuf)), 10)
	dst = append(dst, " qbuf-free="...)
	dst = strconv.AppendInt(dst, int64(cap(cl.querybuf)-len(cl.querybuf)), 10)
	dst = append(dst, " argv-mem="...)
	dst = strconv.AppendInt(dst, int64(argvMem), 10)
	dst = append(dst, " multi-mem=0 rbs="...)
	dst = strconv.AppendInt(dst, int64(cap(cl.buf)), 10)
	dst = append(dst, " rbp="...)
	dst = strconv.AppendInt(dst, int64(len(cl.buf)), 10)
	dst = append(dst, " obl="...)
	dst = strconv.AppendInt(dst, int64(cl.pending()), 10)
	dst = append(dst, " oll=0 omem=0 tot-mem="...)
	totMem := int64(unsafe.Sizeof(*cl)) + int64(cap(cl.querybuf)+cap(cl.buf)+argvMem)
	dst = strconv.AppendInt(dst, totMem, 10)
	dst = append(dst, " events="...)
	if cl.flags&flagWriteHandler != 0 {
		dst = append(dst, "rw"...)
	} else {
		dst = append(dst, 'r')
	}
	dst = append(dst, " cmd="...)
	if cl.lastcmd != nil {
		dst = append(dst, cl.lastcmd.name...)
	} else {
		dst = append(dst, "NULL"...)
	}
	dst = append(dst, " user=default redir=-1 resp=2"...)
	return dst
}

// clientKillCommand is CLIENT KILL addr (the old form: OK, or an error
// when no client matched; it may kill the caller) and CLIENT KILL <filter>
// <value> ... (the new form: the number killed; SKIPME yes by default).
// The caller is closed once its reply is written; others are freed before
// the loop sleeps.
func clientKillCommand(s *server, c *client) {
	var addr, laddr []byte
	var id int64
	typ, skipme := -1, true
	if len(c.argv) == 3 {
		addr = c.argv[2]
		skipme = false
	} else {
		for i := 2; i < len(c.argv); i += 2 {
			opt := string(c.argv[i])
			if i+1 >= len(c.argv) {
				c.addReply(resp.SyntaxErr)
				return
			}
			val := c.argv[i+1]
			switch {
			case strings.EqualFold(opt, "id"):
				v, ok := parseInt(val)
				if !ok || v < 1 {
					c.addReplyError("client-id should be greater than 0")
					return
				}
				id = v
			case strings.EqualFold(opt, "type"):
				if typ = clientTypeByName(val); typ == -1 {
					c.addReplyErrorf("Unknown client type '%s'", val)
					return
				}
			case strings.EqualFold(opt, "addr"):
				addr = val
			case strings.EqualFold(opt, "laddr"):
				laddr = val
			case strings.EqualFold(opt, "user"):
				if string(val) != "default" {
					c.addReplyErrorf("No such user '%s'", val)
					return
				}
			case strings.EqualFold(opt, "skipme"):
				switch strings.ToLower(string(val)) {
				case "yes":
					skipme = true
				case "no":
					skipme = false
				default:
					c.addReply(resp.SyntaxErr)
					return
				}
			default:
				c.addReply(resp.SyntaxErr)
				return
			}
		}
	}

	killed, closeSelf := 0, false
	for _, cl := range s.clientsWith(c) {
		if cl.flags&(flagFreed|flagCloseASAP) != 0 {
			continue // already on its way out
		}
		if addr != nil && cl.addr != string(addr) {
			continue
		}
		if laddr != nil && clientLaddr(cl) != string(laddr) {
			continue
		}
		if typ != -1 && typ != clientTypeNormal {
			continue
		}
		if id != 0 && cl.id != id {
			continue
		}
		if cl == c {
			if skipme {
				continue
			}
			closeSelf = true
		} else {
			s.freeClientAsync(cl)
		}
		killed++
	}

	if len(c.argv) == 3 {
		if killed == 0 {
			c.addReplyError("No such client")
		} else {
			c.addReply(resp.OK)
		}
	} else {
		c.addReplyInt(int64(killed))
	}
	if closeSelf {
		c.flags |= flagCloseAfterReply
	}
}

func clientHelpCommand(s *server, c *client) {
	addReplyHelp(c, "CLIENT", []string{
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
	})
}

// addReplyHelp is Redis's addReplyHelp: a usage line, the given lines,
// then HELP's own, as status replies.
func addReplyHelp(c *client, name string, lines []string) {
	c.addReplyArrayLen(len(lines) + 3)
	c.addReplyStatus(name + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.addReplyStatus(l)
	}
	c.addReplyStatus("HELP")
	c.addReplyStatus("    Prints this help.")
}
