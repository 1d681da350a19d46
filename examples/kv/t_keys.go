package main

import (
	"github.com/goae/goae/internal/respserver"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/goae/goae/internal/resp"
)

// keyCommands are the generic keyspace commands (Redis's db.c and
// expire.c): they work on a key whatever its type.
var keyCommands = []*command{
	{name: "del", arity: -2, flags: cmdWrite, proc: delCommand, firstKey: 1, lastKey: -1, keyStep: 1},
	{name: "unlink", arity: -2, flags: cmdWrite | cmdFast, proc: delCommand, firstKey: 1, lastKey: -1, keyStep: 1},
	{name: "exists", arity: -2, flags: cmdReadonly | cmdFast, proc: existsCommand, firstKey: 1, lastKey: -1, keyStep: 1},
	{name: "touch", arity: -2, flags: cmdReadonly | cmdFast, proc: touchCommand, firstKey: 1, lastKey: -1, keyStep: 1},
	{name: "type", arity: 2, flags: cmdReadonly | cmdFast, proc: typeCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "keys", arity: 2, flags: cmdReadonly, proc: keysCommand},
	{name: "scan", arity: -2, flags: cmdReadonly, proc: scanCommand},
	{name: "randomkey", arity: 1, flags: cmdReadonly, proc: randomkeyCommand},
	{name: "rename", arity: 3, flags: cmdWrite, proc: renameCommand, firstKey: 1, lastKey: 2, keyStep: 1},
	{name: "renamenx", arity: 3, flags: cmdWrite | cmdFast, proc: renamenxCommand, firstKey: 1, lastKey: 2, keyStep: 1},
	{name: "expire", arity: -3, flags: cmdWrite | cmdFast, proc: expireCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "pexpire", arity: -3, flags: cmdWrite | cmdFast, proc: pexpireCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "expireat", arity: -3, flags: cmdWrite | cmdFast, proc: expireatCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "pexpireat", arity: -3, flags: cmdWrite | cmdFast, proc: pexpireatCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "ttl", arity: 2, flags: cmdReadonly | cmdFast, proc: ttlCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "pttl", arity: 2, flags: cmdReadonly | cmdFast, proc: pttlCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "expiretime", arity: 2, flags: cmdReadonly | cmdFast, proc: expiretimeCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "pexpiretime", arity: 2, flags: cmdReadonly | cmdFast, proc: pexpiretimeCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "persist", arity: 2, flags: cmdWrite | cmdFast, proc: persistCommand, firstKey: 1, lastKey: 1, keyStep: 1},
}

// delCommand is DEL and UNLINK (delGenericCommand): both free the value
// at once, there is no lazy freeing to do in Go.
func delCommand(s *server, c *client) {
	var deleted int64
	for _, key := range c.Argv[1:] {
		if o := s.lookup(key); o != nil {
			s.db.remove(o)
			s.signalModifiedKey(s.db, key)
			s.notify(notifyGeneric, "del", key)
			deleted++
		}
	}
	c.AddReplyInt(deleted)
}

// existsCommand is EXISTS: the number of the given keys that
// exist, a key named twice counting twice.
func existsCommand(s *server, c *client) {
	var n int64
	for _, key := range c.Argv[1:] {
		// EXISTS leaves the access time alone (LOOKUP_NOTOUCH).
		if s.lookupReadNoTouch(key) != nil {
			n++
		}
	}
	c.AddReplyInt(n)
}

// touchCommand is TOUCH: EXISTS that counts as an access of each key.
func touchCommand(s *server, c *client) {
	var n int64
	for _, key := range c.Argv[1:] {
		if s.lookupRead(key) != nil {
			n++
		}
	}
	c.AddReplyInt(n)
}

func typeCommand(s *server, c *client) {
	o := s.lookupReadNoTouch(c.Argv[1])
	if o == nil {
		c.AddReplyStatus("none")
		return
	}
	c.AddReplyStatus(typeNames[o.typ])
}

