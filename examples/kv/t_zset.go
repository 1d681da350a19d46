package main

import (
	"math"

	"github.com/goae/goae/internal/resp"
)

// The sorted set commands (t_zset.c), with Redis 7.0's arities and flags.
var zsetCommands = []*command{
	{name: "zadd", arity: -4, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: zaddCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zincrby", arity: 4, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: zincrbyCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zrem", arity: -3, flags: cmdWrite | cmdFast, proc: zremCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zcard", arity: 2, flags: cmdReadonly | cmdFast, proc: zcardCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zscore", arity: 3, flags: cmdReadonly | cmdFast, proc: zscoreCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zmscore", arity: -3, flags: cmdReadonly | cmdFast, proc: zmscoreCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zrank", arity: 3, flags: cmdReadonly | cmdFast, proc: zrankCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zrevrank", arity: 3, flags: cmdReadonly | cmdFast, proc: zrevrankCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zcount", arity: 4, flags: cmdReadonly | cmdFast, proc: zcountCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zlexcount", arity: 4, flags: cmdReadonly | cmdFast, proc: zlexcountCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zrange", arity: -4, flags: cmdReadonly, proc: zrangeCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zrevrange", arity: -4, flags: cmdReadonly, proc: zrevrangeCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zrangebyscore", arity: -4, flags: cmdReadonly, proc: zrangebyscoreCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zrevrangebyscore", arity: -4, flags: cmdReadonly, proc: zrevrangebyscoreCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zrangebylex", arity: -4, flags: cmdReadonly, proc: zrangebylexCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zrevrangebylex", arity: -4, flags: cmdReadonly, proc: zrevrangebylexCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zpopmin", arity: -2, flags: cmdWrite | cmdFast, proc: zpopminCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zpopmax", arity: -2, flags: cmdWrite | cmdFast, proc: zpopmaxCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zremrangebyrank", arity: 4, flags: cmdWrite, proc: zremrangebyrankCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zremrangebyscore", arity: 4, flags: cmdWrite, proc: zremrangebyscoreCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zremrangebylex", arity: 4, flags: cmdWrite, proc: zremrangebylexCommand, firstKey: 1, lastKey: 1, keyStep: 1},
}

// zset is a sorted set: a map from member to its skiplist node (which
// holds the score), for O(1) ZSCORE and membership, and the skiplist for
// order, ranks and ranges. A member's string is shared by both.
//
// lp mirrors whether Redis would still keep this set in its listpack
// encoding (at most zset-max-listpack-entries members of at most
// zset-max-listpack-value bytes, decided as Redis does
// and never reverted). The encoding is invisible except in one place: a
// listpack stores a score as text and prints -0 as "0", so there a score of
// -0 reads back as 0, while the skiplist keeps -0. Storing +0 for -0 while
// lp holds keeps ZSCORE and ZRANGE WITHSCORES byte for byte as Redis's.
type zset struct {
	dict map[string]*zslNode
	zsl  *skiplist
	lp   bool
	peak int // the most members dict has held since it was made
	// scan holds every node at a position that only changes when a
	// deletion moves the last node into a hole: the dense array ZSCAN
	// walks and ZRANDMEMBER draws from (scan.go).
	scan []*zslNode
}

// newZset is the sorted set ZADD creates for firstMember: a listpack
// unless zset-max-listpack-entries is 0 or the member is longer than
// zset-max-listpack-value (zaddGenericCommand).
func newZset(firstMember []byte, cfg *config) *zset {
	return &zset{
		dict: map[string]*zslNode{},
		zsl:  newSkiplist(),
		lp:   cfg.zsetMaxListpackEntries != 0 && int64(len(firstMember)) <= cfg.zsetMaxListpackValue,
	}
}

func (zs *zset) len() int { return zs.zsl.length }

// stored is the score as the current encoding keeps it.
func (zs *zset) stored(score float64) float64 {
	if zs.lp && score == 0 {
		return 0
	}
	return score
}

// ZADD flags (ZADD_IN_* and ZADD_OUT_*).
const (
	zaddInNX = 1 << iota
	zaddInXX
	zaddInGT
	zaddInLT
	zaddInIncr
)

