package main

import (
	"math"
	"math/big"

	"github.com/goae/goae/internal/resp"
)

// The hash commands (t_hash.c), with Redis 7.0's arities and flags.
var hashCommands = []*command{
	{name: "hset", arity: -4, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: hsetCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "hmset", arity: -4, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: hsetCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "hsetnx", arity: 4, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: hsetnxCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "hget", arity: 3, flags: cmdReadonly | cmdFast, proc: hgetCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "hmget", arity: -3, flags: cmdReadonly | cmdFast, proc: hmgetCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "hdel", arity: -3, flags: cmdWrite | cmdFast, proc: hdelCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "hlen", arity: 2, flags: cmdReadonly | cmdFast, proc: hlenCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "hexists", arity: 3, flags: cmdReadonly | cmdFast, proc: hexistsCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "hgetall", arity: 2, flags: cmdReadonly, proc: hgetallCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "hkeys", arity: 2, flags: cmdReadonly, proc: hkeysCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "hvals", arity: 2, flags: cmdReadonly, proc: hvalsCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "hincrby", arity: 4, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: hincrbyCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "hincrbyfloat", arity: 4, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: hincrbyfloatCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "hstrlen", arity: 3, flags: cmdReadonly | cmdFast, proc: hstrlenCommand, firstKey: 1, lastKey: 1, keyStep: 1},
}

// hash is a field → value dictionary kept as a map from field to a
// position in a dense array of entries. Lookups go through the map
// (indexing with string(bytes) does not allocate); HGETALL, HKEYS and
// HVALS walk the array; HDEL moves the last entry into the hole. A field
// is stored once, as a string shared by the map key and its entry; a value
// is a []byte that HSET overwrites in place when it fits.
//
// lp mirrors whether Redis 7.0 would still keep the hash in a listpack
// (at most hash-max-listpack-entries fields, fields and values of at most
// hash-max-listpack-value bytes, read from the server's config at each
// write; decided as Redis does and never reverted). While it holds, HDEL closes the gap
// instead of moving the last entry in, so the entries keep the listpack's
// order, which HGETALL and HSCAN reply in.
type hash struct {
	idx     map[string]int
	entries []hashEntry
	lp      bool
}

type hashEntry struct {
	field string
	val   []byte
}

func newHash() *hash { return &hash{idx: map[string]int{}, lp: true} }

func (h *hash) len() int { return len(h.entries) }

// get returns the value of field and whether it exists.
func (h *hash) get(field []byte) ([]byte, bool) {
	i, ok := h.idx[string(field)]
	if !ok {
		return nil, false
	}
	return h.entries[i].val, true
}

// set stores a copy of val under field and reports whether the field is
// new.
func (h *hash) set(field, val []byte, cfg *config) bool {
	if h.lp && (int64(len(field)) > cfg.hashMaxListpackValue || int64(len(val)) > cfg.hashMaxListpackValue) {
		h.lp = false
	}
	if i, ok := h.idx[string(field)]; ok {
		e := &h.entries[i]
		if cap(e.val) >= len(val) && cap(e.val) <= 2*len(val)+16 {
			e.val = append(e.val[:0], val...)
		} else {
			e.val = append([]byte(nil), val...)
		}
		return false
	}
	f := string(field)
	h.idx[f] = len(h.entries)
	h.entries = append(h.entries, hashEntry{field: f, val: append([]byte(nil), val...)})
	if int64(len(h.entries)) > cfg.hashMaxListpackEntries {
		h.lp = false
	}
	return true
}

// del removes field and reports whether it was there.
func (h *hash) del(field []byte) bool {
	i, ok := h.idx[string(field)]
	if !ok {
		return false
	}
	delete(h.idx, h.entries[i].field)
	last := len(h.entries) - 1
	if h.lp {
		h.closeGap(i)
		return true
	}
	if i != last {
		h.entries[i] = h.entries[last]
		h.idx[h.entries[i].field] = i
	}
	h.entries[last] = hashEntry{}
	h.entries = h.entries[:last]
	if cap(h.entries) > 64 && len(h.entries) <= cap(h.entries)/4 {
		// Give memory back, as Redis's dict resizes down: a Go map never
		// shrinks, so it is rebuilt along with the array.
		h.entries = append([]hashEntry(nil), h.entries...)
		h.idx = make(map[string]int, len(h.entries))
		for i, e := range h.entries {
			h.idx[e.field] = i
		}
	}
	return true
}

