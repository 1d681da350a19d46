package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// step is one command on one of a differential test's connections, or,
// with a command of "SLEEP ms" or "WAITDBSIZE n", a pause or a wait (by
// polling DBSIZE on that connection) run against each server in turn.
type step struct {
	conn int
	cmd  []string
}

// on makes steps on connection conn from command lines (split as cmds).
func on(conn int, lines ...string) []step {
	var out []step
	for _, c := range cmds(lines...) {
		out = append(out, step{conn, c})
	}
	return out
}

// avgTTL is the part of an INFO keyspace line the expiry cycle estimates.
var avgTTL = regexp.MustCompile(`avg_ttl=\d+`)

// diffRedisSteps runs steps over nconn connections to our server and as
// many to a real redis-server 7.0 (started with redisArgs), in the same
// order, and fails on the first reply that differs byte for byte (INFO's
// avg_ttl figures, and so its length, aside). It returns our replies, for
// checks of their own.
func diffRedisSteps(t *testing.T, ours string, nconn int, steps []step, redisArgs ...string) []string {
	t.Helper()
	redisAddr := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t, redisArgs...))
	var a, b []*rawConn
	for range nconn {
		a = append(a, dialRaw(t, ours))
		b = append(b, dialRaw(t, redisAddr))
	}
	var got []string
	for i, st := range steps {
		switch strings.ToUpper(st.cmd[0]) {
		case "SLEEP":
			ms, _ := strconv.Atoi(st.cmd[1])
			time.Sleep(time.Duration(ms) * time.Millisecond)
			got = append(got, "")
			continue
		case "WAITDBSIZE":
			for _, c := range []*rawConn{a[st.conn], b[st.conn]} {
				waitDBSize(t, c, st.cmd[1])
			}
			got = append(got, "")
			continue
		}
		x, y := a[st.conn].do(st.cmd...), b[st.conn].do(st.cmd...)
		if strings.EqualFold(st.cmd[0], "info") {
			// The bulk's length goes with avg_ttl's digits.
			_, x, _ = strings.Cut(avgTTL.ReplaceAllString(x, "avg_ttl=N"), "\r\n")
			_, y, _ = strings.Cut(avgTTL.ReplaceAllString(y, "avg_ttl=N"), "\r\n")
		}
		if x != y {
			t.Fatalf("step %d, connection %d, %q:\n ours:  %q\n redis: %q", i, st.conn, strings.Join(st.cmd, " "), x, y)
		}
		got = append(got, x)
	}
	return got
}

