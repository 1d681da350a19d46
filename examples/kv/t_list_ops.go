package main

import (
	"bytes"

	"github.com/goae/goae/internal/resp"
)

// LPOS and LINSERT (t_list.c). They join listCommands in init, so that
// this file carries its own entries.
var listOpsCommands = []*command{
	{name: "lpos", arity: -3, flags: cmdReadonly, proc: lposCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "linsert", arity: 5, flags: cmdWrite | cmdDenyOOM, proc: linsertCommand, firstKey: 1, lastKey: 1, keyStep: 1},
}

func init() { listCommands = append(listCommands, listOpsCommands...) }

// nonNegativeArg is getPositiveLongFromObjectOrReply with a message of
// its own: msg is the error for a non-integer and for a negative one.
func nonNegativeArg(c *client, b []byte, msg string) (int64, bool) {
	v, ok := resp.ParseInt(b)
	if !ok || v < 0 {
		c.AddReplyError(msg)
		return 0, false
	}
	return v, true
}

// insert puts v before position i (0 <= i <= n), moving the shorter side.
func (l *list) insert(i int, v []byte) {
	if i < l.n/2 {
		l.pushFront(nil)
		for j := 0; j < i; j++ {
			l.set(j, l.at(j+1))
		}
	} else {
		l.pushBack(nil)
		for j := l.n - 1; j > i; j-- {
			l.set(j, l.at(j-1))
		}
	}
	l.set(i, v)
}

// lposCommand is LPOS key element [RANK rank] [COUNT num] [MAXLEN len]:
// the index of the rank-th match (from the tail for a negative rank), or
// with COUNT an array of up to num of them (0: all), looking at no more
// than len elements.
func lposCommand(s *server, c *client) {
	ele := c.Argv[2]
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	for j := 3; j < len(c.Argv); j++ {
		opt := c.Argv[j]
		more := len(c.Argv)-1-j > 0
		var ok bool
		switch {
		case resp.EqualFold(opt, "rank") && more:
			j++
			// Any long, as in Redis 7.0: a rank of MinInt64 stays
			// negative when negated below, and then every match counts.
			if rank, ok = intArg(c, c.Argv[j]); !ok {
				return
			}
			if rank == 0 {
				c.AddReplyError("RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
				return
			}
		case resp.EqualFold(opt, "count") && more:
			j++
			if count, ok = nonNegativeArg(c, c.Argv[j], "COUNT can't be negative"); !ok {
				return
			}
		case resp.EqualFold(opt, "maxlen") && more:
			j++
			if maxlen, ok = nonNegativeArg(c, c.Argv[j], "MAXLEN can't be negative"); !ok {
				return
			}
		default:
			c.AddReply(resp.SyntaxErr)
			return
		}
	}
	fromTail := rank < 0
	if fromTail {
		rank = -rank // wraps for MinInt64, as in Redis
	}
	o, ok := s.lookupOfType(c, c.Argv[1], objList, false)
	if !ok {
		return
	}
	if o == nil {
		if count != -1 {
			c.AddReply(resp.EmptyArray)
		} else {
			c.AddReplyNull()
		}
		return
	}
	l := o.ptr.(*list)
	start := len(c.Out)
	var matches, arraylen int64
	matchindex := -1
	for index := 0; index < l.n && (maxlen == 0 || int64(index) < maxlen); index++ {
		pos := index
		if fromTail {
			pos = l.n - 1 - index
		}
		if !bytes.Equal(l.at(pos), ele) {
			continue
		}
		matches++
		if matches < rank {
			continue
		}
		if count == -1 {
			matchindex = pos
			break
		}
		arraylen++
		c.AddReplyInt(int64(pos))
		if count != 0 && matches-rank+1 >= count {
			break
		}
	}
	if count != -1 {
		c.Out = prependArrayLen(c.Out, start, int(arraylen))
	} else if matchindex != -1 {
		c.AddReplyInt(int64(matchindex))
	} else {
		c.AddReplyNull()
	}
}

// linsertCommand is LINSERT key BEFORE|AFTER pivot element: the new
// length, -1 when pivot is not there, 0 for a missing key.
func linsertCommand(s *server, c *client) {
	var after bool
	switch {
	case resp.EqualFold(c.Argv[2], "after"):
		after = true
	case resp.EqualFold(c.Argv[2], "before"):
	default:
		c.AddReply(resp.SyntaxErr)
		return
	}
	o, ok := s.lookupOfType(c, c.Argv[1], objList, true)
	if !ok {
		return
	}
	if o == nil {
		c.AddReply(resp.Zero)
		return
	}
	l := o.ptr.(*list)
	for i := 0; i < l.n; i++ {
		if bytes.Equal(l.at(i), c.Argv[3]) {
			if after {
				i++
			}
			l.insert(i, append([]byte(nil), c.Argv[4]...))
			s.signalModifiedKey(s.db, c.Argv[1])
			s.notify(notifyList, "linsert", c.Argv[1])
			c.AddReplyInt(int64(l.len()))
			return
		}
	}
	c.AddReplyInt(-1)
}
