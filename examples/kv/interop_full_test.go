//go:build kvfull

package main

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// Input: redis-benchmark's default suite, 10,000 requests per test.
// Expected: every test completes and none reports an error.
func TestRedisBenchmarkDefaultSuite(t *testing.T) {
	bin := testenv.RequireBinary(t, "redis-benchmark")
	addr := startServer(t, newTestServer(t))
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-h", host, "-p", port, "-q", "-n", "10000").CombinedOutput()
	if err != nil {
		t.Fatalf("redis-benchmark: %v\n%s", err, out)
	}
	text := string(out)
	for _, test := range []string{"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP",
		"SADD", "HSET", "SPOP", "ZADD", "ZPOPMIN", "LRANGE_100", "LRANGE_300", "LRANGE_500", "LRANGE_600", "MSET"} {
		if !strings.Contains(text, test+": ") && !strings.Contains(text, test+" (") {
			t.Errorf("test %s missing from redis-benchmark output", test)
		}
	}
	for _, bad := range []string{"ERR", "Error", "WRONGTYPE", "WARNING"} {
		if strings.Contains(text, bad) {
			t.Errorf("redis-benchmark output contains %q", bad)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", text)
	}
}

// Input: go-redis v9 pipelines, TTL commands and a full SCAN. Expected:
// every reply as Redis gives it, every key found by SCAN exactly as
// stored.
func TestGoRedis(t *testing.T) {
	addr := startServer(t, newTestServer(t))
	ctx := context.Background()
	rdb := goRedis(t, addr)
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// A pipeline of 1000 SETs and 1000 GETs, one round trip.
	pipe := rdb.Pipeline()
	for i := 0; i < 1000; i++ {
		pipe.Set(ctx, fmt.Sprintf("p:%d", i), i, 0)
	}
	gets := make([]*redis.StringCmd, 1000)
	for i := range gets {
		gets[i] = pipe.Get(ctx, fmt.Sprintf("p:%d", i))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatalf("pipeline: %v", err)
	}
	for i, g := range gets {
		if v, err := g.Int(); err != nil || v != i {
			t.Fatalf("GET p:%d = %v, %v", i, v, err)
		}
	}
	// TTLs.
	rdb.Set(ctx, "ttl", "v", 0)
	if d := rdb.TTL(ctx, "ttl").Val(); d != -1 {
		t.Fatalf("TTL without expire = %v, want -1", d)
	}
	if !rdb.Expire(ctx, "ttl", 100*time.Second).Val() {
		t.Fatal("EXPIRE returned false")
	}
	if d := rdb.TTL(ctx, "ttl").Val(); d <= 90*time.Second || d > 100*time.Second {
		t.Fatalf("TTL = %v, want about 100s", d)
	}
	if d := rdb.PTTL(ctx, "ttl").Val(); d <= 90*time.Second || d > 100*time.Second {
		t.Fatalf("PTTL = %v", d)
	}
	if !rdb.Persist(ctx, "ttl").Val() || rdb.TTL(ctx, "ttl").Val() != -1 {
		t.Fatal("PERSIST did not clear the TTL")
	}
	if d := rdb.TTL(ctx, "nokey").Val(); d != -2 {
		t.Fatalf("TTL of missing key = %v, want -2", d)
	}
	rdb.Set(ctx, "short", "v", 50*time.Millisecond)
	time.Sleep(120 * time.Millisecond)
	if err := rdb.Get(ctx, "short").Err(); err != redis.Nil {
		t.Fatalf("GET after PX 50 expired: %v, want redis.Nil", err)
	}
	// SCAN visits every key.
	seen := map[string]bool{}
	iter := rdb.Scan(ctx, 0, "p:*", 100).Iterator()
	for iter.Next(ctx) {
		seen[iter.Val()] = true
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1000 {
		t.Fatalf("SCAN MATCH p:* found %d keys, want 1000", len(seen))
	}
	// Other types through the client's own encoders.
	if err := rdb.HSet(ctx, "h", "a", 1, "b", 2).Err(); err != nil {
		t.Fatal(err)
	}
	if m := rdb.HGetAll(ctx, "h").Val(); m["a"] != "1" || m["b"] != "2" || len(m) != 2 {
		t.Fatalf("HGETALL = %v", m)
	}
	rdb.RPush(ctx, "l", "x", "y", "z")
	if l := rdb.LRange(ctx, "l", 0, -1).Val(); strings.Join(l, ",") != "x,y,z" {
		t.Fatalf("LRANGE = %v", l)
	}
	if v := rdb.IncrByFloat(ctx, "f", 2.5).Val(); v != 2.5 {
		t.Fatalf("INCRBYFLOAT = %v", v)
	}
	if err := rdb.Get(ctx, "h").Err(); err == nil || !strings.HasPrefix(err.Error(), "WRONGTYPE") {
		t.Fatalf("GET on a hash: %v, want WRONGTYPE", err)
	}
}
