package main

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/goae/goae/internal/resp"
)

// The set algebra, SMOVE and SSCAN (t_set.c). They join setCommands in
// init, so that this file carries its own entries.
var setOpsCommands = []*command{
	{name: "sinter", arity: -2, flags: cmdReadonly, proc: sinterCommand, firstKey: 1, lastKey: -1, keyStep: 1},
	{name: "sintercard", arity: -3, flags: cmdReadonly, proc: sintercardCommand},
	{name: "sinterstore", arity: -3, flags: cmdWrite | cmdDenyOOM, proc: sinterstoreCommand, firstKey: 1, lastKey: -1, keyStep: 1},
	{name: "sunion", arity: -2, flags: cmdReadonly, proc: sunionCommand, firstKey: 1, lastKey: -1, keyStep: 1},
	{name: "sunionstore", arity: -3, flags: cmdWrite | cmdDenyOOM, proc: sunionstoreCommand, firstKey: 1, lastKey: -1, keyStep: 1},
	{name: "sdiff", arity: -2, flags: cmdReadonly, proc: sdiffCommand, firstKey: 1, lastKey: -1, keyStep: 1},
	{name: "sdiffstore", arity: -3, flags: cmdWrite | cmdDenyOOM, proc: sdiffstoreCommand, firstKey: 1, lastKey: -1, keyStep: 1},
	{name: "smove", arity: 4, flags: cmdWrite | cmdFast, proc: smoveCommand, firstKey: 1, lastKey: 2, keyStep: 1},
	{name: "sscan", arity: -3, flags: cmdReadonly, proc: sscanCommand, firstKey: 1, lastKey: 1, keyStep: 1},
}

func init() { setCommands = append(setCommands, setOpsCommands...) }

// isIntsetMember reports whether Redis would keep m in an intset: a
// 64-bit integer written as string2ll requires (no sign but '-', no
// leading zero, no space), which is the text it prints back.
func isIntsetMember(m string) bool {
	v, ok := resp.ParseInt([]byte(m))
	return ok && strconv.FormatInt(v, 10) == m
}

// newSetSized is newSet with room for n members, for a result whose size
// is known to be about n (Redis's dictExpand before a union).
func newSetSized(n int) *set {
	return &set{idx: make(map[string]int, n), members: make([]string, 0, n), intset: true}
}

// insertNew adds m, which is not in the set, and drops the intset
// mirror when m or the size leaves Redis's intset (set-max-intset-entries,
// read from cfg).
func (st *set) insertNew(m string, cfg *config) {
	if st.intset && (int64(len(st.members))+1 > cfg.setMaxIntsetEntries || !isIntsetMember(m)) {
		st.intset = false
	}
	st.sorted = nil
	st.idx[m] = len(st.members)
	st.members = append(st.members, m)
}

// addString is add for a member held as a string, which it shares.
func (st *set) addString(m string, cfg *config) bool {
	if _, ok := st.idx[m]; ok {
		return false
	}
	st.insertNew(m, cfg)
	return true
}

// ordered returns the members in the order Redis iterates them: an
// intset's in numeric order (sorted once, kept until the set changes),
// else the array's. The caller must not keep it past a change.
func (st *set) ordered() []string {
	if !st.intset {
		return st.members
	}
	if st.sorted == nil {
		type num struct {
			v int64
			s string
		}
		nums := make([]num, len(st.members))
		for i, m := range st.members {
			v, _ := strconv.ParseInt(m, 10, 64)
			nums[i] = num{v, m}
		}
		slices.SortFunc(nums, func(a, b num) int { return cmp.Compare(a.v, b.v) })
		st.sorted = make([]string, len(nums))
		for i, n := range nums {
			st.sorted[i] = n.s
		}
	}
	return st.sorted
}

// replyMembers replies the whole set, in Redis's order.
func (st *set) replyMembers(c *client) {
	c.AddReplySetLen(st.len()) // a set in RESP3
	for _, m := range st.ordered() {
		c.AddReplyBulkString(m)
	}
}

// storeValue stores a new value of type typ at key, replacing what was
// there (of any type) and its TTL, and signals the change (setKey with a
// value object, as the STORE commands use it), then publishes the
// command's keyspace event of class class.
func (s *server) storeValue(key []byte, typ uint8, ptr any, class int, event string) {
	if o := s.lookup(key); o != nil {
		o.typ, o.ptr, o.str = typ, ptr, nil
		s.db.setExpire(o, 0)
	} else {
		s.db.add(key, &robj{typ: typ, ptr: ptr})
	}
	s.signalModifiedKey(s.db, key)
	s.notify(class, event, key)
}