const (
	zaddOutNop = 1 << iota
	zaddOutAdded
	zaddOutUpdated
	zaddOutNaN
)

// add is zsetAdd: it adds or updates ele under the ZADD flags, and returns
// what it did and the member's new score.
func (zs *zset) add(score float64, ele []byte, flags int, cfg *config) (out int, newscore float64) {
	if x, ok := zs.dict[string(ele)]; ok {
		if flags&zaddInNX != 0 {
			return zaddOutNop, 0
		}
		cur := x.score
		if flags&zaddInIncr != 0 {
			score += cur
			if math.IsNaN(score) {
				return zaddOutNaN, 0
			}
		}
		if (flags&zaddInLT != 0 && score >= cur) || (flags&zaddInGT != 0 && score <= cur) {
			return zaddOutNop, 0
		}
		if score != cur {
			zs.zsl.updateScore(x, zs.stored(score))
			out = zaddOutUpdated
		}
		return out, score
	}
	if flags&zaddInXX != 0 {
		return zaddOutNop, 0
	}
	if zs.lp && (int64(zs.len())+1 > cfg.zsetMaxListpackEntries || int64(len(ele)) > cfg.zsetMaxListpackValue) {
		zs.lp = false
	}
	zs.insertNew(zs.stored(score), string(ele))
	return zaddOutAdded, score
}

// removeNode deletes x from the set; the caller calls shrink when done.
func (zs *zset) removeNode(x *zslNode) {
	zs.zsl.delete(x.score, x.ele)
	delete(zs.dict, x.ele)
	zs.unscan(x)
}

// shrink rebuilds dict once it holds a quarter of its peak: a Go map never
// gives memory back, where Redis's dict resizes down.
func (zs *zset) shrink() {
	if zs.peak > 64 && len(zs.dict) <= zs.peak/4 {
		dict := make(map[string]*zslNode, len(zs.dict))
		for e, x := range zs.dict {
			dict[e] = x
		}
		zs.dict, zs.peak = dict, len(dict)
	}
}

// deleteRankRange removes the nodes of 1-based ranks start to end
// inclusive in one walk, and returns how many (zslDeleteRangeByRank).
func (zs *zset) deleteRankRange(start, end int) int {
	zsl := zs.zsl
	var update [zslMaxLevel]*zslNode
	traversed := 0
	x := zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for x.level[i].forward != nil && traversed+x.level[i].span < start {
			traversed += x.level[i].span
			x = x.level[i].forward
		}
		update[i] = x
	}
	traversed++
	x = x.level[0].forward
	removed := 0
	for x != nil && traversed <= end {
		next := x.level[0].forward
		zsl.deleteNode(x, &update)
		delete(zs.dict, x.ele)
		zs.unscan(x)
		removed++
		traversed++
		x = next
	}
	return removed
}

// zsetForRead returns the sorted set at argv[1], nil if missing; ok is
// false after a WRONGTYPE reply.
func zsetForRead(s *server, c *client) (*zset, bool) {
	o, ok := s.lookupOfType(c, c.Argv[1], objZset, false)
	if !ok || o == nil {
		return nil, ok
	}
	return o.ptr.(*zset), true
}

// zaddReplyScore replies a score (addReplyDouble): a RESP3 double, or
// the %.17g bulk string in RESP2.
func zaddReplyScore(c *client, score float64) { c.AddReplyDouble(score) }

func zaddCommand(s *server, c *client)    { zaddGeneric(s, c, 0) }
func zincrbyCommand(s *server, c *client) { zaddGeneric(s, c, zaddInIncr) }

