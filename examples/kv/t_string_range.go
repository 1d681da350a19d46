package main

import (
	"github.com/goae/goae/internal/resp"
)

// The string commands of t_string.c beyond those of t_string.go: GETEX,
// the range commands and LCS. They join stringCommands in init, so that
// this file carries its own entries.
var stringRangeCommands = []*command{
	{name: "getex", arity: -2, flags: cmdWrite | cmdFast, proc: getexCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "getrange", arity: 4, flags: cmdReadonly, proc: getrangeCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "substr", arity: 4, flags: cmdReadonly, proc: getrangeCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "setrange", arity: 4, flags: cmdWrite | cmdDenyOOM, proc: setrangeCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "lcs", arity: -3, flags: cmdReadonly, proc: lcsCommand, firstKey: 1, lastKey: 2, keyStep: 1},
}

func init() { stringCommands = append(stringCommands, stringRangeCommands...) }

// getexPersist is OBJ_PERSIST, the option only GETEX takes.
const getexPersist = setPXAT << 1

// parseGetexOptions is parseExtendedStringArgumentsOrReply for GETEX:
// one of EX, PX, EXAT, PXAT or PERSIST; SET's other options are syntax
// errors here.
func parseGetexOptions(c *client, opts [][]byte) (flags int, expire []byte, ok bool) {
	const expires = setEX | setPX | setEXAT | setPXAT
	for j := 0; j < len(opts); j++ {
		opt := opts[j]
		hasNext := j+1 < len(opts)
		var f int
		switch {
		case resp.EqualFold(opt, "persist") && flags&expires == 0:
			flags |= getexPersist
			continue
		case resp.EqualFold(opt, "ex"):
			f = setEX
		case resp.EqualFold(opt, "px"):
			f = setPX
		case resp.EqualFold(opt, "exat"):
			f = setEXAT
		case resp.EqualFold(opt, "pxat"):
			f = setPXAT
		}
		if f == 0 || flags&(getexPersist|expires&^f) != 0 || !hasNext {
			c.AddReply(resp.SyntaxErr)
			return 0, nil, false
		}
		flags |= f
		j++
		expire = opts[j]
	}
	return flags, expire, true
}

// getexCommand is GETEX key [EX s|PX ms|EXAT t|PXAT t|PERSIST]: GET that
// sets or clears the TTL; a time already past deletes the key.
func getexCommand(s *server, c *client) {
	flags, expire, ok := parseGetexOptions(c, c.Argv[2:])
	if !ok {
		return
	}
	o, ok := s.getString(c, c.Argv[1])
	if !ok {
		return
	}
	if o == nil {
		c.AddReplyNull()
		return
	}
	var when int64
	if expire != nil {
		if when, ok = expireToMillis(s, c, expire, flags); !ok {
			return
		}
	}
	c.AddReplyBulk(o.str)
	switch {
	case flags&(setEXAT|setPXAT) != 0 && when <= s.mstime:
		s.db.remove(o)
		s.signalModifiedKey(s.db, c.Argv[1])
		s.notify(notifyGeneric, "del", c.Argv[1])
	case expire != nil:
		s.db.setExpire(o, when)
		s.signalModifiedKey(s.db, c.Argv[1])
		s.notify(notifyGeneric, "expire", c.Argv[1])
	case flags&getexPersist != 0 && o.expire != 0:
		s.db.setExpire(o, 0)
		s.signalModifiedKey(s.db, c.Argv[1])
		s.notify(notifyGeneric, "persist", c.Argv[1])
	}
}

// getrangeCommand is GETRANGE (and SUBSTR) key start end, both inclusive,
// negative from the end.
func getrangeCommand(s *server, c *client) {
	start, ok := intArg(c, c.Argv[2])
	if !ok {
		return
	}
	end, ok := intArg(c, c.Argv[3])
	if !ok {
		return
	}
	o, ok := s.getString(c, c.Argv[1])
	if !ok {
		return
	}
	if o == nil {
		c.AddReply(resp.EmptyBulk)
		return
	}
	strlen := int64(len(o.str))
	if start < 0 && end < 0 && start > end {
		c.AddReply(resp.EmptyBulk)
		return
	}
	if start < 0 {
		start += strlen
	}
	if end < 0 {
		end += strlen
	}
	start, end = max(start, 0), max(end, 0)
	if end >= strlen {
		end = strlen - 1
	}
	if start > end || strlen == 0 {
		c.AddReply(resp.EmptyBulk)
		return
	}
	c.AddReplyBulk(o.str[start : end+1])
}

// checkStringLength refuses a string of size+grow bytes longer than
// proto-max-bulk-len, or whose length overflows.
func (s *server) checkStringLength(c *client, size, grow int64) bool {
	if total := size + grow; total > s.cfg.protoMaxBulkLen || total < size || total < grow {
		c.AddReplyError("string exceeds maximum allowed size (proto-max-bulk-len)")
		return false
	}
	return true
}

