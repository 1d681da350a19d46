package main

import (
	"math"
	"strings"

	"github.com/goae/goae/internal/resp"
)

// COPY (db.c's copyCommand), with the per-type deep copies it needs.
var copyCommands = []*command{
	{name: "copy", arity: -3, flags: cmdWrite | cmdDenyOOM, proc: copyCommand, firstKey: 1, lastKey: 2, keyStep: 1},
}

func init() { keyCommands = append(keyCommands, copyCommands...) }

// copyCommand is COPY source destination [DB destination-db] [REPLACE]:
// a deep copy of the value, TTL included, in the same or another
// database; 1 when copied, 0 when the source is missing or the
// destination exists without REPLACE.
func copyCommand(s *server, c *client) {
	dst := s.db
	replace := false
	for j := 3; j < len(c.Argv); j++ {
		additional := len(c.Argv) - j - 1
		switch opt := string(c.Argv[j]); {
		case strings.EqualFold(opt, "replace"):
			replace = true
		case strings.EqualFold(opt, "db") && additional >= 1:
			// getIntFromObjectOrReply: a long long first, then an int.
			id, ok := resp.ParseInt(c.Argv[j+1])
			if !ok {
				c.AddReplyError("value is not an integer or out of range")
				return
			}
			if id < math.MinInt32 || id > math.MaxInt32 {
				c.AddReplyError("value is out of range, value must between -2147483648 and 2147483647")
				return
			}
			if id < 0 || id >= int64(len(s.dbs)) {
				c.AddReplyError("DB index is out of range")
				return
			}
			dst = s.dbs[id]
			j++
		default:
			c.AddReply(resp.SyntaxErr)
			return
		}
	}
	key, newkey := c.Argv[1], c.Argv[2]
	if dst == s.db && string(key) == string(newkey) {
		c.AddReplyError("source and destination objects are the same")
		return
	}
	o := s.lookupRead(key)
	if o == nil {
		c.AddReply(resp.Zero)
		return
	}
	old := s.lookupDB(dst, newkey)
	if old != nil && !replace {
		c.AddReply(resp.Zero)
		return
	}
	cp := dupValue(o)
	if old != nil {
		dst.remove(old)
	}
	cp.expire = o.expire // addNamed files the TTL with the key
	dst.add(newkey, cp)
	s.signalModifiedKey(dst, newkey)
	s.notifyKeyspaceEvent(notifyGeneric, "copy_to", newkey, dst.id)
	c.AddReply(resp.One)
}

// dupValue is a deep copy of o's value in the same encoding (object.c's
// dupStringObject, listTypeDup, setTypeDup, zsetDup, hashTypeDup): no
// byte of the copy is shared with the original, whose elements and
// values later writes may change in place.
func dupValue(o *robj) *robj {
	cp := &robj{typ: o.typ}
	switch o.typ {
	case objString:
		cp.str = append([]byte(nil), o.str...)
		cp.ptr = o.ptr
		if stringEncoding(o) == "int" {
			// dupStringObject gives an int its own object: refcount 1.
			cp.ptr = strEncIntUnshared
		}
	case objList:
		l := o.ptr.(*list)
		nl := &list{}
		nl.reserve(l.len())
		for i := 0; i < l.len(); i++ {
			nl.pushBack(append([]byte(nil), l.at(i)...))
		}
		cp.ptr = nl
	case objHash:
		h := o.ptr.(*hash)
		nh := &hash{idx: make(map[string]int, len(h.entries)), entries: make([]hashEntry, len(h.entries)), lp: h.lp}
		for i, e := range h.entries {
			nh.entries[i] = hashEntry{field: e.field, val: append([]byte(nil), e.val...)}
			nh.idx[e.field] = i
		}
		cp.ptr = nh
	case objSet:
		st := o.ptr.(*set)
		ns := &set{idx: make(map[string]int, len(st.members)), members: append([]string(nil), st.members...), intset: st.intset}
		for i, m := range ns.members {
			ns.idx[m] = i
		}
		cp.ptr = ns
	case objZset:
		zs := o.ptr.(*zset)
		nz := newZsetSkiplistSized(zs.len())
		nz.lp = zs.lp
		for x := zs.zsl.first(); x != nil; x = x.level[0].forward {
			nz.insertNew(x.score, x.ele)
		}
		cp.ptr = nz
	}
	return cp
}
