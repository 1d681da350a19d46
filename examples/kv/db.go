package main

import "unsafe"

// Object types (OBJ_*), and the names TYPE replies.
const (
	objString = iota
	objList
	objSet
	objZset
	objHash
)

var typeNames = [...]string{"string", "list", "set", "zset", "hash"}

// robj is a value in the keyspace (redisObject). Strings keep their bytes
// in str; the other types keep their structure in ptr.
type robj struct {
	// The fields a GET reads come first: see embstr.
	typ uint8
	// lru is Redis's 24-bit lru field (lru.go), in the padding between
	// typ and slot: the LRU clock of the last access, or under an LFU
	// policy the last decrement time (16 bits) and the counter (8 bits).
	lru    [3]byte
	slot   int32 // position in db.slots, for SCAN and RANDOMKEY
	expire int64 // unix ms, 0 = no TTL
	str    []byte
	key    string
	ptr    any // *list, *hash, *set, *zset
}

// embstr is a string object allocated with its key and value inside it,
// as Redis embeds a short string in its robj (OBJ_ENCODING_EMBSTR), and
// more: here the key too. The bytes come first and the fields a GET reads
// right after, so that comparing the key during the map lookup brings the
// object's first cache line in, and the expire check and the value cost
// nothing more. The value may later grow in place (up to the end of buf)
// or move out; nothing writes the key's bytes, which come before it.
type embstr struct {
	buf [embstrBytes]byte
	o   robj
}

// embstrBytes holds a key and value such as redis-benchmark's
// "key:000000012345" and "xxx", and keeps buf and the fields GET reads
// within 64 bytes.
const embstrBytes = 24

// keyspace is the data of a database: a map for lookups, plus
//   - expires: the keys with a TTL, in a dense slice walked by the active
//     expiry cycle's cursor (expire.go says why a slice), with expirePos
//     holding each key's index in it, by the key's slot;
//   - slots: every key at a fixed position until it is deleted (deleted
//     positions are reused), so a SCAN cursor, which is a position, returns
//     every key present for the whole scan at least once, as Redis's
//     reverse-binary cursor does over its rehashing table.
//
// It is what SWAPDB exchanges between two databases and what a flush
// replaces.
type keyspace struct {
	dict          map[string]*robj
	expires       []expireEntry
	expirePos     []int32 // by slot; meaningful while the key has a TTL
	expiresCursor int     // db->expires_cursor: see expire.go
	avgTTL        int64   // db->avg_ttl, ms, estimated by the expiry cycle
	slots         []*robj
	freeSlots     []int32
	// memBytes is the sum of the keys' size estimates while maxmemory is
	// set (evict.go), which a flush counts as freed.
	memBytes int64
}

// db is one of the numbered databases (redisDb): its keyspace, its
// number, and the keys clients WATCH in it (db->watched_keys, see
// multi.go), which stay with the number when SWAPDB exchanges keyspaces.
type db struct {
	keyspace
	id int
	// watchedKeys maps a key to the WATCHes on it, nil when there is none
	// in this database, which keeps signalModifiedKey to one load.
	watchedKeys map[string][]*watchedKey
	// blockingKeys maps a key to the clients blocked on it and readyKeys
	// holds those signaled since the last run of the ready list
	// (blocked.go); both nil until a client blocks in this database, as is
	// blocking, the server's state.
	blockingKeys map[string]*blockList
	readyKeys    map[string]struct{}
	blocking     *blocking
	// srv is the server, for the "new" keyspace event of add.
	srv *server
}

func newKeyspace() keyspace { return keyspace{dict: map[string]*robj{}} }

func newDB(id int) *db { return &db{keyspace: newKeyspace(), id: id} }

func (d *db) size() int { return len(d.dict) }

// lookup returns the live object at key in the client's database,
// deleting it first if its TTL has passed (lookupKey with
// expireIfNeeded). Indexing with string(key) does not allocate.
func (s *server) lookup(key []byte) *robj {
	o := s.lookupNoTouch(key)
	if o != nil {
		s.touch(o)
	}
	return o
}

// lookupNoTouch is lookup that leaves the object's access time and
// frequency as they were (LOOKUP_NOTOUCH: TYPE, EXISTS, TTL, OBJECT).
func (s *server) lookupNoTouch(key []byte) *robj {
	o := s.db.dict[string(key)]
	if o == nil {
		return nil
	}
	if o.expire != 0 && o.expire <= s.mstime {
		if !s.checkClientPauseTimeout() {
			s.deleteExpired(s.db, o)
		}
		return nil
	}
	return o
}

// deleteExpired deletes o, whose TTL has passed, from d, and tells the
// WATCHes on it (deleteExpiredKeyAndPropagate).
func (s *server) deleteExpired(d *db, o *robj) {
	d.remove(o)
	s.stats.expiredKeys++
	s.notifyKeyspaceEvent(notifyExpired, "expired", keyBytes(o.key), d.id)
	s.signalModifiedKeyString(d, o.key)
}

// lookupDB is lookup in a database other than the client's (MOVE's
// target), with the same expiry on access.
func (s *server) lookupDB(d *db, key []byte) *robj {
	o := d.dict[string(key)]
	if o != nil && o.expire != 0 && o.expire <= s.mstime {
		if !s.checkClientPauseTimeout() {
			s.deleteExpired(d, o)
		}
		return nil
	}
	if o != nil {
		s.touch(o)
	}
	return o
}

// lookupRead is lookup that counts hits and misses (lookupKeyRead).
func (s *server) lookupRead(key []byte) *robj {
	o := s.lookup(key)
	s.countLookup(key, o)
	return o
}