// zaddGeneric is zaddGenericCommand: ZADD key [NX|XX] [GT|LT] [CH] [INCR]
// score member [score member ...], and ZINCRBY key increment member. All
// arguments are checked before anything is stored, so the command runs
// whole or not at all.
func zaddGeneric(s *server, c *client, flags int) {
	argv := c.Argv
	ch := false
	scoreidx := 2
options:
	for ; scoreidx < len(argv); scoreidx++ {
		opt := argv[scoreidx]
		switch {
		case resp.EqualFold(opt, "nx"):
			flags |= zaddInNX
		case resp.EqualFold(opt, "xx"):
			flags |= zaddInXX
		case resp.EqualFold(opt, "ch"):
			ch = true
		case resp.EqualFold(opt, "incr"):
			flags |= zaddInIncr
		case resp.EqualFold(opt, "gt"):
			flags |= zaddInGT
		case resp.EqualFold(opt, "lt"):
			flags |= zaddInLT
		default:
			break options
		}
	}
	incr := flags&zaddInIncr != 0
	nx, xx := flags&zaddInNX != 0, flags&zaddInXX != 0
	gt, lt := flags&zaddInGT != 0, flags&zaddInLT != 0
	elements := len(argv) - scoreidx
	if elements%2 != 0 || elements == 0 {
		c.AddReply(resp.SyntaxErr)
		return
	}
	elements /= 2
	if nx && xx {
		c.AddReplyError("XX and NX options at the same time are not compatible")
		return
	}
	if (gt && nx) || (lt && nx) || (gt && lt) {
		c.AddReplyError("GT, LT, and/or NX options at the same time are not compatible")
		return
	}
	if incr && elements > 1 {
		c.AddReplyError("INCR option supports a single increment-element pair")
		return
	}
	// Check every score first; they are parsed again as they are stored,
	// which costs less than a slice to keep them.
	for j := 0; j < elements; j++ {
		if _, ok := parseScore(argv[scoreidx+j*2]); !ok {
			c.AddReplyError("value is not a valid float")
			return
		}
	}
	o, ok := s.lookupOfType(c, argv[1], objZset, true)
	if !ok {
		return
	}
	var added, updated, processed int64
	var score float64
	if o == nil {
		if xx {
			zaddReply(c, incr, ch, 0, 0, 0, 0)
			return
		}
		// A new key always gets its first member: nothing but XX, which
		// stopped above, keeps ZADD from adding a member that is absent.
		o = &robj{typ: objZset, ptr: newZset(argv[scoreidx+1], &s.cfg)}
		s.db.add(argv[1], o)
	}
	zs := o.ptr.(*zset)
	for j := 0; j < elements; j++ {
		sc, _ := parseScore(argv[scoreidx+j*2])
		out, newscore := zs.add(sc, argv[scoreidx+1+j*2], flags, &s.cfg)
		if out&zaddOutNaN != 0 {
			c.AddReplyError("resulting score is not a number (NaN)")
			return
		}
		if out&zaddOutAdded != 0 {
			added++
		}
		if out&zaddOutUpdated != 0 {
			updated++
		}
		if out&zaddOutNop == 0 {
			processed++
		}
		score = newscore
	}
	if added > 0 || updated > 0 {
		s.signalModifiedKey(s.db, argv[1])
		if incr {
			s.notify(notifyZset, "zincr", argv[1])
		} else {
			s.notify(notifyZset, "zadd", argv[1])
		}
	}
	zaddReply(c, incr, ch, added, updated, processed, score)
}

func zaddReply(c *client, incr, ch bool, added, updated, processed int64, score float64) {
	switch {
	case incr && processed > 0:
		zaddReplyScore(c, score)
	case incr:
		c.AddReplyNull()
	case ch:
		c.AddReplyInt(added + updated)
	default:
		c.AddReplyInt(added)
	}
}

func zremCommand(s *server, c *client) {
	o, ok := s.lookupOfType(c, c.Argv[1], objZset, true)
	if !ok {
		return
	}
	if o == nil {
		c.AddReply(resp.Zero)
		return
	}
	zs := o.ptr.(*zset)
	var deleted int64
	removed := false
	for _, m := range c.Argv[2:] {
		if x, ok := zs.dict[string(m)]; ok {
			zs.removeNode(x)
			deleted++
			if zs.len() == 0 {
				s.db.remove(o)
				removed = true
				break
			}
		}
	}
	zs.shrink()
	if deleted > 0 {
		s.notify(notifyZset, "zrem", c.Argv[1])
		if removed {
			s.notify(notifyGeneric, "del", c.Argv[1])
		}
		s.signalModifiedKey(s.db, c.Argv[1])
	}
	c.AddReplyInt(deleted)
}

