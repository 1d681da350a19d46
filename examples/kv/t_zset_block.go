package main

import (
	"github.com/goae/goae/internal/resp"
)

// The sorted set pops over several keys and their blocking forms
// (t_zset.c's ZMPOP, BZPOPMIN, BZPOPMAX, BZMPOP), Redis 7.0's arities,
// flags and key positions; ZMPOP and BZMPOP have movable keys.
var zsetBlockCommands = []*command{
	{name: "zmpop", arity: -4, flags: cmdWrite | cmdMovableKeys, proc: zmpopCommand, getkeys: numkeysKeys(1)},
	{name: "bzpopmin", arity: -3, flags: cmdWrite | cmdNoscript | cmdFast | cmdBlocking, proc: bzpopminCommand, firstKey: 1, lastKey: -2, keyStep: 1},
	{name: "bzpopmax", arity: -3, flags: cmdWrite | cmdNoscript | cmdFast | cmdBlocking, proc: bzpopmaxCommand, firstKey: 1, lastKey: -2, keyStep: 1},
	{name: "bzmpop", arity: -5, flags: cmdWrite | cmdBlocking | cmdMovableKeys, proc: bzmpopCommand, getkeys: numkeysKeys(2)},
}

// zsetPosition parses MIN or MAX.
func zsetPosition(c *client, b []byte) (int8, bool) {
	switch {
	case resp.EqualFold(b, "min"):
		return zsetMin, true
	case resp.EqualFold(b, "max"):
		return zsetMax, true
	}
	c.AddReply(resp.SyntaxErr)
	return 0, false
}

// genericZpop pops up to count members (1 for count -1) from the sorted
// set o at key and replies them with the key (genericZpopCommand with
// emitkey): flat for BZPOPMIN and BZPOPMAX, "key [[member score] ...]"
// when nested (ZMPOP, BZMPOP). It reports whether the key was deleted.
func genericZpop(s *server, c *client, o *robj, key []byte, where int, count int64, nested bool) bool {
	if count == -1 {
		count = 1
	}
	zs := o.ptr.(*zset)
	n := int(min(count, int64(zs.len())))
	if nested {
		c.AddReplyArrayLen(2)
		c.AddReplyBulk(key)
		c.AddReplyArrayLen(n)
	} else {
		c.AddReplyArrayLen(n*2 + 1)
		c.AddReplyBulk(key)
	}
	for ; n > 0; n-- {
		x := zs.zsl.first()
		if where == zsetMax {
			x = zs.zsl.tail
		}
		if nested {
			c.AddReplyArrayLen(2)
		}
		c.AddReplyBulkString(x.ele)
		zaddReplyScore(c, x.score)
		zs.removeNode(x)
	}
	if where == zsetMax {
		s.notify(notifyZset, "zpopmax", key)
	} else {
		s.notify(notifyZset, "zpopmin", key)
	}
	deleted := false
	if zs.len() == 0 {
		s.db.remove(o)
		deleted = true
		s.notify(notifyGeneric, "del", key)
	} else {
		zs.shrink()
	}
	s.signalModifiedKey(s.db, key)
	return deleted
}

// zmpopCommand is ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: the
// first existing key decides (WRONGTYPE if it is not a sorted set); a
// null array when none exists.
func zmpopCommand(s *server, c *client) {
	keys, where, count, ok := mpopArgs(c, 1, zsetPosition)
	if !ok {
		return
	}
	for _, key := range keys {
		o, ok := s.lookupOfType(c, key, objZset, true)
		if !ok {
			return
		}
		if o != nil {
			genericZpop(s, c, o, key, int(where), count, true)
			return
		}
	}
	c.AddReplyNullArray()
}

// blockingGenericZpop is BZPOPMIN, BZPOPMAX and BZMPOP
// (blockingGenericZpopCommand): the first non-empty sorted set is popped,
// else c blocks on all the keys (inside MULTI: a null array).
func blockingGenericZpop(s *server, c *client, keys [][]byte, where int8, timeoutIdx int, count int64, nested bool) {
	timeout, ok := s.getTimeout(c, c.Argv[timeoutIdx], false)
	if !ok {
		return
	}
	for _, key := range keys {
		o, ok := s.lookupOfType(c, key, objZset, true)
		if !ok {
			return
		}
		if o != nil {
			genericZpop(s, c, o, key, int(where), count, nested)
			return
		}
	}
	if denyBlocking(c) {
		c.AddReplyNullArray()
		return
	}
	s.blockForKeys(c, blockedZset, keys, count, timeout, nil, where, 0)
}

func bzpopminCommand(s *server, c *client) {
	blockingGenericZpop(s, c, c.Argv[1:len(c.Argv)-1], zsetMin, len(c.Argv)-1, -1, false)
}

func bzpopmaxCommand(s *server, c *client) {
	blockingGenericZpop(s, c, c.Argv[1:len(c.Argv)-1], zsetMax, len(c.Argv)-1, -1, false)
}

// bzmpopCommand is BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT
// count].
func bzmpopCommand(s *server, c *client) {
	keys, where, count, ok := mpopArgs(c, 2, zsetPosition)
	if !ok {
		return
	}
	blockingGenericZpop(s, c, keys, where, 1, count, true)
}
