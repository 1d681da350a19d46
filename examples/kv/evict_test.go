package main

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// Input: under noeviction, a limit of 1 byte, then writes (SET, INCR,
// LPUSH, HSET, SADD, ZADD, APPEND, MSET, SETNX, GETSET), a denyoom
// command with the wrong arity, reads, EXPIRE, DEL, a MULTI with a read
// and a PING inside, a MULTI then DISCARD, and the limit lifted.
// Expected: redis-server's bytes: -OOM for every denyoom command, reads,
// EXPIRE and DEL served, -OOM for anything queued in MULTI then EXEC's
// EXECABORT for previous errors, DISCARD served.
func TestNoevictionOOMMatchesRedis(t *testing.T) {
	diffTracking(t, 1, steps(
		"0 SET k v", "0 RPUSH l a", "0 CONFIG SET maxmemory 1",
		"0 SET x y", "0 INCR n", "0 LPUSH l b", "0 HSET h f v", "0 SADD s m", "0 ZADD z 1 m", "0 APPEND k z",
		"0 MSET a 1 b 2", "0 SETNX q 1", "0 GETSET k w", "0 SET x",
		"0 GET k", "0 LRANGE l 0 -1", "0 DBSIZE", "0 EXPIRE k 100", "0 DEL l", "0 LPOP nol",
		"0 MULTI", "0 GET k", "0 PING", "0 EXEC",
		"0 MULTI", "0 DISCARD",
		"0 CONFIG SET maxmemory 0", "0 SET x y", "0 GET x",
	))
}

// Input: a MULTI that queued a SET (and one that queued only a GET) while
// under the limit, then, from another connection, a 1-byte limit under
// noeviction, then EXEC. Expected: redis-server's bytes: EXECABORT
// quoting the OOM error (without its '-') for the transaction with a
// denyoom command, the read-only one run.
func TestExecOOMMatchesRedis(t *testing.T) {
	testenv.RequireBinary(t, "redis-server")
	s := newTestServer(t)
	run := func(addr string) string {
		a, b := dialRaw(t, addr), dialRaw(t, addr)
		var out strings.Builder
		for _, tx := range [][]string{{"SET", "a", "1"}, {"GET", "a"}} {
			out.WriteString(a.do("MULTI"))
			out.WriteString(a.do(tx...))
			out.WriteString(b.do("CONFIG", "SET", "maxmemory", "1"))
			out.WriteString(a.do("EXEC"))
			out.WriteString(b.do("CONFIG", "SET", "maxmemory", "0"))
		}
		return out.String()
	}
	ours, theirs := run(startServer(t, s)), run(fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t)))
	if ours != theirs {
		t.Errorf("ours:  %q\nredis: %q", ours, theirs)
	}
	if !strings.Contains(ours, "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n") {
		t.Errorf("no EXECABORT for OOM: %q", ours)
	}
}

// Input: volatile-lru, volatile-lfu, volatile-random and volatile-ttl
// over the limit with keys but none with a TTL. Expected: redis-server's
// bytes: nothing to evict, so -OOM, and every key stays.
func TestVolatileWithoutTTLsMatchesRedis(t *testing.T) {
	var lines []string
	for _, p := range []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		lines = append(lines, "0 CONFIG SET maxmemory 0", "0 FLUSHALL", "0 SET a 1", "0 SET b 2", "0 SELECT 3", "0 SET c 3",
			"0 SELECT 0", "0 CONFIG SET maxmemory-policy "+p, "0 CONFIG SET maxmemory 1",
			"0 SET d 4", "0 DBSIZE", "0 GET a", "0 SELECT 3", "0 DBSIZE", "0 SELECT 0")
	}
	lines = append(lines, "0 CONFIG SET maxmemory 0")
	diffTracking(t, 1, steps(lines...))
}

