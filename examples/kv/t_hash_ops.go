package main

import (
	"math/rand/v2"

	"github.com/goae/goae/internal/resp"
)

// HSCAN and HRANDFIELD (t_hash.c). They join hashCommands in init, so
// that this file carries its own entries.
var hashOpsCommands = []*command{
	{name: "hscan", arity: -3, flags: cmdReadonly, proc: hscanCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "hrandfield", arity: -2, flags: cmdReadonly, proc: hrandfieldCommand, firstKey: 1, lastKey: 1, keyStep: 1},
}

func init() { hashCommands = append(hashCommands, hashOpsCommands...) }

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
		if l, withvalues, ok := randomCountArgs(c, "withvalues"); ok {
			hrandfieldWithCount(s, c, l, withvalues)
		}
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

// hrandfieldWithCount is hrandfieldWithCountCommand, by the cases
// random_count.go describes; a listpack-sized hash takes case 2.5.
func hrandfieldWithCount(s *server, c *client, l int64, withvalues bool) {
	h, ok := hashForRead(s, c)
	if !ok {
		return
	}
	if h == nil || l == 0 {
		c.AddReply(resp.EmptyArray)
		return
	}
	pairs := withvalues && c.Protocol() == 3
	emit := func(e *hashEntry) {
		if pairs {
			c.AddReplyArrayLen(2)
		}
		c.AddReplyBulkString(e.field)
		if withvalues {
			c.AddReplyBulk(e.val)
		}
	}
	p := randomPicker{
		n: h.len(), per: 1, compact: h.lp,
		at: func(i int) { emit(&h.entries[i]) },
		whole: func() {
			for i := range h.entries {
				emit(&h.entries[i])
			}
		},
	}
	if withvalues {
		p.per = 2
	}
	p.reply(c, l)
}
