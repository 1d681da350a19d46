package main

import (
	"strconv"
	"strings"
	"testing"
)

// encodingSteps builds commands that grow a value of each type across its
// threshold one step at a time, with OBJECT ENCODING after every step:
// for each limit n tried, CONFIG SET of the limit, then n+2 insertions,
// then deletions back below it (Redis never converts back).
func encodingSteps() [][]string {
	var out [][]string
	add := func(args ...string) { out = append(out, args) }
	enc := func(key string) { add("OBJECT", "ENCODING", key) }
	for _, n := range []int{0, 1, 2, 5, 128} {
		ns := strconv.Itoa(n)
		add("CONFIG", "SET", "hash-max-listpack-entries", ns)
		add("CONFIG", "SET", "zset-max-listpack-entries", ns)
		add("CONFIG", "SET", "set-max-intset-entries", ns)
		h, z, st := "h"+ns, "z"+ns, "s"+ns
		for i := 0; i < n+2; i++ {
			is := strconv.Itoa(i)
			add("HSET", h, "f"+is, is)
			enc(h)
			add("ZADD", z, is, "m"+is)
			enc(z)
			add("SADD", st, is)
			enc(st)
		}
		for i := 0; i < n+2; i++ {
			is := strconv.Itoa(i)
			add("HDEL", h, "f"+is)
			enc(h)
			add("ZREM", z, "m"+is)
			enc(z)
			add("SREM", st, is)
			enc(st)
		}
		// A value just under, at and past the limit again, with the
		// entries back at the default.
		add("CONFIG", "SET", "hash-max-listpack-entries", "128")
		add("CONFIG", "SET", "zset-max-listpack-entries", "128")
		add("CONFIG", "SET", "hash-max-listpack-value", ns)
		add("CONFIG", "SET", "zset-max-listpack-value", ns)
		for _, l := range []int{n - 1, n, n + 1} {
			if l < 0 {
				continue
			}
			ls := strconv.Itoa(l)
			v := strings.Repeat("v", l)
			add("HSET", "hf"+ns+"_"+ls, v, "x")
			enc("hf" + ns + "_" + ls)
			add("HSET", "hv"+ns+"_"+ls, "x", v)
			enc("hv" + ns + "_" + ls)
			add("HSET", "hv"+ns+"_"+ls, "y", "z")
			enc("hv" + ns + "_" + ls)
			add("ZADD", "zv"+ns+"_"+ls, "1", v)
			enc("zv" + ns + "_" + ls)
			add("ZADD", "zw"+ns+"_"+ls, "1", "a")
			add("ZADD", "zw"+ns+"_"+ls, "2", v)
			enc("zw" + ns + "_" + ls)
			add("HINCRBY", "hi"+ns+"_"+ls, v, "1")
			enc("hi" + ns + "_" + ls)
			add("HINCRBYFLOAT", "hg"+ns+"_"+ls, v, "1.5")
			enc("hg" + ns + "_" + ls)
			add("HSET", "hn"+ns+"_"+ls, "a", "1")
			add("HSETNX", "hn"+ns+"_"+ls, "a", v+"x")
			enc("hn" + ns + "_" + ls)
			add("HSETNX", "hn"+ns+"_"+ls, "b", v+"x")
			enc("hn" + ns + "_" + ls)
			add("ZINCRBY", "zi"+ns+"_"+ls, "1", v)
			enc("zi" + ns + "_" + ls)
		}
		add("CONFIG", "SET", "hash-max-listpack-value", "64")
		add("CONFIG", "SET", "zset-max-listpack-value", "64")
	}
	return out
}

// Input: hashes, sorted sets and sets grown and shrunk across
// hash-max-listpack-entries/-value, zset-max-listpack-entries/-value and
// set-max-intset-entries set by CONFIG SET to 0, 1, 2, 5 and 128 (and
// the value limits at n-1, n, n+1 bytes, through HSET, HSETNX, HINCRBY,
// HINCRBYFLOAT, ZADD, ZINCRBY). Expected: OBJECT ENCODING after every
// step as redis-server 7.0's: listpack/hashtable, listpack/skiplist,
// intset/hashtable, converted at the same step and never back.
func TestObjectEncodingThresholdsMatchRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), encodingSteps())
}

