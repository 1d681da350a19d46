package main

import (
	"math/rand/v2"

	"github.com/goae/goae/internal/resp"
)

// The set commands (t_set.c), with Redis 7.0's arities and flags.
var setCommands = []*command{
	{name: "sadd", arity: -3, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: saddCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "srem", arity: -3, flags: cmdWrite | cmdFast, proc: sremCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "smembers", arity: 2, flags: cmdReadonly, proc: smembersCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "sismember", arity: 3, flags: cmdReadonly | cmdFast, proc: sismemberCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "smismember", arity: -3, flags: cmdReadonly | cmdFast, proc: smismemberCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "scard", arity: 2, flags: cmdReadonly | cmdFast, proc: scardCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "spop", arity: -2, flags: cmdWrite | cmdFast, proc: spopCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "srandmember", arity: -2, flags: cmdReadonly, proc: srandmemberCommand, firstKey: 1, lastKey: 1, keyStep: 1},
}

// set is a map from member to its position in a dense array of members.
// Membership tests go through the map; SMEMBERS walks the array; SPOP and
// SRANDMEMBER draw uniformly random positions in O(1), which a Go map
// alone cannot do. SREM moves the last member into the hole. Each member
// is one string, shared by the map key and the array.
//
// intset mirrors whether Redis 7.0 would still keep the set as an intset
// (every member an integer, at most set-max-intset-entries of them;
// decided as Redis does and never reverted), because an intset iterates
// in numeric order, which SSCAN and the set algebra reply in.
type set struct {
	idx     map[string]int
	members []string
	intset  bool
	sorted  []string // while intset, the members in numeric order; nil when stale
}

// newSet is an empty set, an intset until a member says otherwise
// (createIntsetObject; setTypeCreate with a first member comes to the
// same).
func newSet() *set { return &set{idx: map[string]int{}, intset: true} }

func (st *set) len() int { return len(st.members) }

func (st *set) has(m []byte) bool {
	_, ok := st.idx[string(m)]
	return ok
}

// add reports whether m was new.
func (st *set) add(m []byte, cfg *config) bool {
	if _, ok := st.idx[string(m)]; ok {
		return false
	}
	st.insertNew(string(m), cfg)
	return true
}

// remove reports whether m was there.
func (st *set) remove(m []byte) bool {
	i, ok := st.idx[string(m)]
	if !ok {
		return false
	}
	st.removeAt(i)
	return true
}

// removeAt deletes the member at position i and returns it.
func (st *set) removeAt(i int) string {
	st.sorted = nil
	m := st.members[i]
	delete(st.idx, m)
	last := len(st.members) - 1
	if i != last {
		st.members[i] = st.members[last]
		st.idx[st.members[i]] = i
	}
	st.members[last] = ""
	st.members = st.members[:last]
	if cap(st.members) > 64 && len(st.members) <= cap(st.members)/4 {
		// Give memory back: a Go map never shrinks, so it is rebuilt
		// along with the array.
		st.members = append([]string(nil), st.members...)
		st.idx = make(map[string]int, len(st.members))
		for i, m := range st.members {
			st.idx[m] = i
		}
	}
	return m
}

// setForRead returns the set at argv[1], nil if missing; ok is false after
// a WRONGTYPE reply.
func setForRead(s *server, c *client) (*set, bool) {
	o, ok := s.lookupOfType(c, c.Argv[1], objSet, false)
	if !ok || o == nil {
		return nil, ok
	}
	return o.ptr.(*set), true
}

func saddCommand(s *server, c *client) {
	o, ok := s.lookupOfType(c, c.Argv[1], objSet, true)
	if !ok {
		return
	}
	if o == nil {
		o = &robj{typ: objSet, ptr: newSet()}
		s.db.add(c.Argv[1], o)
	}
	st := o.ptr.(*set)
	var added int64
	for _, m := range c.Argv[2:] {
		if st.add(m, &s.cfg) {
			added++
		}
	}
	if added > 0 {
		s.signalModifiedKey(s.db, c.Argv[1])
		s.notify(notifySet, "sadd", c.Argv[1])
	}
	c.AddReplyInt(added)
}

func sremCommand(s *server, c *client) {
	o, ok := s.lookupOfType(c, c.Argv[1], objSet, true)
	if !ok {
		return
	}
	if o == nil {
		c.AddReply(resp.Zero)
		return
	}
	st := o.ptr.(*set)
	var deleted int64
	removed := false
	for _, m := range c.Argv[2:] {
		if st.remove(m) {
			deleted++
			if st.len() == 0 {
				s.db.remove(o)
				removed = true
				break
			}
		}
	}
	if deleted > 0 {
		s.signalModifiedKey(s.db, c.Argv[1])
		s.notify(notifySet, "srem", c.Argv[1])
		if removed {
			s.notify(notifyGeneric, "del", c.Argv[1])
		}
	}
	c.AddReplyInt(deleted)
}