// keysCommand replies every live key matching the pattern. As Redis it
// skips expired keys without deleting them, and treats a lone "*" as
// "all" (stringmatchlen does not match "*" against the empty key).
func keysCommand(s *server, c *client) {
	pattern := c.Argv[1]
	allkeys := len(pattern) == 1 && pattern[0] == '*'
	var n int
	// The count is known only at the end: reply into a scratch buffer
	// after the header's place, the way Redis defers the array length.
	start := len(c.Out)
	for _, o := range s.db.slots {
		if o == nil || (o.expire != 0 && o.expire <= s.mstime) {
			continue
		}
		if allkeys || stringMatch(pattern, o.key, false) {
			c.AddReplyBulkString(o.key)
			n++
			if c.Flags&respserver.CloseASAP != 0 {
				// Past its output limit: the reply will never be sent,
				// so stop building it (as Redis's keysCommand does).
				return
			}
		}
	}
	c.Out = prependArrayLen(c.Out, start, n)
}

// prependArrayLen inserts the header "*n\r\n" at buf[start:], before the n
// elements already appended there (setDeferredArrayLen).
func prependArrayLen(buf []byte, start, n int) []byte {
	var hdr [24]byte
	return prependHeader(buf, start, resp.AppendArrayLen(hdr[:0], n))
}

// prependSetLen is prependArrayLen for a set: "~n" to a RESP3 client
// (setDeferredSetLen).
func prependSetLen(c *client, start, n int) {
	var hdr [24]byte
	h := resp.AppendArrayLen(hdr[:0], n)
	if c.Protocol() == 3 {
		h = resp.AppendSetLen(hdr[:0], n)
	}
	c.Out = prependHeader(c.Out, start, h)
}

// prependHeader inserts h at buf[start:].
func prependHeader(buf []byte, start int, h []byte) []byte {
	buf = append(buf, h...)
	copy(buf[start+len(h):], buf[start:len(buf)-len(h)])
	copy(buf[start:], h)
	return buf
}

// parseScanCursor parses a cursor as Redis's parseScanCursorOrReply, which
// uses strtoul: an optional sign, decimal digits (none at all is 0),
// nothing else, no leading space, no overflow. A negative cursor wraps, as
// strtoul's does.
func parseScanCursor(b []byte) (uint64, bool) {
	i, neg := 0, false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg, i = b[0] == '-', 1
	}
	if i == len(b) {
		// No digits: strtoul consumed nothing, so only the empty string
		// ends where it stopped.
		return 0, len(b) == 0
	}
	var v uint64
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			return 0, false
		}
		if v > (math.MaxUint64-uint64(d))/10 {
			return 0, false // ERANGE
		}
		v = v*10 + uint64(d)
	}
	if neg {
		v = -v
	}
	return v, true
}

// scanCommand is SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
// (scanGenericCommand). The cursor is a position in db.slots, where a key
// stays until it is deleted: a key present for the whole iteration is
// returned exactly once, one added or deleted meanwhile may or may not be.
// COUNT is a hint, as in Redis: about that many keys are returned, and at
// most ten times as many positions are visited per call.
func scanCommand(s *server, c *client) {
	cursor, ok := parseScanCursor(c.Argv[1])
	if !ok {
		c.AddReplyError("invalid cursor")
		return
	}
	count := int64(10)
	var pattern, typ []byte
	usePattern := false
	for i := 2; i < len(c.Argv); i += 2 {
		opt := c.Argv[i]
		more := i+1 < len(c.Argv)
		switch {
		case more && strings.EqualFold(string(opt), "count"):
			v, ok := resp.ParseInt(c.Argv[i+1])
			if !ok {
				c.AddReplyError("value is not an integer or out of range")
				return
			}
			if v < 1 {
				c.AddReply(resp.SyntaxErr)
				return
			}
			count = v
		case more && strings.EqualFold(string(opt), "match"):
			pattern = c.Argv[i+1]
			usePattern = !(len(pattern) == 1 && pattern[0] == '*')
		case more && strings.EqualFold(string(opt), "type"):
			typ = c.Argv[i+1]
		default:
			c.AddReply(resp.SyntaxErr)
			return
		}
	}

	slots := s.db.slots
	start := len(slots)
	if cursor < uint64(len(slots)) {
		start = int(cursor)
	}
	visits := int64(math.MaxInt64)
	if count <= math.MaxInt64/10 {
		visits = count * 10
	}
	// First find the positions this call covers, then filter them, as
	// Redis collects before it filters: the work per call does not depend
	// on MATCH or TYPE, so a selective pattern still comes back with a
	// cursor rather than walking the whole keyspace.
	pos, found := start, int64(0)
	for ; pos < len(slots) && found < count && visits > 0; pos++ {
		visits--
		if slots[pos] != nil {
			found++
		}
	}
	next := uint64(pos)
	if pos >= len(slots) {
		next = 0
	}

	c.AddReplyArrayLen(2)
	var num [20]byte
	c.AddReplyBulk(strconv.AppendUint(num[:0], next, 10))
	bufStart := len(c.Out)
	n := 0
	// Deleting an expired key below only clears its position (or trims
	// empty ones off the end), so slots, read before, stays valid.
	for _, o := range slots[start:pos] {
		if o == nil {
			continue
		}
		if usePattern && !stringMatch(pattern, o.key, false) {
			continue
		}
		if typ != nil && !strings.EqualFold(string(typ), typeNames[o.typ]) {
			continue
		}
		if o.expire != 0 && o.expire <= s.mstime {
			// expireIfNeeded, as Redis's scan does.
			s.deleteExpired(s.db, o)
			continue
		}
		c.AddReplyBulkString(o.key)
		n++
		if c.Flags&respserver.CloseASAP != 0 {
			return // past its output limit, as in KEYS
		}
	}
	c.Out = prependArrayLen(c.Out, bufStart, n)
}