func zcardCommand(s *server, c *client) {
	zs, ok := zsetForRead(s, c)
	if !ok {
		return
	}
	if zs == nil {
		c.AddReply(resp.Zero)
		return
	}
	c.AddReplyInt(int64(zs.len()))
}

func zscoreCommand(s *server, c *client) {
	zs, ok := zsetForRead(s, c)
	if !ok {
		return
	}
	if zs != nil {
		if x, ok := zs.dict[string(c.Argv[2])]; ok {
			zaddReplyScore(c, x.score)
			return
		}
	}
	c.AddReplyNull()
}

func zmscoreCommand(s *server, c *client) {
	zs, ok := zsetForRead(s, c)
	if !ok {
		return
	}
	c.AddReplyArrayLen(len(c.Argv) - 2)
	for _, m := range c.Argv[2:] {
		if zs != nil {
			if x, ok := zs.dict[string(m)]; ok {
				zaddReplyScore(c, x.score)
				continue
			}
		}
		c.AddReplyNull()
	}
}

func zrankCommand(s *server, c *client)    { zrankGeneric(s, c, false) }
func zrevrankCommand(s *server, c *client) { zrankGeneric(s, c, true) }

func zrankGeneric(s *server, c *client, reverse bool) {
	zs, ok := zsetForRead(s, c)
	if !ok {
		return
	}
	if zs != nil {
		if x, ok := zs.dict[string(c.Argv[2])]; ok {
			rank := zs.zsl.rank(x.score, x.ele)
			if reverse {
				c.AddReplyInt(int64(zs.len() - rank))
			} else {
				c.AddReplyInt(int64(rank - 1))
			}
			return
		}
	}
	c.AddReplyNull()
}

func zpopminCommand(s *server, c *client) { zpopMinMax(s, c, false) }
func zpopmaxCommand(s *server, c *client) { zpopMinMax(s, c, true) }

// zpopMinMax is ZPOPMIN and ZPOPMAX key [count] (genericZpopCommand): a
// flat array of member, score pairs (in RESP3 with a count, an array of
// pairs); an empty array for a missing key, with or without a count.
func zpopMinMax(s *server, c *client, fromMax bool) {
	if len(c.Argv) > 3 {
		c.AddReply(resp.SyntaxErr)
		return
	}
	count := int64(1)
	if len(c.Argv) == 3 {
		var ok bool
		if count, ok = positiveCountArg(c, c.Argv[2]); !ok {
			return
		}
	}
	o, ok := s.lookupOfType(c, c.Argv[1], objZset, true)
	if !ok {
		return
	}
	if o == nil || count == 0 {
		c.AddReply(resp.EmptyArray)
		return
	}
	zs := o.ptr.(*zset)
	n := int(min(count, int64(zs.len())))
	// With a count, RESP3 nests each member and score in an array of two.
	nested := len(c.Argv) == 3 && c.Protocol() == 3
	if nested {
		c.AddReplyArrayLen(n)
	} else {
		c.AddReplyArrayLen(n * 2)
	}
	for ; n > 0; n-- {
		x := zs.zsl.first()
		if fromMax {
			x = zs.zsl.tail
		}
		if nested {
			c.AddReplyArrayLen(2)
		}
		c.AddReplyBulkString(x.ele)
		zaddReplyScore(c, x.score)
		zs.removeNode(x)
	}
	if fromMax {
		s.notify(notifyZset, "zpopmax", c.Argv[1])
	} else {
		s.notify(notifyZset, "zpopmin", c.Argv[1])
	}
	if zs.len() == 0 {
		s.db.remove(o)
		s.notify(notifyGeneric, "del", c.Argv[1])
	} else {
		zs.shrink()
	}
	s.signalModifiedKey(s.db, c.Argv[1])
}

// Score ranges (zrangespec).

type zrangeSpec struct {
	min, max     float64
	minex, maxex bool
}

func (r *zrangeSpec) gteMin(v float64) bool {
	if r.minex {
		return v > r.min
	}
	return v >= r.min
}

