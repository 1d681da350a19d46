package main

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// redisPool returns a redis pool template over backends named r0, r1, ...
func redisPool(name, listen string, ports []int, extra string) string {
	s := fmt.Sprintf("%s:\n  listen: %s\n  redis: true\n%s  servers:\n", name, listen, extra)
	for i, p := range ports {
		s += fmt.Sprintf("   - 127.0.0.1:%d:1 r%d\n", p, i)
	}
	return s
}

func mcPool(name, listen string, ports []int, extra string) string {
	s := fmt.Sprintf("%s:\n  listen: %s\n%s  servers:\n", name, listen, extra)
	for i, p := range ports {
		s += fmt.Sprintf("   - 127.0.0.1:%d:1 m%d\n", p, i)
	}
	return s
}

// TestPlacementInterop: for several configurations, the same keys are SET
// through a real nutcracker and through ours in front of the same four
// redis-servers (flushed between), and each key must be on the same
// backend both times: the placement of hashkit, end to end through the
// request path (routing key of SET, MSET fragments, EVAL's first key).
func TestPlacementInterop(t *testing.T) {
	ncBin := testenv.RequireBinary(t, "nutcracker")
	bin := proxyBinary(t)
	var ports []int
	for i := 0; i < 4; i++ {
		ports = append(ports, testenv.StartRedis(t))
	}
	conns := make([]*rconn, len(ports))
	for i, p := range ports {
		conns[i] = dialR(t, p)
	}
	lines := func(weights []int, named bool) (s string) {
		for i, p := range ports {
			s += fmt.Sprintf("   - 127.0.0.1:%d:%d", p, weights[i])
			if named {
				s += fmt.Sprintf(" srv-%d", 3-i)
			}
			s += "\n"
		}
		return s
	}
	configs := map[string]string{
		"ketama-fnv1a_64":   "  hash: fnv1a_64\n  distribution: ketama\n  servers:\n" + lines([]int{1, 1, 1, 1}, false),
		"ketama-md5-w":      "  hash: md5\n  distribution: ketama\n  servers:\n" + lines([]int{1, 2, 3, 5}, false),
		"modula-crc32a":     "  hash: crc32a\n  distribution: modula\n  servers:\n" + lines([]int{1, 2, 1, 1}, true),
		"ketama-murmur-tag": "  hash: murmur\n  hash_tag: \"{}\"\n  servers:\n" + lines([]int{1, 1, 2, 1}, true),
	}
	var keys []string
	for i := 0; i < 200; i++ {
		keys = append(keys, fmt.Sprintf("key:%d", i), fmt.Sprintf("u{%d}x", i%17))
	}
	where := func(port int) map[string]int {
		c := dialR(t, port)
		var cmds [][]string
		for i, k := range keys {
			if i%3 == 0 {
				cmds = append(cmds, cmd("mset", k, "v", k+"-m", "v"))
			} else if i%3 == 1 {
				cmds = append(cmds, cmd("eval", "return redis.call('set',KEYS[1],'v')", "1", k))
			} else {
				cmds = append(cmds, cmd("set", k, "v"))
			}
		}
		c.c.Write(resp(cmds...))
		for range cmds {
			if _, err := readReply(c.r); err != nil {
				t.Fatal(err)
			}
		}
		got := map[string]int{}
		for b, bc := range conns {
			for _, k := range keys {
				if bc.do(t, "exists", k) == ":1\r\n" {
					got[k] = b
				}
				if bc.do(t, "exists", k+"-m") == ":1\r\n" {
					got[k+"-m"] = b
				}
			}
			bc.do(t, "flushall")
		}
		return got
	}
	for name, body := range configs {
		t.Run(name, func(t *testing.T) {
			tmpl := "p:\n  listen: {LISTEN0}\n  redis: true\n" + body
			nc := startProc(t, ncBin, tmpl, 1)
			want := where(nc.ports[0])
			ours := startProc(t, bin, tmpl, 1)
			got := where(ours.ports[0])
			if len(want) == 0 {
				t.Fatal("nutcracker stored nothing")
			}
			bad := 0
			for k, b := range want {
				if got[k] != b {
					bad++
					if bad < 5 {
						t.Errorf("%s: nutcracker put it on backend %d, ours on %d", k, b, got[k])
					}
				}
			}
			if len(got) != len(want) || bad > 0 {
				t.Errorf("%d keys via nutcracker, %d via ours, %d misplaced", len(want), len(got), bad)
			}
		})
	}
}

// diffCase is a request stream sent to both proxies.
type diffCase struct {
	name  string
	data  []byte
	split int // chunk size, 0: one write
}