// waitDBSize polls DBSIZE, which looks up no key, until it replies n: the
// active expiry cycle has deleted the keys. 30 s is a liveness bound, not
// a timing expectation.
func waitDBSize(t *testing.T, c *rawConn, n string) {
	t.Helper()
	want := ":" + n + "\r\n"
	for deadline := time.Now().Add(30 * time.Second); ; {
		if c.do("DBSIZE") == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("DBSIZE is not %s after 30 s", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Input: MULTI, EXEC, DISCARD, WATCH and UNWATCH used right and wrong on
// one connection: nested MULTI, WATCH inside MULTI, EXEC and DISCARD
// without MULTI, wrong arities inside and outside MULTI, an unknown
// command and a wrong arity queued (EXECABORT, and the transaction over
// after it), run-time errors inside EXEC (WRONGTYPE, not an integer, an
// overflow, a bad option) among commands that work, an empty
// transaction, DISCARD then EXEC, SELECT and MOVE inside EXEC (the
// commands after SELECT run in the new database), UNWATCH queued, a
// WATCH followed by our own write (which dooms our EXEC too), and AUTH,
// PING, ECHO and CONFIG GET queued. Expected: the same reply bytes as
// redis-server 7.0.15, QUEUED and all.
func TestMultiMatchesRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedisSteps(t, startServer(t, s), 1, on(0,
		"MULTI", "MULTI", "WATCH a", "EXEC", "EXEC", "DISCARD", "DISCARD",
		"MULTI x", "EXEC x", "DISCARD x", "WATCH", "UNWATCH x", "UNWATCH",
		// queueing errors
		"MULTI", "SET a 1", "FOO bar", "GET a b", "EXEC", "EXEC", "GET a",
		"MULTI", "SET a 1", "EXEC x", "EXEC", "GET a", "MULTI", "EXEC x", "EXEC",
		"MULTI", "SET a 1", "MULTI x", "WATCH", "EXEC",
		"MULTI", "CONFIG nosuch", "EXEC",
		// run-time errors are per command
		"MULTI", "SET a 1", "LPUSH a x", "INCR a", "SET s x", "INCR s", "INCRBY a 9223372036854775807",
		"SET a 2 EX 0", "EXPIRE a 10 NX XX", "GET a", "EXEC", "GET a",
		// empty, discarded
		"MULTI", "EXEC", "MULTI", "SET d 1", "DISCARD", "GET d", "EXEC",
		// databases inside a transaction
		"MULTI", "SET x 0", "SELECT 2", "SET x 2", "MOVE x 0", "SELECT 3", "DBSIZE", "EXEC",
		"DBSIZE", "SELECT 2", "GET x", "SELECT 0", "GET x",
		// UNWATCH queued; WATCH then our own write
		"WATCH w", "MULTI", "UNWATCH", "PING", "EXEC",
		"WATCH w", "SET w 1", "MULTI", "PING", "EXEC", "GET w",
		"WATCH w", "UNWATCH", "SET w 2", "MULTI", "PING", "EXEC",
		"WATCH w", "MULTI", "SET w 3", "EXEC", "GET w",
		"WATCH w", "WATCH w w v", "MULTI", "EXEC",
		// other commands queued
		"MULTI", "PING", "PING hi", "ECHO e", "CONFIG GET maxmemory", "AUTH x", "SELECT 99", "SELECT x", "EXEC",
		"FLUSHALL",
	))
}

// Input: a key WATCHed on connection 0 and written on connection 1 by
// each write command this server has (the table is checked to cover every
// command with the write flag), each after a setup that makes the write
// change the key; then MULTI, PING, EXEC on connection 0. Expected: the
// same bytes as redis-server 7.0.15 and, from our server, a null array
// (*-1) for every write.
func TestWatchInvalidatedByEveryWrite(t *testing.T) {
	type tc struct {
		setup []string
		write string // the key it changes is k (in db 0 unless said)
	}
	writes := map[string][]tc{
		"set":              {{nil, "SET k v"}, {nil, "SET k v NX"}, {[]string{"SET k a"}, "SET k v XX GET"}},
		"setnx":            {{nil, "SETNX k v"}},
		"setex":            {{nil, "SETEX k 100 v"}},
		"psetex":           {{nil, "PSETEX k 100000 v"}},
		"getset":           {{nil, "GETSET k v"}},
		"getdel":           {{[]string{"SET k v"}, "GETDEL k"}},
		"mset":             {{nil, "MSET a 1 k 2"}},
		"msetnx":           {{nil, "MSETNX a 1 k 2"}},
		"append":           {{nil, "APPEND k v"}, {[]string{"SET k v"}, "APPEND k v"}},
		"incr":             {{nil, "INCR k"}, {[]string{"SET k 1"}, "INCR k"}},
		"decr":             {{[]string{"SET k 1"}, "DECR k"}},
		"incrby":           {{[]string{"SET k 1"}, "INCRBY k 5"}},
		"decrby":           {{[]string{"SET k 1"}, "DECRBY k 5"}},
		"incrbyfloat":      {{[]string{"SET k 1"}, "INCRBYFLOAT k 0.5"}},
		"setrange":         {{nil, "SETRANGE k 2 v"}, {[]string{"SET k abc"}, "SETRANGE k 1 z"}},
		"getex":            {{[]string{"SET k v"}, "GETEX k EX 100"}, {[]string{"SET k v EX 100"}, "GETEX k PERSIST"}, {[]string{"SET k v"}, "GETEX k PXAT 1"}},
		"setbit":           {{nil, "SETBIT k 7 1"}, {[]string{"SET k a"}, "SETBIT k 0 1"}},
		"bitop":            {{[]string{"SET a x"}, "BITOP NOT k a"}, {[]string{"SET k v"}, "BITOP AND k nosuch"}},
		"bitfield":         {{nil, "BITFIELD k SET u8 0 1"}, {[]string{"SET k a"}, "BITFIELD k INCRBY u8 0 1"}},
		"del":              {{[]string{"SET k v"}, "DEL a k"}},
		"unlink":           {{[]string{"SET k v"}, "UNLINK k"}},
		"rename":           {{[]string{"SET k v"}, "RENAME k k2"}, {[]string{"SET a v"}, "RENAME a k"}, {[]string{"SET a v", "SET k v"}, "RENAME a k"}},
		"renamenx":         {{[]string{"SET k v"}, "RENAMENX k k2"}, {[]string{"SET a v"}, "RENAMENX a k"}},
		"expire":           {{[]string{"SET k v"}, "EXPIRE k 100"}, {[]string{"SET k v"}, "EXPIRE k 0"}},
		"pexpire":          {{[]string{"SET k v"}, "PEXPIRE k 100000"}},
		"expireat":         {{[]string{"SET k v"}, "EXPIREAT k 99999999999"}, {[]string{"SET k v"}, "EXPIREAT k 1"}},
		"pexpireat":        {{[]string{"SET k v"}, "PEXPIREAT k 99999999999999"}},
		"persist":          {{[]string{"SET k v EX 100"}, "PERSIST k"}},
		"lpush":            {{nil, "LPUSH k a"}},
		"rpush":            {{[]string{"RPUSH k a"}, "RPUSH k b"}},
		"lpushx":           {{[]string{"RPUSH k a"}, "LPUSHX k b"}},
		"rpushx":           {{[]string{"RPUSH k a"}, "RPUSHX k b"}},
		"lpop":             {{[]string{"RPUSH k a b"}, "LPOP k"}, {[]string{"RPUSH k a"}, "LPOP k 5"}},
		"rpop":             {{[]string{"RPUSH k a b"}, "RPOP k"}},
		"lset":             {{[]string{"RPUSH k a b"}, "LSET k 0 z"}},
		"lrem":             {{[]string{"RPUSH k a b"}, "LREM k 0 a"}},
		"ltrim":            {{[]string{"RPUSH k a b"}, "LTRIM k 0 0"}, {[]string{"RPUSH k a b"}, "LTRIM k 0 5"}, {[]string{"RPUSH k a b"}, "LTRIM k 5 9"}},
		"linsert":          {{[]string{"RPUSH k a b"}, "LINSERT k BEFORE b z"}},
		"sadd":             {{nil, "SADD k m"}},
		"srem":             {{[]string{"SADD k m n"}, "SREM k m"}},
		"spop":             {{[]string{"SADD k m"}, "SPOP k"}, {[]string{"SADD k m"}, "SPOP k 1"}, {[]string{"SADD k m"}, "SPOP k 5"}},
		"sinterstore":      {{[]string{"SADD a m"}, "SINTERSTORE k a"}, {[]string{"SET k v"}, "SINTERSTORE k nosuch"}},
		"sunionstore":      {{[]string{"SADD a m"}, "SUNIONSTORE k a"}},
		"sdiffstore":       {{[]string{"SADD a m"}, "SDIFFSTORE k a"}, {[]string{"SADD k m"}, "SDIFFSTORE k k"}},
		"smove":            {{[]string{"SADD k m"}, "SMOVE k a m"}, {[]string{"SADD a m"}, "SMOVE a k m"}},
		"zadd":             {{nil, "ZADD k 1 m"}, {[]string{"ZADD k 1 m"}, "ZADD k 2 m"}, {[]string{"ZADD k 1 m"}, "ZADD k INCR 2 m"}},
		"zincrby":          {{[]string{"ZADD k 1 m"}, "ZINCRBY k 1 m"}},
		"zrem":             {{[]string{"ZADD k 1 m 2 n"}, "ZREM k m"}},
		"zpopmin":          {{[]string{"ZADD k 1 m 2 n"}, "ZPOPMIN k"}},
		"zpopmax":          {{[]string{"ZADD k 1 m 2 n"}, "ZPOPMAX k 9"}},
		"zremrangebyrank":  {{[]string{"ZADD k 1 m 2 n"}, "ZREMRANGEBYRANK k 0 0"}},
		"zremrangebyscore": {{[]string{"ZADD k 1 m 2 n"}, "ZREMRANGEBYSCORE k 0 1"}},
		"zremrangebylex":   {{[]string{"ZADD k 0 m 0 n"}, "ZREMRANGEBYLEX k [m [m"}},
		"zunionstore":      {{[]string{"ZADD a 1 m"}, "ZUNIONSTORE k 1 a"}, {[]string{"ZADD k 1 m"}, "ZUNIONSTORE k 1 nosuch"}},
		"zinterstore":      {{[]string{"ZADD a 1 m"}, "ZINTERSTORE k 1 a"}},
		"zdiffstore":       {{[]string{"ZADD a 1 m"}, "ZDIFFSTORE k 1 a"}},
		"zrangestore":      {{[]string{"ZADD a 1 m"}, "ZRANGESTORE k a 0 -1"}, {[]string{"ZADD k 1 m"}, "ZRANGESTORE k a 0 -1"}},
		"hset":             {{nil, "HSET k f v"}, {[]string{"HSET k f v"}, "HSET k f v"}},
		"hmset":            {{nil, "HMSET k f v"}},
		"hsetnx":           {{nil, "HSETNX k f v"}},
		"hdel":             {{[]string{"HSET k f v g w"}, "HDEL k f"}},
		"hincrby":          {{nil, "HINCRBY k f 1"}},
		"hincrbyfloat":     {{nil, "HINCRBYFLOAT k f 1.5"}},
		"flushdb":          {{[]string{"SET k v"}, "FLUSHDB"}, {[]string{"SET k v"}, "FLUSHDB ASYNC"}},
		"flushall":         {{[]string{"SET k v"}, "FLUSHALL"}, {[]string{"SET k v"}, "FLUSHALL SYNC"}},
		"swapdb":           {{[]string{"SET k v"}, "SWAPDB 0 1"}, {[]string{"SELECT 1", "SET k v", "SELECT 0"}, "SWAPDB 1 0"}},
		"move":             {{[]string{"SET k v"}, "MOVE k 1"}, {[]string{"SELECT 1", "SET k v"}, "MOVE k 0"}},
		"lmove":            {{[]string{"RPUSH k a"}, "LMOVE k x LEFT LEFT"}, {[]string{"RPUSH x a"}, "LMOVE x k LEFT LEFT"}},
		"rpoplpush":        {{[]string{"RPUSH k a"}, "RPOPLPUSH k x"}, {[]string{"RPUSH x a"}, "RPOPLPUSH x k"}},
		"blmove":           {{[]string{"RPUSH k a"}, "BLMOVE k x LEFT LEFT 0"}, {[]string{"RPUSH x a"}, "BLMOVE x k LEFT LEFT 0"}},
		"brpoplpush":       {{[]string{"RPUSH k a"}, "BRPOPLPUSH k x 0"}, {[]string{"RPUSH x a"}, "BRPOPLPUSH x k 0"}},
		"lmpop":            {{[]string{"RPUSH k a b"}, "LMPOP 1 k LEFT"}},
		"blmpop":           {{[]string{"RPUSH k a b"}, "BLMPOP 0 1 k RIGHT COUNT 5"}},
		"blpop":            {{[]string{"RPUSH k a b"}, "BLPOP x k 0"}},
		"brpop":            {{[]string{"RPUSH k a"}, "BRPOP k 0"}},
		"zmpop":            {{[]string{"ZADD k 1 a"}, "ZMPOP 1 k MIN"}},
		"bzmpop":           {{[]string{"ZADD k 1 a 2 b"}, "BZMPOP 0 1 k MAX"}},
		"bzpopmin":         {{[]string{"ZADD k 1 a"}, "BZPOPMIN k 0"}},
		"bzpopmax":         {{[]string{"ZADD k 1 a 2 b"}, "BZPOPMAX x k 0"}},
		"copy":             {{[]string{"SET a v"}, "COPY a k"}, {[]string{"SET a v", "SET k w"}, "COPY a k REPLACE"}},
		"sort":             {{[]string{"RPUSH a 2 1"}, "SORT a STORE k"}, {[]string{"SET k v"}, "SORT nosuch STORE k"}},
		"restore":          {{nil, "RESTORE k 0 \"\x00\x01v\n\x00\x91\x08\xce\xb2\x198\x8a\xce\""}},
	}
	// Every command with the write flag is in the table.
	s := newTestServer(t)
	for name, cmd := range s.commands {
		if cmd.flags&cmdWrite != 0 && writes[name] == nil {
			t.Errorf("write command %s is missing from the table", name)
		}
	}
	var steps []step
	var execs []int
	for _, name := range sortedKeys(writes) {
		for _, w := range writes[name] {
			steps = append(steps, on(1, "FLUSHALL", "SELECT 0")...)
			steps = append(steps, on(1, w.setup...)...)
			steps = append(steps, on(0, "WATCH k")...)
			steps = append(steps, on(1, w.write)...)
			steps = append(steps, on(0, "MULTI", "PING")...)
			execs = append(execs, len(steps))
			steps = append(steps, on(0, "EXEC")...)
		}
	}
	got := diffRedisSteps(t, startServer(t, s), 2, steps)
	for _, i := range execs {
		if got[i] != resp.NullArray {
			t.Errorf("EXEC after %q = %q, want %q", strings.Join(steps[i-3].cmd, " "), got[i], resp.NullArray)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// Input: a WATCHed key k, then from another connection a read of it, a
// write that changes nothing (SETNX on an existing key, DEL of a missing
// key, SADD of a member present, a failing INCR, WRONGTYPE, an EXPIRE
// whose condition fails, ...), a write to another key, or to the same
// name in another database, or a flush of another database, or a SWAPDB
// of two other databases or of databases where k exists in neither.
// Expected: the same bytes as redis-server 7.0.15 and, from our server,
// EXEC running (*1 +PONG) every time: none of these touch the WATCH.
func TestWatchNotInvalidatedByReadsAndNoops(t *testing.T) {
	cases := []struct {
		setup []string
		other string
	}{
		{[]string{"SET k v"}, "GET k"},
		{[]string{"SET k v"}, "EXISTS k"},
		{[]string{"SET k v"}, "TOUCH k"},
		{[]string{"SET k v"}, "TYPE k"},
		{[]string{"SET k v EX 100"}, "TTL k"},
		{[]string{"SET k v"}, "STRLEN k"},
		{[]string{"RPUSH k a"}, "LRANGE k 0 -1"},
		{[]string{"HSET k f v"}, "HGETALL k"},
		{[]string{"SET k v"}, "KEYS *"},
		{[]string{"SET k v"}, "SCAN 0"},
		{[]string{"SET k v"}, "RANDOMKEY"},
		{[]string{"SET k v"}, "DBSIZE"},
		{[]string{"SET k v"}, "SETNX k w"},
		{[]string{"SET k v"}, "SET k w NX"},
		{nil, "SET k w XX"},
		{nil, "DEL k"},
		{[]string{"SET k v"}, "DEL other"},
		{nil, "LPUSHX k a"},
		{[]string{"RPUSH k a"}, "LREM k 0 zz"},
		{[]string{"SADD k m"}, "SADD k m"},
		{[]string{"SADD k m"}, "SREM k zz"},
		{[]string{"HSET k f v"}, "HSETNX k f w"},
		{[]string{"HSET k f v"}, "HDEL k zz"},
		{[]string{"ZADD k 1 m"}, "ZADD k NX 5 m"},
		{[]string{"ZADD k 1 m"}, "ZADD k 1 m"},
		{[]string{"ZADD k 1 m"}, "ZREM k zz"},
		{[]string{"ZADD k 1 m"}, "ZREMRANGEBYSCORE k 5 9"},
		{[]string{"SET k abc"}, "INCR k"},
		{[]string{"SET k v"}, "LPUSH k a"},
		{nil, "EXPIRE k 100"},
		{[]string{"SET k v EX 100"}, "EXPIRE k 200 NX"},
		{[]string{"SET k v"}, "PERSIST k"},
		{[]string{"SET k v", "SET k2 v"}, "RENAMENX k k2"},
		{[]string{"SET k v"}, "RENAME k k"},
		{[]string{"SET k v", "SELECT 1", "SET k v"}, "MOVE k 0"},
		{[]string{"SET k v"}, "SELECT 1"},
		{[]string{"SET k v", "SELECT 1", "SET k w"}, "DEL k"},
		{[]string{"SET k v", "SELECT 1", "SET k w"}, "FLUSHDB"},
		{[]string{"SET k v", "SELECT 1", "SET k w"}, "SWAPDB 1 2"},
		{[]string{"SELECT 1", "SET a v"}, "SWAPDB 0 1"},
		{[]string{"SET k v"}, "SWAPDB 0 0"},
		{nil, "FLUSHALL"},
	}
	var steps []step
	var execs []int
	for _, c := range cases {
		steps = append(steps, on(1, "FLUSHALL", "SELECT 0")...)
		steps = append(steps, on(1, c.setup...)...)
		steps = append(steps, on(0, "WATCH k")...)
		steps = append(steps, on(1, c.other)...)
		steps = append(steps, on(0, "MULTI", "PING")...)
		execs = append(execs, len(steps))
		steps = append(steps, on(0, "EXEC")...)
	}
	got := diffRedisSteps(t, startServer(t, newTestServer(t)), 2, steps)
	for _, i := range execs {
		if got[i] != "*1\r\n+PONG\r\n" {
			t.Errorf("EXEC after %q = %q, want the transaction run", strings.Join(steps[i-3].cmd, " "), got[i])
		}
	}
}

// Input: WATCHed keys with a TTL that passes: EXEC with the key expired
// but not yet deleted; a lookup from another connection deleting it; the
// active expiry cycle deleting it (waited for with DBSIZE, which looks up
// no key); a key already expired when watched, then deleted by a lookup
// (no change) or then set again (a change); FLUSHDB and SWAPDB meeting
// expired keys; WATCH in database 1 and a write there, and in database 0
// for a write to database 1. Expected: the same bytes as redis-server
// 7.0.15.
func TestWatchExpiryMatchesRedis(t *testing.T) {
	steps := [][]step{
		on(0, "SET k v PX 100", "WATCH k", "SLEEP 200", "MULTI", "PING", "EXEC"),
		append(on(0, "FLUSHALL", "SET k v PX 100", "WATCH k", "SLEEP 200"), append(on(1, "GET k"), on(0, "MULTI", "PING", "EXEC")...)...),
		on(0, "FLUSHALL", "SET k v PX 100", "WATCH k", "WAITDBSIZE 0", "MULTI", "PING", "EXEC"),
		append(on(0, "FLUSHALL", "SET k v PX 50", "SLEEP 100", "WATCH k"), append(on(1, "GET k"), on(0, "MULTI", "PING", "EXEC")...)...),
		append(on(0, "FLUSHALL", "SET k v PX 50", "SLEEP 100", "WATCH k"), append(on(1, "GET k", "SET k again"), on(0, "MULTI", "PING", "EXEC")...)...),
		append(on(0, "FLUSHALL", "SET k v PX 50", "SLEEP 100", "WATCH k"), append(on(1, "FLUSHDB"), on(0, "MULTI", "PING", "EXEC")...)...),
		append(on(0, "FLUSHALL", "SELECT 1", "SET k v PX 50", "SELECT 0", "SLEEP 100", "WATCH k"), append(on(1, "SWAPDB 0 1"), on(0, "MULTI", "PING", "EXEC")...)...),
		append(on(0, "FLUSHALL", "SET k v PX 50", "SELECT 1", "SET k v PX 50", "SELECT 0", "SLEEP 100", "WATCH k"), append(on(1, "SWAPDB 0 1"), on(0, "MULTI", "PING", "EXEC")...)...),
		append(on(0, "FLUSHALL", "SELECT 1", "WATCH k"), append(on(1, "SELECT 1", "SET k v", "SELECT 0"), on(0, "MULTI", "PING", "EXEC", "SELECT 0")...)...),
		append(on(0, "FLUSHALL", "WATCH k"), append(on(1, "SELECT 1", "SET k v", "SELECT 0"), on(0, "MULTI", "PING", "EXEC")...)...),
	}
	var all []step
	for _, s := range steps {
		all = append(all, s...)
	}
	diffRedisSteps(t, startServer(t, newTestServer(t)), 2, all)
}

// Input: go-redis, 8 clients each adding 1 to one key 1,000 times with
// the optimistic-lock pattern: WATCH, GET, MULTI/SET/EXEC through
// TxPipelined, retried on redis.TxFailedErr. Expected: the final value is
// exactly 8,000, and some transactions did fail (the contention was real)
// or none needed to (either way the count is exact).
func TestGoRedisWatchContention(t *testing.T) {
	addr := startServer(t, newTestServer(t))
	const clients, incrs = 8, 1000
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	retries := 0
	errs := make(chan error, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := goRedis(t, addr, func(o *redis.Options) { o.PoolSize = 1 })
			for done := 0; done < incrs; {
				err := rdb.Watch(ctx, func(tx *redis.Tx) error {
					n, err := tx.Get(ctx, "counter").Int()
					if err != nil && !errors.Is(err, redis.Nil) {
						return err
					}
					_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.Set(ctx, "counter", n+1, 0)
						return nil
					})
					return err
				}, "counter")
				switch {
				case err == nil:
					done++
				case errors.Is(err, redis.TxFailedErr):
					mu.Lock()
					retries++
					mu.Unlock()
				default:
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	n, err := goRedis(t, addr).Get(ctx, "counter").Int()
	if err != nil || n != clients*incrs {
		t.Fatalf("counter = %d, %v; want %d", n, err, clients*incrs)
	}
	t.Logf("counter = %d after %d failed transactions retried", n, retries)
}

// Input: go-redis TxPipelined with a command that fails at run time
// (INCR of a non-integer) between two that work. Expected: the EXEC
// array's replies, the error for the bad one only, as from Redis.
func TestGoRedisTxPipelinedErrors(t *testing.T) {
	addr := startServer(t, newTestServer(t))
	ctx := context.Background()
	rdb := goRedis(t, addr)
	var set, incr, get *redis.StringCmd
	var incrCmd *redis.IntCmd
	_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "s", "abc", 0)
		incrCmd = p.Incr(ctx, "s")
		get = p.Get(ctx, "s")
		return nil
	})
	_, _ = set, incr
	if err == nil || !strings.Contains(err.Error(), "not an integer") {
		t.Fatalf("TxPipelined error = %v", err)
	}
	if incrCmd.Err() == nil || get.Val() != "abc" {
		t.Fatalf("INCR err %v, GET %q", incrCmd.Err(), get.Val())
	}
}

// Input: MULTI, then 1,000,000 INCR queued by one client (sent in one
// stream while its QUEUED replies are read), then, before its EXEC, a
// second client's PING and CLIENT LIST; then EXEC. Expected: the second
// client is answered while the first is inside its transaction (CLIENT
// LIST shows it with flags=x and multi=1000000), EXEC replies an array of
// 1,000,000 integers ending at 1000000, and the transaction's state is
// gone afterwards. Redis 7.0 has no cap on queued commands (only the
// query buffer and output limits, which a client reading its replies
// stays within), and neither has this server.
func TestMultiMillionQueued(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	const n = 1000000
	a, b := dialRaw(t, addr), dialRaw(t, addr)
	if got := a.do("MULTI"); got != resp.OK {
		t.Fatalf("MULTI = %q", got)
	}
	one := string(resp.AppendCommand(nil, "INCR", "k"))
	sent := make(chan error, 1)
	go func() {
		buf := []byte(strings.Repeat(one, 10000))
		for i := 0; i < n/10000; i++ {
			if _, err := a.conn.Write(buf); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	// The second client, meanwhile.
	if got := b.do("PING"); got != resp.Pong {
		t.Fatalf("second client PING = %q", got)
	}
	// The QUEUED replies, read as one stream.
	a.conn.SetReadDeadline(time.Now().Add(5 * time.Minute))
	queued := make([]byte, n*len(resp.Queued))
	if _, err := io.ReadFull(a.conn, queued); err != nil {
		t.Fatal(err)
	}
	if string(queued) != strings.Repeat(resp.Queued, n) {
		t.Fatal("the replies to the queued commands are not all +QUEUED")
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	list := b.do("CLIENT", "LIST")
	if !strings.Contains(list, " flags=x ") || !strings.Contains(list, " multi=1000000 ") {
		t.Fatalf("CLIENT LIST during the transaction: %q", list)
	}
	a.send(string(resp.AppendCommand(nil, "EXEC")))
	var want strings.Builder
	want.WriteString("*1000000\r\n")
	for i := 1; i <= n; i++ {
		want.WriteString(":" + strconv.Itoa(i) + "\r\n")
	}
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(a.conn, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Fatalf("EXEC's reply is not *1000000 and :1 to :1000000 (it begins %q)", got[:40])
	}
	if got := b.do("GET", "k"); got != "$7\r\n1000000\r\n" {
		t.Fatalf("GET k = %q", got)
	}
	onLoopT(t, s, func() {
		if len(s.multi) != 0 {
			t.Errorf("%d transaction states left", len(s.multi))
		}
	})
}

// Input: WATCH of 100,000 keys in one command (with a repeated one), then
// MULTI/SET/EXEC; again with another client writing one of the keys
// first, and a third client's PING meanwhile; then a client that watches
// 100,000 keys and disconnects. Expected: OK, the transaction run, then
// a null array; the PING answered; and after each, no WATCH left in the
// database nor transaction state in the server.
func TestWatchManyKeys(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	args := []string{"WATCH"}
	for i := range 100000 {
		args = append(args, "key:"+strconv.Itoa(i))
	}
	args = append(args, "key:7")
	a, b := dialRaw(t, addr), dialRaw(t, addr)
	empty := func(when string) {
		t.Helper()
		onLoopT(t, s, func() {
			if s.dbs[0].watchedKeys != nil || len(s.multi) != 0 {
				t.Errorf("%s: %d watched keys, %d transaction states left", when, len(s.dbs[0].watchedKeys), len(s.multi))
			}
		})
	}
	if got := a.do(args...); got != resp.OK {
		t.Fatalf("WATCH = %q", got)
	}
	onLoopT(t, s, func() {
		if n := len(s.dbs[0].watchedKeys); n != 100000 {
			t.Errorf("%d keys watched, want 100000", n)
		}
	})
	a.do("MULTI")
	a.do("SET", "key:5", "x")
	if got := a.do("EXEC"); got != "*1\r\n+OK\r\n" {
		t.Fatalf("EXEC = %q", got)
	}
	empty("after EXEC")

	a.do(args...)
	if got := b.do("SET", "key:99999", "y"); got != resp.OK {
		t.Fatalf("SET = %q", got)
	}
	if got := dialRaw(t, addr).do("PING"); got != resp.Pong {
		t.Fatalf("PING = %q", got)
	}
	a.do("MULTI")
	a.do("SET", "key:5", "z")
	if got := a.do("EXEC"); got != resp.NullArray {
		t.Fatalf("EXEC after a write = %q", got)
	}
	if got := b.do("GET", "key:5"); got != "$1\r\nx\r\n" {
		t.Fatalf("GET key:5 = %q", got)
	}
	empty("after the failed EXEC")

	c := dialRaw(t, addr)
	c.do(args...)
	c.conn.Close()
	for deadline := time.Now().Add(30 * time.Second); ; {
		var left bool
		onLoopT(t, s, func() { left = s.dbs[0].watchedKeys != nil || len(s.multi) != 0 })
		if !left {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the WATCHes of a closed client are still there after 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Input: COMMAND INFO and COMMAND DOCS for MULTI, EXEC, DISCARD, WATCH,
// UNWATCH, SELECT, MOVE, SWAPDB, DBSIZE. Expected: the same bytes as
// redis-server 7.0.15 for DOCS' summary, since and group, and for INFO's
// name, arity, flags, key positions and ACL categories (the first seven
// fields; this server has no tips nor key specs).
func TestMultiCommandInfoMatchesRedis(t *testing.T) {
	ours := dialRaw(t, startServer(t, newTestServer(t)))
	theirs := dialRaw(t, fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t)))
	for _, name := range []string{"multi", "exec", "discard", "watch", "unwatch", "select", "move", "swapdb", "dbsize", "flushdb", "flushall"} {
		a, b := replyTree(t, ours.do("COMMAND", "INFO", name)), replyTree(t, theirs.do("COMMAND", "INFO", name))
		if x, y := fmt.Sprint(a.([]any)[0].([]any)[:7]), fmt.Sprint(b.([]any)[0].([]any)[:7]); x != y {
			t.Errorf("COMMAND INFO %s:\n ours:  %v\n redis: %v", name, x, y)
		}
		a, b = replyTree(t, ours.do("COMMAND", "DOCS", name)), replyTree(t, theirs.do("COMMAND", "DOCS", name))
		if x, y := fmt.Sprint(a.([]any)[1].([]any)[:6]), fmt.Sprint(b.([]any)[1].([]any)[:6]); x != y {
			t.Errorf("COMMAND DOCS %s:\n ours:  %v\n redis: %v", name, x, y)
		}
	}
}

// replyTree decodes a whole reply into strings, integers and slices.
func replyTree(t *testing.T, raw string) any {
	t.Helper()
	r, n, err := resp.ReadReply([]byte(raw))
	if err != nil || n != len(raw) {
		t.Fatalf("bad reply %q: %v", raw, err)
	}
	var conv func(r resp.Reply) any
	conv = func(r resp.Reply) any {
		switch r.Type {
		case ':':
			return r.Int
		case '*':
			out := []any{}
			for _, e := range r.Array {
				out = append(out, conv(e))
			}
			return out
		}
		return string(r.Type) + string(r.Str)
	}
	return conv(r)
}
