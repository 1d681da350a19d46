package main

import (
	"github.com/goae/goae/internal/resp"
)

// Transactions, as Redis 7.0's multi.c: MULTI queues a client's commands
// until EXEC runs them one after the other without yielding the loop, or
// DISCARD drops them; WATCH makes the next EXEC fail (a null array) when a
// watched key changed in between (check-and-set).
//
// A client's transaction state (mstate and watched_keys in Redis's
// client) is kept in server.multi rather than in the client, which stays
// in its 24-byte size class: only the three flags below are in it, and the
// map is read only by clients that have one of them or watch a key.

// The transaction flags of a client (client.mflags).
const (
	clientMulti     = 1 << iota // CLIENT_MULTI: in MULTI, commands are queued
	clientDirtyCAS              // CLIENT_DIRTY_CAS: a WATCHed key changed
	clientDirtyExec             // CLIENT_DIRTY_EXEC: a command failed to queue
)

// execAbortErr is shared.execaborterr.
const execAbortErr = "-EXECABORT Transaction discarded because of previous errors."

// multiState is a client's queued commands and watched keys. The queued
// arguments are copied end to end into one buffer, their lengths in
// another, so that a transaction of a million commands is three growing
// slices rather than millions of small allocations.
type multiState struct {
	cmds []queuedCommand
	args []byte  // the queued arguments, end to end
	lens []int32 // each argument's length, in order
	argv [][]byte

	// watched is the client's list of WATCHes (c->watched_keys).
	watched []*watchedKey

	// While EXEC runs the queue, its own command and arguments, which
	// CLIENT LIST shows as Redis does (c->lastcmd, c->argv_len_sum).
	execCmd  *command
	execArgv [][]byte
}

// queuedCommand is one command of a transaction (multiCmd).
type queuedCommand struct {
	cmd  *command
	argc int32
}

// watchedKey is one WATCH of a key by a client in a database (watchedKey).
// expired records that the key existed but had already expired when it
// was watched: deleting it then is no change (Redis 7.0).
type watchedKey struct {
	c       *client
	d       *db
	key     string
	expired bool
}

// multiCommands are multi.c's commands. cmdNoQueue marks the ones run at
// once inside MULTI rather than queued (processCommand's list).
var multiCommands = []*command{
	{name: "multi", arity: 1, flags: cmdNoscript | cmdLoading | cmdStale | cmdFast | cmdAllowBusy | cmdNoQueue, proc: multiCommand},
	{name: "exec", arity: 1, flags: cmdNoscript | cmdLoading | cmdStale | cmdSkipSlowlog | cmdNoQueue, proc: execCommand},
	{name: "discard", arity: 1, flags: cmdNoscript | cmdLoading | cmdStale | cmdFast | cmdAllowBusy | cmdNoQueue, proc: discardCommand},
	{name: "watch", arity: -2, flags: cmdNoscript | cmdLoading | cmdStale | cmdFast | cmdAllowBusy | cmdNoQueue, proc: watchCommand, firstKey: 1, lastKey: -1, keyStep: 1},
	{name: "unwatch", arity: 1, flags: cmdNoscript | cmdLoading | cmdStale | cmdFast | cmdAllowBusy, proc: unwatchCommand},
}

// clientMultiState returns c's transaction state, creating it.
func (s *server) clientMultiState(c *client) *multiState {
	ms := s.multi[c]
	if ms == nil {
		ms = &multiState{}
		s.multi[c] = ms
	}
	return ms
}

// multiCommand is MULTI (multiCommand).
func multiCommand(s *server, c *client) {
	if c.mflags&clientMulti != 0 {
		c.AddReplyError("MULTI calls can not be nested")
		return
	}
	s.clientMultiState(c)
	c.mflags |= clientMulti
	c.AddReply(resp.OK)
}

// queueMultiCommand queues the command c is running (queueMultiCommand).
// A transaction already doomed (a failed queueing, or a WATCHed key
// changed) keeps nothing more, as Redis 7.0 does: EXEC will not run it.
func (s *server) queueMultiCommand(c *client, cmd *command) {
	if c.mflags&(clientDirtyCAS|clientDirtyExec) != 0 {
		return
	}
	ms := s.clientMultiState(c)
	ms.cmds = append(ms.cmds, queuedCommand{cmd: cmd, argc: int32(len(c.Argv))})
	for _, a := range c.Argv {
		ms.args = append(ms.args, a...)
		ms.lens = append(ms.lens, int32(len(a)))
	}
}

