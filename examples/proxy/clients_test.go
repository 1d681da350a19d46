package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/goae/goae/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// TestGoRedis: go-redis through ours in front of three redis-servers:
// SET/GET, MGET and DEL across servers, MSET, a pipeline of 200 commands,
// INCR, hashes; every key is then found on exactly one backend.
func TestGoRedis(t *testing.T) {
	var back []int
	for i := 0; i < 3; i++ {
		back = append(back, testenv.StartRedis(t))
	}
	pp := startProc(t, proxyBinary(t), redisPool("alpha", "{LISTEN0}", back, "  hash: md5\n"), 1)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", pp.ports[0]), Protocol: 2, DisableIdentity: true,
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := net.Dial(network, addr)
			return &helloShim{Conn: c}, err
		}})
	defer rdb.Close()
	if err := rdb.Set(ctx, "a", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := rdb.Get(ctx, "a").Result(); err != nil || v != "1" {
		t.Fatalf("get a: %q %v", v, err)
	}
	if err := rdb.MSet(ctx, "b", "2", "c", "3", "d", "4").Err(); err != nil {
		t.Fatal(err)
	}
	vals, err := rdb.MGet(ctx, "a", "b", "c", "d", "nope").Result()
	if err != nil || fmt.Sprint(vals) != "[1 2 3 4 <nil>]" {
		t.Fatalf("mget: %v %v", vals, err)
	}
	pipe := rdb.Pipeline()
	for i := 0; i < 200; i++ {
		pipe.Set(ctx, fmt.Sprintf("p%d", i), i, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := rdb.Incr(ctx, "p7").Result(); err != nil || n != 8 {
		t.Fatalf("incr: %d %v", n, err)
	}
	rdb.HSet(ctx, "h", "f", "v", "g", "w")
	if m, err := rdb.HGetAll(ctx, "h").Result(); err != nil || len(m) != 2 {
		t.Fatalf("hgetall: %v %v", m, err)
	}
	if n, err := rdb.Del(ctx, "a", "b", "c", "nope").Result(); err != nil || n != 3 {
		t.Fatalf("del: %d %v", n, err)
	}
	total := int64(0)
	for _, p := range back {
		c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", p)})
		n, _ := c.DBSize(ctx).Result()
		total += n
		c.Close()
	}
	if total != 202 { // d, h, p0..p199
		t.Errorf("backends hold %d keys, want 202", total)
	}
}

// helloShim answers go-redis's HELLO itself, as Redis before 6 would
// ("-ERR unknown command"): go-redis 9 sends it on every new connection,
// and nutcracker, like ours, closes a connection on an unsupported
// command, so go-redis cannot talk to nutcracker without such a shim.
type helloShim struct {
	net.Conn
	pending []byte
}

func (h *helloShim) Write(p []byte) (int, error) {
	if len(p) > 12 && p[0] == '*' && bytes.Contains(bytes.ToLower(p[:min(len(p), 24)]), []byte("hello")) {
		h.pending = append(h.pending, "-ERR unknown command 'HELLO'\r\n"...)
		return len(p), nil
	}
	return h.Conn.Write(p)
}

func (h *helloShim) Read(p []byte) (int, error) {
	if len(h.pending) > 0 {
		n := copy(p, h.pending)
		h.pending = h.pending[n:]
		return n, nil
	}
	return h.Conn.Read(p)
}

// TestGomemcache: gomemcache through ours in front of two memcached: set,
// get, GetMulti across servers, add, replace, delete, incr/decr, touch,
// CompareAndSwap.
func TestGomemcache(t *testing.T) {
	back := []int{testenv.StartMemcached(t), testenv.StartMemcached(t)}
	pp := startProc(t, proxyBinary(t), mcPool("mc", "{LISTEN0}", back, "  hash: md5\n"), 1)
	mc := memcache.New(fmt.Sprintf("127.0.0.1:%d", pp.ports[0]))
	mc.Timeout = 5 * time.Second
	var keys []string
	for i := 0; i < 30; i++ {
		k := fmt.Sprintf("key%d", i)
		keys = append(keys, k)
		if err := mc.Set(&memcache.Item{Key: k, Value: []byte("v" + k), Flags: uint32(i)}); err != nil {
			t.Fatal(err)
		}
	}
	items, err := mc.GetMulti(append(keys, "missing"))
	if err != nil || len(items) != 30 || string(items["key7"].Value) != "vkey7" || items["key7"].Flags != 7 {
		t.Fatalf("getmulti: %d items %v", len(items), err)
	}
	if err := mc.Add(&memcache.Item{Key: "key1", Value: []byte("x")}); err != memcache.ErrNotStored {
		t.Errorf("add existing: %v", err)
	}
	if err := mc.Replace(&memcache.Item{Key: "key1", Value: []byte("r")}); err != nil {
		t.Error(err)
	}
	it, err := mc.Get("key1")
	if err != nil || string(it.Value) != "r" {
		t.Fatalf("get: %v %v", it, err)
	}
	it.Value = []byte("cas")
	if err := mc.CompareAndSwap(it); err != nil {
		t.Errorf("cas: %v", err)
	}
	mc.Set(&memcache.Item{Key: "n", Value: []byte("5")})
	if n, err := mc.Increment("n", 10); err != nil || n != 15 {
		t.Errorf("incr: %d %v", n, err)
	}
	if n, err := mc.Decrement("n", 20); err != nil || n != 0 {
		t.Errorf("decr: %d %v", n, err)
	}
	if err := mc.Touch("key2", 100); err != nil {
		t.Errorf("touch: %v", err)
	}
	if err := mc.Delete("key2"); err != nil {
		t.Error(err)
	}
	if _, err := mc.Get("key2"); err != memcache.ErrCacheMiss {
		t.Errorf("get deleted: %v", err)
	}
}

// TestZeroAllocsPerRequest: a proxy running in this process (coreStart
// and its loop on a goroutine) in front of a redis-server; after warming
// up, a pipelined SET+GET+MGET round trip through it allocates nothing,
// on the proxy's side or the test client's (which reuses its buffers).
func TestZeroAllocsPerRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	back := []int{testenv.StartRedis(t), testenv.StartRedis(t)}
	_, port := startInProcess(t, redisPool("alpha", "{LISTEN0}", back, "  hash: md5\n  timeout: 5000\n"), defaultStatsInterval)
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := resp(cmd("set", "a", "1"), cmd("get", "a"), cmd("mget", "a", "b", "c", "d"))
	want := "+OK\r\n$1\r\n1\r\n*4\r\n$1\r\n1\r\n$-1\r\n$-1\r\n$-1\r\n"
	buf := make([]byte, 4096)
	round := func() {
		c.Write(req)
		n := 0
		for n < len(want) {
			m, err := c.Read(buf[n:])
			if err != nil {
				t.Fatal(err)
			}
			n += m
		}
		if string(buf[:n]) != want {
			t.Fatalf("reply %q", buf[:n])
		}
	}
	for i := 0; i < 50; i++ {
		round()
	}
	if a := testing.AllocsPerRun(200, round); a > 0 {
		t.Errorf("%.2f allocations per round trip of three requests, want 0", a)
	}
}
