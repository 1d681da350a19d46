package main

import (
	"context"
	"strings"
	"testing"

	"github.com/goae/goae/internal/resp"
	"github.com/redis/go-redis/v9"
)

// Input: SELECT (in range, out of range, negative, not an integer, past
// an int), MOVE (to another db, to the same, to one out of range, of a
// missing key, onto an existing key, of a key with a TTL, of a hash),
// SWAPDB (bad first and second index, out of range, the same db, two dbs
// with keys and TTLs, seen from a second connection that stays in its
// db), FLUSHDB and FLUSHALL with ASYNC, SYNC and bad options, DBSIZE,
// KEYS, SCAN, RANDOMKEY and EXISTS per db, CONFIG GET databases, and INFO
// keyspace (db lines only for non-empty dbs, avg_ttl aside). Expected:
// the same bytes as redis-server 7.0.15.
func TestDatabasesMatchRedis(t *testing.T) {
	steps := on(0,
		"SELECT 15", "SELECT 16", "SELECT -1", "SELECT x", "SELECT 4294967296", "SELECT -2147483649", "SELECT 1.5", "SELECT 0",
		"MOVE a 2147483648", "SWAPDB 4294967296 0", "SWAPDB 0 4294967296",
		"CONFIG GET databases", "INFO keyspace",
		"SET a 1", "SET b 2 EX 1000", "HSET h f v", "SELECT 3", "SET a 3", "SELECT 0",
		"MOVE a 3", "MOVE a 0", "MOVE a 16", "MOVE a -1", "MOVE a x", "MOVE missing 3",
		"MOVE b 3", "TTL b", "SELECT 3", "TTL b", "GET b", "MOVE b 0", "SELECT 0", "MOVE h 7",
		"EXISTS h", "SELECT 7", "HGETALL h", "TYPE h", "DBSIZE", "SELECT 0", "DBSIZE", "INFO keyspace",
		"SWAPDB x 1", "SWAPDB 0 x", "SWAPDB 0 16", "SWAPDB -1 0", "SWAPDB 2 2", "SWAPDB 1",
		"SWAPDB 0 3", "KEYS a", "KEYS b*", "EXISTS a b h", "DBSIZE", "GET a", "TTL b", "SELECT 3", "KEYS a", "EXISTS a b h", "TTL b", "DBSIZE",
		"SELECT 0", "INFO keyspace",
		"FLUSHDB x", "FLUSHDB SYNC ASYNC", "FLUSHALL x", "FLUSHDB ASYNC", "DBSIZE", "SELECT 3", "DBSIZE",
		"FLUSHDB SYNC", "DBSIZE", "SELECT 7", "DBSIZE", "INFO keyspace", "FLUSHALL ASYNC", "DBSIZE", "INFO keyspace",
		"RANDOMKEY", "SCAN 0", "KEYS *",
	)
	// A second connection in db 5 sees its own db, also across SWAPDB.
	steps = append(steps, on(1, "SELECT 5", "SET x five", "DBSIZE")...)
	steps = append(steps, on(0, "DBSIZE", "GET x", "SWAPDB 5 6")...)
	steps = append(steps, on(1, "GET x", "DBSIZE", "SELECT 6", "GET x")...)
	steps = append(steps, on(0, "INFO keyspace", "FLUSHALL SYNC")...)
	diffRedisSteps(t, startServer(t, newTestServer(t)), 2, steps)
}

// Input: --databases 4 on both servers: SELECT 3, SELECT 4, MOVE and
// SWAPDB to 4, CONFIG GET databases. Expected: the same bytes as
// redis-server 7.0.15 started with --databases 4.
func TestDatabasesOptionMatchesRedis(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.databases = 4 })
	diffRedisSteps(t, startServer(t, s), 1, on(0,
		"SELECT 3", "SELECT 4", "SELECT 0", "SET k v", "MOVE k 4", "MOVE k 3", "SWAPDB 0 4", "SWAPDB 3 0",
		"GET k", "CONFIG GET databases", "INFO keyspace",
	), "--databases", "4")
	if _, err := newServer(func() config { c := defaultConfig(); c.port = 0; c.databases = 0; return c }()); err == nil {
		t.Fatal("newServer accepted --databases 0")
	}
}

// Input: keys with a 1 ms TTL in dbs 0, 5 and 15, and keys without TTL in
// each, left to the active expiry cycle (no command looks them up).
// Expected: the cycle walks every db: the expired keys go (DBSIZE per db
// drops to the keys without TTL), INFO's expired_keys counts them all.
func TestActiveExpiryEveryDatabase(t *testing.T) {
	s := newTestServer(t)
	r := dialRaw(t, startServer(t, s))
	for _, db := range []string{"0", "5", "15"} {
		r.do("SELECT", db)
		for i := range 50 {
			r.do("SET", "tmp"+string(rune('a'+i%26))+strings.Repeat("x", i/26), "v", "PX", "1")
		}
		r.do("SET", "keep", "v")
	}
	for _, db := range []string{"0", "5", "15"} {
		r.do("SELECT", db)
		waitDBSize(t, r, "1")
	}
	if info := r.do("INFO", "stats"); !strings.Contains(info, "expired_keys:150\r\n") {
		t.Fatalf("INFO stats: %q", info)
	}
}

// Input: go-redis with Options.DB = 1 (it SELECTs 1 on each new pooled
// connection), SET, GET, INCR and a TxPipelined from several goroutines;
// then a raw connection looking in db 0 and db 1, and CLIENT LIST.
// Expected: everything works in db 1, db 0 stays empty, and CLIENT LIST
// shows the go-redis connections with db=1.
func TestGoRedisDB1(t *testing.T) {
	addr := startServer(t, newTestServer(t))
	ctx := context.Background()
	rdb := goRedis(t, addr, func(o *redis.Options) { o.DB = 1; o.PoolSize = 4 })
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 4)
	for range 4 {
		go func() {
			var err error
			for range 100 {
				if err = rdb.Incr(ctx, "n").Err(); err != nil {
					break
				}
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "n")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if v := rdb.Get(ctx, "n").Val(); v != "401" {
		t.Fatalf("GET n in db 1 = %q", v)
	}
	r := dialRaw(t, addr)
	if got := r.do("DBSIZE"); got != ":0\r\n" {
		t.Fatalf("db 0 DBSIZE = %q", got)
	}
	r.do("SELECT", "1")
	if got := r.do("GET", "k"); got != "$1\r\nv\r\n" {
		t.Fatalf("db 1 GET k = %q", got)
	}
	list := r.do("CLIENT", "LIST")
	if n := strings.Count(list, " db=1 "); n < 2 {
		t.Fatalf("CLIENT LIST has %d clients in db 1: %q", n, list)
	}
	if got := r.do("SELECT", "0"); got != resp.OK {
		t.Fatal(got)
	}
}
