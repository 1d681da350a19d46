package main

import (
	"github.com/goae/goae/internal/respserver"
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
	if !validClientName(c.Argv[2]) {
		c.AddReplyError(clientNameErr)
		return
	}
	c.Name = string(c.Argv[2])
	c.AddReply(resp.OK)
}

func clientGetnameCommand(s *server, c *client) {
	if c.Name == "" {
		c.AddReplyNull()
		return
	}
	c.AddReplyBulkString(c.Name)
}

func clientIDCommand(s *server, c *client) { c.AddReplyInt(c.ID) }

func clientInfoCommand(s *server, c *client) {
	c.AddReplyVerbatim(string(append(s.appendClientInfo(nil, c), '\n')), "txt")
}

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

// clientType is getClientType: pubsub for a subscribed client, else
// normal (kv has no replicas or masters).
func clientType(c *client) int {
	if c.Flags&respserver.PubSub != 0 {
		return clientTypePubsub
	}
	return clientTypeNormal
}

// liveClients returns the connected clients in connection order, the
// order of Redis's server.clients list.
func (s *server) liveClients() []*client {
	var out []*client
	for _, rc := range s.rs.Clients() {
		if rc != nil && rc.Flags&respserver.Freed == 0 {
			out = append(out, rc.Data.(*client))
		}
	}
	slices.SortFunc(out, func(a, b *client) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
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
	case len(c.Argv) == 4 && strings.EqualFold(string(c.Argv[2]), "type"):
		typ := clientTypeByName(c.Argv[3])
		if typ == -1 {
			c.AddReplyErrorf("Unknown client type '%s'", c.Argv[3])
			return
		}
		for _, cl := range s.clientsWith(c) {
			if clientType(cl) == typ {
				out = append(s.appendClientInfo(out, cl), '\n')
			}
		}
	case len(c.Argv) > 3 && strings.EqualFold(string(c.Argv[2]), "id"):
		out = []byte{}
		for _, arg := range c.Argv[3:] {
			id, ok := resp.ParseInt(arg)
			if !ok {
				c.AddReplyError("Invalid client ID")
				return
			}
			if cl := s.clientByID(c, id); cl != nil {
				out = append(s.appendClientInfo(out, cl), '\n')
			}
		}
	case len(c.Argv) != 2:
		c.AddReply(resp.SyntaxErr)
		return
	default:
		out = s.appendAllClientsInfo(out, c)
	}
	c.AddReplyVerbatim(string(out), "txt")
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
	if self.FD() < 0 && self.Flags&(respserver.Freed|respserver.CloseASAP) == 0 {
		all = append(all, self)
	}
	return all
}

// clientByID is lookupClientByID.
func (s *server) clientByID(self *client, id int64) *client {
	for _, cl := range s.clientsWith(self) {
		if cl.ID == id {
			return cl
		}
	}
	return nil
}

// clientLaddr is the client's local address (getClientSockname). Redis
// keeps it in the client once found; here it is asked of the socket each
// time, so that an idle connection does not carry the string: CLIENT
// LIST, INFO and KILL are rare next to the clients they list.
func clientLaddr(c *client) string {
	if c.FD() >= 0 {
		if ip, port, err := anet.FdToString(c.FD(), anet.SockName); err == nil {
			return anet.FormatAddr(ip, port)
		}
	}
	return "?:0"
}

// clientFlagsString is the flags= field of CLIENT LIST, for the flags this
// server has.
func (s *server) clientFlagsString(dst []byte, c *client) []byte {
	n := len(dst)
	if c.Flags&respserver.PubSub != 0 {
		dst = append(dst, 'P')
	}
	if c.mflags&clientMulti != 0 {
		dst = append(dst, 'x')
	}
	if c.Flags&respserver.Blocked != 0 {
		dst = append(dst, 'b')
	}
	if tc := s.tracked(c); tc != nil {
		dst = append(dst, 't')
		if tc.flags&trackingBrokenRedir != 0 {
			dst = append(dst, 'R')
		}
		if tc.flags&trackingBcast != 0 {
			dst = append(dst, 'B')
		}
	}
	if c.mflags&clientDirtyCAS != 0 {
		dst = append(dst, 'd')
	}
	if c.Flags&respserver.CloseAfterReply != 0 {
		dst = append(dst, 'c')
	}
	if c.unblockedFlag() {
		dst = append(dst, 'u')
	}
	if c.Flags&respserver.CloseASAP != 0 {
		dst = append(dst, 'A')
	}
	if c.Flags&respserver.UnixSocket != 0 {
		dst = append(dst, 'U')
	}
	if c.bflags&clientNoEvict != 0 {
		dst = append(dst, 'e')
	}
	if len(dst) == n {
		dst = append(dst, 'N')
	}
	return dst
}

