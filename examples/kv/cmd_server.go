package main

import (
	"crypto/subtle"
	"math"
	"strings"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
)

// serverCommands are the connection and server commands. CLIENT, CONFIG,
// COMMAND, INFO and HELLO live in their own files.
var serverCommands = []*command{
	{name: "ping", arity: -1, flags: cmdFast, proc: pingCommand},
	{name: "echo", arity: 2, flags: cmdFast, proc: echoCommand},
	{name: "select", arity: 2, flags: cmdLoading | cmdStale | cmdFast, proc: selectCommand},
	{name: "dbsize", arity: 1, flags: cmdReadonly | cmdFast | cmdCatKeyspace, proc: dbsizeCommand},
	{name: "flushdb", arity: -1, flags: cmdWrite | cmdCatKeyspace | cmdCatDangerous, proc: flushdbCommand},
	{name: "flushall", arity: -1, flags: cmdWrite | cmdCatKeyspace | cmdCatDangerous, proc: flushallCommand},
	{name: "move", arity: 3, flags: cmdWrite | cmdFast, proc: moveCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "swapdb", arity: 3, flags: cmdWrite | cmdFast | cmdCatKeyspace | cmdCatDangerous, proc: swapdbCommand},
	{name: "auth", arity: -2, flags: cmdNoAuth | cmdFast, proc: authCommand},
}

func pingCommand(s *server, c *client) {
	if c.Flags&respserver.PubSub != 0 && c.Protocol() == 2 && len(c.Argv) <= 2 {
		pingSubscribed(c)
		return
	}
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

// intArgOrReply parses an int argument as getIntFromObjectOrReply: a
// long long ("value is not an integer or out of range" otherwise) within
// the range of an int (getRangeLongFromObjectOrReply's message
// otherwise); msg, when given, replaces both.
func intArgOrReply(c *client, b []byte, msg string) (int, bool) {
	v, ok := resp.ParseInt(b)
	switch {
	case ok && v >= math.MinInt32 && v <= math.MaxInt32:
		return int(v), true
	case msg != "":
	case !ok:
		msg = "value is not an integer or out of range"
	default:
		msg = "value is out of range, value must between -2147483648 and 2147483647"
	}
	c.AddReplyError(msg)
	return 0, false
}

// selectDb makes database id c's (selectDb); false when there is none.
func (s *server) selectDb(c *client, id int) bool {
	if id < 0 || id >= len(s.dbs) {
		return false
	}
	c.db = int32(id)
	s.db = s.dbs[id]
	return true
}

// selectCommand is SELECT index (selectCommand).
func selectCommand(s *server, c *client) {
	id, ok := intArgOrReply(c, c.Argv[1], "")
	if !ok {
		return
	}
	if !s.selectDb(c, id) {
		c.AddReplyError("DB index is out of range")
		return
	}
	c.AddReply(resp.OK)
}

// dbsizeCommand is DBSIZE (dbsizeCommand).
func dbsizeCommand(s *server, c *client) { c.AddReplyInt(int64(s.db.size())) }

// flushOption parses FLUSHDB's and FLUSHALL's [ASYNC|SYNC]
// (getFlushCommandFlags). Both empty the databases at once: Go's
// collector frees the values, as a lazy free thread would.
func flushOption(c *client) bool {
	switch {
	case len(c.Argv) > 2:
	case len(c.Argv) == 2 && !strings.EqualFold(string(c.Argv[1]), "async") && !strings.EqualFold(string(c.Argv[1]), "sync"):
	default:
		return true
	}
	c.AddReply(resp.SyntaxErr)
	return false
}

// emptyData empties database id, or all of them for -1, after telling
// the WATCHes of their keys (emptyData, signalFlushedDb).
func (s *server) emptyData(id int) {
	if s.trk.table != nil {
		s.trackingInvalidateKeysOnFlush()
	}
	for _, d := range s.dbs {
		if id == -1 || d.id == id {
			s.touchAllWatchedKeysInDb(d, nil)
			d.flush()
		}
	}
}

// flushdbCommand is FLUSHDB [ASYNC|SYNC] (flushdbCommand).
func flushdbCommand(s *server, c *client) {
	if !flushOption(c) {
		return
	}
	s.emptyData(s.db.id)
	c.AddReply(resp.OK)
}

// flushallCommand is FLUSHALL [ASYNC|SYNC] (flushallCommand).
func flushallCommand(s *server, c *client) {
	if !flushOption(c) {
		return
	}
	s.emptyData(-1)
	c.AddReply(resp.OK)
}

// moveCommand is MOVE key db (moveCommand): the key, TTL included, goes
// to another database unless it is already there.
func moveCommand(s *server, c *client) {
	id, ok := intArgOrReply(c, c.Argv[2], "")
	if !ok {
		return
	}
	if id < 0 || id >= len(s.dbs) {
		c.AddReplyError("DB index is out of range")
		return
	}
	src, dst := s.db, s.dbs[id]
	if src == dst {
		c.AddReplyError("source and destination objects are the same")
		return
	}
	key := c.Argv[1]
	o := s.lookup(key)
	if o == nil {
		c.AddReply(resp.Zero)
		return
	}
	if s.lookupDB(dst, key) != nil {
		c.AddReply(resp.Zero)
		return
	}
	// remove keeps o.expire, which addNamed files in dst; the key string
	// goes with the object (an embstr's is inside it).
	src.remove(o)
	lru := o.lru
	dst.addNamed(o.key, o)
	o.lru = lru // the same value in another database
	s.signalModifiedKey(src, key)
	s.signalModifiedKey(dst, key)
	s.notifyKeyspaceEvent(notifyGeneric, "move_from", key, src.id)
	s.notifyKeyspaceEvent(notifyGeneric, "move_to", key, dst.id)
	c.AddReply(resp.One)
}

// swapdbCommand is SWAPDB index1 index2 (swapdbCommand).
func swapdbCommand(s *server, c *client) {
	id1, ok := intArgOrReply(c, c.Argv[1], "invalid first DB index")
	if !ok {
		return
	}
	id2, ok := intArgOrReply(c, c.Argv[2], "invalid second DB index")
	if !ok {
		return
	}
	if !s.dbSwapDatabases(id1, id2) {
		c.AddReplyError("DB index is out of range")
		return
	}
	c.AddReply(resp.OK)
}

// dbSwapDatabases exchanges the keyspaces of two databases
// (dbSwapDatabases). The WATCHes stay with the numbers, as clients stay
// in the database they selected, and are touched first for the keys that
// exist on either side.
func (s *server) dbSwapDatabases(id1, id2 int) bool {
	if id1 < 0 || id1 >= len(s.dbs) || id2 < 0 || id2 >= len(s.dbs) {
		return false
	}
	if id1 == id2 {
		return true
	}
	d1, d2 := s.dbs[id1], s.dbs[id2]
	s.touchAllWatchedKeysInDb(d1, d2)
	s.touchAllWatchedKeysInDb(d2, d1)
	d1.keyspace, d2.keyspace = d2.keyspace, d1.keyspace
	// Clients blocked on keys stay in their database, where the keys may
	// now hold data.
	s.scanDatabaseForReadyKeys(d1)
	s.scanDatabaseForReadyKeys(d2)
	return true
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
