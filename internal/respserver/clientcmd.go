package respserver

// The CLIENT command's common part (networking.c: clientCommand's LIST,
// INFO and KILL, catClientInfoString, getClientTypeByName), for every
// server built on this package. What only the server knows about a
// client (its database, MULTI, subscriptions, tracking, the command it
// runs) it gives through ClientHost; the rest is the Client's own.

import (
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/goae/goae/anet"
	"github.com/goae/goae/internal/resp"
)

// Client types (CLIENT_TYPE_*), as CLIENT LIST TYPE and CLIENT KILL TYPE
// name them.
const (
	ClientTypeNormal = iota
	ClientTypeReplica
	ClientTypePubsub
	ClientTypeMaster
)

// ClientTypeByName is getClientTypeByName: -1 for an unknown name.
func ClientTypeByName(name []byte) int {
	switch strings.ToLower(string(name)) {
	case "normal":
		return ClientTypeNormal
	case "slave", "replica":
		return ClientTypeReplica
	case "pubsub":
		return ClientTypePubsub
	case "master":
		return ClientTypeMaster
	}
	return -1
}

// ClientHost is what the CLIENT subcommands ask the server about.
type ClientHost interface {
	// ClientView fills v (zeroed, with Multi and Redir at -1) with what the
	// server keeps about c.
	ClientView(c *Client, v *ClientView)
	// KillClient frees c, another client than the caller, as CLIENT KILL
	// does (FreeClientAsync, after whatever the server must undo first).
	KillClient(c *Client)
	// NowMs is the server's clock in unix milliseconds (age, idle).
	NowMs() int64
}

// ClientView is a client's line of CLIENT LIST beyond the Client's own
// fields.
type ClientView struct {
	Type  int // ClientTypeNormal, ...
	Flags ClientFlags
	DB    int
	// Sub, Psub and Ssub count the subscribed channels, patterns and shard
	// channels.
	Sub, Psub, Ssub int
	Multi           int // commands queued in MULTI, -1 outside
	MultiMem        int // bytes of the queued commands
	// Argv is the command being run (EXEC's own inside an EXEC), nil for
	// the Client's Argv; Cmd its name, "" for none ("NULL").
	Argv  [][]byte
	Cmd   string
	Redir int64 // CLIENT TRACKING's redirection, -1 without
	// Size is the server's own per-client state in bytes, counted in
	// tot-mem beside the Client and its buffers.
	Size int
}

// ClientFlags are the flag letters of CLIENT LIST that depend on the
// server; c (close after reply), A (close asap) and U (unix socket) come
// from the Client.
type ClientFlags struct {
	PubSub, Multi, Blocked                 bool // P x b
	Tracking, TrackingBrokenRedir, Bcast   bool // t R B
	DirtyCAS, Unblocked, ReadOnly, NoEvict bool // d u r e
}

func (s *Server) view(h ClientHost, c *Client) ClientView {
	v := ClientView{Multi: -1, Redir: -1}
	h.ClientView(c, &v)
	return v
}