// appendClientInfo appends CLIENT LIST's line for cl without the newline
// (catClientInfoString), in Redis 7.0's field order. Fields for features
// this server lacks (pub/sub, ACL users) hold the
// values Redis gives a client that does not use them. The memory figures
// are this server's own: qbuf is the query buffer's length and qbuf-free
// its spare capacity; argv-mem the bytes of the current arguments; obl the
// reply bytes not yet written; rbs the reply buffer's capacity and rbp
// its current use (Redis's is a peak over a few seconds, which is not
// tracked here); oll and omem are 0, the reply being one buffer;
// tot-mem adds the buffers to the client struct's size.
func (s *server) appendClientInfo(dst []byte, cl *client) []byte {
	argv, lastcmd := cl.Argv, cl.lastcmd
	if ms := s.multi[cl]; ms != nil && ms.execCmd != nil {
		argv, lastcmd = ms.execArgv, ms.execCmd // inside EXEC
	}
	var argvMem int
	for _, a := range argv {
		argvMem += len(a)
	}
	now := s.mstime
	dst = append(dst, "id="...)
	dst = strconv.AppendInt(dst, cl.ID, 10)
	dst = append(dst, " addr="...)
	dst = append(dst, cl.Addr...)
	dst = append(dst, " laddr="...)
	dst = append(dst, clientLaddr(cl)...)
	dst = append(dst, " fd="...)
	dst = strconv.AppendInt(dst, int64(cl.FD()), 10)
	dst = append(dst, " name="...)
	dst = append(dst, cl.Name...)
	dst = append(dst, " age="...)
	dst = strconv.AppendInt(dst, now/1000-cl.Ctime/1000, 10)
	dst = append(dst, " idle="...)
	dst = strconv.AppendInt(dst, now/1000-cl.LastInteraction/1000, 10)
	dst = append(dst, " flags="...)
	dst = s.clientFlagsString(dst, cl)
	dst = append(dst, " db="...)
	dst = strconv.AppendInt(dst, int64(cl.db), 10)
	multi, multiMem := -1, 0
	if ms := s.multi[cl]; ms != nil {
		if cl.mflags&clientMulti != 0 {
			multi = len(ms.cmds)
		}
		multiMem = ms.multiMem()
	}
	var sub, psub, ssub int
	if pc := s.pubsub.clients[cl]; pc != nil {
		sub, psub, ssub = len(pc.channels), len(pc.patterns), len(pc.shard)
	}
	dst = append(dst, " sub="...)
	dst = strconv.AppendInt(dst, int64(sub), 10)
	dst = append(dst, " psub="...)
	dst = strconv.AppendInt(dst, int64(psub), 10)
	dst = append(dst, " ssub="...)
	dst = strconv.AppendInt(dst, int64(ssub), 10)
	dst = append(dst, " multi="...)
	dst = strconv.AppendInt(dst, int64(multi), 10)
	dst = append(dst, " qbuf="...)
	dst = strconv.AppendInt(dst, int64(cl.QueryLen()), 10)
	dst = append(dst, " qbuf-free="...)
	dst = strconv.AppendInt(dst, int64(cl.QueryCap()-cl.QueryLen()), 10)
	dst = append(dst, " argv-mem="...)
	dst = strconv.AppendInt(dst, int64(argvMem), 10)
	dst = append(dst, " multi-mem="...)
	dst = strconv.AppendInt(dst, int64(multiMem), 10)
	dst = append(dst, " rbs="...)
	dst = strconv.AppendInt(dst, int64(cl.OutputCap()), 10)
	dst = append(dst, " rbp="...)
	dst = strconv.AppendInt(dst, int64(len(cl.Out)), 10)
	dst = append(dst, " obl="...)
	dst = strconv.AppendInt(dst, int64(cl.PendingOutput()), 10)
	dst = append(dst, " oll=0 omem=0 tot-mem="...)
	totMem := int64(unsafe.Sizeof(*cl)+unsafe.Sizeof(*cl.Client)) + int64(cl.QueryCap()+cl.OutputCap()+argvMem)
	dst = strconv.AppendInt(dst, totMem, 10)
	dst = append(dst, " events="...)
	if cl.Conn != nil && cl.Conn.HasWriteHandler() {
		dst = append(dst, "rw"...)
	} else {
		dst = append(dst, 'r')
	}
	dst = append(dst, " cmd="...)
	if lastcmd != nil {
		dst = append(dst, lastcmd.name...)
	} else {
		dst = append(dst, "NULL"...)
	}
	dst = append(dst, " user=default redir="...)
	if tc := s.tracked(cl); tc != nil {
		dst = strconv.AppendInt(dst, tc.redirect, 10)
	} else {
		dst = append(dst, "-1"...)
	}
	dst = append(dst, " resp="...)
	dst = strconv.AppendInt(dst, int64(cl.Protocol()), 10)
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
	if len(c.Argv) == 3 {
		addr = c.Argv[2]
		skipme = false
	} else {
		for i := 2; i < len(c.Argv); i += 2 {
			opt := string(c.Argv[i])
			if i+1 >= len(c.Argv) {
				c.AddReply(resp.SyntaxErr)
				return
			}
			val := c.Argv[i+1]
			switch {
			case strings.EqualFold(opt, "id"):
				v, ok := resp.ParseInt(val)
				if !ok || v < 1 {
					c.AddReplyError("client-id should be greater than 0")
					return
				}
				id = v
			case strings.EqualFold(opt, "type"):
				if typ = clientTypeByName(val); typ == -1 {
					c.AddReplyErrorf("Unknown client type '%s'", val)
					return
				}
			case strings.EqualFold(opt, "addr"):
				addr = val
			case strings.EqualFold(opt, "laddr"):
				laddr = val
			case strings.EqualFold(opt, "user"):
				if string(val) != "default" {
					c.AddReplyErrorf("No such user '%s'", val)
					return
				}
			case strings.EqualFold(opt, "skipme"):
				switch strings.ToLower(string(val)) {
				case "yes":
					skipme = true
				case "no":
					skipme = false
				default:
					c.AddReply(resp.SyntaxErr)
					return
				}
			default:
				c.AddReply(resp.SyntaxErr)
				return
			}
		}
	}

	killed, closeSelf := 0, false
	for _, cl := range s.clientsWith(c) {
		if cl.Flags&(respserver.Freed|respserver.CloseASAP) != 0 {
			continue // already on its way out
		}
		if addr != nil && cl.Addr != string(addr) {
			continue
		}
		if laddr != nil && clientLaddr(cl) != string(laddr) {
			continue
		}
		if typ != -1 && clientType(cl) != typ {
			continue
		}
		if id != 0 && cl.ID != id {
			continue
		}
		if cl == c {
			if skipme {
				continue
			}
			closeSelf = true
		} else {
			// Redis frees it at once: a blocked client must not be served
			// by a push later in this batch.
			s.freeClientBlockState(cl)
			s.freeClientAsync(cl)
		}
		killed++
	}

	if len(c.Argv) == 3 {
		if killed == 0 {
			c.AddReplyError("No such client")
		} else {
			c.AddReply(resp.OK)
		}
	} else {
		c.AddReplyInt(int64(killed))
	}
	if closeSelf {
		c.Flags |= respserver.CloseAfterReply
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
		"UNPAUSE",
		"    Stop the current client pause, resuming traffic.",
		"PAUSE <timeout> [WRITE|ALL]",
		"    Suspend all, or just write, clients for <timeout> milliseconds.",
		"REPLY (ON|OFF|SKIP)",
		"    Control the replies sent to the current connection.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]",
		"    Unblock the specified blocked client.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
	})
}

// addReplyHelp is Redis's addReplyHelp: a usage line, the given lines,
// then HELP's own, as status replies.
func addReplyHelp(c *client, name string, lines []string) {
	c.AddReplyArrayLen(len(lines) + 3)
	c.AddReplyStatus(name + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.AddReplyStatus(l)
	}
	c.AddReplyStatus("HELP")
	c.AddReplyStatus("    Prints this help.")
}