// Input: each evicting policy with a 1-byte limit over keys in two
// databases (with TTLs for the volatile ones, and one key without a TTL
// that they must keep), a tracking client that read a key, and a
// listener on every keyspace event. Expected: redis-server's bytes: every
// evictable key evicted before the next command runs, which then gets
// -OOM as nothing more can go; the tracking client invalidated; one
// "evicted" event a key (a single key per database, so the order is
// Redis's); evicted_keys counted.
func TestEvictionMatchesRedis(t *testing.T) {
	for _, p := range []string{"allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		t.Run(p, func(t *testing.T) {
			ttl := ""
			if strings.HasPrefix(p, "volatile") {
				ttl = " EX 1000"
			}
			diffTracking(t, 3, steps(
				"0 PSUBSCRIBE __key*__:*", "1 CONFIG SET notify-keyspace-events KEA",
				"2 HELLO 3", "2 CLIENT TRACKING ON",
				"1 CONFIG SET maxmemory-policy "+p, "1 SET k v"+ttl, "1 SELECT 5", "1 SET k5 v"+ttl, "1 SELECT 0",
				"2 GET k", "1 CONFIG SET maxmemory 1",
				"1 SET x y", "1 DBSIZE", "1 SELECT 5", "1 DBSIZE", "1 SELECT 0", "1 GET k",
				"1 CONFIG SET maxmemory 0", "1 SET keep v", "1 CONFIG SET maxmemory 1", "1 SET x y", "1 EXISTS keep",
				"1 CONFIG SET maxmemory 0",
			))
		})
	}
}

// Input: INFO after evictions. Expected: evicted_keys counts them; the
// memory section has maxmemory, maxmemory_human and maxmemory_policy as
// CONFIG SET them, and used_memory.
func TestEvictInfoFields(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.evictRelease) // the Go memory limit is the process's
	ec := s.newExecClient()
	for i := range 10 {
		ec.exec("SET", "k"+strconv.Itoa(i), "v")
	}
	ec.exec("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
	ec.exec("CONFIG", "SET", "maxmemory", "1")
	if got := ec.exec("SET", "x", "y"); got != oomErr+"\r\n" {
		t.Fatalf("SET over a 1-byte limit: %q", got)
	}
	info := ec.exec("INFO")
	for _, want := range []string{"evicted_keys:10\r\n", "maxmemory:1\r\n", "maxmemory_human:1B\r\n", "maxmemory_policy:allkeys-random\r\n", "used_memory:"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO lacks %q", want)
		}
	}
}

// Input: COMMAND INFO of every command kv has, from kv and redis-server.
// Expected: "denyoom" among the flags of exactly the commands Redis flags.
func TestDenyOOMFlagsMatchRedis(t *testing.T) {
	testenv.RequireBinary(t, "redis-server")
	s := newTestServer(t)
	redis := dialRaw(t, fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t)))
	n := 0
	var walk func(name string, cmd *command)
	walk = func(name string, cmd *command) {
		for _, sub := range cmd.subcommands {
			walk(sub.name, sub)
		}
		if cmd.subcommands != nil {
			return
		}
		got := redis.do("COMMAND", "INFO", name)
		if strings.HasPrefix(got, "*1\r\n*-1") {
			return // not a Redis command
		}
		theirs := strings.Contains(got, "+denyoom\r\n")
		if ours := cmd.flags&cmdDenyOOM != 0; ours != theirs {
			t.Errorf("%s: denyoom ours %v, redis %v", name, ours, theirs)
		}
		n++
	}
	for name, cmd := range s.commands {
		walk(name, cmd)
	}
	if n < 100 {
		t.Fatalf("only %d commands compared", n)
	}
}

// Input: COMMAND INFO set and get on kv. Expected: "denyoom" shown after
// "write" in Redis's flag order for SET, and absent for GET.
func TestCommandInfoDenyOOM(t *testing.T) {
	s := newTestServer(t)
	if got := s.exec("COMMAND", "INFO", "set"); !strings.Contains(got, "+write\r\n+denyoom\r\n") {
		t.Errorf("COMMAND INFO set: %q", got)
	}
	if got := s.exec("COMMAND", "INFO", "get"); strings.Contains(got, "denyoom") {
		t.Errorf("COMMAND INFO get: %q", got)
	}
}