// Input: sets of integers and not, through SADD, SMOVE, the STORE forms
// of the set algebra and SREM, with set-max-intset-entries
// at 3; sorted sets through ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE and
// ZRANGESTORE with zset-max-listpack-entries at 3; lists of any size.
// Expected: the destination's OBJECT ENCODING as redis-server 7.0's.
func TestObjectEncodingDerivedValuesMatchRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"CONFIG SET set-max-intset-entries 3", "CONFIG SET zset-max-listpack-entries 3",
		"SADD a 1 2 3", "SADD b 3 4 5", "SADD c x 1",
		"SUNIONSTORE u a b", "OBJECT ENCODING u", "SINTERSTORE i a b", "OBJECT ENCODING i",
		"SDIFFSTORE d a b", "OBJECT ENCODING d", "SUNIONSTORE u2 a c", "OBJECT ENCODING u2",
		"SINTERSTORE i2 a c", "OBJECT ENCODING i2", "SMOVE c m x", "OBJECT ENCODING m", "SMOVE a m2 1", "OBJECT ENCODING m2",
		"SADD big 1 2 3 4 5 6 7 8 9 10", "OBJECT ENCODING big", "SREM big 1 2 3 4 5 6 7 8", "OBJECT ENCODING big",
		"SADD n -1 01 1", "OBJECT ENCODING n", "SADD n2 -0", "OBJECT ENCODING n2", "SADD n3 +1", "OBJECT ENCODING n3",
		"SADD n4 9223372036854775807 -9223372036854775808", "OBJECT ENCODING n4", "SADD n5 9223372036854775808", "OBJECT ENCODING n5",
		"ZADD za 1 a 2 b", "ZADD zb 1 b 2 c 3 d", "ZUNIONSTORE zu 2 za zb", "OBJECT ENCODING zu",
		"ZINTERSTORE zi 2 za zb", "OBJECT ENCODING zi", "ZDIFFSTORE zd 2 zb za", "OBJECT ENCODING zd",
		"ZRANGESTORE zr zu 0 -1", "OBJECT ENCODING zr", "ZRANGESTORE zr2 zu 0 1", "OBJECT ENCODING zr2",
		"ZRANGESTORE zr3 zu -inf +inf BYSCORE", "OBJECT ENCODING zr3", "ZRANGESTORE zr4 zu 0 2", "OBJECT ENCODING zr4",
		"RPUSH l a", "OBJECT ENCODING l", "LPUSH l2 1 2 3", "OBJECT ENCODING l2",
		"OBJECT ENCODING nokey", "OBJECT REFCOUNT nokey", "OBJECT REFCOUNT l", "OBJECT REFCOUNT za",
		"OBJECT", "OBJECT ENCODING", "OBJECT ENCODING a b", "OBJECT REFCOUNT", "OBJECT FOO", "OBJECT HELP", "OBJECT HELP x",
	))
}

// Input: strings set by SET, MSET, SETNX, SETEX, GETSET, APPEND (new and
// existing key), SETRANGE, SETBIT, BITFIELD (SET and GET only), BITOP,
// INCR, DECRBY, INCRBYFLOAT: integers in and out of the shared range,
// non-canonical integers ("01", "+1", "-0", " 1"), 20-digit and longer
// numbers, 44 and 45 bytes; then with maxmemory and an LRU policy, where
// Redis stops sharing integers. Expected: OBJECT ENCODING and REFCOUNT
// as redis-server 7.0's (int/embstr/raw, 2147483647 for a shared int).
func TestObjectStringEncodingMatchesRedis(t *testing.T) {
	s := newTestServer(t)
	var c [][]string
	check := func(key string) {
		c = append(c, []string{"OBJECT", "ENCODING", key}, []string{"OBJECT", "REFCOUNT", key})
	}
	for i, v := range []string{"0", "9999", "10000", "-1", "01", "+1", "-0", " 1", "1 ",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "12345678901234567890",
		"-1234567890123456789", "", "abc", strings.Repeat("a", 44), strings.Repeat("a", 45), "1.5", "1e3"} {
		k := "k" + strconv.Itoa(i)
		c = append(c, []string{"SET", k, v})
		check(k)
		c = append(c, []string{"APPEND", "ap" + k, v})
		check("ap" + k)
	}
	c = append(c, cmds(
		"MSET m1 5 m2 abc m3 123456", "SETNX m4 7", "SETEX m5 100 8", "SET g 1", "GETSET g 2",
		"SET a 10", "APPEND a 0", "SET b 12345", "SETRANGE b 0 9", "SETRANGE c 2 1", "SETBIT d 1 1",
		"SET e 5", "SETBIT e 0 0", "SET f 5", "BITFIELD f GET u8 0", "SET f2 5", "BITFIELD f2 SET u8 0 49",
		"BITOP OR bo f e", "INCR a", "INCR newi", "DECRBY newd 20000", "SET fl 1", "INCRBYFLOAT fl 1",
		"INCRBYFLOAT fl2 1e40", "INCRBYFLOAT fl3 1e50", "SET r 100", "APPEND r 1", "SET r 100", "SET big 12345",
		"INCR big", "INCRBY big -12340",
	)...)
	for _, k := range []string{"m1", "m2", "m3", "m4", "m5", "g", "a", "b", "c", "d", "e", "f", "f2", "bo", "newi", "newd", "fl", "fl2", "fl3", "r", "big"} {
		check(k)
	}
	c = append(c, cmds("CONFIG SET maxmemory 1073741824", "CONFIG SET maxmemory-policy allkeys-lru",
		"SET lru 5", "INCR lrui")...)
	check("lru")
	check("lrui")
	c = append(c, cmds("CONFIG SET maxmemory-policy allkeys-random", "SET rnd 5")...)
	check("rnd")
	c = append(c, cmds("CONFIG SET maxmemory 0", "CONFIG SET maxmemory-policy noeviction")...)
	diffRedis(t, startServer(t, s), c)
}