// hashForWrite returns the hash at argv[1]; when the key is missing, o is
// nil and h a new empty hash, which storeHash adds to the keyspace once a
// field is stored in it. ok is false after a WRONGTYPE reply.
func hashForWrite(s *server, c *client) (o *robj, h *hash, ok bool) {
	o, ok = s.lookupOfType(c, c.Argv[1], objHash, true)
	if !ok {
		return nil, nil, false
	}
	if o == nil {
		return nil, newHash(), true
	}
	return o, o.ptr.(*hash), true
}

// storeHash adds a hash made by hashForWrite to the keyspace, and
// signals the change every caller has made to it (signalModifiedKey) and
// its keyspace event.
func storeHash(s *server, c *client, o *robj, h *hash, event string) {
	if o == nil {
		s.db.add(c.Argv[1], &robj{typ: objHash, ptr: h})
	}
	s.signalModifiedKey(s.db, c.Argv[1])
	s.notify(notifyHash, event, c.Argv[1])
}

// hashForRead returns the hash at argv[1], nil if missing; ok is false
// after a WRONGTYPE reply.
func hashForRead(s *server, c *client) (*hash, bool) {
	o, ok := s.lookupOfType(c, c.Argv[1], objHash, false)
	if !ok || o == nil {
		return nil, ok
	}
	return o.ptr.(*hash), true
}

// hsetCommand is HSET and HMSET key field value [field value ...]; HSET
// replies the number of new fields, HMSET OK.
func hsetCommand(s *server, c *client) {
	if len(c.Argv)%2 == 1 {
		c.AddReplyError("wrong number of arguments for '" + c.lastcmd.name + "' command")
		return
	}
	o, h, ok := hashForWrite(s, c)
	if !ok {
		return
	}
	var created int64
	for j := 2; j < len(c.Argv); j += 2 {
		if h.set(c.Argv[j], c.Argv[j+1], &s.cfg) {
			created++
		}
	}
	storeHash(s, c, o, h, "hset")
	if c.lastcmd.name == "hmset" {
		c.AddReply(resp.OK)
	} else {
		c.AddReplyInt(created)
	}
}

func hsetnxCommand(s *server, c *client) {
	o, h, ok := hashForWrite(s, c)
	if !ok {
		return
	}
	if _, exists := h.get(c.Argv[2]); exists {
		c.AddReply(resp.Zero)
		return
	}
	h.set(c.Argv[2], c.Argv[3], &s.cfg)
	storeHash(s, c, o, h, "hset")
	c.AddReply(resp.One)
}

func hgetCommand(s *server, c *client) {
	h, ok := hashForRead(s, c)
	if !ok {
		return
	}
	if h != nil {
		if v, ok := h.get(c.Argv[2]); ok {
			c.AddReplyBulk(v)
			return
		}
	}
	c.AddReplyNull()
}

func hmgetCommand(s *server, c *client) {
	h, ok := hashForRead(s, c)
	if !ok {
		return
	}
	c.AddReplyArrayLen(len(c.Argv) - 2)
	for _, f := range c.Argv[2:] {
		if h != nil {
			if v, ok := h.get(f); ok {
				c.AddReplyBulk(v)
				continue
			}
		}
		c.AddReplyNull()
	}
}

func hdelCommand(s *server, c *client) {
	o, ok := s.lookupOfType(c, c.Argv[1], objHash, true)
	if !ok {
		return
	}
	if o == nil {
		c.AddReply(resp.Zero)
		return
	}
	h := o.ptr.(*hash)
	var deleted int64
	removed := false
	for _, f := range c.Argv[2:] {
		if h.del(f) {
			deleted++
			if h.len() == 0 {
				s.db.remove(o)
				removed = true
				break
			}
		}
	}
	if deleted > 0 {
		s.signalModifiedKey(s.db, c.Argv[1])
		s.notify(notifyHash, "hdel", c.Argv[1])
		if removed {
			s.notify(notifyGeneric, "del", c.Argv[1])
		}
	}
	c.AddReplyInt(deleted)
}

