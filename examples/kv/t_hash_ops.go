package main

import (
	"math"
	"math/rand/v2"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
)

// HSCAN and HRANDFIELD (t_hash.c). They join hashCommands in init, so
// that this file carries its own entries.
var hashOpsCommands = []*command{
	{name: "hscan", arity: -3, flags: cmdReadonly, proc: hscanCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "hrandfield", arity: -2, flags: cmdReadonly, proc: hrandfieldCommand, firstKey: 1, lastKey: 1, keyStep: 1},
}

func init() { hashCommands = append(hashCommands, hashOpsCommands...) }

// Redis's defaults for hash-max-listpack-entries and -value.
const (
	hashMaxListpackEntries = 128
	hashMaxListpackValue   = 64
)

// hrandfieldSubStrategyMul is HRANDFIELD_SUB_STRATEGY_MUL, where its
// case 3 gives way to case 4.
const hrandfieldSubStrategyMul = 3

// closeGap removes entry i, whose field is already out of idx, by moving
// the entries after it down one, as a listpack deletion does.
func (h *hash) closeGap(i int) {
	copy(h.entries[i:], h.entries[i+1:])
	last := len(h.entries) - 1
	h.entries[last] = hashEntry{}
	h.entries = h.entries[:last]
	for j := i; j < last; j++ {
		h.idx[h.entries[j].field] = j
	}
}

// hscanCommand is HSCAN key cursor [MATCH pattern] [COUNT count]: field,
// value pairs; a listpack-sized hash whole, in its order, with cursor 0;
// a larger one by the walk scan.go describes.
func hscanCommand(s *server, c *client) {
	o, cursor, opts, ok := scanValueArgs(s, c, objHash)
	if !ok {
		return
	}
	h := o.ptr.(*hash)
	lo, hi, next := 0, h.len(), uint64(0)
	if !h.lp {
		lo, hi, next = scanWindow(cursor, h.len(), opts.count)
	}
	start := scanReplyHeader(c, next)
	n := 0
	emit := func(e *hashEntry) {
		if opts.match(e.field) {
			c.AddReplyBulkString(e.field)
			c.AddReplyBulk(e.val)
			n += 2
		}
	}
	if h.lp {
		for i := range h.entries {
			emit(&h.entries[i])
		}
	} else {
		for i := hi - 1; i >= lo; i-- {
			emit(&h.entries[i])
		}
	}
	c.Out = prependArrayLen(c.Out, start, n)
}

// hrandfieldCommand is HRANDFIELD key [count [WITHVALUES]].
func hrandfieldCommand(s *server, c *client) {
	if len(c.Argv) >= 3 {
		l, ok := resp.ParseInt(c.Argv[2])
		if !ok {
			c.AddReplyError("value is not an integer or out of range")
			return
		}
		if l == math.MinInt64 {
			c.AddReplyError("value is out of range, value must between -9223372036854775807 and 9223372036854775807")
			return
		}
		withvalues := false
		if len(c.Argv) > 4 || (len(c.Argv) == 4 && !strcaseEq(c.Argv[3], "withvalues")) {
			c.AddReply(resp.SyntaxErr)
			return
		} else if len(c.Argv) == 4 {
			withvalues = true
			if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
				c.AddReplyError("value is out of range")
				return
			}
		}
		hrandfieldWithCount(s, c, l, withvalues)
		return
	}
	h, ok := hashForRead(s, c)
	if !ok {
		return
	}
	if h == nil {
		c.AddReplyNull()
		return
	}
	c.AddReplyBulkString(h.entries[rand.IntN(h.len())].field)
}

// hrandfieldWithCount is hrandfieldWithCountCommand's cases: a negative
// count (or 1) draws with replacement (case 1); a count of at least HLEN
// replies the whole hash (case 2); otherwise count distinct fields, taken
// in one pass of selection sampling for a listpack-sized hash (Redis's
// case 2.5, in the listpack's order) or one of at most three times count
// fields (case 3, where Redis removes random fields from a copy: the same
// uniform subset), else drawn at random until count distinct ones are in
// hand (case 4).
func hrandfieldWithCount(s *server, c *client, l int64, withvalues bool) {
	h, ok := hashForRead(s, c)
	if !ok {
		return
	}
	if h == nil || l == 0 {
		c.AddReply(resp.EmptyArray)
		return
	}
	per := 1
	if withvalues {
		per = 2
	}
	emit := func(e *hashEntry) {
		c.AddReplyBulkString(e.field)
		if withvalues {
			c.AddReplyBulk(e.val)
		}
	}
	n := h.len()
	if l < 0 || l == 1 {
		count := max(l, -l)
		c.AddReplyArrayLen(int(count) * per)
		for ; count > 0; count-- {
			emit(&h.entries[rand.IntN(n)])
			if c.Flags&respserver.CloseASAP != 0 {
				break // past its output limit, as Redis stops
			}
		}
		return
	}
	count := int(min(l, int64(n)))
	c.AddReplyArrayLen(count * per)
	if count == n {
		for i := range h.entries {
			emit(&h.entries[i])
		}
		return
	}
	if h.lp || count*hrandfieldSubStrategyMul > n {
		need := count
		for i := 0; i < n && need > 0; i++ {
			if rand.IntN(n-i) < need {
				emit(&h.entries[i])
				need--
			}
		}
		return
	}
	seen := make(map[int]struct{}, count)
	for len(seen) < count {
		i := rand.IntN(n)
		if _, dup := seen[i]; !dup {
			seen[i] = struct{}{}
			emit(&h.entries[i])
		}
	}
}
