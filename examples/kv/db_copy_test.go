package main

import "testing"

// Input: COPY of every type (each encoding: int/embstr/raw strings,
// listpack and hashtable hashes, intset and hashtable sets, listpack and
// skiplist sorted sets, lists), to a new key, over an existing one with
// and without REPLACE, to another database (DB), with a TTL (compared as
// PEXPIRETIME of an absolute PEXPIREAT), then writes to each copy and
// reads of the original; and the errors: same key, bad DB, DB out of
// range, syntax, missing source, wrong arity. Expected: redis-server's
// replies: 1/0, the copy's encoding and refcount, its TTL, and the
// original unchanged by writes to the copy (a deep copy).
func TestCopyMatchesRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"SET s 5", "COPY s s2", "GET s2", "OBJECT ENCODING s2", "OBJECT REFCOUNT s2", "OBJECT REFCOUNT s",
		"SET e abc", "COPY e e2", "OBJECT ENCODING e2", "APPEND e2 d", "GET e", "GET e2", "OBJECT ENCODING e2",
		"SETRANGE r 0 xyz", "COPY r r2", "OBJECT ENCODING r2", "SETRANGE r2 0 q", "GET r", "GET r2",
		"INCR s2", "GET s", "OBJECT REFCOUNT s2",
		"RPUSH l a b c", "COPY l l2", "LSET l2 0 zz", "RPUSH l2 d", "LRANGE l 0 -1", "LRANGE l2 0 -1", "OBJECT ENCODING l2",
		"HSET h a 1 b 2", "COPY h h2", "HSET h2 a 100", "HINCRBY h2 b 5", "HGETALL h", "HGETALL h2", "OBJECT ENCODING h2",
		"CONFIG SET hash-max-listpack-entries 1", "HSET hh a 1 b 2", "COPY hh hh2", "OBJECT ENCODING hh2", "HGET hh2 b",
		"CONFIG SET hash-max-listpack-entries 128",
		"SADD st 1 2 3", "COPY st st2", "SADD st2 4", "SMEMBERS st", "SMEMBERS st2", "OBJECT ENCODING st2",
		"SADD sh a", "COPY sh sh2", "OBJECT ENCODING sh2", "SREM sh2 a", "SMEMBERS sh", "EXISTS sh2",
		"ZADD z 1 a 2 b", "COPY z z2", "ZINCRBY z2 10 a", "ZRANGE z 0 -1 WITHSCORES", "ZRANGE z2 0 -1 WITHSCORES", "OBJECT ENCODING z2",
		"CONFIG SET zset-max-listpack-entries 1", "ZADD zs 1 a 2 b", "COPY zs zs2", "OBJECT ENCODING zs2", "ZRANGE zs2 0 -1 WITHSCORES",
		"CONFIG SET zset-max-listpack-entries 128",
		"SET t v", "PEXPIREAT t 99999999999000", "COPY t t2", "PEXPIRETIME t2", "COPY s t2", "COPY s t2 REPLACE",
		"GET t2", "PEXPIRETIME t2", "TYPE t2", "COPY l t2 replace", "TYPE t2", "LRANGE t2 0 -1",
		"COPY t t DB 1", "SELECT 1", "GET t", "PEXPIRETIME t", "SELECT 0", "COPY t t DB 1", "COPY t t DB 1 REPLACE",
		"COPY s s", "COPY s s DB 0", "COPY nokey x", "COPY s x DB", "COPY s x DB abc", "COPY s x DB 16", "COPY s x DB -1",
		"COPY s x DB 99999999999", "COPY s x FOO", "COPY s x REPLACE REPLACE", "GET x", "COPY s", "COPY",
		"COPY nokey nokey", "COPY s x DB 1 DB 2", "SELECT 2", "GET x", "SELECT 1", "GET x",
	))
}

// Input: a listener on every keyspace and keyevent channel (KEA), COPY to
// a new key, to another database and over an existing key with REPLACE;
// and a RESP3 client tracking a key that COPY then overwrites. Expected:
// redis-server's events ("copy_to" only, on the destination's database)
// and its invalidation message.
func TestCopyEventsAndTrackingMatchRedis(t *testing.T) {
	diffTracking(t, 2, notifyScript("KEA",
		"SET a 1", "COPY a b", "COPY a b DB 3", "COPY a b REPLACE", "COPY a b", "COPY nokey c",
	))
	diffTracking(t, 2, steps(
		"0 HELLO 3", "0 CLIENT TRACKING ON", "1 SET k v", "1 SET src w", "0 GET k", "1 COPY src k REPLACE",
		"0 GET k", "1 COPY src k", "0 GET k",
	))
}
