package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// runCLI runs redis-cli against addr with args and returns its stdout; a
// non-empty stderr or a non-zero exit fails the test.
func runCLI(t *testing.T, addr string, stdin []byte, args ...string) string {
	t.Helper()
	bin := testenv.RequireBinary(t, "redis-cli")
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-h", host, "-p", port}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("redis-cli %v: %v\nstdout: %s\nstderr: %s", args, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// Input: redis-cli one-shot commands, -r repeat, and --pipe mass insertion
// of 10,000 SETs. Expected: Redis's outputs, "errors: 0, replies: 10000",
// and every key stored.
func TestRedisCLI(t *testing.T) {
	addr := startServer(t, newTestServer(t))
	if got := runCLI(t, addr, nil, "ping"); got != "PONG\n" {
		t.Fatalf("ping: %q", got)
	}
	if got := runCLI(t, addr, nil, "set", "greeting", "hello world"); got != "OK\n" {
		t.Fatalf("set: %q", got)
	}
	if got := runCLI(t, addr, nil, "get", "greeting"); got != "hello world\n" {
		t.Fatalf("get: %q", got)
	}
	runCLI(t, addr, nil, "-r", "100", "incr", "counter")
	if got := runCLI(t, addr, nil, "get", "counter"); got != "100\n" {
		t.Fatalf("after -r 100 incr: %q", got)
	}
	var mass []byte
	for i := 0; i < 10000; i++ {
		mass = resp.AppendCommand(mass, "SET", fmt.Sprintf("mass:%d", i), strconv.Itoa(i*i))
	}
	out := runCLI(t, addr, mass, "--pipe")
	if !strings.Contains(out, "errors: 0, replies: 10000") {
		t.Fatalf("--pipe: %q", out)
	}
	if got := runCLI(t, addr, nil, "get", "mass:9999"); got != strconv.Itoa(9999*9999)+"\n" {
		t.Fatalf("mass:9999 = %q", got)
	}
	if got := runCLI(t, addr, nil, "dbsize"); got != "10002\n" {
		t.Fatalf("dbsize: %q", got)
	}
	if got := runCLI(t, addr, nil, "nosuchcommand", "x"); !strings.HasPrefix(got, "ERR unknown command 'nosuchcommand'") {
		t.Fatalf("unknown command: %q", got)
	}
}

// Input: redis-cli over --unixsocket. Expected: the same answers as TCP.
func TestUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.sock")
	s := newTestServer(t, func(c *config) { c.unixsocket = path; c.unixsocketperm = 0700 })
	startServer(t, s)
	bin := testenv.RequireBinary(t, "redis-cli")
	out, err := exec.Command(bin, "-s", path, "set", "u", "1").CombinedOutput()
	if err != nil || string(out) != "OK\n" {
		t.Fatalf("redis-cli -s set: %q %v", out, err)
	}
	out, err = exec.Command(bin, "-s", path, "get", "u").CombinedOutput()
	if err != nil || string(out) != "1\n" {
		t.Fatalf("redis-cli -s get: %q %v", out, err)
	}
}

func goRedis(t *testing.T, addr string, opt ...func(*redis.Options)) *redis.Client {
	o := &redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true}
	for _, f := range opt {
		f(o)
	}
	rdb := redis.NewClient(o)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// Input: --requirepass; commands before AUTH, a wrong password, then
// go-redis with the password. Expected: NOAUTH, WRONGPASS, then service.
func TestRequirePass(t *testing.T) {
	addr := startServer(t, newTestServer(t, func(c *config) { c.requirepass = "s3cret" }))
	r := dialRaw(t, addr)
	if got := r.do("GET", "k"); got != resp.NoAuthErr {
		t.Fatalf("GET before AUTH = %q", got)
	}
	if got := r.do("AUTH", "wrong"); got != "-WRONGPASS invalid username-password pair or user is disabled.\r\n" {
		t.Fatalf("AUTH wrong = %q", got)
	}
	if got := r.do("AUTH", "s3cret"); got != resp.OK {
		t.Fatalf("AUTH = %q", got)
	}
	if got := r.do("SET", "k", "v"); got != resp.OK {
		t.Fatalf("SET after AUTH = %q", got)
	}
	rdb := goRedis(t, addr, func(o *redis.Options) { o.Password = "s3cret" })
	if v := rdb.Get(context.Background(), "k").Val(); v != "v" {
		t.Fatalf("go-redis with password: GET = %q", v)
	}
}