// multiMem is the memory a transaction's queued arguments take, for
// CLIENT LIST's multi-mem (mstate.argv_len_sums: the bytes plus a pointer
// an argument).
func (ms *multiState) multiMem() int {
	return len(ms.args) + 8*len(ms.lens)
}

// flagTransaction dooms c's transaction, if it is in one, after a command
// failed to queue (flagTransaction): EXEC will answer EXECABORT.
func flagTransaction(c *client) {
	if c.mflags&clientMulti != 0 {
		c.mflags |= clientDirtyExec
	}
}

// discardTransaction ends c's transaction and its WATCHes
// (discardTransaction).
func (s *server) discardTransaction(c *client) {
	s.unwatchAllKeys(c)
	delete(s.multi, c)
	c.mflags &^= clientMulti | clientDirtyCAS | clientDirtyExec
}

// discardCommand is DISCARD (discardCommand).
func discardCommand(s *server, c *client) {
	if c.mflags&clientMulti == 0 {
		c.AddReplyError("DISCARD without MULTI")
		return
	}
	s.discardTransaction(c)
	c.AddReply(resp.OK)
}

// execCommand is EXEC (execCommand): EXECABORT after a command failed to
// queue, a null array when a WATCHed key changed or has expired since,
// else an array of the queued commands' replies, run here one after the
// other, each in the client's database of the moment (a queued SELECT
// moves the ones after it).
func execCommand(s *server, c *client) {
	if c.mflags&clientMulti == 0 {
		c.AddReplyError("EXEC without MULTI")
		return
	}
	ms := s.clientMultiState(c)
	if s.isWatchedKeyExpired(ms) {
		c.mflags |= clientDirtyCAS
	}
	if c.mflags&(clientDirtyCAS|clientDirtyExec) != 0 {
		if c.mflags&clientDirtyExec != 0 {
			s.stats.totalErrorReplys++
			c.AddReplyError(execAbortErr)
		} else {
			c.AddReplyNullArray()
		}
		s.discardTransaction(c)
		return
	}
	// Unwatch at once: the commands below would only touch our own keys.
	s.unwatchAllKeys(c)
	execArgv, execCmd := c.Argv, c.lastcmd
	ms.execArgv, ms.execCmd = execArgv, execCmd
	c.AddReplyArrayLen(len(ms.cmds))
	off, li := 0, 0
	for _, q := range ms.cmds {
		argv := ms.argv[:0]
		for range q.argc {
			n := int(ms.lens[li])
			argv = append(argv, ms.args[off:off+n:off+n])
			off += n
			li++
		}
		ms.argv = argv
		c.Argv, c.lastcmd = argv, q.cmd
		s.call(c, q.cmd)
	}
	c.Argv, c.lastcmd = execArgv, execCmd
	s.discardTransaction(c)
}

// watchCommand is WATCH key [key ...] (watchCommand).
func watchCommand(s *server, c *client) {
	if c.mflags&clientMulti != 0 {
		c.AddReplyError("WATCH inside MULTI is not allowed")
		return
	}
	// No point in watching more when EXEC is already bound to fail.
	if c.mflags&clientDirtyCAS == 0 {
		for _, key := range c.Argv[1:] {
			s.watchForKey(c, key)
		}
	}
	c.AddReply(resp.OK)
}

// watchForKey watches key in c's database (watchForKey). Redis looks for
// an earlier WATCH of the same key in the client's list, which is
// quadratic in the number of keys watched; the database's list for the
// key, which holds one entry per client watching it, answers the same.
func (s *server) watchForKey(c *client, key []byte) {
	d := s.db
	for _, wk := range d.watchedKeys[string(key)] {
		if wk.c == c {
			return
		}
	}
	if d.watchedKeys == nil {
		d.watchedKeys = map[string][]*watchedKey{}
	}
	wk := &watchedKey{c: c, d: d, key: string(key)}
	wk.expired = s.keyIsExpired(d, wk.key)
	d.watchedKeys[wk.key] = append(d.watchedKeys[wk.key], wk)
	ms := s.clientMultiState(c)
	ms.watched = append(ms.watched, wk)
}

