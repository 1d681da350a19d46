package main

import (
	"github.com/goae/goae/internal/resp"
)

// The list commands that move elements or pop from several keys, and
// their blocking forms (t_list.c's LMOVE, LMPOP, BLPOP, BLMOVE, BLMPOP
// and serveClientBlockedOnList). Arities, flags and key positions are
// Redis 7.0's; LMPOP and BLMPOP have movable keys (first key 0).
var listBlockCommands = []*command{
	{name: "rpoplpush", arity: 3, flags: cmdWrite | cmdDenyOOM, proc: rpoplpushCommand, firstKey: 1, lastKey: 2, keyStep: 1},
	{name: "lmove", arity: 5, flags: cmdWrite | cmdDenyOOM, proc: lmoveCommand, firstKey: 1, lastKey: 2, keyStep: 1},
	{name: "lmpop", arity: -4, flags: cmdWrite | cmdMovableKeys, proc: lmpopCommand, getkeys: numkeysKeys(1)},
	{name: "blpop", arity: -3, flags: cmdWrite | cmdNoscript | cmdBlocking, proc: blpopCommand, firstKey: 1, lastKey: -2, keyStep: 1},
	{name: "brpop", arity: -3, flags: cmdWrite | cmdNoscript | cmdBlocking, proc: brpopCommand, firstKey: 1, lastKey: -2, keyStep: 1},
	{name: "brpoplpush", arity: 4, flags: cmdWrite | cmdNoscript | cmdBlocking | cmdDenyOOM, proc: brpoplpushCommand, firstKey: 1, lastKey: 2, keyStep: 1},
	{name: "blmove", arity: 6, flags: cmdWrite | cmdNoscript | cmdBlocking | cmdDenyOOM, proc: blmoveCommand, firstKey: 1, lastKey: 2, keyStep: 1},
	{name: "blmpop", arity: -5, flags: cmdWrite | cmdBlocking | cmdMovableKeys, proc: blmpopCommand, getkeys: numkeysKeys(2)},
}

// listPosition parses LEFT or RIGHT (getListPositionFromObjectOrReply).
func listPosition(c *client, b []byte) (int8, bool) {
	switch {
	case resp.EqualFold(b, "left"):
		return listHead, true
	case resp.EqualFold(b, "right"):
		return listTail, true
	}
	c.AddReply(resp.SyntaxErr)
	return 0, false
}

func (l *list) pop(where int8) []byte {
	if where == listHead {
		return l.popFront()
	}
	return l.popBack()
}

func (l *list) push(v []byte, where int8) {
	if where == listHead {
		l.pushFront(v)
	} else {
		l.pushBack(v)
	}
}

// listElementsRemoved tells of a pop at where ("lpop" or "rpop"),
// deletes the key of a list that was emptied ("del") and tells the
// WATCHes (listElementsRemoved); it reports whether it deleted.
func (s *server) listElementsRemoved(key []byte, o *robj, where int8) bool {
	s.notify(notifyList, popEvent(where), key)
	deleted := s.listDeleteIfEmpty(o)
	if deleted {
		s.notify(notifyGeneric, "del", key)
	}
	s.signalModifiedKey(s.db, key)
	return deleted
}

// popEvent and pushEvent are the keyspace events of a pop or push at
// where.
func popEvent(where int8) string {
	if where == listHead {
		return "lpop"
	}
	return "rpop"
}

func pushEvent(where int8) string {
	if where == listHead {
		return "lpush"
	}
	return "rpush"
}

// listDeleteIfEmpty deletes an emptied list's key, or gives back the
// memory a pop left unused, and reports whether it deleted.
func (s *server) listDeleteIfEmpty(o *robj) bool {
	l := o.ptr.(*list)
	if l.len() == 0 {
		s.db.remove(o)
		return true
	}
	l.shrink()
	return false
}

// lmoveHandlePush pushes value, popped by LMOVE or a served BLMOVE, to
// dstkey, creating the list (which wakes clients blocked on it), and
// replies value (lmoveHandlePush).
func (s *server) lmoveHandlePush(c *client, dstkey []byte, dst *robj, value []byte, where int8) {
	if dst == nil {
		dst = &robj{typ: objList, ptr: &list{}}
		s.db.add(dstkey, dst)
	}
	s.signalModifiedKey(s.db, dstkey)
	dst.ptr.(*list).push(value, where)
	s.notify(notifyList, pushEvent(where), dstkey)
	c.AddReplyBulk(value)
}