func hlenCommand(s *server, c *client) {
	h, ok := hashForRead(s, c)
	if !ok {
		return
	}
	if h == nil {
		c.AddReply(resp.Zero)
		return
	}
	c.AddReplyInt(int64(h.len()))
}

func hexistsCommand(s *server, c *client) {
	h, ok := hashForRead(s, c)
	if !ok {
		return
	}
	if h != nil {
		if _, ok := h.get(c.Argv[2]); ok {
			c.AddReply(resp.One)
			return
		}
	}
	c.AddReply(resp.Zero)
}

func hstrlenCommand(s *server, c *client) {
	h, ok := hashForRead(s, c)
	if !ok {
		return
	}
	if h != nil {
		if v, ok := h.get(c.Argv[2]); ok {
			c.AddReplyInt(int64(len(v)))
			return
		}
	}
	c.AddReply(resp.Zero)
}

// What genericHgetallCommand replies.
const (
	hashKeys = 1 << iota
	hashVals
)

func genericHgetall(s *server, c *client, what int) {
	h, ok := hashForRead(s, c)
	if !ok {
		return
	}
	// HGETALL is a map in RESP3 (shared.emptymap for a missing key);
	// HKEYS and HVALS are arrays.
	n := 0
	if h != nil {
		n = h.len()
	}
	if what == hashKeys|hashVals {
		c.AddReplyMapLen(n)
	} else {
		c.AddReplyArrayLen(n)
	}
	if h == nil {
		return
	}
	for i := range h.entries {
		e := &h.entries[i]
		if what&hashKeys != 0 {
			c.AddReplyBulkString(e.field)
		}
		if what&hashVals != 0 {
			c.AddReplyBulk(e.val)
		}
	}
}

func hgetallCommand(s *server, c *client) { genericHgetall(s, c, hashKeys|hashVals) }
func hkeysCommand(s *server, c *client)   { genericHgetall(s, c, hashKeys) }
func hvalsCommand(s *server, c *client)   { genericHgetall(s, c, hashVals) }

func hincrbyCommand(s *server, c *client) {
	incr, ok := intArg(c, c.Argv[3])
	if !ok {
		return
	}
	o, h, ok := hashForWrite(s, c)
	if !ok {
		return
	}
	var value int64
	if v, exists := h.get(c.Argv[2]); exists {
		if value, ok = resp.ParseInt(v); !ok {
			c.AddReplyError("hash value is not an integer")
			return
		}
	}
	if (incr < 0 && value < 0 && incr < math.MinInt64-value) ||
		(incr > 0 && value > 0 && incr > math.MaxInt64-value) {
		c.AddReplyError("increment or decrement would overflow")
		return
	}
	value += incr
	var num [20]byte
	h.set(c.Argv[2], appendInt(num[:0], value), &s.cfg)
	storeHash(s, c, o, h, "hincrby")
	c.AddReplyInt(value)
}

// hincrbyfloatCommand adds in long double precision, as Redis does, and
// stores the result as ld2string prints it.
func hincrbyfloatCommand(s *server, c *client) {
	incr, ok := parseLongDouble(c.Argv[3])
	if !ok {
		c.AddReplyError("value is not a valid float")
		return
	}
	if incr.IsInf() {
		c.AddReplyError("value is NaN or Infinity")
		return
	}
	o, h, ok := hashForWrite(s, c)
	if !ok {
		return
	}
	value := new(big.Float).SetPrec(longDoublePrec)
	if v, exists := h.get(c.Argv[2]); exists {
		if value, ok = parseLongDouble(v); !ok {
			c.AddReplyError("hash value is not a float")
			return
		}
	}
	if value.IsInf() {
		c.AddReplyError("increment would produce NaN or Infinity")
		return
	}
	sum := new(big.Float).SetPrec(longDoublePrec).SetMode(big.ToNearestEven).Add(value, incr)
	// long double overflows past about 1.19e4932.
	if exp := sum.MantExp(nil); exp > longDoubleMaxExp {
		c.AddReplyError("increment would produce NaN or Infinity")
		return
	}
	text := formatLongDouble(sum)
	h.set(c.Argv[2], []byte(text), &s.cfg)
	storeHash(s, c, o, h, "hincrbyfloat")
	c.AddReplyBulkString(text)
}
