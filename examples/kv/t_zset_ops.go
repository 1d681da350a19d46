package main

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/goae/goae/internal/resp"
)

// The sorted set algebra, ZRANGESTORE, ZRANDMEMBER and ZSCAN (t_zset.c).
// They join zsetCommands in init, so that this file carries its own
// entries.
var zsetOpsCommands = []*command{
	{name: "zunion", arity: -3, flags: cmdReadonly, proc: zunionCommand},
	{name: "zinter", arity: -3, flags: cmdReadonly, proc: zinterCommand},
	{name: "zdiff", arity: -3, flags: cmdReadonly, proc: zdiffCommand},
	{name: "zunionstore", arity: -4, flags: cmdWrite | cmdDenyOOM, proc: zunionstoreCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zinterstore", arity: -4, flags: cmdWrite | cmdDenyOOM, proc: zinterstoreCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zdiffstore", arity: -4, flags: cmdWrite | cmdDenyOOM, proc: zdiffstoreCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zintercard", arity: -3, flags: cmdReadonly, proc: zintercardCommand},
	{name: "zrangestore", arity: -5, flags: cmdWrite | cmdDenyOOM, proc: zrangestoreCommand, firstKey: 1, lastKey: 2, keyStep: 1},
	{name: "zrandmember", arity: -2, flags: cmdReadonly, proc: zrandmemberCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "zscan", arity: -3, flags: cmdReadonly, proc: zscanCommand, firstKey: 1, lastKey: 1, keyStep: 1},
}

func init() { zsetCommands = append(zsetCommands, zsetOpsCommands...) }

// insertNew adds (score, ele), ele not a member, to the skiplist, the
// dict and the scan array.
func (zs *zset) insertNew(score float64, ele string) *zslNode {
	x := zs.zsl.insert(score, ele)
	zs.dict[ele] = x
	x.pos = int32(len(zs.scan))
	zs.scan = append(zs.scan, x)
	zs.peak = max(zs.peak, len(zs.dict))
	return x
}

// unscan takes x out of the scan array, moving the last node into its
// place, and gives memory back once the array is a quarter full.
func (zs *zset) unscan(x *zslNode) {
	i, last := int(x.pos), len(zs.scan)-1
	if i != last {
		zs.scan[i] = zs.scan[last]
		zs.scan[i].pos = int32(i)
	}
	zs.scan[last] = nil
	zs.scan = zs.scan[:last]
	if cap(zs.scan) > 64 && len(zs.scan) <= cap(zs.scan)/4 {
		zs.scan = slices.Clone(zs.scan)
	}
}

// newZsetSkiplist is an empty sorted set in the skiplist encoding, as the
// algebra builds its result (createZsetObject).
func newZsetSkiplist() *zset { return newZsetSkiplistSized(0) }

// newZsetSkiplistSized is newZsetSkiplist with room for n members.
func newZsetSkiplistSized(n int) *zset {
	return &zset{dict: make(map[string]*zslNode, n), zsl: newSkiplist(), scan: make([]*zslNode, 0, n)}
}

// convertToListpackIfNeeded is zsetConvertToListpackIfNeeded: a result
// small enough goes to the listpack encoding, where a score of -0 reads
// back as 0.
func (zs *zset) convertToListpackIfNeeded(maxelelen int, cfg *config) {
	if int64(zs.len()) > cfg.zsetMaxListpackEntries || int64(maxelelen) > cfg.zsetMaxListpackValue {
		return
	}
	zs.lp = true
	for x := zs.zsl.first(); x != nil; x = x.level[0].forward {
		x.score = zs.stored(x.score)
	}
}

// zsetOpSrc is an input of the algebra (zsetopsrc): a sorted set, a set
// (each member scored 1) or nothing, with its weight.
type zsetOpSrc struct {
	zs     *zset
	st     *set
	weight float64
}

func (src *zsetOpSrc) len() int {
	switch {
	case src.zs != nil:
		return src.zs.len()
	case src.st != nil:
		return src.st.len()
	}
	return 0
}

// find returns the score of m in src (zuiFind).
func (src *zsetOpSrc) find(m string) (float64, bool) {
	switch {
	case src.zs != nil:
		if x, ok := src.zs.dict[m]; ok {
			return x.score, true
		}
	case src.st != nil:
		if _, ok := src.st.idx[m]; ok {
			return 1, true
		}
	}
	return 0, false
}

// each calls fn for each member and score of src, in Redis's order.
func (src *zsetOpSrc) each(fn func(m string, score float64) bool) {
	switch {
	case src.zs != nil:
		for x := src.zs.zsl.first(); x != nil; x = x.level[0].forward {
			if !fn(x.ele, x.score) {
				return
			}
		}
	case src.st != nil:
		for _, m := range src.st.ordered() {
			if !fn(m, 1) {
				return
			}
		}
	}
}

// Aggregates of ZUNION and ZINTER (REDIS_AGGR_*).
const (
	aggrSum = iota
	aggrMin
	aggrMax
)

// aggregate is zunionInterAggregate; a sum of +inf and -inf is 0.
func aggregate(target, val float64, aggr int) float64 {
	switch aggr {
	case aggrSum:
		if target += val; math.IsNaN(target) {
			return 0
		}
		return target
	case aggrMin:
		if val < target {
			return val
		}
		return target
	}
	if val > target {
		return val
	}
	return target
}

func zunionCommand(s *server, c *client) { zunionInterDiffGeneric(s, c, nil, 1, setOpUnion, false) }
func zinterCommand(s *server, c *client) { zunionInterDiffGeneric(s, c, nil, 1, setOpInter, false) }
func zdiffCommand(s *server, c *client)  { zunionInterDiffGeneric(s, c, nil, 1, setOpDiff, false) }
func zunionstoreCommand(s *server, c *client) {
	zunionInterDiffGeneric(s, c, c.Argv[1], 2, setOpUnion, false)
}
func zinterstoreCommand(s *server, c *client) {
	zunionInterDiffGeneric(s, c, c.Argv[1], 2, setOpInter, false)
}
func zdiffstoreCommand(s *server, c *client) {
	zunionInterDiffGeneric(s, c, c.Argv[1], 2, setOpDiff, false)
}
func zintercardCommand(s *server, c *client) {
	zunionInterDiffGeneric(s, c, nil, 1, setOpInter, true)
}

// setOpInter joins setOpUnion and setOpDiff for the sorted set algebra.
const setOpInter = setOpDiff + 1

// zunionInterDiffGeneric is zunionInterDiffGenericCommand: numkeys at
// argv[numkeysIndex], the keys (sorted sets or sets), then WEIGHTS and
// AGGREGATE (not for ZDIFF), WITHSCORES (not for the STORE forms) or
// LIMIT (ZINTERCARD alone). The inputs are taken smallest first, as Redis
// does, so that sums add in Redis's order.
func zunionInterDiffGeneric(s *server, c *client, dst []byte, numkeysIndex, op int, cardOnly bool) {
	argv := c.Argv
	setnum, ok := intArg(c, argv[numkeysIndex])
	if !ok {
		return
	}
	if setnum < 1 {
		c.AddReplyError("at least 1 input key is needed for '" + c.lastcmdName() + "' command")
		return
	}
	if setnum > int64(len(argv)-(numkeysIndex+1)) {
		c.AddReply(resp.SyntaxErr)
		return
	}
	src := make([]zsetOpSrc, setnum)
	j := numkeysIndex + 1
	for i := range src {
		src[i].weight = 1
		o := s.lookupRead(argv[j])
		j++
		if o == nil {
			continue
		}
		switch o.typ {
		case objZset:
			src[i].zs = o.ptr.(*zset)
		case objSet:
			src[i].st = o.ptr.(*set)
		default:
			c.AddReply(resp.WrongTypeErr)
			return
		}
	}
	aggr := aggrSum
	withscores := false
	var limit int64
	for remaining := len(argv) - j; remaining > 0; remaining = len(argv) - j {
		opt := argv[j]
		switch {
		case op != setOpDiff && !cardOnly && remaining >= len(src)+1 && resp.EqualFold(opt, "weights"):
			j++
			for i := range src {
				w, ok := parseScore(argv[j])
				if !ok {
					c.AddReplyError("weight value is not a float")
					return
				}
				src[i].weight = w
				j++
			}
		case op != setOpDiff && !cardOnly && remaining >= 2 && resp.EqualFold(opt, "aggregate"):
			switch name := argv[j+1]; {
			case resp.EqualFold(name, "sum"):
				aggr = aggrSum
			case resp.EqualFold(name, "min"):
				aggr = aggrMin
			case resp.EqualFold(name, "max"):
				aggr = aggrMax
			default:
				c.AddReply(resp.SyntaxErr)
				return
			}
			j += 2
		case dst == nil && !cardOnly && resp.EqualFold(opt, "withscores"):
			withscores = true
			j++
		case cardOnly && remaining >= 2 && resp.EqualFold(opt, "limit"):
			v, isInt := resp.ParseInt(argv[j+1])
			if !isInt || v < 0 {
				c.AddReplyError("LIMIT can't be negative")
				return
			}
			limit = v
			j += 2
		default:
			c.AddReply(resp.SyntaxErr)
			return
		}
	}
	if op != setOpDiff {
		slices.SortStableFunc(src, func(a, b zsetOpSrc) int { return a.len() - b.len() })
	}

	var res *zset
	switch op {
	case setOpUnion:
		res = newZsetSkiplistSized(src[len(src)-1].len()) // the largest, after the sort
	default:
		res = newZsetSkiplistSized(src[0].len())
	}
	maxelelen := 0
	add := func(m string, score float64) {
		res.insertNew(score, m)
		maxelelen = max(maxelelen, len(m))
	}
	var card int64
	switch op {
	case setOpInter:
		if src[0].len() == 0 {
			break
		}
		src[0].each(func(m string, sc float64) bool {
			score := src[0].weight * sc
			if math.IsNaN(score) {
				score = 0
			}
			for k := 1; k < len(src); k++ {
				value, in := sc, true
				if !src[k].same(&src[0]) {
					value, in = src[k].find(m)
				}
				if !in {
					return true
				}
				score = aggregate(score, value*src[k].weight, aggr)
			}
			if cardOnly {
				card++
				return limit == 0 || card < limit
			}
			add(m, score)
			return true
		})
	case setOpUnion:
		// The scores accumulate in the result's own nodes, found through its
		// dict (Redis accumulates in the destination's dict too); the nodes
		// are linked into the skiplist once every score is final, in the
		// order their members were first seen.
		for i := range src {
			src[i].each(func(m string, sc float64) bool {
				score := src[i].weight * sc
				if math.IsNaN(score) {
					score = 0
				}
				if x, ok := res.dict[m]; ok {
					x.score = aggregate(x.score, score, aggr)
					return true
				}
				x := newZslNode(zslRandomLevel(), score, m)
				res.dict[m] = x
				x.pos = int32(len(res.scan))
				res.scan = append(res.scan, x)
				maxelelen = max(maxelelen, len(m))
				return true
			})
		}
		for _, x := range res.scan {
			res.zsl.insertNode(x)
		}
		res.peak = max(res.peak, len(res.dict))
	case setOpDiff:
		if src[0].len() == 0 {
			break
		}
		src[0].each(func(m string, sc float64) bool {
			for k := 1; k < len(src); k++ {
				if _, in := src[k].find(m); in {
					return true
				}
			}
			add(m, sc)
			return true
		})
	}

	switch {
	case cardOnly:
		c.AddReplyInt(card)
	case dst != nil:
		if res.len() > 0 {
			res.convertToListpackIfNeeded(maxelelen, &s.cfg)
			s.storeValue(dst, objZset, res, notifyZset, [...]string{setOpUnion: "zunionstore", setOpInter: "zinterstore", setOpDiff: "zdiffstore"}[op])
			c.AddReplyInt(int64(res.len()))
		} else {
			s.deleteIfExists(dst)
			c.AddReply(resp.Zero)
		}
	default:
		zrangeEmit(c, res.zsl.first(), res.len(), false, withscores)
	}
}

// same reports whether two inputs are the same key's value.
func (src *zsetOpSrc) same(o *zsetOpSrc) bool {
	return (src.zs != nil && src.zs == o.zs) || (src.st != nil && src.st == o.st)
}

// zrangeResult is where zrangeGenericTo sends its result
// (zrange_result_handler): the client, or with dst a new sorted set
// stored at dst.
type zrangeResult struct{ dst []byte }

// empty is an empty result: an empty array, or 0 and dst deleted.
func (r zrangeResult) empty(s *server, c *client) {
	if r.dst == nil {
		c.AddReply(resp.EmptyArray)
		return
	}
	s.deleteIfExists(r.dst)
	c.AddReply(resp.Zero)
}

// emit sends n nodes from x on, backward when reverse. A stored result
// starts in the listpack encoding and leaves it as ZADD would, except
// that a rank range longer than the listpack holds starts as a skiplist
// (zrangeResultBeginStore with its known length).
func (r zrangeResult) emit(s *server, c *client, x *zslNode, n int, reverse, withscores, rank bool) {
	if r.dst == nil {
		zrangeEmit(c, x, n, reverse, withscores)
		return
	}
	res := newZsetSkiplist()
	res.lp = !rank || int64(n) <= s.cfg.zsetMaxListpackEntries
	for ; n > 0; n-- {
		if res.lp && (int64(res.len())+1 > s.cfg.zsetMaxListpackEntries || int64(len(x.ele)) > s.cfg.zsetMaxListpackValue) {
			res.lp = false
		}
		res.insertNew(res.stored(x.score), x.ele)
		if reverse {
			x = x.backward
		} else {
			x = x.level[0].forward
		}
	}
	s.storeValue(r.dst, objZset, res, notifyZset, "zrangestore")
	c.AddReplyInt(int64(res.len()))
}

// zrangestoreCommand is ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV]
// [LIMIT offset count].
func zrangestoreCommand(s *server, c *client) {
	zrangeGenericTo(s, c, zrangeResult{dst: c.Argv[1]}, zrangeAuto, zrangeDirAuto)
}

// zrandmemberCommand is ZRANDMEMBER key [count [WITHSCORES]].
func zrandmemberCommand(s *server, c *client) {
	if len(c.Argv) >= 3 {
		if l, withscores, ok := randomCountArgs(c, "withscores"); ok {
			zrandmemberWithCount(s, c, l, withscores)
		}
		return
	}
	zs, ok := zsetForRead(s, c)
	if !ok {
		return
	}
	if zs == nil {
		c.AddReplyNull()
		return
	}
	c.AddReplyBulkString(zs.scan[rand.IntN(zs.len())].ele)
}

// zrandmemberWithCount is zrandmemberWithCountCommand, by the cases
// random_count.go describes, over the scan array; the whole set goes
// highest score first, as Redis's iterator (zuiNext) walks from the tail.
func zrandmemberWithCount(s *server, c *client, l int64, withscores bool) {
	zs, ok := zsetForRead(s, c)
	if !ok {
		return
	}
	if zs == nil || l == 0 {
		c.AddReply(resp.EmptyArray)
		return
	}
	pairs := withscores && c.Protocol() == 3
	emit := func(x *zslNode) {
		if pairs {
			c.AddReplyArrayLen(2)
		}
		c.AddReplyBulkString(x.ele)
		if withscores {
			zaddReplyScore(c, x.score)
		}
	}
	p := randomPicker{
		n: zs.len(), per: 1, compact: zs.lp,
		at: func(i int) { emit(zs.scan[i]) },
		whole: func() {
			for x := zs.zsl.tail; x != nil; x = x.backward {
				emit(x)
			}
		},
	}
	if withscores {
		p.per = 2
	}
	p.reply(c, l)
}

// zscanCommand is ZSCAN key cursor [MATCH pattern] [COUNT count]: member,
// score pairs; a listpack-sized set whole, in score order, with cursor 0;
// a larger one by the walk scan.go describes.
func zscanCommand(s *server, c *client) {
	o, cursor, opts, ok := scanValueArgs(s, c, objZset)
	if !ok {
		return
	}
	zs := o.ptr.(*zset)
	n := 0
	emit := func(x *zslNode) {
		if opts.match(x.ele) {
			c.AddReplyBulkString(x.ele)
			// A bulk string in both protocols: SCAN's replies are strings.
			c.Out = resp.AppendBulkDouble(c.Out, x.score)
			n += 2
		}
	}
	if zs.lp {
		start := scanReplyHeader(c, 0)
		for x := zs.zsl.first(); x != nil; x = x.level[0].forward {
			emit(x)
		}
		c.Out = prependArrayLen(c.Out, start, n)
		return
	}
	lo, hi, next := scanWindow(cursor, zs.len(), opts.count)
	start := scanReplyHeader(c, next)
	for i := hi - 1; i >= lo; i-- {
		emit(zs.scan[i])
	}
	c.Out = prependArrayLen(c.Out, start, n)
}