// lmoveGeneric is LMOVE source destination with its ends given
// (lmoveGenericCommand): nil for a missing source; the destination's type
// is checked before anything moves.
func lmoveGeneric(s *server, c *client, wherefrom, whereto int8) {
	src, ok := s.lookupOfType(c, c.Argv[1], objList, true)
	if !ok {
		return
	}
	if src == nil {
		c.AddReplyNull()
		return
	}
	dst, ok := s.lookupOfType(c, c.Argv[2], objList, true)
	if !ok {
		return
	}
	value := src.ptr.(*list).pop(wherefrom)
	s.lmoveHandlePush(c, c.Argv[2], dst, value, whereto)
	// After the push: with source and destination the same key the list
	// is never empty here.
	s.notify(notifyList, popEvent(wherefrom), c.Argv[1])
	if s.listDeleteIfEmpty(src) {
		s.notify(notifyGeneric, "del", c.Argv[1])
	}
	s.signalModifiedKey(s.db, c.Argv[1])
}

func lmoveCommand(s *server, c *client) {
	wherefrom, ok := listPosition(c, c.Argv[3])
	if !ok {
		return
	}
	whereto, ok := listPosition(c, c.Argv[4])
	if !ok {
		return
	}
	lmoveGeneric(s, c, wherefrom, whereto)
}

func rpoplpushCommand(s *server, c *client) { lmoveGeneric(s, c, listTail, listHead) }

// listPopRangeAndReplyWithKey pops up to count elements from one end and
// replies the key and them, in the order popped
// (listPopRangeAndReplyWithKey); it reports whether the key was deleted.
func (s *server) listPopRangeAndReplyWithKey(c *client, o *robj, key []byte, where int8, count int64) bool {
	l := o.ptr.(*list)
	n := int(min(count, int64(l.len())))
	c.AddReplyArrayLen(2)
	c.AddReplyBulk(key)
	c.AddReplyArrayLen(n)
	for ; n > 0; n-- {
		c.AddReplyBulk(l.pop(where))
	}
	return s.listElementsRemoved(key, o, where)
}

// blockingPopGeneric is BLPOP, BRPOP and BLMPOP (blockingPopGenericCommand):
// the first non-empty list of keys is popped as LPOP or RPOP would;
// with none, c blocks on all of them (or, inside MULTI, gets a null
// array). count is BLMPOP's, -1 for BLPOP and BRPOP.
func blockingPopGeneric(s *server, c *client, keys [][]byte, where int8, timeoutIdx int, count int64) {
	timeout, ok := s.getTimeout(c, c.Argv[timeoutIdx], false)
	if !ok {
		return
	}
	for _, key := range keys {
		o, ok := s.lookupOfType(c, key, objList, true)
		if !ok {
			return
		}
		if o == nil {
			continue
		}
		if count != -1 {
			s.listPopRangeAndReplyWithKey(c, o, key, where, count)
			return
		}
		c.AddReplyArrayLen(2)
		c.AddReplyBulk(key)
		c.AddReplyBulk(o.ptr.(*list).pop(where))
		s.listElementsRemoved(key, o, where)
		return
	}
	if denyBlocking(c) {
		c.AddReplyNullArray()
		return
	}
	s.blockForKeys(c, blockedList, keys, count, timeout, nil, where, 0)
}

func blpopCommand(s *server, c *client) {
	blockingPopGeneric(s, c, c.Argv[1:len(c.Argv)-1], listHead, len(c.Argv)-1, -1)
}

func brpopCommand(s *server, c *client) {
	blockingPopGeneric(s, c, c.Argv[1:len(c.Argv)-1], listTail, len(c.Argv)-1, -1)
}

// blmoveGeneric is BLMOVE and BRPOPLPUSH (blmoveGenericCommand): LMOVE
// when the source has elements, else a block on it (inside MULTI, a nil
// bulk: not the null array a timeout gives).
func blmoveGeneric(s *server, c *client, wherefrom, whereto int8, timeout uint64) {
	src, ok := s.lookupOfType(c, c.Argv[1], objList, true)
	if !ok {
		return
	}
	if src != nil {
		lmoveGeneric(s, c, wherefrom, whereto)
		return
	}
	if denyBlocking(c) {
		c.AddReplyNull()
		return
	}
	s.blockForKeys(c, blockedList, c.Argv[1:2], -1, timeout, c.Argv[2], wherefrom, whereto)
}

func blmoveCommand(s *server, c *client) {
	wherefrom, ok := listPosition(c, c.Argv[3])
	if !ok {
		return
	}
	whereto, ok := listPosition(c, c.Argv[4])
	if !ok {
		return
	}
	timeout, ok := s.getTimeout(c, c.Argv[5], false)
	if !ok {
		return
	}
	blmoveGeneric(s, c, wherefrom, whereto, timeout)
}

func brpoplpushCommand(s *server, c *client) {
	timeout, ok := s.getTimeout(c, c.Argv[3], false)
	if !ok {
		return
	}
	blmoveGeneric(s, c, listTail, listHead, timeout)
}

