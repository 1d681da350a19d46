package main

import (
	"strconv"
	"strings"

	"github.com/goae/goae/internal/resp"
)

// SSCAN, HSCAN and ZSCAN (scanGenericCommand on a key's value).
//
// A value small enough for Redis's compact encodings (an intset, a
// listpack) is replied whole in one call with cursor 0, in that
// encoding's order, whatever the cursor, as Redis does. A larger one is
// walked through its dense array of members (set.members, hash.entries,
// zset.scan), where a deletion moves the last member into the hole. The
// walk goes down, from the top position to 0, which keeps Redis's
// guarantee that a member present for the whole scan is returned: a
// member only ever moves down, into a position the walk has not reached
// yet, or from a position it has visited; members added meanwhile go on
// top, above it, and may or may not be returned, as in Redis.

// emptyScan is shared.emptyscan, the reply for a missing key.
const emptyScan = "*2\r\n$1\r\n0\r\n*0\r\n"

// scanOpts are the options of a value scan: MATCH and COUNT (TYPE is
// SCAN's alone).
type scanOpts struct {
	pattern    []byte
	usePattern bool
	count      int64
}

// scanValueArgs parses the cursor, looks the key up and parses the
// options, in Redis's order (a missing key replies an empty scan however
// bad the options); ok is false once something is replied.
func scanValueArgs(s *server, c *client, typ uint8) (o *robj, cursor uint64, opts scanOpts, ok bool) {
	cursor, ok = parseScanCursor(c.Argv[2])
	if !ok {
		c.AddReplyError("invalid cursor")
		return nil, 0, opts, false
	}
	if o, ok = s.lookupOfType(c, c.Argv[1], typ, false); !ok {
		return nil, 0, opts, false
	}
	if o == nil {
		c.AddReply(emptyScan)
		return nil, 0, opts, false
	}
	opts.count = 10
	for i := 3; i < len(c.Argv); i += 2 {
		opt := c.Argv[i]
		more := i+1 < len(c.Argv)
		switch {
		case more && strings.EqualFold(string(opt), "count"):
			v, isInt := resp.ParseInt(c.Argv[i+1])
			if !isInt {
				c.AddReplyError("value is not an integer or out of range")
				return nil, 0, opts, false
			}
			if v < 1 {
				c.AddReply(resp.SyntaxErr)
				return nil, 0, opts, false
			}
			opts.count = v
		case more && strings.EqualFold(string(opt), "match"):
			opts.pattern = c.Argv[i+1]
			opts.usePattern = !(len(opts.pattern) == 1 && opts.pattern[0] == '*')
		default:
			c.AddReply(resp.SyntaxErr)
			return nil, 0, opts, false
		}
	}
	return o, cursor, opts, true
}

// match reports whether a member passes MATCH.
func (o *scanOpts) match(m string) bool {
	return !o.usePattern || stringMatch(o.pattern, m, false)
}

// scanWindow is the part of a dense array of n members one call covers:
// positions lo to hi-1, walked down from the cursor (0 starts at the top),
// about count of them; next is the cursor to reply, 0 once position 0 is
// covered.
func scanWindow(cursor uint64, n int, count int64) (lo, hi int, next uint64) {
	hi = n
	if cursor != 0 && cursor < uint64(n) {
		hi = int(cursor)
	}
	lo = 0
	if int64(hi) > count {
		lo = hi - int(count)
	}
	return lo, hi, uint64(lo)
}

// scanReplyHeader starts a scan reply: the cursor, then the elements,
// whose count prependArrayLen writes once known; it returns where they
// start.
func scanReplyHeader(c *client, next uint64) int {
	c.AddReplyArrayLen(2)
	var num [20]byte
	c.AddReplyBulk(strconv.AppendUint(num[:0], next, 10))
	return len(c.Out)
}