func (r *zrangeSpec) lteMax(v float64) bool {
	if r.maxex {
		return v < r.max
	}
	return v <= r.max
}

// parseScoreBound parses a ZRANGEBYSCORE bound as zslParseRange does: an
// optional '(' for an exclusive bound, then whatever strtod takes, which
// must end the argument (or stop at a NUL byte); only NaN is refused, so
// "", "(", " 1" and "1e999" are all bounds.
func parseScoreBound(b []byte) (v float64, ex, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		b, ex = b[1:], true
	}
	v, n, _ := strtod(b)
	if (n != len(b) && b[n] != 0) || math.IsNaN(v) {
		return 0, false, false
	}
	return v, ex, true
}

func parseScoreRange(lo, hi []byte) (r zrangeSpec, ok bool) {
	if r.min, r.minex, ok = parseScoreBound(lo); !ok {
		return r, false
	}
	r.max, r.maxex, ok = parseScoreBound(hi)
	return r, ok
}

// scoreRange returns the 1-based ranks of the first and last nodes in r,
// ok false when none is (zslFirstInRange, zslLastInRange).
func (zsl *skiplist) scoreRange(r *zrangeSpec) (first, last int, ok bool) {
	if r.min > r.max || (r.min == r.max && (r.minex || r.maxex)) {
		return 0, 0, false
	}
	if zsl.tail == nil || !r.gteMin(zsl.tail.score) || !r.lteMax(zsl.first().score) {
		return 0, 0, false
	}
	x, before := zsl.lastWhere(func(n *zslNode) bool { return !r.gteMin(n.score) })
	if x = x.level[0].forward; x == nil || !r.lteMax(x.score) {
		return 0, 0, false
	}
	y, rank := zsl.lastWhere(func(n *zslNode) bool { return r.lteMax(n.score) })
	if y == zsl.header || !r.gteMin(y.score) {
		return 0, 0, false
	}
	return before + 1, rank, true
}

// Lexicographic ranges (zlexrangespec). A bound is a string, or "-"
// (below every string) or "+" (above every string).

type zlexBound struct {
	s    []byte
	kind int8 // 0 for s, -1 for "-", +1 for "+"
}

type zlexSpec struct {
	min, max     zlexBound
	minex, maxex bool
}

// cmpBound compares a member with a bound (sdscmplex).
func cmpBound(ele string, b *zlexBound) int {
	switch {
	case b.kind < 0:
		return 1
	case b.kind > 0:
		return -1
	case ele < string(b.s):
		return -1
	case ele > string(b.s):
		return 1
	}
	return 0
}

// cmpBounds compares two bounds (sdscmplex on the range's own ends).
func cmpBounds(a, b *zlexBound) int {
	switch {
	case a.kind != 0 && a.kind == b.kind:
		return 0
	case a.kind < 0 || b.kind > 0:
		return -1
	case a.kind > 0 || b.kind < 0:
		return 1
	case string(a.s) < string(b.s):
		return -1
	case string(a.s) > string(b.s):
		return 1
	}
	return 0
}

func (r *zlexSpec) gteMin(ele string) bool {
	if r.minex {
		return cmpBound(ele, &r.min) > 0
	}
	return cmpBound(ele, &r.min) >= 0
}

func (r *zlexSpec) lteMax(ele string) bool {
	if r.maxex {
		return cmpBound(ele, &r.max) < 0
	}
	return cmpBound(ele, &r.max) <= 0
}

// parseLexBound is zslParseLexRangeItem: "(" or "[" and a string, or "-"
// or "+" alone.
func parseLexBound(b []byte) (zlexBound, bool, bool) {
	if len(b) == 0 {
		return zlexBound{}, false, false
	}
	switch b[0] {
	case '+', '-':
		// Redis looks at the next byte of the NUL-terminated string.
		if len(b) > 1 && b[1] != 0 {
			return zlexBound{}, false, false
		}
		if b[0] == '+' {
			return zlexBound{kind: 1}, true, true
		}
		return zlexBound{kind: -1}, true, true
	case '(':
		return zlexBound{s: b[1:]}, true, true
	case '[':
		return zlexBound{s: b[1:]}, false, true
	}
	return zlexBound{}, false, false
}