// randomkeyCommand replies a random live key, nil when there is none
// (dbRandomKey). Positions are drawn uniformly from db.slots and empty
// ones redrawn, which keeps every key equally likely; expired keys met on
// the way are deleted, as Redis does.
func randomkeyCommand(s *server, c *client) {
	for s.db.size() > 0 {
		o := s.randomSlot()
		if o.expire != 0 && o.expire <= s.mstime {
			s.deleteExpired(s.db, o)
			continue
		}
		c.AddReplyBulkString(o.key)
		return
	}
	c.AddReplyNull()
}

// randomSlot returns a random object of a non-empty keyspace. Mostly-empty
// slot tables (many deletions below the last key) fall back to a walk
// from a random position after a bounded number of draws.
func (s *server) randomSlot() *robj {
	slots := s.db.slots
	for tries := 0; tries < 64; tries++ {
		if o := slots[rand.IntN(len(slots))]; o != nil {
			return o
		}
	}
	start := rand.IntN(len(slots))
	for i := range slots {
		if o := slots[(start+i)%len(slots)]; o != nil {
			return o
		}
	}
	return nil // unreachable: size() > 0
}

func renameCommand(s *server, c *client)   { renameGeneric(s, c, false) }
func renamenxCommand(s *server, c *client) { renameGeneric(s, c, true) }

// renameGeneric is renameGenericCommand: the value, TTL included, moves
// to the new name, replacing what was there (RENAME) or not (RENAMENX).
func renameGeneric(s *server, c *client, nx bool) {
	src, dst := c.Argv[1], c.Argv[2]
	o := s.lookup(src)
	if o == nil {
		c.AddReply(resp.NoKeyErr)
		return
	}
	if string(src) == string(dst) {
		if nx {
			c.AddReply(resp.Zero)
		} else {
			c.AddReply(resp.OK)
		}
		return
	}
	if old := s.lookup(dst); old != nil {
		if nx {
			c.AddReply(resp.Zero)
			return
		}
		s.db.remove(old)
	}
	// remove keeps o.expire; add files it under the new name with it.
	s.db.remove(o)
	lru := o.lru
	s.db.add(dst, o)
	o.lru = lru // the same value under another name
	s.signalModifiedKey(s.db, src)
	s.signalModifiedKey(s.db, dst)
	s.notify(notifyGeneric, "rename_from", src)
	s.notify(notifyGeneric, "rename_to", dst)
	if nx {
		c.AddReply(resp.One)
	} else {
		c.AddReply(resp.OK)
	}
}

// Options of EXPIRE and friends (EXPIRE_*).
const (
	expireNX = 1 << iota
	expireXX
	expireGT
	expireLT
)

func expireCommand(s *server, c *client)    { expireGeneric(s, c, s.mstime, 1000) }
func pexpireCommand(s *server, c *client)   { expireGeneric(s, c, s.mstime, 1) }
func expireatCommand(s *server, c *client)  { expireGeneric(s, c, 0, 1000) }
func pexpireatCommand(s *server, c *client) { expireGeneric(s, c, 0, 1) }