// Input: maxclients 2 and a third connection. Expected: the third gets
// "-ERR max number of clients reached" and EOF; the first two still work.
func TestMaxClients(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.maxclients = 2 })
	addr := startServer(t, s)
	a, b := dialRaw(t, addr), dialRaw(t, addr)
	a.do("PING")
	b.do("PING")
	third := dialRaw(t, addr)
	if got := third.reply(); got != "-ERR max number of clients reached\r\n" {
		t.Fatalf("third client got %q", got)
	}
	third.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := third.conn.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("third client not closed: %d %v", n, err)
	}
	if a.do("PING") != resp.Pong || b.do("PING") != resp.Pong {
		t.Fatal("first clients stopped working")
	}
}

// Input: QUIT in the middle of a pipeline. Expected: +OK, then the
// connection closes and the commands after QUIT do not run.
func TestQuit(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	r := dialRaw(t, addr)
	r.send("SET a 1\r\nQUIT\r\nSET b 2\r\n")
	if got := r.reply() + r.reply(); got != "+OK\r\n+OK\r\n" {
		t.Fatalf("replies %q", got)
	}
	r.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := r.conn.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("connection not closed after QUIT: %d %v", n, err)
	}
	if got := dialRaw(t, addr).do("EXISTS", "b"); got != ":0\r\n" {
		t.Fatalf("SET after QUIT ran: EXISTS b = %q", got)
	}
}

// Input: a 1 MiB value fetched 50 times in one pipeline by a slow-ish
// reader, with another client served meanwhile. Expected: all 50 MiB
// arrive intact (partial writes, the writable handler) and the other
// client is answered.
func TestLargePipelinedReplies(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	big := strings.Repeat("0123456789abcdef", 1<<16)
	r := dialRaw(t, addr)
	if got := r.do("SET", "big", big); got != resp.OK {
		t.Fatal(got)
	}
	var pipeline []byte
	for i := 0; i < 50; i++ {
		pipeline = resp.AppendCommand(pipeline, "GET", "big")
	}
	r.send(string(pipeline))
	want := string(resp.AppendBulkString(nil, big))
	for i := 0; i < 50; i++ {
		if got := r.reply(); got != want {
			t.Fatalf("reply %d: %d bytes, want %d", i, len(got), len(want))
		}
		if i == 10 {
			if got := dialRaw(t, addr).do("PING"); got != resp.Pong {
				t.Fatalf("other client: %q", got)
			}
		}
	}
}

// Input: --timeout 1 and an idle client. Expected: serverCron closes it
// (the client reads EOF) while an active client stays connected.
func TestIdleTimeout(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.timeout = 1; c.hz = 50 })
	addr := startServer(t, s)
	idle := dialRaw(t, addr)
	idle.do("PING")
	active := dialRaw(t, addr)
	deadline := time.Now().Add(10 * time.Second)
	closed := false
	for time.Now().Before(deadline) && !closed {
		active.do("PING")
		idle.conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := idle.conn.Read(make([]byte, 1))
		if n == 0 && err != nil && !isTimeout(err) {
			closed = true
		}
	}
	if !closed {
		t.Fatal("idle client not closed within 10 s with --timeout 1")
	}
	if got := active.do("PING"); got != resp.Pong {
		t.Fatalf("active client: %q", got)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// Input: 200 keys with a 10 ms TTL that nobody reads again. Expected: the
// active expiry cycle in serverCron deletes them (DBSIZE drops to the one
// key without TTL).
func TestActiveExpiry(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.hz = 50 })
	addr := startServer(t, s)
	r := dialRaw(t, addr)
	r.do("SET", "keep", "1")
	for i := 0; i < 200; i++ {
		r.do("SET", fmt.Sprintf("tmp:%d", i), "v", "PX", "10")
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r.do("DBSIZE") == ":1\r\n" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("DBSIZE = %q after 10 s, want :1", r.do("DBSIZE"))
}

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
