package main

import (
	"fmt"
	"math"

	"github.com/goae/goae/internal/resp"
)

// OBJECT and the encoding names (object.c). OBJECT IDLETIME and FREQ come
// with the per-object access clock; HELP lists all five as Redis's does.
var objectCommands = []*command{
	{name: "object", arity: -2, subcommands: subcommandMap(
		&command{name: "object|encoding", arity: 3, flags: cmdReadonly, proc: objectEncodingCommand, firstKey: 2, lastKey: 2, keyStep: 1},
		&command{name: "object|refcount", arity: 3, flags: cmdReadonly, proc: objectRefcountCommand, firstKey: 2, lastKey: 2, keyStep: 1},
		&command{name: "object|idletime", arity: 3, flags: cmdReadonly, proc: objectIdletimeCommand, firstKey: 2, lastKey: 2, keyStep: 1},
		&command{name: "object|freq", arity: 3, flags: cmdReadonly, proc: objectFreqCommand, firstKey: 2, lastKey: 2, keyStep: 1},
		&command{name: "object|help", arity: 2, flags: cmdLoading | cmdStale, proc: objectHelpCommand},
	)},
}

func init() { keyCommands = append(keyCommands, objectCommands...) }

// strEnc is kept in a string object's ptr (unused by strings otherwise)
// when the string's encoding is not the one tryObjectEncoding would pick
// from its bytes: Redis decides a string's encoding when the string is
// made, and a few commands make it otherwise. nil means "as
// tryObjectEncoding": SET, MSET, GETSET, a new key of APPEND, INCR's
// result and RESTORE all go through it. A one-byte value in an interface
// takes no allocation.
type strEnc uint8

const (
	// strEncRaw: written in place by APPEND, SETRANGE, SETBIT, BITFIELD or
	// made by BITOP (dbUnshareStringValue, createObject): "raw" whatever
	// the bytes.
	strEncRaw strEnc = iota + 1
	// strEncEmbstr: made by createStringObject without tryObjectEncoding,
	// INCRBYFLOAT's result, so "2" there is an embstr and not an int.
	strEncEmbstr
	// strEncIntUnshared: an int that is not one of the shared integers,
	// as COPY's dupStringObject makes it (refcount 1).
	strEncIntUnshared
)

// Encoding limits of object.c: OBJ_ENCODING_EMBSTR_SIZE_LIMIT, and
// OBJ_SHARED_INTEGERS, the integers 0 to 9999 every key shares (their
// refcount is OBJ_SHARED_REFCOUNT, INT_MAX).
const (
	embstrSizeLimit    = 44
	sharedIntegers     = 10000
	sharedRefcount     = math.MaxInt32
	maxLongStringChars = 20 // the digits of a long, tryObjectEncoding's bound
)

// markStringEncoding records that o's encoding is e rather than the one
// its bytes give.
func markStringEncoding(o *robj, e strEnc) { o.ptr = e }

// makeStringRaw is dbUnshareStringValue's effect on the encoding: a
// string about to be written in place is raw from then on.
func makeStringRaw(o *robj) { o.ptr = strEncRaw }

// noSharedIntegers is MAXMEMORY_FLAG_NO_SHARED_INTEGERS: with maxmemory
// set and an LRU or LFU policy every key needs its own access clock, so
// Redis stops sharing integers.
func (s *server) noSharedIntegers() bool {
	if s.cfg.maxmemory == 0 {
		return false
	}
	switch s.cfg.maxmemoryPolicy {
	case policyVolatileLRU, policyVolatileLFU, policyAllkeysLRU, policyAllkeysLFU:
		return true
	}
	return false
}

// isLongString reports whether b is a long as string2l reads it and
// tryObjectEncoding turns into an int: at most 20 bytes, canonical (no
// '+', no leading zero, no "-0", no space).
func isLongString(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > maxLongStringChars {
		return 0, false
	}
	v, ok := resp.ParseInt(b)
	if !ok {
		return 0, false
	}
	var num [20]byte
	return v, string(appendInt(num[:0], v)) == string(b)
}

// stringEncoding is the encoding Redis would hold o's string in.
func stringEncoding(o *robj) string {
	switch o.ptr {
	case strEncRaw:
		return "raw"
	case strEncEmbstr:
		if len(o.str) <= embstrSizeLimit {
			return "embstr"
		}
		return "raw"
	case strEncIntUnshared:
		return "int"
	}
	if _, ok := isLongString(o.str); ok {
		return "int"
	}
	if len(o.str) <= embstrSizeLimit {
		return "embstr"
	}
	return "raw"
}