func parseLexRange(lo, hi []byte) (r zlexSpec, ok bool) {
	if r.min, r.minex, ok = parseLexBound(lo); !ok {
		return r, false
	}
	r.max, r.maxex, ok = parseLexBound(hi)
	return r, ok
}

// lexRange returns the 1-based ranks of the first and last nodes in r, ok
// false when none is (zslFirstInLexRange, zslLastInLexRange). As in Redis,
// the search assumes the members are in lexicographic order, which holds
// when all scores are equal.
func (zsl *skiplist) lexRange(r *zlexSpec) (first, last int, ok bool) {
	cmp := cmpBounds(&r.min, &r.max)
	if cmp > 0 || (cmp == 0 && (r.minex || r.maxex)) {
		return 0, 0, false
	}
	if zsl.tail == nil || !r.gteMin(zsl.tail.ele) || !r.lteMax(zsl.first().ele) {
		return 0, 0, false
	}
	x, before := zsl.lastWhere(func(n *zslNode) bool { return !r.gteMin(n.ele) })
	if x = x.level[0].forward; x == nil || !r.lteMax(x.ele) {
		return 0, 0, false
	}
	y, rank := zsl.lastWhere(func(n *zslNode) bool { return r.lteMax(n.ele) })
	if y == zsl.header || !r.gteMin(y.ele) {
		return 0, 0, false
	}
	return before + 1, rank, true
}

func zcountCommand(s *server, c *client) {
	r, ok := parseScoreRange(c.Argv[2], c.Argv[3])
	if !ok {
		c.AddReplyError("min or max is not a float")
		return
	}
	zs, ok := zsetForRead(s, c)
	if !ok {
		return
	}
	if zs == nil {
		c.AddReply(resp.Zero)
		return
	}
	first, last, ok := zs.zsl.scoreRange(&r)
	if !ok {
		c.AddReply(resp.Zero)
		return
	}
	c.AddReplyInt(int64(last - first + 1))
}

func zlexcountCommand(s *server, c *client) {
	r, ok := parseLexRange(c.Argv[2], c.Argv[3])
	if !ok {
		c.AddReplyError("min or max not valid string range item")
		return
	}
	zs, ok := zsetForRead(s, c)
	if !ok {
		return
	}
	if zs == nil {
		c.AddReply(resp.Zero)
		return
	}
	first, last, ok := zs.zsl.lexRange(&r)
	if !ok {
		c.AddReply(resp.Zero)
		return
	}
	c.AddReplyInt(int64(last - first + 1))
}

// ZRANGE's range types and directions (zrange_type, zrange_direction).
const (
	zrangeAuto = iota
	zrangeRank
	zrangeScore
	zrangeLex
)

const (
	zrangeDirAuto = iota
	zrangeDirForward
	zrangeDirReverse
)

func zrangeCommand(s *server, c *client) { zrangeGeneric(s, c, zrangeAuto, zrangeDirAuto) }
func zrevrangeCommand(s *server, c *client) {
	zrangeGeneric(s, c, zrangeRank, zrangeDirReverse)
}
func zrangebyscoreCommand(s *server, c *client) {
	zrangeGeneric(s, c, zrangeScore, zrangeDirForward)
}
func zrevrangebyscoreCommand(s *server, c *client) {
	zrangeGeneric(s, c, zrangeScore, zrangeDirReverse)
}
func zrangebylexCommand(s *server, c *client) { zrangeGeneric(s, c, zrangeLex, zrangeDirForward) }
func zrevrangebylexCommand(s *server, c *client) {
	zrangeGeneric(s, c, zrangeLex, zrangeDirReverse)
}

// zrangeGeneric is zrangeGenericCommand for every Z[REV]RANGE[BYSCORE|
// BYLEX] form: options, then their conflicts, then the range, then the
// key, in Redis's order, so that each bad command gets Redis's error.
func zrangeGeneric(s *server, c *client, rangetype, direction int) {
	zrangeGenericTo(s, c, zrangeResult{}, rangetype, direction)
}