// lookupReadNoTouch is lookupRead with LOOKUP_NOTOUCH.
func (s *server) lookupReadNoTouch(key []byte) *robj {
	o := s.lookupNoTouch(key)
	s.countLookup(key, o)
	return o
}

// countLookup counts a read's hit or miss and sends the keymiss event.
func (s *server) countLookup(key []byte, o *robj) {
	if o == nil {
		s.stats.keyspaceMisses++
		s.notify(notifyKeyMiss, "keymiss", key)
	} else {
		s.stats.keyspaceHits++
	}
}

// add stores a new object under key, which must be absent.
func (d *db) add(key []byte, o *robj) { d.addNamed(string(key), o) }

// addNamed is add with the key already a string of its own.
func (d *db) addNamed(key string, o *robj) {
	o.key = key
	if d.srv != nil {
		// createObject's lru: a new value starts now (RENAME and MOVE,
		// which move the same object, put its old one back).
		d.srv.initLRU(o)
	}
	if n := len(d.freeSlots); n > 0 {
		o.slot = d.freeSlots[n-1]
		d.freeSlots = d.freeSlots[:n-1]
		d.slots[o.slot] = o
	} else {
		o.slot = int32(len(d.slots))
		d.slots = append(d.slots, o)
		d.expirePos = append(d.expirePos, 0)
	}
	d.dict[o.key] = o
	if o.expire != 0 {
		d.linkExpire(o, o.expire)
	}
	if d.srv != nil && d.srv.evict.counting {
		d.srv.keyAdded(&d.keyspace, o)
	}
	if d.blockingKeys != nil {
		d.signalKeyAsReady(o.key, o.typ)
	}
	if d.srv != nil && d.srv.notifyFlags&notifyNew != 0 {
		d.srv.notifyKeyspaceEvent(notifyNew, "new", keyBytes(o.key), d.id)
	}
}

// remove deletes o from the keyspace.
func (d *db) remove(o *robj) {
	if d.srv != nil && d.srv.evict.counting {
		d.srv.keyRemoved(&d.keyspace, o)
	}
	delete(d.dict, o.key)
	if o.expire != 0 {
		d.unlinkExpire(o)
	}
	d.slots[o.slot] = nil
	if int(o.slot) == len(d.slots)-1 {
		// Trim free positions at the end rather than keep them listed.
		n := len(d.slots) - 1
		for n > 0 && d.slots[n-1] == nil {
			n--
		}
		d.slots = d.slots[:n]
		d.expirePos = d.expirePos[:n]
		d.pruneFreeSlots()
	} else {
		d.freeSlots = append(d.freeSlots, o.slot)
	}
}

// pruneFreeSlots forgets free positions past the end of slots.
func (d *db) pruneFreeSlots() {
	j := 0
	for _, p := range d.freeSlots {
		if int(p) < len(d.slots) {
			d.freeSlots[j] = p
			j++
		}
	}
	d.freeSlots = d.freeSlots[:j]
}

// setExpire sets or clears (when 0) the TTL of o.
func (d *db) setExpire(o *robj, when int64) {
	switch {
	case when == 0 && o.expire != 0:
		d.unlinkExpire(o)
	case when != 0 && o.expire == 0:
		d.linkExpire(o, when)
	case when != 0:
		d.expires[d.expirePos[o.slot]].when = when
	}
	o.expire = when
}

// flush empties the keyspace; the WATCHes stay (the caller touches them
// first: signalFlushedDb).
func (d *db) flush() {
	if d.srv != nil && d.srv.evict.counting {
		d.srv.keyspaceFlushed(&d.keyspace)
	}
	d.keyspace = newKeyspace()
}

// setKey stores a string value, replacing what key held and dropping its
// TTL unless keepTTL, and signals the change (setKey / setGenericCommand).
// An existing string
// object is reused, so overwriting a key costs no allocation once its
// buffer is large enough.
func (s *server) setKey(key, val []byte, keepTTL bool) *robj {
	if o := s.lookup(key); o != nil {
		// ptr nil: a string's encoding is again tryObjectEncoding's (object.go).
		o.typ, o.ptr = objString, nil
		o.str = append(o.str[:0], val...)
		if !keepTTL {
			s.db.setExpire(o, 0)
		}
		s.signalModifiedKey(s.db, key)
		return o
	}
	if len(key)+len(val) <= embstrBytes && len(key) > 0 {
		e := &embstr{}
		n := copy(e.buf[:], key)
		copy(e.buf[n:], val)
		e.o.typ, e.o.str = objString, e.buf[n:n+len(val)]
		s.db.addNamed(unsafe.String(&e.buf[0], n), &e.o)
		s.signalModifiedKey(s.db, key)
		return &e.o
	}
	o := &robj{typ: objString, str: append([]byte(nil), val...)}
	s.db.add(key, o)
	s.signalModifiedKey(s.db, key)
	return o
}

// signalModifiedKey tells the WATCHes on key in d that it changed, and
// the clients that may cache it (signalModifiedKey: touchWatchedKey,
// multi.go, and trackingInvalidateKey, tracking.go). Every write to a key
// calls it. With no WATCH in d and no client ever tracking it is two loads
// and two branches, inlined.
func (s *server) signalModifiedKey(d *db, key []byte) {
	if d.watchedKeys != nil {
		s.touchWatchedKey(d, unsafe.String(unsafe.SliceData(key), len(key)))
	}
	if s.trk.table != nil {
		s.trackingInvalidateKey(unsafe.String(unsafe.SliceData(key), len(key)), true)
	}
}

// signalModifiedKeyString is signalModifiedKey for a key held as a string.
func (s *server) signalModifiedKeyString(d *db, key string) {
	if d.watchedKeys != nil {
		s.touchWatchedKey(d, key)
	}
	if s.trk.table != nil {
		s.trackingInvalidateKey(key, true)
	}
}