// parseExpireOptions is parseExtendedExpireArgumentsOrReply.
func parseExpireOptions(c *client) (int, bool) {
	flags := 0
	for _, arg := range c.Argv[3:] {
		switch strings.ToLower(string(arg)) {
		case "nx":
			flags |= expireNX
		case "xx":
			flags |= expireXX
		case "gt":
			flags |= expireGT
		case "lt":
			flags |= expireLT
		default:
			c.AddReplyError("Unsupported option " + string(arg))
			return 0, false
		}
	}
	if flags&expireNX != 0 && flags&(expireXX|expireGT|expireLT) != 0 {
		c.AddReplyError("NX and XX, GT or LT options at the same time are not compatible")
		return 0, false
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		c.AddReplyError("GT and LT options at the same time are not compatible")
		return 0, false
	}
	return flags, true
}

// expireGeneric is expireGenericCommand: unit is 1000 for seconds, 1 for
// milliseconds; basetime is now for relative times, 0 for absolute ones.
// A time already past deletes the key (and still replies 1).
func expireGeneric(s *server, c *client, basetime, unit int64) {
	flags, ok := parseExpireOptions(c)
	if !ok {
		return
	}
	when, ok := intArg(c, c.Argv[2])
	if !ok {
		return
	}
	if unit == 1000 {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			c.AddReplyError("invalid expire time in '" + c.lastcmd.name + "' command")
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-basetime {
		c.AddReplyError("invalid expire time in '" + c.lastcmd.name + "' command")
		return
	}
	when += basetime

	o := s.lookup(c.Argv[1])
	if o == nil {
		c.AddReply(resp.Zero)
		return
	}
	if flags != 0 {
		current := o.expire // 0: none, which Redis calls -1 (infinite)
		switch {
		case flags&expireNX != 0 && current != 0,
			flags&expireXX != 0 && current == 0,
			flags&expireGT != 0 && (current == 0 || when <= current),
			flags&expireLT != 0 && current != 0 && when >= current:
			c.AddReply(resp.Zero)
			return
		}
	}
	if when <= s.mstime {
		s.db.remove(o)
		s.signalModifiedKey(s.db, c.Argv[1])
		s.notify(notifyGeneric, "del", c.Argv[1])
		c.AddReply(resp.One)
		return
	}
	s.db.setExpire(o, when)
	s.signalModifiedKey(s.db, c.Argv[1])
	s.notify(notifyGeneric, "expire", c.Argv[1])
	c.AddReply(resp.One)
}

func ttlCommand(s *server, c *client)         { ttlGeneric(s, c, false, false) }
func pttlCommand(s *server, c *client)        { ttlGeneric(s, c, true, false) }
func expiretimeCommand(s *server, c *client)  { ttlGeneric(s, c, false, true) }
func pexpiretimeCommand(s *server, c *client) { ttlGeneric(s, c, true, true) }

// ttlGeneric is ttlGenericCommand: -2 for a missing key, -1 for one
// without TTL, else the time left (or the absolute expiry time), seconds
// rounded to the nearest.
func ttlGeneric(s *server, c *client, ms, abs bool) {
	o := s.lookupReadNoTouch(c.Argv[1])
	if o == nil {
		c.AddReplyInt(-2)
		return
	}
	if o.expire == 0 {
		c.AddReplyInt(-1)
		return
	}
	ttl := o.expire
	if !abs {
		ttl -= s.mstime
	}
	if ttl < 0 {
		ttl = 0
	}
	if !ms {
		// ttl is not negative here, and Redis's compiled (ttl+500)/1000
		// divides unsigned: near the top of the range it rounds up where
		// signed arithmetic would overflow.
		ttl = int64((uint64(ttl) + 500) / 1000)
	}
	c.AddReplyInt(ttl)
}

func persistCommand(s *server, c *client) {
	o := s.lookup(c.Argv[1])
	if o == nil || o.expire == 0 {
		c.AddReply(resp.Zero)
		return
	}
	s.db.setExpire(o, 0)
	s.signalModifiedKey(s.db, c.Argv[1])
	s.notify(notifyGeneric, "persist", c.Argv[1])
	c.AddReply(resp.One)
}