// zrangeGenericTo is zrangeGeneric with the result going to res: the
// client, or for ZRANGESTORE a sorted set stored at res.dst, whose
// arguments come one later (argc_start).
func zrangeGenericTo(s *server, c *client, res zrangeResult, rangetype, direction int) {
	argv := c.Argv
	a := 0 // argc_start - 1
	if res.dst != nil {
		a = 1
	}
	minidx, maxidx := 2+a, 3+a
	withscores := false
	var offset int64
	limit := int64(-1)
	for j := 4 + a; j < len(argv); j++ {
		left := len(argv) - j - 1
		opt := argv[j]
		switch {
		case res.dst == nil && resp.EqualFold(opt, "withscores"):
			withscores = true
		case resp.EqualFold(opt, "limit") && left >= 2:
			var ok bool
			if offset, ok = intArg(c, argv[j+1]); !ok {
				return
			}
			if limit, ok = intArg(c, argv[j+2]); !ok {
				return
			}
			j += 2
		case direction == zrangeDirAuto && resp.EqualFold(opt, "rev"):
			direction = zrangeDirReverse
		case rangetype == zrangeAuto && resp.EqualFold(opt, "bylex"):
			rangetype = zrangeLex
		case rangetype == zrangeAuto && resp.EqualFold(opt, "byscore"):
			rangetype = zrangeScore
		default:
			c.AddReply(resp.SyntaxErr)
			return
		}
	}
	if direction == zrangeDirAuto {
		direction = zrangeDirForward
	}
	if rangetype == zrangeAuto {
		rangetype = zrangeRank
	}
	// As in Redis, "LIMIT x -1" counts as no LIMIT.
	if limit != -1 && rangetype == zrangeRank {
		c.AddReplyError("syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
		return
	}
	if withscores && rangetype == zrangeLex {
		c.AddReplyError("syntax error, WITHSCORES not supported in combination with BYLEX")
		return
	}
	reverse := direction == zrangeDirReverse
	if reverse && rangetype != zrangeRank {
		minidx, maxidx = maxidx, minidx // the range is given as max, min
	}
	var start, end int64
	var sr zrangeSpec
	var lr zlexSpec
	var ok bool
	switch rangetype {
	case zrangeRank:
		if start, ok = intArg(c, argv[minidx]); !ok {
			return
		}
		if end, ok = intArg(c, argv[maxidx]); !ok {
			return
		}
	case zrangeScore:
		if sr, ok = parseScoreRange(argv[minidx], argv[maxidx]); !ok {
			c.AddReplyError("min or max is not a float")
			return
		}
	case zrangeLex:
		if lr, ok = parseLexRange(argv[minidx], argv[maxidx]); !ok {
			c.AddReplyError("min or max not valid string range item")
			return
		}
	}
	o, ok := s.lookupOfType(c, argv[1+a], objZset, false)
	if !ok {
		return
	}
	if o == nil {
		res.empty(s, c)
		return
	}
	zs := o.ptr.(*zset)
	zsl := zs.zsl
	switch rangetype {
	case zrangeRank:
		from, to, ok := listRange(start, end, zs.len())
		if !ok {
			res.empty(s, c)
			return
		}
		// Ranks are 1-based; in reverse, rank 0 is the tail.
		if reverse {
			res.emit(s, c, zsl.byRank(zs.len()-from), to-from+1, true, withscores, true)
		} else {
			res.emit(s, c, zsl.byRank(from+1), to-from+1, false, withscores, true)
		}
	case zrangeScore, zrangeLex:
		var first, last int
		if rangetype == zrangeScore {
			first, last, ok = zsl.scoreRange(&sr)
		} else {
			first, last, ok = zsl.lexRange(&lr)
		}
		// Redis walks offset nodes from the first in range (the last, in
		// reverse), then emits while in range, at most limit (unbounded
		// when negative) nodes; a negative offset walks off the end.
		n := int64(last - first + 1)
		if !ok || offset < 0 || offset >= n {
			res.empty(s, c)
			return
		}
		n -= offset
		if limit >= 0 {
			n = min(n, limit)
		}
		if n == 0 {
			res.empty(s, c)
			return
		}
		if reverse {
			res.emit(s, c, zsl.byRank(last-int(offset)), int(n), true, withscores, false)
		} else {
			res.emit(s, c, zsl.byRank(first+int(offset)), int(n), false, withscores, false)
		}
	}
}

// zrangeEmit replies n members from x on, backward when reverse, each
// followed by its score when withscores.
//
// In RESP3 each member and score is an array of two (zrangeResultEmit*).
func zrangeEmit(c *client, x *zslNode, n int, reverse, withscores bool) {
	pairs := withscores && c.Protocol() == 3
	if withscores && !pairs {
		c.AddReplyArrayLen(2 * n)
	} else {
		c.AddReplyArrayLen(n)
	}
	for ; n > 0; n-- {
		if pairs {
			c.AddReplyArrayLen(2)
		}
		c.AddReplyBulkString(x.ele)
		if withscores {
			zaddReplyScore(c, x.score)
		}
		if reverse {
			x = x.backward
		} else {
			x = x.level[0].forward
		}
	}
}

func zremrangebyrankCommand(s *server, c *client)  { zremrangeGeneric(s, c, zrangeRank) }
func zremrangebyscoreCommand(s *server, c *client) { zremrangeGeneric(s, c, zrangeScore) }
func zremrangebylexCommand(s *server, c *client)   { zremrangeGeneric(s, c, zrangeLex) }

// zremrangeGeneric is zremrangeGenericCommand: ZREMRANGEBYRANK,
// ZREMRANGEBYSCORE and ZREMRANGEBYLEX key min max.
func zremrangeGeneric(s *server, c *client, rangetype int) {
	var start, end int64
	var sr zrangeSpec
	var lr zlexSpec
	var ok bool
	switch rangetype {
	case zrangeRank:
		if start, ok = intArg(c, c.Argv[2]); !ok {
			return
		}
		if end, ok = intArg(c, c.Argv[3]); !ok {
			return
		}
	case zrangeScore:
		if sr, ok = parseScoreRange(c.Argv[2], c.Argv[3]); !ok {
			c.AddReplyError("min or max is not a float")
			return
		}
	case zrangeLex:
		if lr, ok = parseLexRange(c.Argv[2], c.Argv[3]); !ok {
			c.AddReplyError("min or max not valid string range item")
			return
		}
	}
	o, ok := s.lookupOfType(c, c.Argv[1], objZset, true)
	if !ok {
		return
	}
	if o == nil {
		c.AddReply(resp.Zero)
		return
	}
	zs := o.ptr.(*zset)
	var first, last int
	switch rangetype {
	case zrangeRank:
		from, to, inRange := listRange(start, end, zs.len())
		first, last, ok = from+1, to+1, inRange
	case zrangeScore:
		first, last, ok = zs.zsl.scoreRange(&sr)
	case zrangeLex:
		first, last, ok = zs.zsl.lexRange(&lr)
	}
	if !ok {
		c.AddReply(resp.Zero)
		return
	}
	removed := zs.deleteRankRange(first, last)
	keyRemoved := zs.len() == 0
	if keyRemoved {
		s.db.remove(o)
	} else {
		zs.shrink()
	}
	if removed > 0 {
		s.signalModifiedKey(s.db, c.Argv[1])
		s.notify(notifyZset, [...]string{zrangeRank: "zremrangebyrank", zrangeScore: "zremrangebyscore", zrangeLex: "zremrangebylex"}[rangetype], c.Argv[1])
		if keyRemoved {
			s.notify(notifyGeneric, "del", c.Argv[1])
		}
	}
	c.AddReplyInt(int64(removed))
}

// parseScore parses a score as Redis's string2d: the whole argument must
// be a number strtod takes, with no leading space, not NaN, and neither
// overflowing nor underflowing to zero.
func parseScore(b []byte) (float64, bool) {
	if len(b) == 0 || cIsspace(b[0]) {
		return 0, false
	}
	v, n, erange := strtod(b)
	if n != len(b) || math.IsNaN(v) || (erange && (math.IsInf(v, 0) || v == 0)) {
		return 0, false
	}
	return v, true
}