// Input: evictionPoolPopulate fed candidates of known idle times, more
// than the pool holds. Expected: the pool keeps the 16 best in ascending
// order, drops worse ones once full, and performEvictions takes the best
// first (the idlest key under allkeys-lru).
func TestEvictionPoolOrder(t *testing.T) {
	s := newTestServer(t)
	s.updateCachedTime()
	s.lruclock = lruClockAt(s.mstime)
	ec := s.newExecClient()
	ec.exec("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
	ec.exec("CONFIG", "SET", "maxmemory-samples", "64")
	for i := range 40 {
		k := "k" + strconv.Itoa(i)
		ec.exec("SET", k, "v")
		objectSetLRUOrLFU(s, s.db.dict[k], -1, int64(i*10))
	}
	// With 64 samples a round over 40 keys, the idlest are seen.
	for range 8 {
		s.evictionPoolPopulate(0, s.db)
	}
	pool := &s.evict.pool
	for k := 1; k < evpoolSize; k++ {
		if pool[k].key == "" || pool[k-1].idle > pool[k].idle {
			t.Fatalf("pool not full and ascending at %d: %+v", k, pool)
		}
	}
	if pool[evpoolSize-1].key != "k39" {
		t.Errorf("best candidate %q, want k39 (idle 390 s)", pool[evpoolSize-1].key)
	}
	if pool[0].idle < 24*10*1000 {
		t.Errorf("worst kept idle %d ms, want at least 240000 (the 16 idlest of 40)", pool[0].idle)
	}
	d, o := s.evictionCandidate()
	if d != s.db || o == nil || o.key != "k39" {
		t.Fatalf("evictionCandidate: %v", o)
	}
	// A key deleted behind the pool's back is a ghost, skipped.
	s.db.remove(o)
	ec.exec("DEL", "k38")
	if _, o := s.evictionCandidate(); o == nil || o.key == "k38" || o.key == "k39" {
		t.Errorf("after k39 taken and k38 deleted: %v", o)
	}
}

// Input: volatile-ttl over keys whose TTLs are known. Expected: the key
// that expires soonest goes first.
func TestVolatileTTLOrder(t *testing.T) {
	s := newTestServer(t)
	ec := s.newExecClient()
	ec.exec("CONFIG", "SET", "maxmemory-policy", "volatile-ttl")
	ec.exec("CONFIG", "SET", "maxmemory-samples", "20")
	for i := range 10 {
		ec.exec("SET", "k"+strconv.Itoa(i), "v", "EX", strconv.Itoa(1000+i))
	}
	ec.exec("SET", "nottl", "v")
	for range 4 {
		s.evictionPoolPopulate(0, s.db)
	}
	if _, o := s.evictionCandidate(); o == nil || o.key != "k0" {
		t.Errorf("volatile-ttl candidate %v, want k0 (the soonest TTL)", o)
	}
}

// Input: maxmemory-eviction-tenacity 0, 10, 11, 99 and 100. Expected:
// evict.c's time limits: 0, 500 us, 500*1.15, ~2 minutes, none.
func TestEvictionTimeLimit(t *testing.T) {
	for _, tc := range []struct {
		tenacity int
		want     int64
	}{{0, 0}, {5, 250}, {10, 500}, {11, 575}, {99, 124_814_000}, {100, 1<<63 - 1}} {
		got := evictionTimeLimitUs(tc.tenacity)
		if tc.tenacity == 99 {
			if got < 120_000_000 || got > 130_000_000 {
				t.Errorf("tenacity 99: %d us, want about 2 minutes", got)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("tenacity %d: %d us, want %d", tc.tenacity, got, tc.want)
		}
	}
}

// Input: strings (embedded, not, grown out of the embstr), a TTL, a list,
// hash, set and sorted set. Expected: objectBytes at least the bytes of
// the data and within a few times of it.
func TestObjectBytes(t *testing.T) {
	s := newTestServer(t)
	ec := s.newExecClient()
	ec.exec("SET", "e", "v")
	ec.exec("SET", "big", strings.Repeat("x", 1000))
	ec.exec("SET", "grown", "v")
	ec.exec("APPEND", "grown", strings.Repeat("y", 500))
	ec.exec("SET", "ttl", strings.Repeat("x", 1000), "EX", "100")
	args := func(cmd, key string, n int, pair bool) []string {
		a := []string{cmd, key}
		for i := range n {
			if cmd == "ZADD" {
				a = append(a, strconv.Itoa(i))
			}
			a = append(a, fmt.Sprintf("member-%04d-%s", i, strings.Repeat("m", 20)))
			if pair {
				a = append(a, strings.Repeat("v", 30))
			}
		}
		return a
	}
	ec.exec(args("RPUSH", "l", 1000, false)...)
	ec.exec(args("HSET", "h", 1000, true)...)
	ec.exec(args("SADD", "s", 1000, false)...)
	ec.exec(args("ZADD", "z", 1000, false)...)
	for _, tc := range []struct {
		key  string
		data int64
	}{{"e", 2}, {"big", 1003}, {"grown", 505}, {"ttl", 1003}, {"l", 30_000}, {"h", 60_000}, {"s", 30_000}, {"z", 38_000}} {
		n := objectBytes(s.db.dict[tc.key])
		if n < tc.data || n > 6*tc.data+200 {
			t.Errorf("%s: objectBytes %d for about %d bytes of data", tc.key, n, tc.data)
		}
	}
	if !isEmbstr(s.db.dict["e"]) || isEmbstr(s.db.dict["big"]) || insideEmbstr(s.db.dict["grown"]) {
		t.Error("embstr detection wrong")
	}
}

// Input: GET and SET through processCommand with maxmemory 0, and with a
// limit far above use. Expected: zero allocations per command either way
// (the memory figure is read at most once per loop iteration and reading
// it allocates nothing).
func TestMaxmemoryZeroAllocs(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	s.exec("SET", "key", "value-0001")
	c := benchClient(s)
	get := resp.AppendCommand(nil, "GET", "key")
	set := resp.AppendCommand(nil, "SET", "key", "value-0002")
	for _, mm := range []string{"0", "100000000000"} {
		s.exec("CONFIG", "SET", "maxmemory", mm)
		s.evictCron()
		for name, batch := range map[string][]byte{"GET": get, "SET": set} {
			feed(s, c, batch)
			if n := testing.AllocsPerRun(1000, func() { s.evictNewIteration(); feed(s, c, batch) }); n != 0 {
				t.Errorf("maxmemory %s, %s: %v allocs per command", mm, name, n)
			}
		}
	}
	s.exec("CONFIG", "SET", "maxmemory", "0")
	s.evictCron()
}

// BenchmarkMaxmemoryCheck is GET through processCommand with maxmemory 0
// (the check is one load and branch), and with a limit far above use
// (performEvictions reads the memory figure; the sub-benchmarks marked
// per-iteration read it fresh each command, the cost a loop iteration
// pays once).
func BenchmarkMaxmemoryCheck(b *testing.B) {
	s := newTestServer(b)
	defer s.close()
	s.exec("SET", "key:000042", "xxx")
	c := benchClient(s)
	get := resp.AppendCommand(nil, "GET", "key:000042")
	for _, tc := range []struct {
		name  string
		mm    string
		fresh bool
	}{{"maxmemory=0", "0", false}, {"maxmemory=100GB", "100000000000", false}, {"maxmemory=100GB/fresh-sample", "100000000000", true}} {
		b.Run(tc.name, func(b *testing.B) {
			s.exec("CONFIG", "SET", "maxmemory", tc.mm)
			s.evictCron()
			b.ReportAllocs()
			for range b.N {
				if tc.fresh {
					s.evictNewIteration()
				}
				feed(s, c, get)
			}
		})
	}
	s.exec("CONFIG", "SET", "maxmemory", "0")
	s.evictCron()
}

// BenchmarkUsedMemory is one read of the memory figure (runtime/metrics).
func BenchmarkUsedMemory(b *testing.B) {
	s := newTestServer(b)
	b.ReportAllocs()
	for range b.N {
		s.evictNewIteration()
		s.usedMemory()
	}
}

// Input: a 1 GB limit, then 10,000 SETs of 1,000-byte values, their DEL,
// the same again and a FLUSHALL, then the limit set to 0 and back with
// 10,000 SETs in between and no cron to see it. Expected: the memory
// figure grows by about the values' bytes with the SETs and comes back
// with the DEL, comes back after a FLUSHALL (of keys set with the limit
// on, and of keys set before it), and counts the SETs made while the limit
// was 0 (the counters kept running). Automatic collections are off for
// the test (a cycle marking while keys are deleted counts them live until
// the next one, which evict.go documents), so the only cycles are those
// setting the limit runs.
func TestUsedMemoryCounters(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	s := newTestServer(t)
	defer func() { s.cfg.maxmemory = 0; s.evictCron() }()
	ec := s.newExecClient()
	ec.exec("CONFIG", "SET", "maxmemory", "1000000000")
	ec.exec("PING") // processCommand applies the new limit
	if !s.evict.counting {
		t.Fatal("counters not running with maxmemory set")
	}
	fresh := func() int64 { s.evictNewIteration(); return s.usedMemory() }
	const n, size = 10_000, 1000
	val := strings.Repeat("x", size)
	fill := func() {
		for i := range n {
			ec.exec("SET", "k"+strconv.Itoa(i), val)
		}
	}
	near := func(what string, got, want int64) {
		t.Helper()
		if d := got - want; d < -want/3-2<<20 || d > want/3+2<<20 {
			t.Errorf("%s: %d, want about %d", what, got, want)
		}
	}
	u0 := fresh()
	fill()
	u1 := fresh()
	near("growth after 10,000 SETs", u1-u0, n*size)
	for i := range n {
		ec.exec("DEL", "k"+strconv.Itoa(i))
	}
	near("after their DEL", fresh(), u0)
	fill()
	ec.exec("FLUSHALL")
	near("after FLUSHALL", fresh(), u0)
	// Keys present when the counters start are summed then, so a flush
	// counts them too.
	fill()
	ec.exec("CONFIG", "SET", "maxmemory", "0")
	ec.exec("PING")
	s.evictCron()
	ec.exec("CONFIG", "SET", "maxmemory", "1000000000")
	ec.exec("PING")
	ec.exec("FLUSHDB")
	near("after FLUSHDB of keys set before the limit", fresh(), u0)
	ec.exec("CONFIG", "SET", "maxmemory", "0")
	fill()
	ec.exec("CONFIG", "SET", "maxmemory", "1000000000")
	ec.exec("PING")
	near("SETs made while maxmemory was 0", fresh()-u0, n*size)
}

// Input: 5,000 keys, maxmemory-eviction-tenacity 0 (no time for eviction
// in the command path: it stops after 16 keys), allkeys-random and a
// 1-byte limit, then one SET and no other command. Expected: the SET is
// served (eviction is running, not failed, as EVICT_RUNNING lets a command
// through), and the eviction time event goes on between commands until
// every key is gone, then stops.
func TestEvictionTimeProc(t *testing.T) {
	s := newTestServer(t)
	r := dialRaw(t, startServer(t, s))
	var b strings.Builder
	for i := range 5000 {
		b.Write(resp.AppendCommand(nil, "SET", "k"+strconv.Itoa(i), "v"))
	}
	r.send(b.String())
	for range 5000 {
		r.reply()
	}
	r.do("CONFIG", "SET", "maxmemory-eviction-tenacity", "0")
	r.do("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
	r.do("CONFIG", "SET", "maxmemory", "1")
	if got := r.do("SET", "x", "y"); got != resp.OK {
		t.Fatalf("SET while eviction runs: %q", got)
	}
	state := func() (int, bool) {
		ch := make(chan [2]int, 1)
		s.el.Post(func(*ae.EventLoop) {
			running := 0
			if s.evict.procRunning {
				running = 1
			}
			ch <- [2]int{s.dbs[0].size(), running}
		})
		v := <-ch
		return v[0], v[1] == 1
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, running := state()
		if n == 0 && !running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %d keys left, time event running %v", n, running)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := r.do("SET", "x", "y"); got != oomErr+"\r\n" {
		t.Errorf("SET with nothing left to evict: %q", got)
	}
	r.do("CONFIG", "SET", "maxmemory", "0")
}

// Input: maxmemory 100 MB, then 0 (seen by the cron), then 100 MB again
// and the server closed. Expected: the Go memory limit is memLimitFor(100
// MB) while set, and the process's own limit once unset or closed.
func TestMemoryLimitFollowsMaxmemory(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.evictRelease)
	ec := s.newExecClient()
	ec.exec("CONFIG", "SET", "maxmemory", "100000000")
	ec.exec("PING")
	if got := debug.SetMemoryLimit(-1); got != memLimitFor(100000000) {
		t.Errorf("with maxmemory 100 MB: Go memory limit %d, want %d", got, memLimitFor(100000000))
	}
	ec.exec("CONFIG", "SET", "maxmemory", "0")
	s.evictCron()
	if got := debug.SetMemoryLimit(-1); got != goMemoryLimit {
		t.Errorf("with maxmemory 0: Go memory limit %d, want the process's %d", got, goMemoryLimit)
	}
	ec.exec("CONFIG", "SET", "maxmemory", "100000000")
	ec.exec("PING")
	s.close()
	if got := debug.SetMemoryLimit(-1); got != goMemoryLimit {
		t.Errorf("after close: Go memory limit %d, want the process's %d", got, goMemoryLimit)
	}
}
