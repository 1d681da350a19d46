package main

import (
	"math"
	"math/rand/v2"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
)

// The count forms of SRANDMEMBER, HRANDFIELD and ZRANDMEMBER share
// Redis's cases (srandmemberWithCountCommand, hrandfieldWithCountCommand,
// zrandmemberWithCountCommand):
//
//  1. a negative count (or 1): -count draws with replacement;
//  2. a count of at least the size: the whole collection;
//     2.5. for a listpack (hashes and sorted sets): count distinct
//     elements in one pass over it, in its order;
//  3. a count above a third of the size: Redis copies the collection and
//     removes random elements until count are left;
//  4. otherwise: random draws until count distinct elements are in hand.
//
// Cases 2.5 and 3 give every count-subset the same chance; here both are
// one pass of selection sampling (each element kept with chance
// needed/left), which copies nothing and moves no element, so a scan in
// progress is not disturbed.

// randomSubStrategyMul is SRANDMEMBER_SUB_STRATEGY_MUL, and
// HRANDFIELD's and ZRANDMEMBER's, where case 3 gives way to case 4.
const randomSubStrategyMul = 3

// randomPicker is a collection as the count forms draw from it: n
// elements at dense positions 0 to n-1.
type randomPicker struct {
	n       int  // elements, at least 1
	per     int  // reply elements per element: 2 WITHVALUES or WITHSCORES
	compact bool // a listpack: case 2.5 instead of 3 and 4
	// at replies the element at position i; positions go in the
	// encoding's order where it has one (a listpack's).
	at func(i int)
	// whole replies every element, in Redis's order for case 2.
	whole func()
}

// reply replies count l (not 0) of the collection's elements. With two
// reply elements each, RESP3 nests them in pairs (at and whole then add
// each pair's header): the outer array counts the pairs.
func (p *randomPicker) reply(c *client, l int64) {
	per := p.per
	if per == 2 && c.Protocol() == 3 {
		per = 1
	}
	if l < 0 || l == 1 {
		count := max(l, -l)
		c.AddReplyArrayLen(int(count) * per)
		for ; count > 0; count-- {
			p.at(rand.IntN(p.n))
			if c.Flags&respserver.CloseASAP != 0 {
				// Past its output limit: stop, as Redis does, rather than
				// build a reply of -count elements nobody will read.
				break
			}
		}
		return
	}
	count := int(min(l, int64(p.n)))
	c.AddReplyArrayLen(count * per)
	switch {
	case count == p.n:
		p.whole()
	case p.compact || count*randomSubStrategyMul > p.n:
		need := count
		for i := 0; i < p.n && need > 0; i++ {
			if rand.IntN(p.n-i) < need {
				p.at(i)
				need--
			}
		}
	default:
		seen := make(map[int]struct{}, count)
		for len(seen) < count {
			i := rand.IntN(p.n)
			if _, dup := seen[i]; !dup {
				seen[i] = struct{}{}
				p.at(i)
			}
		}
	}
}

// randomCountArg parses the count of the three commands
// (getRangeLongFromObjectOrReply from -LONG_MAX to LONG_MAX).
func randomCountArg(c *client, b []byte) (int64, bool) {
	l, ok := resp.ParseInt(b)
	if !ok {
		c.AddReplyError("value is not an integer or out of range")
		return 0, false
	}
	if l == math.MinInt64 {
		c.AddReplyError("value is out of range, value must between -9223372036854775807 and 9223372036854775807")
		return 0, false
	}
	return l, true
}

// randomCountArgs parses HRANDFIELD's and ZRANDMEMBER's count and their
// WITHVALUES or WITHSCORES (with names it, lower case), whose reply of
// two elements each bounds the count to half a long.
func randomCountArgs(c *client, with string) (l int64, withFlag, ok bool) {
	if l, ok = randomCountArg(c, c.Argv[2]); !ok {
		return 0, false, false
	}
	if len(c.Argv) > 4 || (len(c.Argv) == 4 && !resp.EqualFold(c.Argv[3], with)) {
		c.AddReply(resp.SyntaxErr)
		return 0, false, false
	}
	if len(c.Argv) == 4 {
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			c.AddReplyError("value is out of range")
			return 0, false, false
		}
		withFlag = true
	}
	return l, withFlag, true
}