// keyIsExpired reports whether key exists in d with its TTL passed, not
// yet deleted (keyIsExpired), by the same test as lookup.
func (s *server) keyIsExpired(d *db, key string) bool {
	o := d.dict[key]
	return o != nil && o.expire != 0 && o.expire <= s.mstime
}

// unwatchAllKeys drops every WATCH of c (unwatchAllKeys).
func (s *server) unwatchAllKeys(c *client) {
	ms := s.multi[c]
	if ms == nil || len(ms.watched) == 0 {
		return
	}
	for _, wk := range ms.watched {
		d := wk.d
		list := d.watchedKeys[wk.key]
		for i, x := range list {
			if x == wk {
				last := len(list) - 1
				list[i] = list[last]
				list[last] = nil
				list = list[:last]
				break
			}
		}
		if len(list) > 0 {
			d.watchedKeys[wk.key] = list
			continue
		}
		delete(d.watchedKeys, wk.key)
		if len(d.watchedKeys) == 0 {
			d.watchedKeys = nil // signalModifiedKey's test
		}
	}
	ms.watched = nil
	if c.mflags&clientMulti == 0 {
		delete(s.multi, c)
	}
}

// unwatchCommand is UNWATCH (unwatchCommand).
func unwatchCommand(s *server, c *client) {
	s.unwatchAllKeys(c)
	c.mflags &^= clientDirtyCAS
	c.AddReply(resp.OK)
}

// isWatchedKeyExpired reports whether a key c watches has expired since
// it was watched (isWatchedKeyExpired): EXEC fails then, even though
// nothing deleted the key yet.
func (s *server) isWatchedKeyExpired(ms *multiState) bool {
	for _, wk := range ms.watched {
		if !wk.expired && s.keyIsExpired(wk.d, wk.key) {
			return true
		}
	}
	return false
}

// touchWatchedKey marks the clients watching key in d dirty, so that their
// EXEC fails, and drops their WATCHes, which have nothing more to tell
// (touchWatchedKey). A key that had already expired when it was watched
// and is now gone was deleted by its expiry: no change, but the next
// change counts. key is not kept.
func (s *server) touchWatchedKey(d *db, key string) {
	list := d.watchedKeys[key]
	if len(list) == 0 {
		return
	}
	dirty := s.touchScratch[:0]
	for _, wk := range list {
		if wk.expired {
			if d.dict[key] == nil {
				wk.expired = false
				continue
			}
		}
		wk.c.mflags |= clientDirtyCAS
		dirty = append(dirty, wk.c)
	}
	// Unwatching edits the list walked above: after the walk.
	for i, c := range dirty {
		s.unwatchAllKeys(c)
		dirty[i] = nil
	}
	s.touchScratch = dirty[:0]
}

// touchAllWatchedKeysInDb marks dirty the clients watching, in emptied, a
// key that exists in it or, for SWAPDB, in replacedWith, the keyspace
// about to take its place (touchAllWatchedKeysInDb). FLUSHDB and FLUSHALL
// pass a nil replacedWith. Expired keys count as Redis 7.0 counts them: an
// expired key that goes, or stays expired, is no change, and a missing key
// replaced by an expired one is recorded as watched expired.
func (s *server) touchAllWatchedKeysInDb(emptied, replacedWith *db) {
	for key, list := range emptied.watchedKeys {
		inEmptied := emptied.dict[key] != nil
		inReplaced := replacedWith != nil && replacedWith.dict[key] != nil
		if !inEmptied && !inReplaced {
			continue
		}
		for _, wk := range list {
			if wk.expired {
				if !inReplaced {
					wk.expired = false
					continue
				} else if s.keyIsExpired(replacedWith, key) {
					continue
				}
			} else if !inEmptied && s.keyIsExpired(replacedWith, key) {
				wk.expired = true
				continue
			}
			wk.c.mflags |= clientDirtyCAS
		}
	}
}

// freeClientMultiState drops c's transaction and WATCHes when it goes
// (freeClient's unwatchAllKeys and freeClientMultiState).
func (s *server) freeClientMultiState(c *client) {
	if c.mflags != 0 || s.multi[c] != nil {
		s.discardTransaction(c)
	}
}