// deleteIfExists deletes key, signals it and publishes "del", if it is
// there (dbDelete, signalModifiedKey and the "del" event, as a STORE of an
// empty result does).
func (s *server) deleteIfExists(key []byte) {
	if o := s.lookup(key); o != nil {
		s.db.remove(o)
		s.signalModifiedKey(s.db, key)
		s.notify(notifyGeneric, "del", key)
	}
}

// lookupSets returns the sets at keys, nil for a missing one; ok is false
// after a WRONGTYPE reply, which any of them gets, missing ones before it
// or not.
func lookupSets(s *server, c *client, keys [][]byte) (sets []*set, missing int, ok bool) {
	sets = make([]*set, len(keys))
	for i, k := range keys {
		o, ok := s.lookupOfType(c, k, objSet, false)
		if !ok {
			return nil, 0, false
		}
		if o == nil {
			missing++
			continue
		}
		sets[i] = o.ptr.(*set)
	}
	return sets, missing, true
}

func sinterCommand(s *server, c *client) { sinterGeneric(s, c, c.Argv[1:], nil, false, 0) }
func sinterstoreCommand(s *server, c *client) {
	sinterGeneric(s, c, c.Argv[2:], c.Argv[1], false, 0)
}

// sintercardCommand is SINTERCARD numkeys key [key ...] [LIMIT limit].
func sintercardCommand(s *server, c *client) {
	numkeys, isInt := resp.ParseInt(c.Argv[1])
	if !isInt || numkeys < 1 {
		c.AddReplyError("numkeys should be greater than 0")
		return
	}
	if numkeys > int64(len(c.Argv)-2) {
		c.AddReplyError("Number of keys can't be greater than number of args")
		return
	}
	var limit int64
	for j := 2 + int(numkeys); j < len(c.Argv); j++ {
		if resp.EqualFold(c.Argv[j], "limit") && j+1 < len(c.Argv) {
			j++
			v, isInt := resp.ParseInt(c.Argv[j])
			if !isInt || v < 0 {
				c.AddReplyError("LIMIT can't be negative")
				return
			}
			limit = v
			continue
		}
		c.AddReply(resp.SyntaxErr)
		return
	}
	sinterGeneric(s, c, c.Argv[2:2+numkeys], nil, true, limit)
}

// sinterGeneric is sinterGenericCommand: the members of the smallest set
// that are in every other, replied, counted (up to limit, 0 for no
// limit) or stored at dst.
func sinterGeneric(s *server, c *client, keys [][]byte, dst []byte, cardOnly bool, limit int64) {
	sets, missing, ok := lookupSets(s, c, keys)
	if !ok {
		return
	}
	if missing > 0 {
		// An intersection with an empty set is empty.
		switch {
		case dst != nil:
			s.deleteIfExists(dst)
			c.AddReply(resp.Zero)
		case cardOnly:
			c.AddReply(resp.Zero)
		default:
			c.AddReplySetLen(0) // shared.emptyset
		}
		return
	}
	slices.SortStableFunc(sets, func(a, b *set) int { return a.len() - b.len() })
	var dstset *set
	if dst != nil {
		dstset = newSetSized(sets[0].len())
	}
	start := len(c.Out)
	var card int64
	for _, m := range sets[0].ordered() {
		in := true
		for _, other := range sets[1:] {
			if other != sets[0] {
				if _, ok := other.idx[m]; !ok {
					in = false
					break
				}
			}
		}
		if !in {
			continue
		}
		switch {
		case cardOnly:
			card++
			if limit != 0 && card == limit {
				c.AddReplyInt(card)
				return
			}
		case dstset != nil:
			dstset.addString(m, &s.cfg)
		default:
			c.AddReplyBulkString(m)
			card++
		}
	}
	switch {
	case cardOnly:
		c.AddReplyInt(card)
	case dstset != nil:
		if dstset.len() > 0 {
			s.storeValue(dst, objSet, dstset, notifySet, "sinterstore")
			c.AddReplyInt(int64(dstset.len()))
		} else {
			s.deleteIfExists(dst)
			c.AddReply(resp.Zero)
		}
	default:
		prependSetLen(c, start, int(card))
	}
}

// Set operations of sunionDiffGenericCommand.
const (
	setOpUnion = iota
	setOpDiff
)

func sunionCommand(s *server, c *client) { sunionDiffGeneric(s, c, c.Argv[1:], nil, setOpUnion) }
func sunionstoreCommand(s *server, c *client) {
	sunionDiffGeneric(s, c, c.Argv[2:], c.Argv[1], setOpUnion)
}
func sdiffCommand(s *server, c *client) { sunionDiffGeneric(s, c, c.Argv[1:], nil, setOpDiff) }
func sdiffstoreCommand(s *server, c *client) {
	sunionDiffGeneric(s, c, c.Argv[2:], c.Argv[1], setOpDiff)
}