// runDiff sends every case to nutcracker and to ours (pool index pool)
// and compares the reply bytes and whether the connection was closed.
func runDiff(t *testing.T, nc, ours *proxyProc, pool int, cases []diffCase) {
	t.Helper()
	runDiffIdle(t, nc, ours, pool, cases, 300*time.Millisecond)
}

// runDiffIdle is runDiff reading each side until idle passes with nothing
// new (for replies that come only after a pool's timeout).
func runDiffIdle(t *testing.T, nc, ours *proxyProc, pool int, cases []diffCase, idle time.Duration) {
	t.Helper()
	for _, c := range cases {
		want, wantEOF := exchange(t, nc.ports[pool], split(c.data, c.split), 0, idle)
		got, gotEOF := exchange(t, ours.ports[pool], split(c.data, c.split), len(want), idle)
		if !bytes.Equal(want, got) || wantEOF != gotEOF {
			t.Errorf("%s (split %d):\nnutcracker %q closed=%v\nours       %q closed=%v", c.name, c.split, want, wantEOF, got, gotEOF)
		}
	}
}

// TestDifferentialRedis: the same request streams, pipelined and split at
// odd byte boundaries, through a real nutcracker and through ours, each in
// front of three redis-servers named alike (so both rings are the same):
// replies byte for byte and the closes must match. Covers GET/SET, MGET,
// DEL, UNLINK, TOUCH, MSET split across servers (duplicates, misses, many
// keys), EXISTS unsplit, PING, AUTH without redis_auth, Redis's own
// errors, a large value, one well-formed call of every other command of
// nutcracker's table (COMMAND by shape only), and every closing case:
// unsupported commands, wrong arity in each class, SELECT, inline
// commands, QUIT, *0, a long key.
func TestDifferentialRedis(t *testing.T) {
	var back [2][]int
	for side := 0; side < 2; side++ {
		for i := 0; i < 3; i++ {
			back[side] = append(back[side], testenv.StartRedis(t))
		}
	}
	nc, ours := startBoth(t, 2, func(side int) string {
		return redisPool("alpha", "{LISTEN0}", back[side], "") +
			redisPool("beta", "{LISTEN1}", back[side][:1], "  hash_tag: \"{}\"\n")
	})
	var many []string
	var manyKV []string
	for i := 0; i < 60; i++ {
		many = append(many, fmt.Sprintf("k%d", i))
		manyKV = append(manyKV, fmt.Sprintf("k%d", i), strings.Repeat("v", i))
	}
	big := strings.Repeat("x", 100000)
	basic := resp(cmd("set", "foo", "1"), cmd("set", "bar", "2"), cmd("SET", "baz", "3"), cmd("get", "foo"),
		cmd("mget", "foo", "bar", "baz", "nope", "foo"), cmd("exists", "foo", "bar", "baz"),
		cmd("incr", "ctr"), cmd("incrby", "ctr", "5"), cmd("ping"), cmd("auth", "x"),
		cmd("del", "foo", "nope", "bar"), cmd("mget", "foo", "bar", "baz"),
		cmd("mset", "a", "1", "b", "2", "c", "3", "d", "4"), cmd("mget", "a", "b", "c", "d"),
		cmd("touch", "a", "b", "c", "zz"), cmd("unlink", "a", "b"), cmd("mget", "a"),
		cmd("hset", "h"), cmd("lpush", "baz", "x"), cmd("hset", "h", "f", "v"), cmd("hgetall", "h"),
		cmd("set", "big", big), cmd("get", "big"), cmd("getrange", "big", "0", "3"),
		cmd("eval", "return KEYS[1]", "1", "foo"), cmd("expire", "baz", "100"), cmd("ttl", "baz"),
		cmd("zadd", "z", "1", "a", "2", "b"), cmd("zrange", "z", "0", "-1", "withscores"))
	cases := []diffCase{
		{"basic", basic, 0}, {"basic", basic, 7}, {"basic", basic, 1013},
		{"many", resp(append([]string{"mset"}, manyKV...), append([]string{"mget"}, many...), append([]string{"del"}, many[:30]...), append([]string{"mget"}, many...)), 13},
		{"unsupported", resp(cmd("set", "k", "v"), cmd("info"), cmd("get", "k")), 0},
		{"unsupported-later", resp(cmd("set", "k", "v"), cmd("get", "k")), 0},
		{"keys", resp(cmd("keys", "*")), 0},
		{"select", resp(cmd("get", "k"), cmd("select", "1")), 0},
		{"arity", resp(cmd("get", "k"), cmd("incr")), 0},
		{"arity-ttl", resp(cmd("ttl", "a", "b")), 0},
		{"arity-mset", resp(cmd("mset", "a", "1", "b")), 0},
		{"evalsha-0", resp(cmd("evalsha", "abc", "0")), 0},
		{"quit-now", resp(cmd("quit", "now")), 0},
		{"move", resp(cmd("move", "k", "1")), 0},
		{"inline", []byte("PING\r\n"), 0},
		{"zero", []byte("*0\r\n"), 0},
		{"garbage", []byte("*1\r\n+ping\r\n"), 0},
		{"quit", resp(cmd("get", "k"), cmd("ping"), cmd("quit"), cmd("get", "k")), 0},
		{"quit-split", resp(cmd("get", "k"), cmd("ping"), cmd("quit"), cmd("get", "k")), 3},
		{"longkey", resp(cmd("get", strings.Repeat("k", 16336))), 0},
		{"longkey-ok", resp(cmd("get", strings.Repeat("k", 16335))), 0},
		{"upper", resp(cmd("MGET", "k", "foo"), cmd("PiNg")), 5},
	}
	// Every other command of nutcracker's table, at least once each, with
	// arguments whose replies do not depend on the server's hash seed or
	// clock (integer sets, one-member sets for the random picks, LOLWUT's
	// version 1, no PTTL on a live TTL). Multi-key commands go whole to
	// their first argument's server, on both sides alike.
	scratch := dialR(t, testenv.StartRedis(t))
	scratch.do(t, "set", "x", "restored")
	dump := scratch.do(t, "dump", "x")
	dump = dump[strings.Index(dump, "\r\n")+2 : len(dump)-2]
	script := "return {KEYS[1],KEYS[2],ARGV[1]}"
	sha := fmt.Sprintf("%x", sha1.Sum([]byte(script)))
	all := resp(
		// strings, bits, keyspace
		cmd("set", "s1", "hello"), cmd("append", "s1", " world"), cmd("strlen", "s1"), cmd("setrange", "s1", "6", "there"),
		cmd("getrange", "s1", "0", "4"), cmd("get", "s1"), cmd("getset", "s1", "new"), cmd("getdel", "s1"), cmd("get", "s1"),
		cmd("setnx", "s2", "a"), cmd("setnx", "s2", "b"), cmd("set", "n1", "10"), cmd("decr", "n1"), cmd("decrby", "n1", "3"),
		cmd("incrbyfloat", "n1", "1.5"), cmd("setex", "s3", "100", "v"), cmd("psetex", "s4", "100000", "v"), cmd("ttl", "s3"),
		cmd("persist", "s3"), cmd("ttl", "s3"), cmd("pttl", "s3"), cmd("pttl", "nokey"), cmd("type", "s2"), cmd("type", "nokey"),
		cmd("dump", "s2"), cmd("restore", "r1", "0", dump, "replace"), cmd("get", "r1"), cmd("expireat", "s2", "4000000000"),
		cmd("pexpireat", "s2", "4000000000000"), cmd("pexpire", "s2", "100000"), cmd("persist", "s2"), cmd("getex", "s2"),
		cmd("copy", "s2", "s2copy"), cmd("get", "s2copy"), cmd("setbit", "b1", "7", "1"), cmd("getbit", "b1", "7"),
		cmd("bitcount", "b1"), cmd("bitpos", "b1", "1"), cmd("bitfield", "b1", "get", "u8", "0"),
		// hashes
		cmd("hset", "h2", "a", "1", "b", "2"), cmd("hget", "h2", "a"), cmd("hexists", "h2", "a"), cmd("hstrlen", "h2", "a"),
		cmd("hincrby", "h2", "a", "5"), cmd("hincrbyfloat", "h2", "b", "0.5"), cmd("hsetnx", "h2", "c", "3"), cmd("hlen", "h2"),
		cmd("hkeys", "h2"), cmd("hvals", "h2"), cmd("hmset", "h2", "d", "4"), cmd("hmget", "h2", "a", "d", "zz"),
		cmd("hdel", "h2", "d"), cmd("hscan", "h2", "0"), cmd("hset", "hh", "only", "1"), cmd("hrandfield", "hh"),
		// lists
		cmd("rpush", "l1", "a", "b", "c"), cmd("lpushx", "l1", "z"), cmd("rpushx", "nolist", "x"), cmd("lindex", "l1", "0"),
		cmd("linsert", "l1", "before", "b", "x"), cmd("lrange", "l1", "0", "-1"), cmd("lset", "l1", "0", "y"),
		cmd("lrem", "l1", "1", "x"), cmd("lpos", "l1", "c"), cmd("ltrim", "l1", "0", "10"), cmd("llen", "l1"),
		cmd("lpop", "l1"), cmd("rpop", "l1"), cmd("rpoplpush", "l1", "l1"), cmd("lmove", "l1", "l1", "left", "right"),
		cmd("lrange", "l1", "0", "-1"), cmd("rpush", "ln", "3", "1", "2"), cmd("sort", "ln"), cmd("sort", "ln", "desc", "limit", "0", "2"),
		// sets of integers (intsets, sorted)
		cmd("sadd", "st1", "1", "2", "3"), cmd("sadd", "st2", "2", "3", "4"), cmd("scard", "st1"), cmd("sismember", "st1", "2"),
		cmd("smismember", "st1", "1", "9"), cmd("smembers", "st1"), cmd("sinter", "st1", "st2"), cmd("sunion", "st1", "st2"),
		cmd("sdiff", "st1", "st2"), cmd("sinterstore", "st3", "st1", "st2"), cmd("sunionstore", "st4", "st1", "st2"),
		cmd("sdiffstore", "st5", "st1", "st2"), cmd("smove", "st1", "st2", "1"), cmd("srem", "st2", "4"), cmd("sscan", "st1", "0"),
		cmd("sadd", "one", "7"), cmd("spop", "one"), cmd("sadd", "one", "7"), cmd("srandmember", "one"),
		// sorted sets
		cmd("zadd", "z2", "1", "a", "2", "b", "3", "c", "4", "d"), cmd("zcard", "z2"), cmd("zscore", "z2", "b"),
		cmd("zrank", "z2", "c"), cmd("zrevrank", "z2", "c"), cmd("zcount", "z2", "1", "3"), cmd("zincrby", "z2", "0.5", "a"),
		cmd("zlexcount", "z2", "-", "+"), cmd("zrangebyscore", "z2", "-inf", "+inf", "withscores", "limit", "1", "2"),
		cmd("zrevrangebyscore", "z2", "+inf", "-inf", "limit", "0", "2"), cmd("zrangebylex", "z2", "-", "+"),
		cmd("zrevrangebylex", "z2", "+", "-"), cmd("zrevrange", "z2", "0", "1"), cmd("zmscore", "z2", "a", "zz"),
		cmd("zrangestore", "z3", "z2", "0", "1"), cmd("zunion", "2", "z2", "z3", "withscores"), cmd("zinter", "2", "z2", "z3"),
		cmd("zdiff", "2", "z2", "z3"), cmd("zunionstore", "z4", "2", "z2", "z3"), cmd("zinterstore", "z5", "2", "z2", "z3"),
		cmd("zdiffstore", "z6", "2", "z2", "z3"), cmd("zpopmax", "z2"), cmd("zpopmin", "z2"), cmd("zrem", "z2", "b"),
		cmd("zremrangebyscore", "z2", "100", "200"), cmd("zremrangebyrank", "z2", "5", "10"), cmd("zremrangebylex", "z2", "[x", "[y"),
		cmd("zscan", "z2", "0"), cmd("zadd", "zr", "1", "only"), cmd("zrandmember", "zr"),
		// hyperloglog: PFCOUNT/PFMERGE of several keys go whole to the first key's server
		cmd("pfadd", "hl1", "a", "b", "c"), cmd("pfadd", "hl2", "c", "d"), cmd("pfcount", "hl1"), cmd("pfcount", "hl1", "hl2"),
		cmd("pfmerge", "hl3", "hl1", "hl2"), cmd("pfcount", "hl3"),
		// geo
		cmd("geoadd", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"),
		cmd("geodist", "g", "Palermo", "Catania", "km"), cmd("geohash", "g", "Palermo"), cmd("geopos", "g", "Palermo"),
		cmd("georadius", "g", "15", "37", "200", "km", "withdist", "asc"), cmd("georadiusbymember", "g", "Palermo", "200", "km", "asc"),
		cmd("geosearch", "g", "fromlonlat", "15", "37", "byradius", "200", "km", "asc"),
		cmd("geosearchstore", "g2", "g", "frommember", "Palermo", "bybox", "400", "400", "km", "asc"),
		// scripts: EVAL caches the script on its key's server, EVALSHA finds it there
		cmd("eval", script, "2", "ka", "kb", "x"), cmd("evalsha", sha, "2", "ka", "kb", "y"),
		cmd("evalsha", strings.Repeat("0", 40), "1", "ka"), cmd("eval", "return redis.call('get',KEYS[1])", "1", "s2"),
		// forwarded to some server; every server gives the same reply
		cmd("lolwut", "version", "1"), cmd("get", "s2"))
	cases = append(cases, diffCase{"all-commands", all, 0}, diffCase{"all-commands", all, 9})
	// Commands outside nutcracker's table, and arity violations of each
	// class: each alone on its own connection, which nutcracker closes
	// without a reply (after a pipelined SET/GET for the first, whose
	// replies are dropped too).
	closers := [][]string{
		cmd("scan", "0"), cmd("rename", "a", "b"), cmd("msetnx", "a", "1"), cmd("bitop", "and", "d", "a", "b"),
		cmd("echo", "hi"), cmd("config", "get", "maxmemory"), cmd("flushall"), cmd("flushdb"), cmd("dbsize"), cmd("time"),
		cmd("object", "encoding", "a"), cmd("multi"), cmd("exec"), cmd("watch", "a"), cmd("subscribe", "ch"),
		cmd("publish", "ch", "m"), cmd("blpop", "l", "0"), cmd("xadd", "x", "*", "f", "v"), cmd("client", "list"),
		cmd("hello"), cmd("script", "load", "return 1"), cmd("randomkey"), cmd("swapdb", "0", "1"), cmd("wait", "0", "0"),
		cmd("ping", "x"), cmd("command", "count"), cmd("get", "a", "b"), cmd("hexists", "h"), cmd("getrange", "k", "0"),
		cmd("linsert", "l", "before", "b"), cmd("lmove", "a", "b", "left"), cmd("pfcount"), cmd("zadd"), cmd("del"),
		cmd("mset"), cmd("eval", "return 1", "0"), cmd("eval", "return 1", "x", "k"), cmd("eval", "return 1"),
	}
	for i, c := range closers {
		data := resp(c)
		if i == 0 {
			data = resp(cmd("set", "k", "v"), c, cmd("get", "k"))
		}
		cases = append(cases, diffCase{"close-" + strings.Join(c, "-"), data, 0})
	}
	runDiff(t, nc, ours, 0, cases)
	// COMMAND is forwarded whole (not closed) by both; its ~90 KB reply
	// lists the commands in the server's dict order, which its random hash
	// seed makes differ between servers, so only the shape is compared: the
	// array header, the length, and the PONG pipelined behind it.
	data := resp(cmd("command"), cmd("ping"))
	want, wantEOF := exchange(t, nc.ports[0], split(data, 0), 0, 300*time.Millisecond)
	got, gotEOF := exchange(t, ours.ports[0], split(data, 0), len(want), 300*time.Millisecond)
	head := func(b []byte) string { return string(b[:bytes.IndexByte(b, '\n')+1]) }
	if len(want) < 1000 || !bytes.HasSuffix(want, []byte("+PONG\r\n")) || wantEOF {
		t.Errorf("command: nutcracker %d bytes %q... closed=%v", len(want), head(want), wantEOF)
	} else if len(got) != len(want) || head(got) != head(want) || !bytes.HasSuffix(got, []byte("+PONG\r\n")) || gotEOF {
		t.Errorf("command: nutcracker %d bytes %q, ours %d bytes %q closed=%v", len(want), head(want), len(got), head(got), gotEOF)
	}
	// The one-server pool with a hash tag.
	runDiff(t, nc, ours, 1, []diffCase{{"one-server", resp(cmd("mset", "{a}1", "x", "{b}2", "y"), cmd("mget", "{a}1", "{b}2", "q"), cmd("del", "{a}1", "q")), 4}})
}

// TestDifferentialAuthDB: a pool with redis_auth and redis_db in front of
// redis-servers with requirepass: NOAUTH before AUTH (PING too), the wrong
// and the right password, and where keys land (nutcracker sends SELECT
// first, ahead of its AUTH).
func TestDifferentialAuthDB(t *testing.T) {
	var back [2][]int
	for side := 0; side < 2; side++ {
		for i := 0; i < 2; i++ {
			back[side] = append(back[side], testenv.StartRedis(t, "--requirepass", "sekrit"))
		}
	}
	nc, ours := startBoth(t, 2, func(side int) string {
		return redisPool("auth", "{LISTEN0}", back[side], "  redis_auth: sekrit\n") +
			redisPool("db", "{LISTEN1}", back[side], "  redis_auth: sekrit\n  redis_db: 3\n")
	})
	cases := []diffCase{
		{"noauth", resp(cmd("ping"), cmd("get", "a"), cmd("auth", "bad"), cmd("get", "a"), cmd("auth", "sekrit"), cmd("set", "a", "1"), cmd("mget", "a", "b", "c"), cmd("ping"), cmd("auth", "nope"), cmd("ping")), 0},
		{"noauth-split", resp(cmd("auth", "sekrit"), cmd("set", "b", "1"), cmd("get", "b")), 5},
	}
	runDiff(t, nc, ours, 0, cases)
	runDiff(t, nc, ours, 1, cases)
	// The servers' counters: the replies to the AUTH and SELECT sent first
	// on each connection are swallowed, and nutcracker counts no response
	// for them.
	time.Sleep(250 * time.Millisecond)
	a, b := statsDoc(t, nc.stats), statsDoc(t, ours.stats)
	for _, pool := range []string{"auth", "db"} {
		for _, srv := range []string{"r0", "r1"} {
			for _, f := range []string{"requests", "request_bytes", "responses", "response_bytes", "server_connections"} {
				if x, y := poolSrvValue(a, pool, srv, f), poolSrvValue(b, pool, srv, f); x < 0 || x != y {
					t.Errorf("%s %s %s: nutcracker %d, ours %d", pool, srv, f, x, y)
				}
			}
		}
	}
	// Where did the db pool's writes go? Ask each backend in db 0 and 3.
	for side := 0; side < 2; side++ {
		for _, p := range back[side] {
			c := dialR(t, p)
			c.do(t, "auth", "sekrit")
			for _, db := range []string{"0", "3"} {
				c.do(t, "select", db)
				if got, want := c.do(t, "dbsize"), dialDBSize(t, back[0], back[1], p, db); side == 1 && got != want {
					t.Errorf("backend %d db %s: ours %q, nutcracker's twin %q", p, db, got, want)
				}
			}
		}
	}
}

// dialDBSize is the DBSIZE of the nutcracker side's twin of backend p.
func dialDBSize(t *testing.T, nc, ours []int, p int, db string) string {
	for i, q := range ours {
		if q == p {
			c := dialR(t, nc[i])
			c.do(t, "auth", "sekrit")
			c.do(t, "select", db)
			return c.do(t, "dbsize")
		}
	}
	return ""
}

// TestDifferentialMemcache: memcache streams through both, each in front
// of three memcached named alike: get/gets split across servers and
// coalesced into one END (with nutcracker's VALUE order when a miss comes
// first), a gets of many keys, storage commands, cas (good, stale,
// missing), noreply on every command that takes it, delete, incr/decr
// (missing, non-numeric, wrapping), touch, version, quit, and the closing
// cases (stats, flush_all, an unknown word, a bad data block, a bad incr
// delta, a long key).
func TestDifferentialMemcache(t *testing.T) {
	var back [2][]int
	for side := 0; side < 2; side++ {
		for i := 0; i < 3; i++ {
			back[side] = append(back[side], testenv.StartMemcached(t))
		}
	}
	nc, ours := startBoth(t, 1, func(side int) string { return mcPool("mc", "{LISTEN0}", back[side], "") })
	var keys []string
	for i := 0; i < 40; i++ {
		keys = append(keys, fmt.Sprintf("key%d", i))
	}
	var setAll bytes.Buffer
	for i, k := range keys {
		if i%3 != 0 {
			fmt.Fprintf(&setAll, "set %s %d 0 %d\r\n%s\r\n", k, i, len(k)+i, k+strings.Repeat("v", i))
		}
	}
	basic := []byte("set a 1 0 1\r\nx\r\nget a\r\nadd a 0 0 1\r\ny\r\nreplace a 2 0 2\r\nyy\r\nappend a 0 0 1\r\nz\r\nprepend a 0 0 1\r\nw\r\nget a b a\r\n" +
		"set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\nincr nope 1\r\ndelete n\r\ndelete n\r\ntouch a 100\r\ntouch nope 1\r\n" +
		"set q 0 0 1 noreply\r\nq\r\nget q\r\ndelete q noreply\r\nget q\r\nversion\r\n")
	cases := []diffCase{
		{"basic", basic, 0}, {"basic", basic, 5},
		{"multiget", append(setAll.Bytes(), []byte("get "+strings.Join(keys, " ")+"\r\nget key1 key0 key2\r\n")...), 11},
		{"gets", []byte("gets key1 key2 key4 key5\r\n"), 0},
		{"stats", []byte("get a\r\nstats\r\nget a\r\n"), 0},
		{"flush", []byte("flush_all\r\n"), 0},
		{"unknown", []byte("bogus a\r\n"), 0},
		{"upper", []byte("GET a\r\n"), 0},
		{"bad-data", []byte("set a 0 0 1\r\nxyz\r\nget a\r\n"), 0},
		{"long-key", []byte("get " + strings.Repeat("k", 251) + "\r\n"), 0},
		{"quit", []byte("get a\r\nquit\r\nget a\r\n"), 0},
		// incr/decr on a missing key, a non-numeric value, a wrap past
		// 2^64-1, a non-numeric delta (nutcracker's parser closes)
		{"incr-decr", []byte("decr nope 1\r\nset s 0 0 3\r\nabc\r\nincr s 1\r\ndecr s 1\r\n" +
			"set w 0 0 20\r\n18446744073709551615\r\nincr w 2\r\nget w\r\n"), 3},
		{"incr-bad-delta", []byte("incr w x\r\n"), 0},
		// every storage, arithmetic and touch command with noreply, then
		// what they did
		{"noreply", []byte("set nr 0 0 1 noreply\r\n5\r\nadd nr 0 0 1 noreply\r\nx\r\nadd nr2 3 0 1 noreply\r\ny\r\n" +
			"replace nr 1 0 1 noreply\r\n6\r\nappend nr 0 0 1 noreply\r\n0\r\nprepend nr 0 0 1 noreply\r\n1\r\n" +
			"incr nr 5 noreply\r\ndecr nr 2 noreply\r\ntouch nr 100 noreply\r\ncas nr 0 0 1 1 noreply\r\nz\r\n" +
			"incr nope 1 noreply\r\nreplace nope 0 0 1 noreply\r\nq\r\nget nr nr2 nope\r\n"), 7},
		// gets across the servers: the misses and every VALUE's cas unique
		{"gets-many", []byte("gets " + strings.Join(keys, " ") + " nr nr2 nope\r\n"), 17},
	}
	runDiff(t, nc, ours, 0, cases)
	// cas: the unique of a fresh item, read through nutcracker (both sides'
	// memcacheds have seen the same stores, so ours has the same one, as
	// the gets in the stream checks), a good cas, the same token again
	// (now stale: EXISTS), a cas on a missing key, and a good noreply cas
	// with the next token.
	for _, p := range []int{nc.ports[0], ours.ports[0]} {
		exchange(t, p, [][]byte{[]byte("set ck 0 0 1\r\na\r\n")}, 0, 100*time.Millisecond)
	}
	token := func() string {
		b, _ := exchange(t, nc.ports[0], [][]byte{[]byte("gets ck\r\n")}, 0, 100*time.Millisecond)
		f := strings.Fields(string(b))
		if len(f) < 5 || f[0] != "VALUE" {
			t.Fatalf("gets ck through nutcracker: %q", b)
		}
		return f[4]
	}
	tok := token()
	next, _ := strconv.ParseUint(tok, 10, 64)
	runDiff(t, nc, ours, 0, []diffCase{{"cas", []byte("gets ck\r\ncas ck 5 0 1 " + tok + "\r\nb\r\ncas ck 0 0 1 " + tok + "\r\nc\r\n" +
		"cas nope 0 0 1 " + tok + "\r\nd\r\nget ck\r\n"), 0}})
	runDiff(t, nc, ours, 0, []diffCase{{"cas-noreply", []byte("gets ck\r\ncas ck 0 0 1 " + strconv.FormatUint(next+1, 10) + " noreply\r\ne\r\ngets ck\r\n"), 4}})
}

// TestStatsShape: the stats documents of nutcracker and ours for the same
// pools and server names are the same with the numbers blanked (field
// names, order, separators, the trailing newline), and the counters of a
// simple run agree.
func TestStatsShape(t *testing.T) {
	var back [2][]int
	for side := 0; side < 2; side++ {
		back[side] = append(back[side], testenv.StartRedis(t), testenv.StartRedis(t))
	}
	nc, ours := startBoth(t, 2, func(side int) string {
		return redisPool("alpha", "{LISTEN0}", back[side], "") + mcPool("b", "{LISTEN1}", []int{1}, "")
	})
	stream := resp(cmd("set", "a", "1"), cmd("mget", "a", "b", "c", "d"), cmd("get", "b"))
	for _, pp := range []*proxyProc{nc, ours} {
		exchange(t, pp.ports[0], [][]byte{stream}, 0, 300*time.Millisecond)
	}
	time.Sleep(250 * time.Millisecond) // two -i 100 aggregations
	want, got := statsDoc(t, nc.stats), statsDoc(t, ours.stats)
	if statsShape(want) != statsShape(got) {
		t.Errorf("stats shape:\nnutcracker %s\nours       %s", want, got)
	}
	for _, f := range []string{"requests", "responses", "request_bytes", "response_bytes", "server_connections"} {
		for _, s := range []string{"r0", "r1"} {
			if a, b := statsValue(want, s, f), statsValue(got, s, f); a != b {
				t.Errorf("%s %s: nutcracker %d, ours %d", s, f, a, b)
			}
		}
	}
	for _, f := range []string{"fragments", "client_eof", "forward_error"} {
		if a, b := statsValue(want, "alpha", f), statsValue(got, "alpha", f); a != b {
			t.Errorf("alpha %s: nutcracker %d, ours %d", f, a, b)
		}
	}
}

// TestUnixSocketInterop: nutcracker and ours, each with redis-servers of
// their own that listen on a unix socket as well as TCP, and two pools:
// "uxback" listens on TCP and has the unix socket of one redis as its
// server; "uxlisten" listens on a unix socket (permission 0660) and has
// that unix-socket server and a TCP one (named alike on both sides, so the
// rings are the same). Sent on each pool, and expected byte for byte and
// close for close as nutcracker: SET/GET/MGET/DEL across both servers, a
// pipeline split at odd boundaries, PING, an unsupported command (the
// close). The listening socket's file has mode 0660 in both; the
// backends hold the same keys behind both; the counters of the servers
// are nutcracker's (request_bytes with its count of MSET fragments, and
// responses without the one to the GET whose client was closed), but for
// server_connections of the unix-socket server: nutcracker counts a
// connection only when its connect() completes later (EINPROGRESS), which
// a unix socket's never does, yet uncounts it when it closes, so its
// gauge says 0 here and goes negative as such connections close; ours
// says 1, the connection open. Socket paths are kept short (sun_path
// holds 108 bytes): a directory of os.MkdirTemp("", "px").
func TestUnixSocketInterop(t *testing.T) {
	dir, err := os.MkdirTemp("", "px")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var rsock, lsock [2]string
	var tcpBack, uxBack [2]int
	for side := 0; side < 2; side++ {
		rsock[side] = filepath.Join(dir, fmt.Sprintf("r%d.sock", side))
		lsock[side] = filepath.Join(dir, fmt.Sprintf("p%d.sock", side))
		uxBack[side] = testenv.StartRedis(t, "--unixsocket", rsock[side], "--unixsocketperm", "700")
		tcpBack[side] = testenv.StartRedis(t)
	}
	nc, ours := startBoth(t, 1, func(side int) string {
		return fmt.Sprintf("uxback:\n  listen: {LISTEN0}\n  redis: true\n  servers:\n   - %s:1 r0\n", rsock[side]) +
			fmt.Sprintf("uxlisten:\n  listen: %s 0660\n  redis: true\n  hash: md5\n  servers:\n   - %s:1 r0\n   - 127.0.0.1:%d:1 r1\n", lsock[side], rsock[side], tcpBack[side])
	})
	for _, path := range lsock {
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, err := net.Dial("unix", path)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never accepted: %v", path, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	var sets, gets []string
	for i := 0; i < 20; i++ {
		sets = append(sets, fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i))
		gets = append(gets, fmt.Sprintf("k%d", i))
	}
	stream := resp(append([]string{"mset"}, sets...), append([]string{"mget"}, gets...), cmd("set", "a", "1"), cmd("get", "a"),
		cmd("incr", "n"), cmd("ping"), append([]string{"del"}, gets[:10]...), append([]string{"mget"}, gets...))
	cases := []diffCase{{"stream", stream, 0}, {"stream-split", stream, 7}, {"unsupported", resp(cmd("get", "a"), cmd("keys", "*")), 0}}
	runDiff(t, nc, ours, 0, cases)
	for _, c := range cases {
		want, wantEOF := exchangeNet(t, "unix", lsock[0], split(c.data, c.split), 0, 300*time.Millisecond)
		got, gotEOF := exchangeNet(t, "unix", lsock[1], split(c.data, c.split), len(want), 300*time.Millisecond)
		if !bytes.Equal(want, got) || wantEOF != gotEOF || len(want) == 0 && c.name != "unsupported" {
			t.Errorf("unix listener, %s:\nnutcracker %q closed=%v\nours       %q closed=%v", c.name, want, wantEOF, got, gotEOF)
		}
	}
	for side, path := range lsock {
		if fi, err := os.Stat(path); err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o660 {
			t.Errorf("side %d: listening socket %s: %v %v, want a socket of mode 0660", side, path, fi.Mode(), err)
		}
	}
	for _, ports := range [][2]int{uxBack, tcpBack} {
		a, b := dialR(t, ports[0]), dialR(t, ports[1])
		if x, y := a.do(t, "dbsize"), b.do(t, "dbsize"); x != y || x == ":0\r\n" {
			t.Errorf("a backend holds %q keys behind nutcracker, %q behind ours", x, y)
		}
	}
	time.Sleep(250 * time.Millisecond)
	a, b := statsDoc(t, nc.stats), statsDoc(t, ours.stats)
	for _, ps := range [][2]string{{"uxback", "r0"}, {"uxlisten", "r0"}, {"uxlisten", "r1"}} {
		for _, f := range []string{"requests", "request_bytes", "responses", "response_bytes", "server_connections", "server_err", "server_eof"} {
			x, y := poolSrvValue(a, ps[0], ps[1], f), poolSrvValue(b, ps[0], ps[1], f)
			if f == "server_connections" && ps[1] == "r0" {
				x = 1 // the unix-socket server: see above
			}
			if x < 0 || x != y {
				t.Errorf("%s %s %s: nutcracker %d, ours %d", ps[0], ps[1], f, x, y)
			}
		}
	}
	for _, pool := range []string{"uxback", "uxlisten"} {
		for _, f := range []string{"client_eof", "client_err", "forward_error", "client_connections"} {
			if x, y := statsValue(a, pool, f), statsValue(b, pool, f); x < 0 || x != y {
				t.Errorf("%s %s: nutcracker %d, ours %d", pool, f, x, y)
			}
		}
	}
}