func smembersCommand(s *server, c *client) {
	st, ok := setForRead(s, c)
	if !ok {
		return
	}
	if st == nil {
		c.AddReplySetLen(0) // shared.emptyset
		return
	}
	st.replyMembers(c)
}

func sismemberCommand(s *server, c *client) {
	st, ok := setForRead(s, c)
	if !ok {
		return
	}
	if st != nil && st.has(c.Argv[2]) {
		c.AddReply(resp.One)
	} else {
		c.AddReply(resp.Zero)
	}
}

func smismemberCommand(s *server, c *client) {
	st, ok := setForRead(s, c)
	if !ok {
		return
	}
	c.AddReplyArrayLen(len(c.Argv) - 2)
	for _, m := range c.Argv[2:] {
		if st != nil && st.has(m) {
			c.AddReply(resp.One)
		} else {
			c.AddReply(resp.Zero)
		}
	}
}

func scardCommand(s *server, c *client) {
	st, ok := setForRead(s, c)
	if !ok {
		return
	}
	if st == nil {
		c.AddReply(resp.Zero)
		return
	}
	c.AddReplyInt(int64(st.len()))
}

// spopCommand is SPOP key [count].
func spopCommand(s *server, c *client) {
	if len(c.Argv) > 3 {
		c.AddReply(resp.SyntaxErr)
		return
	}
	if len(c.Argv) == 3 {
		spopWithCount(s, c)
		return
	}
	o, ok := s.lookupOfType(c, c.Argv[1], objSet, true)
	if !ok {
		return
	}
	if o == nil {
		c.AddReplyNull()
		return
	}
	st := o.ptr.(*set)
	c.AddReplyBulkString(st.removeAt(rand.IntN(st.len())))
	s.notify(notifySet, "spop", c.Argv[1])
	if st.len() == 0 {
		s.db.remove(o)
		s.notify(notifyGeneric, "del", c.Argv[1])
	}
	s.signalModifiedKey(s.db, c.Argv[1])
}

// spopWithCount pops min(count, SCARD) random members
// (spopWithCountCommand), with Redis's three cases: the whole set (the
// key is deleted); few members (drawn and removed one by one); most of
// them (the members that stay are drawn into a new set, which replaces
// the old one, and the old one's are replied).
func spopWithCount(s *server, c *client) {
	count, ok := positiveCountArg(c, c.Argv[2])
	if !ok {
		return
	}
	o, ok := s.lookupOfType(c, c.Argv[1], objSet, true)
	if !ok {
		return
	}
	if o == nil || count == 0 {
		c.AddReplySetLen(0) // shared.emptyset
		return
	}
	st := o.ptr.(*set)
	s.notify(notifySet, "spop", c.Argv[1])
	size := int64(st.len())
	if count >= size {
		st.replyMembers(c)
		s.db.remove(o)
		s.notify(notifyGeneric, "del", c.Argv[1])
		s.signalModifiedKey(s.db, c.Argv[1])
		return
	}
	c.AddReplySetLen(int(count))
	if remaining := size - count; remaining*spopMoveStrategyMul > count {
		for ; count > 0; count-- {
			c.AddReplyBulkString(st.removeAt(rand.IntN(st.len())))
		}
	} else {
		kept := newSet()
		for ; remaining > 0; remaining-- {
			kept.addString(st.removeAt(rand.IntN(st.len())), &s.cfg)
		}
		for _, m := range st.members {
			c.AddReplyBulkString(m)
		}
		o.ptr = kept
	}
	s.signalModifiedKey(s.db, c.Argv[1])
}

// spopMoveStrategyMul is SPOP_MOVE_STRATEGY_MUL, where SPOP's case 2
// gives way to case 3.
const spopMoveStrategyMul = 5

// srandmemberCommand is SRANDMEMBER key [count].
func srandmemberCommand(s *server, c *client) {
	if len(c.Argv) > 3 {
		c.AddReply(resp.SyntaxErr)
		return
	}
	if len(c.Argv) == 3 {
		srandmemberWithCount(s, c)
		return
	}
	st, ok := setForRead(s, c)
	if !ok {
		return
	}
	if st == nil {
		c.AddReplyNull()
		return
	}
	c.AddReplyBulkString(st.members[rand.IntN(st.len())])
}

// srandmemberWithCount is srandmemberWithCountCommand, by the cases
// random_count.go describes.
func srandmemberWithCount(s *server, c *client) {
	l, ok := randomCountArg(c, c.Argv[2])
	if !ok {
		return
	}
	st, ok := setForRead(s, c)
	if !ok {
		return
	}
	if st == nil || l == 0 {
		c.AddReply(resp.EmptyArray)
		return
	}
	p := randomPicker{
		n: st.len(), per: 1,
		at: func(i int) { c.AddReplyBulkString(st.members[i]) },
		whole: func() {
			for _, m := range st.ordered() {
				c.AddReplyBulkString(m)
			}
		},
	}
	p.reply(c, l)
}