// liveClients returns the connected clients in connection order (the
// order of Redis's server.clients list), plus self if it is not one of
// them (a client without a socket, as tests run commands on).
func (s *Server) liveClients(self *Client) []*Client {
	var out []*Client
	for _, c := range s.clients {
		if c != nil && c.Flags&Freed == 0 {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *Client) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	if self.FD() < 0 && self.Flags&(Freed|CloseASAP) == 0 {
		out = append(out, self)
	}
	return out
}

// Laddr is the client's local address (getClientSockname), asked of the
// socket each time rather than kept, so that an idle connection does not
// carry the string; "?:0" without a socket.
func (c *Client) Laddr() string {
	if c.FD() >= 0 {
		if ip, port, err := anet.FdToString(c.FD(), anet.SockName); err == nil {
			return anet.FormatAddr(ip, port)
		}
	}
	return "?:0"
}

// appendFlags is catClientInfoString's flags= field, in Redis's order.
func appendFlags(dst []byte, c *Client, f ClientFlags) []byte {
	n := len(dst)
	add := func(on bool, b byte) {
		if on {
			dst = append(dst, b)
		}
	}
	add(f.PubSub, 'P')
	add(f.Multi, 'x')
	add(f.Blocked, 'b')
	add(f.Tracking, 't')
	add(f.TrackingBrokenRedir, 'R')
	add(f.Bcast, 'B')
	add(f.DirtyCAS, 'd')
	add(c.Flags&CloseAfterReply != 0, 'c')
	add(f.Unblocked, 'u')
	add(c.Flags&CloseASAP != 0, 'A')
	add(c.Flags&UnixSocket != 0, 'U')
	add(f.ReadOnly, 'r')
	add(f.NoEvict, 'e')
	if len(dst) == n {
		dst = append(dst, 'N')
	}
	return dst
}

// AppendClientInfo appends c's line of CLIENT LIST (catClientInfoString),
// without the newline. qbuf is the unparsed input and qbuf-free its spare
// capacity; argv-mem the bytes of the current arguments; obl the reply
// bytes not yet written; rbs the reply buffer's capacity and rbp its
// current use (Redis's is a peak over a few seconds, not tracked here);
// oll and omem are 0, the reply being one buffer; tot-mem adds the
// buffers to the size of the Client and of the server's own state.
func (s *Server) AppendClientInfo(dst []byte, h ClientHost, c *Client) []byte {
	v := s.view(h, c)
	argv := v.Argv
	if argv == nil {
		argv = c.Argv
	}
	var argvMem int
	for _, a := range argv {
		argvMem += len(a)
	}
	num := func(name string, n int64) {
		dst = append(dst, name...)
		dst = strconv.AppendInt(dst, n, 10)
	}
	now := h.NowMs()
	num("id=", c.ID)
	dst = append(dst, " addr="...)
	dst = append(dst, c.Addr...)
	dst = append(dst, " laddr="...)
	dst = append(dst, c.Laddr()...)
	num(" fd=", int64(c.FD()))
	dst = append(dst, " name="...)
	dst = append(dst, c.Name...)
	num(" age=", now/1000-c.Ctime/1000)
	num(" idle=", now/1000-c.LastInteraction/1000)
	dst = append(dst, " flags="...)
	dst = appendFlags(dst, c, v.Flags)
	num(" db=", int64(v.DB))
	num(" sub=", int64(v.Sub))
	num(" psub=", int64(v.Psub))
	num(" ssub=", int64(v.Ssub))
	num(" multi=", int64(v.Multi))
	num(" qbuf=", int64(c.QueryLen()))
	num(" qbuf-free=", int64(c.QueryCap()-c.QueryLen()))
	num(" argv-mem=", int64(argvMem))
	num(" multi-mem=", int64(v.MultiMem))
	num(" rbs=", int64(c.OutputCap()))
	num(" rbp=", int64(len(c.Out)))
	num(" obl=", int64(c.PendingOutput()))
	num(" oll=0 omem=0 tot-mem=", int64(unsafe.Sizeof(*c))+int64(v.Size+c.QueryCap()+c.OutputCap()+argvMem))
	dst = append(dst, " events="...)
	if c.Conn != nil && c.Conn.HasWriteHandler() {
		dst = append(dst, "rw"...)
	} else {
		dst = append(dst, 'r')
	}
	dst = append(dst, " cmd="...)
	if v.Cmd != "" {
		dst = append(dst, v.Cmd...)
	} else {
		dst = append(dst, "NULL"...)
	}
	num(" user=default redir=", v.Redir)
	num(" resp=", int64(c.Protocol()))
	return dst
}

// AppendAllClientsInfo appends a line per client (getAllClientsInfoString).
func (s *Server) AppendAllClientsInfo(dst []byte, h ClientHost, self *Client) []byte {
	for _, c := range s.liveClients(self) {
		dst = append(s.AppendClientInfo(dst, h, c), '\n')
	}
	return dst
}

// ClientListCommand is CLIENT LIST [TYPE type | ID id [id ...]].
func (s *Server) ClientListCommand(h ClientHost, c *Client) {
	var out []byte
	switch {
	case len(c.Argv) == 4 && resp.EqualFold(c.Argv[2], "type"):
		typ := ClientTypeByName(c.Argv[3])
		if typ == -1 {
			c.AddReplyErrorf("Unknown client type '%s'", c.Argv[3])
			return
		}
		for _, cl := range s.liveClients(c) {
			if s.view(h, cl).Type == typ {
				out = append(s.AppendClientInfo(out, h, cl), '\n')
			}
		}
	case len(c.Argv) > 3 && resp.EqualFold(c.Argv[2], "id"):
		out = []byte{}
		for _, arg := range c.Argv[3:] {
			id, ok := resp.ParseInt(arg)
			if !ok {
				c.AddReplyError("Invalid client ID")
				return
			}
			for _, cl := range s.liveClients(c) {
				if cl.ID == id {
					out = append(s.AppendClientInfo(out, h, cl), '\n')
					break
				}
			}
		}
	case len(c.Argv) != 2:
		c.AddReply(resp.SyntaxErr)
		return
	default:
		out = s.AppendAllClientsInfo(out, h, c)
	}
	c.AddReplyVerbatim(string(out), "txt")
}

// ClientInfoCommand is CLIENT INFO: the caller's own line.
func (s *Server) ClientInfoCommand(h ClientHost, c *Client) {
	c.AddReplyVerbatim(string(append(s.AppendClientInfo(nil, h, c), '\n')), "txt")
}

// ClientKillCommand is CLIENT KILL addr (the old form: OK, or an error
// when no client matched; it may kill the caller) and CLIENT KILL <filter>
// <value> ... (ID, TYPE, ADDR, LADDR, USER, SKIPME; the new form replies
// the number killed, SKIPME yes by default). The caller is closed once
// its reply is written; the others are handed to the host's KillClient.
func (s *Server) ClientKillCommand(h ClientHost, c *Client) {
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
			case resp.EqualFold(opt, "id"):
				v, ok := resp.ParseInt(val)
				if !ok || v < 1 {
					c.AddReplyError("client-id should be greater than 0")
					return
				}
				id = v
			case resp.EqualFold(opt, "type"):
				if typ = ClientTypeByName(val); typ == -1 {
					c.AddReplyErrorf("Unknown client type '%s'", val)
					return
				}
			case resp.EqualFold(opt, "addr"):
				addr = val
			case resp.EqualFold(opt, "laddr"):
				laddr = val
			case resp.EqualFold(opt, "user"):
				if string(val) != "default" {
					c.AddReplyErrorf("No such user '%s'", val)
					return
				}
			case resp.EqualFold(opt, "skipme"):
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
	for _, cl := range s.liveClients(c) {
		if cl.Flags&(Freed|CloseASAP) != 0 {
			continue // already on its way out
		}
		if addr != nil && cl.Addr != string(addr) {
			continue
		}
		if laddr != nil && cl.Laddr() != string(laddr) {
			continue
		}
		if typ != -1 && s.view(h, cl).Type != typ {
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
			h.KillClient(cl)
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
		c.Flags |= CloseAfterReply
	}
}

// ClientByID is lookupClientByID: the live client with that id (or self,
// if it is that id), nil if none.
func (s *Server) ClientByID(self *Client, id int64) *Client {
	for _, c := range s.liveClients(self) {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// ClientNameErr is CLIENT SETNAME's error for a name it refuses.
const ClientNameErr = "Client names cannot contain spaces, newlines or special characters."

// ValidClientName is validateClientName: printable ASCII without spaces,
// or empty (which clears the name).
func ValidClientName(name []byte) bool {
	for _, b := range name {
		if b < '!' || b > '~' {
			return false
		}
	}
	return true
}

// ClientSetnameCommand is CLIENT SETNAME name.
func ClientSetnameCommand(c *Client) {
	if !ValidClientName(c.Argv[2]) {
		c.AddReplyError(ClientNameErr)
		return
	}
	c.Name = string(c.Argv[2])
	c.AddReply(resp.OK)
}

// ClientGetnameCommand is CLIENT GETNAME: the name, or a null.
func ClientGetnameCommand(c *Client) {
	if c.Name == "" {
		c.AddReplyNull()
		return
	}
	c.AddReplyBulkString(c.Name)
}

// ClientHelp is CLIENT HELP's text in Redis 7.0.15, the same in
// redis-server and redis-sentinel, for AddReplyHelp.
var ClientHelp = []string{
	"CACHING (YES|NO)",
	"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
	"GETREDIR",
	"    Return the client ID we are redirecting to when tracking is enabled.",
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
	"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
	"         [OPTIN] [OPTOUT] [NOLOOP]",
	"    Control server assisted client side caching.",
	"TRACKINGINFO",
	"    Report tracking status for the current connection.",
	"NO-EVICT (ON|OFF)",
	"    Protect current client connection from eviction.",
}