// sunionDiffGeneric is sunionDiffGenericCommand. SDIFF picks Redis's
// cheaper algorithm: test each member of the first set against the others
// (biggest first), or copy the first set and remove the others' members.
func sunionDiffGeneric(s *server, c *client, keys [][]byte, dst []byte, op int) {
	sets, _, ok := lookupSets(s, c, keys)
	if !ok {
		return
	}
	sameset := false
	for _, st := range sets[1:] {
		if st != nil && st == sets[0] {
			sameset = true
		}
	}
	largest := 0
	for _, st := range sets {
		largest = max(largest, setLen(st))
	}
	res := newSetSized(largest)
	switch {
	case op == setOpUnion:
		for _, st := range sets {
			if st != nil {
				for _, m := range st.ordered() {
					res.addString(m, &s.cfg)
				}
			}
		}
	case sameset || sets[0] == nil:
		// A set minus itself, or nothing minus anything, is empty.
	default:
		var oneWork, twoWork int64
		for _, st := range sets {
			if st != nil {
				oneWork += int64(sets[0].len())
				twoWork += int64(st.len())
			}
		}
		oneWork /= 2
		if oneWork <= twoWork {
			others := slices.Clone(sets[1:])
			slices.SortStableFunc(others, func(a, b *set) int { return setLen(b) - setLen(a) })
			for _, m := range sets[0].ordered() {
				in := false
				for _, st := range others {
					if st == nil {
						break // the sort put the missing ones last
					}
					if _, ok := st.idx[m]; ok {
						in = true
						break
					}
				}
				if !in {
					res.addString(m, &s.cfg)
				}
			}
		} else {
			for _, m := range sets[0].ordered() {
				res.addString(m, &s.cfg)
			}
			for _, st := range sets[1:] {
				if st == nil {
					continue
				}
				for _, m := range st.members {
					res.remove([]byte(m))
				}
				if res.len() == 0 {
					break
				}
			}
		}
	}
	if dst == nil {
		res.replyMembers(c)
		return
	}
	if res.len() > 0 {
		event := "sunionstore"
		if op == setOpDiff {
			event = "sdiffstore"
		}
		s.storeValue(dst, objSet, res, notifySet, event)
		c.AddReplyInt(int64(res.len()))
	} else {
		s.deleteIfExists(dst)
		c.AddReply(resp.Zero)
	}
}

// setLen is a set's size, 0 for a missing one.
func setLen(st *set) int {
	if st == nil {
		return 0
	}
	return st.len()
}

// smoveCommand is SMOVE source destination member.
func smoveCommand(s *server, c *client) {
	src, dst, ele := c.Argv[1], c.Argv[2], c.Argv[3]
	srcobj, dstobj := s.lookup(src), s.lookup(dst)
	if srcobj == nil {
		c.AddReply(resp.Zero)
		return
	}
	if srcobj.typ != objSet || (dstobj != nil && dstobj.typ != objSet) {
		c.AddReply(resp.WrongTypeErr)
		return
	}
	srcset := srcobj.ptr.(*set)
	if srcobj == dstobj {
		if srcset.has(ele) {
			c.AddReply(resp.One)
		} else {
			c.AddReply(resp.Zero)
		}
		return
	}
	if !srcset.remove(ele) {
		c.AddReply(resp.Zero)
		return
	}
	s.notify(notifySet, "srem", src)
	if srcset.len() == 0 {
		s.db.remove(srcobj)
		s.notify(notifyGeneric, "del", src)
	}
	if dstobj == nil {
		dstobj = &robj{typ: objSet, ptr: newSet()}
		s.db.add(dst, dstobj)
	}
	s.signalModifiedKey(s.db, src)
	if dstobj.ptr.(*set).add(ele, &s.cfg) {
		s.signalModifiedKey(s.db, dst)
		s.notify(notifySet, "sadd", dst)
	}
	c.AddReply(resp.One)
}

// sscanCommand is SSCAN key cursor [MATCH pattern] [COUNT count]: an
// intset whole, in numeric order, with cursor 0; a larger set by the walk
// scan.go describes.
func sscanCommand(s *server, c *client) {
	o, cursor, opts, ok := scanValueArgs(s, c, objSet)
	if !ok {
		return
	}
	st := o.ptr.(*set)
	if st.intset {
		start := scanReplyHeader(c, 0)
		n := 0
		for _, m := range st.ordered() {
			if opts.match(m) {
				c.AddReplyBulkString(m)
				n++
			}
		}
		c.Out = prependArrayLen(c.Out, start, n)
		return
	}
	lo, hi, next := scanWindow(cursor, st.len(), opts.count)
	start := scanReplyHeader(c, next)
	n := 0
	for i := hi - 1; i >= lo; i-- {
		if m := st.members[i]; opts.match(m) {
			c.AddReplyBulkString(m)
			n++
		}
	}
	c.Out = prependArrayLen(c.Out, start, n)
}
