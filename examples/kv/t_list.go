package main

import (
	"bytes"

	"github.com/goae/goae/internal/resp"
)

// The list commands (t_list.c). Arities, flags and key positions are
// Redis 7.0's, from COMMAND INFO.
var listCommands = []*command{
	{name: "lpush", arity: -3, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: lpushCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "rpush", arity: -3, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: rpushCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "lpushx", arity: -3, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: lpushxCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "rpushx", arity: -3, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: rpushxCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "lpop", arity: -2, flags: cmdWrite | cmdFast, proc: lpopCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "rpop", arity: -2, flags: cmdWrite | cmdFast, proc: rpopCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "lrange", arity: 4, flags: cmdReadonly, proc: lrangeCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "llen", arity: 2, flags: cmdReadonly | cmdFast, proc: llenCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "lindex", arity: 3, flags: cmdReadonly, proc: lindexCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "lset", arity: 4, flags: cmdWrite | cmdDenyOOM, proc: lsetCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "lrem", arity: 4, flags: cmdWrite, proc: lremCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "ltrim", arity: 4, flags: cmdWrite, proc: ltrimCommand, firstKey: 1, lastKey: 1, keyStep: 1},
}

// lookupOfType returns the live object at key, nil if there is none. When
// the key holds another type it replies WRONGTYPE and reports false
// (lookupKey + checkType). Read commands pass write = false, which counts
// keyspace hits and misses as lookupKeyRead does.
func (s *server) lookupOfType(c *client, key []byte, typ uint8, write bool) (*robj, bool) {
	var o *robj
	if write {
		o = s.lookup(key)
	} else {
		o = s.lookupRead(key)
	}
	if o != nil && o.typ != typ {
		c.AddReply(resp.WrongTypeErr)
		return nil, false
	}
	return o, true
}

// positiveCountArg parses a COUNT argument of LPOP, RPOP, SPOP, ZPOPMIN
// and ZPOPMAX (getPositiveLongFromObjectOrReply): a non-integer and a
// negative number get the same error.
func positiveCountArg(c *client, b []byte) (int64, bool) {
	v, ok := resp.ParseInt(b)
	if !ok || v < 0 {
		c.AddReplyError("value is out of range, must be positive")
		return 0, false
	}
	return v, true
}

// list is a deque of elements in a ring buffer: O(1) push and pop at both
// ends, O(1) access by index, so LRANGE and LINDEX reply straight from the
// stored slices. It plays the part of Redis's quicklist. The capacity of
// buf is zero or a power of two; it doubles when full and halves when a
// quarter full, so a list that grew and drained gives its memory back.
type list struct {
	buf  [][]byte
	head int // position of element 0 in buf
	n    int
}

const listMinCap = 8

func (l *list) len() int { return l.n }

func (l *list) pos(i int) int { return (l.head + i) & (len(l.buf) - 1) }

// at returns element i, 0 <= i < n.
func (l *list) at(i int) []byte { return l.buf[l.pos(i)] }

func (l *list) set(i int, v []byte) { l.buf[l.pos(i)] = v }

// resize moves the elements to a buffer of capacity c (a power of two, at
// least n), element 0 first.
func (l *list) resize(c int) {
	nb := make([][]byte, c)
	if l.n > 0 {
		first := l.buf[l.head:min(l.head+l.n, len(l.buf))]
		copy(nb, first)
		copy(nb[len(first):], l.buf[:l.n-len(first)])
	}
	l.buf, l.head = nb, 0
}

// reserve makes room for k more elements.
func (l *list) reserve(k int) {
	if l.n+k <= len(l.buf) {
		return
	}
	c := max(len(l.buf), listMinCap)
	for c < l.n+k {
		c *= 2
	}
	l.resize(c)
}

// shrink halves the buffer while it is at most a quarter full.
func (l *list) shrink() {
	c := len(l.buf)
	for c > listMinCap && l.n <= c/4 {
		c /= 2
	}
	if c != len(l.buf) {
		l.resize(c)
	}
}

func (l *list) pushFront(v []byte) {
	l.reserve(1)
	l.head = (l.head - 1) & (len(l.buf) - 1)
	l.buf[l.head] = v
	l.n++
}

func (l *list) pushBack(v []byte) {
	l.reserve(1)
	l.buf[l.pos(l.n)] = v
	l.n++
}

// popFront removes and returns element 0; the caller shrinks when done.
func (l *list) popFront() []byte {
	v := l.buf[l.head]
	l.buf[l.head] = nil
	l.head = (l.head + 1) & (len(l.buf) - 1)
	l.n--
	return v
}

func (l *list) popBack() []byte {
	p := l.pos(l.n - 1)
	v := l.buf[p]
	l.buf[p] = nil
	l.n--
	return v
}