// sharedInteger reports whether o is one of the shared integers 0 to
// 9999, which tryObjectEncoding hands out unless noSharedIntegers.
func (s *server) sharedInteger(o *robj) bool {
	if o.typ != objString || o.ptr != nil {
		return false
	}
	v, ok := isLongString(o.str)
	return ok && v >= 0 && v < sharedIntegers && !s.noSharedIntegers()
}

// objectEncoding is strEncoding(o->encoding) for any value.
func objectEncoding(o *robj) string {
	switch o.typ {
	case objString:
		return stringEncoding(o)
	case objList:
		// Redis 7.0 keeps every list in a quicklist (the listpack
		// encoding of small lists came with 7.2).
		return "quicklist"
	case objHash:
		if o.ptr.(*hash).lp {
			return "listpack"
		}
		return "hashtable"
	case objSet:
		if o.ptr.(*set).intset {
			return "intset"
		}
		return "hashtable"
	case objZset:
		if o.ptr.(*zset).lp {
			return "listpack"
		}
		return "skiplist"
	}
	return "unknown"
}

// objectRefcount is o->refcount: 1, or INT_MAX for a shared integer.
func (s *server) objectRefcount(o *robj) int64 {
	if s.sharedInteger(o) {
		return sharedRefcount
	}
	return 1
}

// objectLookup is objectCommandLookupOrReply: the value at argv[2]
// without touching its access time (objectCommandLookup, object_lru.go),
// or a null reply.
func (s *server) objectLookup(c *client) *robj {
	return s.objectCommandLookup(c, c.Argv[2])
}

func objectEncodingCommand(s *server, c *client) {
	if o := s.objectLookup(c); o != nil {
		c.AddReplyBulkString(objectEncoding(o))
	}
}

func objectRefcountCommand(s *server, c *client) {
	if o := s.objectLookup(c); o != nil {
		c.AddReplyInt(s.objectRefcount(o))
	}
}

func objectHelpCommand(s *server, c *client) {
	c.AddReplyHelp("OBJECT", []string{
		"ENCODING <key>",
		"    Return the kind of internal representation used in order to store the value",
		"    associated with a <key>.",
		"FREQ <key>",
		"    Return the access frequency index of the <key>. The returned integer is",
		"    proportional to the logarithm of the recent access frequency of the key.",
		"IDLETIME <key>",
		"    Return the idle time of the <key>, that is the approximated number of",
		"    seconds elapsed since the last access to the key.",
		"REFCOUNT <key>",
		"    Return the number of references of the value associated with the specified",
		"    <key>.",
	})
}

// debugObjectCommand is DEBUG OBJECT key (debug.c): the value's address,
// refcount, encoding, the length DUMP would give its object
// (rdbSavedObjectLen) and, for a list, its quicklist's figures (nodes,
// average elements a node, fill, whether compressed, the listpacks'
// bytes) as Redis's quicklist would have them after RPUSHes of its
// elements under the current list-max-listpack-size (Redis keeps the
// fill a list was made with). The key is found without expiring it, as
// dictFind; lru is the object's 24-bit access field and lru_seconds_idle
// its estimated idle time (lru.go). The DEBUG command dispatches to this.
func debugObjectCommand(s *server, c *client) {
	o := s.db.dict[string(c.Argv[2])]
	if o == nil {
		c.AddReply(resp.NoKeyErr)
		return
	}
	extra := ""
	if o.typ == objList {
		l := o.ptr.(*list)
		nodes := quicklistNodes(l, s.cfg.listMaxListpackSize, s.quicklistPackedThreshold)
		sz := 0
		for _, n := range nodes {
			sz += n.sz
		}
		fill := max(min(s.cfg.listMaxListpackSize, 1<<15-1), -5)
		extra = fmt.Sprintf(" ql_nodes:%d ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%d",
			len(nodes), float64(l.len())/float64(len(nodes)), fill, b2i(s.cfg.listCompressDepth != 0), sz)
	}
	serialized := len(s.rdbSaveObject(nil, o))
	c.AddReplyStatus(fmt.Sprintf("Value at:%p refcount:%d encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d%s",
		o, s.objectRefcount(o), objectEncoding(o), serialized, o.getLRU(), s.estimateObjectIdleTime(o)/1000, extra))
}