// setrangeCommand is SETRANGE key offset value: value written at offset,
// the string zero-padded up to it; it replies the new length.
func setrangeCommand(s *server, c *client) {
	offset, ok := intArg(c, c.Argv[2])
	if !ok {
		return
	}
	if offset < 0 {
		c.AddReplyError("offset is out of range")
		return
	}
	value := c.Argv[3]
	o, ok := s.lookupOfType(c, c.Argv[1], objString, true)
	if !ok {
		return
	}
	if o == nil {
		if len(value) == 0 {
			c.AddReply(resp.Zero)
			return
		}
		if !s.checkStringLength(c, offset, int64(len(value))) {
			return
		}
		o = &robj{typ: objString, str: make([]byte, offset+int64(len(value)))}
		s.db.add(c.Argv[1], o)
	} else {
		if len(value) == 0 {
			c.AddReplyInt(int64(len(o.str)))
			return
		}
		if !s.checkStringLength(c, offset, int64(len(value))) {
			return
		}
		growZero(o, int(offset)+len(value))
	}
	makeStringRaw(o)
	copy(o.str[offset:], value)
	s.signalModifiedKey(s.db, c.Argv[1])
	s.notify(notifyString, "setrange", c.Argv[1])
	c.AddReplyInt(int64(len(o.str)))
}

// lcsCommand is LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len]
// [WITHMATCHLEN]: the longest common subsequence of two strings by the
// dynamic programming table, as Redis computes it, so that IDX lists the
// same matches in the same order.
func lcsCommand(s *server, c *client) {
	oa, ob := s.lookupRead(c.Argv[1]), s.lookupRead(c.Argv[2])
	if (oa != nil && oa.typ != objString) || (ob != nil && ob.typ != objString) {
		c.AddReplyError("The specified keys must contain string values")
		return
	}
	var a, b []byte
	if oa != nil {
		a = oa.str
	}
	if ob != nil {
		b = ob.str
	}
	var minmatchlen int64
	getlen, getidx, withmatchlen := false, false, false
	for j := 3; j < len(c.Argv); j++ {
		opt := c.Argv[j]
		moreargs := len(c.Argv) - 1 - j
		switch {
		case resp.EqualFold(opt, "idx"):
			getidx = true
		case resp.EqualFold(opt, "len"):
			getlen = true
		case resp.EqualFold(opt, "withmatchlen"):
			withmatchlen = true
		case resp.EqualFold(opt, "minmatchlen") && moreargs > 0:
			v, ok := intArg(c, c.Argv[j+1])
			if !ok {
				return
			}
			minmatchlen = max(v, 0)
			j++
		default:
			c.AddReply(resp.SyntaxErr)
			return
		}
	}
	if getidx && getlen {
		c.AddReplyError("If you want both the length and indexes, please just use IDX.")
		return
	}
	alen, blen := len(a), len(b)
	// The table is (alen+1)*(blen+1) 32-bit lengths; Redis refuses one
	// larger than proto-max-bulk-len rather than allocate it.
	cells := uint64(alen+1) * uint64(blen+1)
	if cells*4 > uint64(s.cfg.protoMaxBulkLen) {
		c.AddReplyError("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	w := blen + 1
	lcs := make([]uint32, cells)
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			if a[i-1] == b[j-1] {
				lcs[i*w+j] = lcs[(i-1)*w+j-1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i-1)*w+j], lcs[i*w+j-1])
			}
		}
	}
	total := lcs[alen*w+blen]
	if getlen {
		c.AddReplyInt(int64(total))
		return
	}
	idx := total
	result := make([]byte, total)
	if getidx {
		c.AddReplyMapLen(2)
		c.AddReplyBulkString("matches")
	}
	arrayStart := len(c.Out)
	arraylen := 0
	// Walk back from the end, tracking the current run of matches
	// (arange/brange); alen as arangeStart means no run.
	arangeStart, arangeEnd, brangeStart, brangeEnd := alen, 0, 0, 0
	i, j := alen, blen
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if arangeStart == alen {
				arangeStart, arangeEnd = i-1, i-1
				brangeStart, brangeEnd = j-1, j-1
			} else if arangeStart == i && brangeStart == j {
				arangeStart--
				brangeStart--
			} else {
				emit = true
			}
			if arangeStart == 0 || brangeStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if lcs[(i-1)*w+j] > lcs[i*w+j-1] {
				i--
			} else {
				j--
			}
			if arangeStart != alen {
				emit = true
			}
		}
		if emit {
			matchLen := int64(arangeEnd - arangeStart + 1)
			if getidx && (minmatchlen == 0 || matchLen >= minmatchlen) {
				if withmatchlen {
					c.AddReplyArrayLen(3)
				} else {
					c.AddReplyArrayLen(2)
				}
				c.AddReplyArrayLen(2)
				c.AddReplyInt(int64(arangeStart))
				c.AddReplyInt(int64(arangeEnd))
				c.AddReplyArrayLen(2)
				c.AddReplyInt(int64(brangeStart))
				c.AddReplyInt(int64(brangeEnd))
				if withmatchlen {
					c.AddReplyInt(matchLen)
				}
				arraylen++
			}
			arangeStart = alen
		}
	}
	if getidx {
		c.Out = prependArrayLen(c.Out, arrayStart, arraylen)
		c.AddReplyBulkString("len")
		c.AddReplyInt(int64(total))
		return
	}
	c.AddReplyBulk(result)
}