// remove deletes up to count elements equal to v, from the head when
// count > 0, from the tail when count < 0, all of them when count is 0,
// and returns how many it removed. The survivors are compacted in one
// pass toward the end the scan starts from.
func (l *list) remove(v []byte, count int64) int64 {
	var removed int64
	if count >= 0 {
		w := 0
		for r := 0; r < l.n; r++ {
			e := l.at(r)
			if (count == 0 || removed < count) && bytes.Equal(e, v) {
				removed++
				continue
			}
			if w != r {
				l.set(w, e)
			}
			w++
		}
		for i := w; i < l.n; i++ {
			l.set(i, nil)
		}
		l.n = w
	} else {
		limit := uint64(-(count + 1)) + 1 // -count, also for MinInt64
		w := l.n - 1
		for r := l.n - 1; r >= 0; r-- {
			e := l.at(r)
			if uint64(removed) < limit && bytes.Equal(e, v) {
				removed++
				continue
			}
			if w != r {
				l.set(w, e)
			}
			w--
		}
		for i := 0; i <= w; i++ {
			l.set(i, nil)
		}
		l.head = l.pos(w + 1)
		l.n -= w + 1
	}
	l.shrink()
	return removed
}

// listRange clamps start and end (inclusive, negative from the tail) to
// a list of length n as Redis's LRANGE and LTRIM do; ok is false when the
// range is empty.
func listRange(start, end int64, n int) (int, int, bool) {
	llen := int64(n)
	if start < 0 {
		start += llen
	}
	if end < 0 {
		end += llen
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= llen {
		return 0, 0, false
	}
	if end >= llen {
		end = llen - 1
	}
	return int(start), int(end), true
}

// listIndex turns a possibly negative index into a position, ok false
// when it is out of range.
func listIndex(index int64, n int) (int, bool) {
	if index < 0 {
		index += int64(n)
	}
	if index < 0 || index >= int64(n) {
		return 0, false
	}
	return int(index), true
}

// pushGeneric is pushGenericCommand: LPUSH, RPUSH, and with xx LPUSHX and
// RPUSHX, which do nothing on a missing key.
func pushGeneric(s *server, c *client, front, xx bool) {
	o, ok := s.lookupOfType(c, c.Argv[1], objList, true)
	if !ok {
		return
	}
	if o == nil {
		if xx {
			c.AddReply(resp.Zero)
			return
		}
		o = &robj{typ: objList, ptr: &list{}}
		s.db.add(c.Argv[1], o)
	}
	l := o.ptr.(*list)
	elems := c.Argv[2:]
	l.reserve(len(elems))
	for _, e := range elems {
		v := append([]byte(nil), e...)
		if front {
			l.pushFront(v)
		} else {
			l.pushBack(v)
		}
	}
	s.signalModifiedKey(s.db, c.Argv[1])
	if front {
		s.notify(notifyList, "lpush", c.Argv[1])
	} else {
		s.notify(notifyList, "rpush", c.Argv[1])
	}
	c.AddReplyInt(int64(l.len()))
}

func lpushCommand(s *server, c *client)  { pushGeneric(s, c, true, false) }
func rpushCommand(s *server, c *client)  { pushGeneric(s, c, false, false) }
func lpushxCommand(s *server, c *client) { pushGeneric(s, c, true, true) }
func rpushxCommand(s *server, c *client) { pushGeneric(s, c, false, true) }

// popGeneric is popGenericCommand: LPOP and RPOP key [count]. Without a
// count it replies one bulk (nil on a missing key); with one, an array of
// up to count elements in the order they were popped (a nil array on a
// missing key, an empty one for a count of 0).
func popGeneric(s *server, c *client, front bool) {
	if len(c.Argv) > 3 {
		c.AddReplyError("wrong number of arguments for '" + c.lastcmd.name + "' command")
		return
	}
	hasCount := len(c.Argv) == 3
	var count int64
	if hasCount {
		var ok bool
		if count, ok = positiveCountArg(c, c.Argv[2]); !ok {
			return
		}
	}
	o, ok := s.lookupOfType(c, c.Argv[1], objList, true)
	if !ok {
		return
	}
	if o == nil {
		if hasCount {
			c.AddReplyNullArray()
		} else {
			c.AddReplyNull()
		}
		return
	}
	l := o.ptr.(*list)
	if hasCount && count == 0 {
		c.AddReply(resp.EmptyArray)
		return
	}
	if !hasCount {
		if front {
			c.AddReplyBulk(l.popFront())
		} else {
			c.AddReplyBulk(l.popBack())
		}
	} else {
		n := int(min(count, int64(l.len())))
		c.AddReplyArrayLen(n)
		for ; n > 0; n-- {
			if front {
				c.AddReplyBulk(l.popFront())
			} else {
				c.AddReplyBulk(l.popBack())
			}
		}
	}
	var where int8 = listTail
	if front {
		where = listHead
	}
	s.listElementsRemoved(c.Argv[1], o, where)
}

func lpopCommand(s *server, c *client) { popGeneric(s, c, true) }
func rpopCommand(s *server, c *client) { popGeneric(s, c, false) }

func lrangeCommand(s *server, c *client) {
	start, ok := intArg(c, c.Argv[2])
	if !ok {
		return
	}
	end, ok := intArg(c, c.Argv[3])
	if !ok {
		return
	}
	o, ok := s.lookupOfType(c, c.Argv[1], objList, false)
	if !ok {
		return
	}
	if o == nil {
		c.AddReply(resp.EmptyArray)
		return
	}
	l := o.ptr.(*list)
	from, to, ok := listRange(start, end, l.len())
	if !ok {
		c.AddReply(resp.EmptyArray)
		return
	}
	c.AddReplyArrayLen(to - from + 1)
	for i := from; i <= to; i++ {
		c.AddReplyBulk(l.at(i))
	}
}

func llenCommand(s *server, c *client) {
	o, ok := s.lookupOfType(c, c.Argv[1], objList, false)
	if !ok {
		return
	}
	if o == nil {
		c.AddReply(resp.Zero)
		return
	}
	c.AddReplyInt(int64(o.ptr.(*list).len()))
}

// lindexCommand looks the key up before it parses the index, as Redis
// does: LINDEX of a missing key is nil whatever the index.
func lindexCommand(s *server, c *client) {
	o, ok := s.lookupOfType(c, c.Argv[1], objList, false)
	if !ok {
		return
	}
	if o == nil {
		c.AddReplyNull()
		return
	}
	index, ok := intArg(c, c.Argv[2])
	if !ok {
		return
	}
	l := o.ptr.(*list)
	if i, ok := listIndex(index, l.len()); ok {
		c.AddReplyBulk(l.at(i))
	} else {
		c.AddReplyNull()
	}
}

func lsetCommand(s *server, c *client) {
	o, ok := s.lookupOfType(c, c.Argv[1], objList, true)
	if !ok {
		return
	}
	if o == nil {
		c.AddReply(resp.NoKeyErr)
		return
	}
	index, ok := intArg(c, c.Argv[2])
	if !ok {
		return
	}
	l := o.ptr.(*list)
	i, ok := listIndex(index, l.len())
	if !ok {
		c.AddReply(resp.OutOfRangeErr)
		return
	}
	// Reuse the element's buffer when the new value fits without wasting
	// more than half of it.
	old, v := l.at(i), c.Argv[3]
	if cap(old) >= len(v) && cap(old) <= 2*len(v)+16 {
		l.set(i, append(old[:0], v...))
	} else {
		l.set(i, append([]byte(nil), v...))
	}
	s.signalModifiedKey(s.db, c.Argv[1])
	s.notify(notifyList, "lset", c.Argv[1])
	c.AddReply(resp.OK)
}

func lremCommand(s *server, c *client) {
	count, ok := intArg(c, c.Argv[2])
	if !ok {
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
	removed := l.remove(c.Argv[3], count)
	if removed > 0 {
		s.signalModifiedKey(s.db, c.Argv[1])
		s.notify(notifyList, "lrem", c.Argv[1])
	}
	if l.len() == 0 {
		s.db.remove(o)
		s.notify(notifyGeneric, "del", c.Argv[1])
	}
	c.AddReplyInt(removed)
}

func ltrimCommand(s *server, c *client) {
	start, ok := intArg(c, c.Argv[2])
	if !ok {
		return
	}
	end, ok := intArg(c, c.Argv[3])
	if !ok {
		return
	}
	o, ok := s.lookupOfType(c, c.Argv[1], objList, true)
	if !ok {
		return
	}
	if o == nil {
		c.AddReply(resp.OK)
		return
	}
	l := o.ptr.(*list)
	from, to, ok := listRange(start, end, l.len())
	if !ok {
		s.notify(notifyList, "ltrim", c.Argv[1])
		s.db.remove(o)
		s.notify(notifyGeneric, "del", c.Argv[1])
		s.signalModifiedKey(s.db, c.Argv[1])
		c.AddReply(resp.OK)
		return
	}
	for rtrim := l.len() - 1 - to; rtrim > 0; rtrim-- {
		l.popBack()
	}
	for ; from > 0; from-- {
		l.popFront()
	}
	l.shrink()
	s.notify(notifyList, "ltrim", c.Argv[1])
	s.signalModifiedKey(s.db, c.Argv[1])
	c.AddReply(resp.OK)
}