// mpopArgs parses the numkeys, the end (by parseEnd) and COUNT of LMPOP,
// BLMPOP, ZMPOP and BZMPOP from argv[numkeysIdx] on (blmpopGenericCommand,
// zmpopGenericCommand). count is 1 without COUNT.
func mpopArgs(c *client, numkeysIdx int, parseEnd func(*client, []byte) (int8, bool)) (keys [][]byte, where int8, count int64, ok bool) {
	numkeys, isInt := resp.ParseInt(c.Argv[numkeysIdx])
	if !isInt || numkeys < 1 {
		c.AddReplyError("numkeys should be greater than 0")
		return nil, 0, 0, false
	}
	whereIdx := int64(numkeysIdx) + numkeys + 1
	if numkeys >= int64(len(c.Argv)) || whereIdx >= int64(len(c.Argv)) {
		c.AddReply(resp.SyntaxErr)
		return nil, 0, 0, false
	}
	if where, ok = parseEnd(c, c.Argv[whereIdx]); !ok {
		return nil, 0, 0, false
	}
	count = -1
	for j := int(whereIdx) + 1; j < len(c.Argv); j++ {
		moreargs := len(c.Argv) - 1 - j
		if count == -1 && resp.EqualFold(c.Argv[j], "count") && moreargs > 0 {
			j++
			v, isInt := resp.ParseInt(c.Argv[j])
			if !isInt || v < 1 {
				c.AddReplyError("count should be greater than 0")
				return nil, 0, 0, false
			}
			count = v
			continue
		}
		c.AddReply(resp.SyntaxErr)
		return nil, 0, 0, false
	}
	if count == -1 {
		count = 1
	}
	return c.Argv[numkeysIdx+1 : whereIdx], where, count, true
}

// lmpopCommand is LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
// (mpopGenericCommand): the first non-empty list's key and elements, or a
// null array.
func lmpopCommand(s *server, c *client) {
	keys, where, count, ok := mpopArgs(c, 1, listPosition)
	if !ok {
		return
	}
	for _, key := range keys {
		o, ok := s.lookupOfType(c, key, objList, true)
		if !ok {
			return
		}
		if o != nil {
			s.listPopRangeAndReplyWithKey(c, o, key, where, count)
			return
		}
	}
	c.AddReplyNullArray()
}

// blmpopCommand is BLMPOP timeout numkeys key [key ...] LEFT|RIGHT
// [COUNT count].
func blmpopCommand(s *server, c *client) {
	keys, where, count, ok := mpopArgs(c, 2, listPosition)
	if !ok {
		return
	}
	blockingPopGeneric(s, c, keys, where, 1, count)
}

// serveClientBlockedOnList gives the client of bs, blocked on key of d,
// what it waits for from the list o (serveClientBlockedOnList): one
// element with its key (BLPOP, BRPOP), up to COUNT (BLMPOP), or a move to
// its destination (BLMOVE, BRPOPLPUSH: a destination of another type gets
// WRONGTYPE and nothing moves). It reports whether the key was deleted.
// As in Redis, a served BLPOP does not touch the WATCHes of its key: the
// push that woke it did.
func (s *server) serveClientBlockedOnList(bs *blockState, o *robj, key string, d *db) bool {
	c := bs.c
	l := o.ptr.(*list)
	kb := keyBytes(key)
	if !bs.hasTarget {
		if bs.count != -1 {
			return s.listPopRangeAndReplyWithKey(c, o, kb, bs.wherefrom, bs.count)
		}
		c.AddReplyArrayLen(2)
		c.AddReplyBulkString(key)
		c.AddReplyBulk(l.pop(bs.wherefrom))
		s.notifyKeyspaceEvent(notifyList, popEvent(bs.wherefrom), kb, d.id)
	} else {
		dst := s.lookup(bs.target)
		if dst == nil || dst.typ == objList {
			value := l.pop(bs.wherefrom)
			s.lmoveHandlePush(c, bs.target, dst, value, bs.whereto)
			s.notifyKeyspaceEvent(notifyList, popEvent(bs.wherefrom), kb, d.id)
		} else {
			c.AddReply(resp.WrongTypeErr)
		}
	}
	deleted := s.listDeleteIfEmpty(o)
	if deleted {
		s.notifyKeyspaceEvent(notifyGeneric, "del", kb, d.id)
	}
	return deleted
}

// numkeysKeys returns the key finder of a command whose argv[idx] is the
// number of keys that follow it (LMPOP, BLMPOP, ZMPOP, BZMPOP): a
// count that is not a positive integer or runs past the arguments gives
// none.
func numkeysKeys(idx int) func([][]byte) ([][]byte, bool) {
	return func(argv [][]byte) ([][]byte, bool) {
		n, ok := resp.ParseInt(argv[idx])
		if !ok || n < 1 || n > int64(len(argv)-idx-1) {
			return nil, false
		}
		return argv[idx+1 : idx+1+int(n)], true
	}
}
