package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
	"github.com/goae/goae/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// The pub/sub differential scripts use tracking_test.go's transcripts:
// each step on one connection, every connection synced with a PING after
// it (in RESP2 subscribed mode PING answers with a "pong" message), each
// connection's bytes compared with redis-server's.

// Input: a RESP2 subscriber (0) and a publisher (1): SUBSCRIBE of two
// channels, a duplicate, PSUBSCRIBE, messages to a channel, to a pattern
// and to nobody, commands refused in subscribed mode and PING with and
// without an argument, every UNSUBSCRIBE and PUNSUBSCRIBE form (named,
// not subscribed, all, none left), then the connection back to normal;
// PUBSUB's subcommands and the arity and syntax errors. Expected:
// redis-server's bytes on both connections.
func TestPubSubRESP2MatchesRedis(t *testing.T) {
	diffTracking(t, 2, steps(
		"0 SUBSCRIBE a b", "1 PUBLISH a hello", "1 PUBLISH c nobody", "0 SUBSCRIBE a", "0 PSUBSCRIBE n*",
		"1 PUBLISH news x", "1 PUBLISH a y", "1 PUBSUB NUMSUB a b c", "1 PUBSUB NUMPAT", "1 PUBSUB CHANNELS a*",
		"1 PUBSUB CHANNELS z*", "0 GET k", "0 SET k v", "0 CLIENT REPLY OFF", "0 PING", "0 PING hi", "0 PING a b",
		"0 UNSUBSCRIBE a", "0 UNSUBSCRIBE zz", "0 PUNSUBSCRIBE n*", "0 PUNSUBSCRIBE", "0 PSUBSCRIBE p1", "0 PUNSUBSCRIBE",
		"0 UNSUBSCRIBE", "0 UNSUBSCRIBE", "0 PUNSUBSCRIBE", "0 SUNSUBSCRIBE", "0 GET k", "0 PING", "1 PUBLISH b gone",
		"1 PUBSUB NUMSUB", "1 PUBSUB NUMPAT", "1 PUBSUB CHANNELS", "1 SUBSCRIBE", "1 PSUBSCRIBE", "1 PUBLISH a",
		"1 PUBSUB", "1 PUBSUB FOO", "1 PUBSUB NUMPAT x", "1 PUBSUB CHANNELS a b", "1 PUBSUB HELP", "1 PUBSUB HELP x",
		"1 SPUBLISH s", "1 SSUBSCRIBE", "0 MULTI", "0 SUBSCRIBE m", "0 EXEC", "1 PUBLISH m inmulti", "0 UNSUBSCRIBE m",
		"0 SUBSCRIBE x", "0 QUIT",
	))
}

// Input: the same kinds of steps in RESP3, where a subscriber may run any
// command and every subscription reply and message is a push; shard
// channels (SSUBSCRIBE, SPUBLISH, SUNSUBSCRIBE, PUBSUB SHARDCHANNELS and
// SHARDNUMSUB) beside a pattern that must not see them; RESET dropping
// every subscription. Expected: redis-server's bytes.
func TestPubSubRESP3MatchesRedis(t *testing.T) {
	diffTracking(t, 2, steps(
		"0 HELLO 3", "0 SUBSCRIBE a", "0 GET k", "1 PUBLISH a m", "0 PSUBSCRIBE *", "1 PUBLISH zz q", "0 SSUBSCRIBE s1",
		"1 SPUBLISH s1 v", "1 PUBLISH s1 w", "1 SPUBLISH nobody v", "1 PUBSUB SHARDNUMSUB s1 x", "1 PUBSUB SHARDCHANNELS",
		"1 PUBSUB SHARDCHANNELS s*", "1 PUBSUB NUMSUB a", "0 PUBLISH a self", "0 SUNSUBSCRIBE", "0 SUNSUBSCRIBE",
		"0 SSUBSCRIBE s1 s2", "0 SUNSUBSCRIBE s2", "0 UNSUBSCRIBE a", "0 PUNSUBSCRIBE *", "0 SUBSCRIBE a",
		"0 PSUBSCRIBE *", "0 RESET", "1 PUBLISH a after-reset", "1 SPUBLISH s1 after-reset", "1 PUBSUB NUMPAT",
		"0 PING", "0 HELLO 3", "0 SUBSCRIBE a", "0 PING", "0 PING x", "0 HELLO 2", "0 PING", "0 GET k",
	))
}

// Input: a RESP2 client (0) tracking with REDIRECT to a RESP2 client (2)
// subscribed to __redis__:invalidate, and another (3) that redirects to a
// client (1) not subscribed to anything; writes and a FLUSHALL from 1.
// Expected: redis-server's bytes: 2 gets each invalidation as a message on
// __redis__:invalidate (the flush as a null), 1 gets nothing.
func TestTrackingRedirectPubSubMatchesRedis(t *testing.T) {
	diffTracking(t, 4, steps(
		"2 SUBSCRIBE __redis__:invalidate", "0 CLIENT TRACKING ON REDIRECT $ID2", "3 CLIENT TRACKING ON REDIRECT $ID1",
		"0 GET k", "3 GET k", "1 SET k v", "0 MGET a b", "1 MSET a 1 b 2", "1 FLUSHALL", "0 CLIENT TRACKING ON BCAST REDIRECT $ID2",
		"0 CLIENT TRACKING OFF", "0 CLIENT TRACKING ON BCAST PREFIX a REDIRECT $ID2", "1 SET ab 1", "1 SET b 1",
	))
}

// Input: 1,000 clients each SUBSCRIBE to 5 channels and PSUBSCRIBE to 2
// patterns, half of them on the same names; then all of them disconnect.
// Expected: INFO's pubsub_channels and pubsub_patterns count the distinct
// names while they are there and fall to 0 after (nothing is left behind
// in the tables), and PUBLISH reaches 0 clients.
func TestPubSubClientsGoLeaveNothing(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	var conns []*rawConn
	for i := 0; i < 1000; i++ {
		c := dialRaw(t, addr)
		ch := fmt.Sprint("own", i)
		if i%2 == 0 {
			ch = "shared"
		}
		c.send(string(resp.AppendCommand(resp.AppendCommand(nil, "SUBSCRIBE", ch, "c1", "c2", "c3", "c4"), "PSUBSCRIBE", "p*", ch+"*")))
		for j := 0; j < 7; j++ {
			c.reply()
		}
		conns = append(conns, c)
	}
	w := dialRaw(t, addr)
	info := w.do("INFO", "stats")
	if !strings.Contains(info, "pubsub_channels:505\r\n") || !strings.Contains(info, "pubsub_patterns:502\r\n") {
		t.Fatalf("INFO stats with 1,000 subscribers:\n%s", info)
	}
	if got := w.do("PUBLISH", "c1", "x"); got != ":1000\r\n" {
		t.Fatalf("PUBLISH c1 = %q", got)
	}
	for _, c := range conns {
		c.conn.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(w.do("INFO", "clients"), "connected_clients:1\r\n") {
		if time.Now().After(deadline) {
			t.Fatal("the subscribers are still connected")
		}
		time.Sleep(10 * time.Millisecond)
	}
	info = w.do("INFO", "stats")
	if !strings.Contains(info, "pubsub_channels:0\r\n") || !strings.Contains(info, "pubsub_patterns:0\r\n") {
		t.Fatalf("INFO stats after they went:\n%s", info)
	}
	if got := w.do("PUBLISH", "c1", "x"); got != ":0\r\n" {
		t.Fatalf("PUBLISH after they went = %q", got)
	}
}

// Input: --client-output-buffer-limit "pubsub 1mb 0 0"; 10,000
// subscribers of channel "ch" (1,000 with -short; they live in a child
// process, for the fds), plus one more that also subscribes to "big" and
// never reads; 256 PUBLISHes of 64 KiB to "big" (more than the kernel's
// socket buffers take), interleaved with 50
// PUBLISHes to "ch". Expected: the stalled one passes 1 MiB of pending
// output and is closed (the pubsub class applied, not the normal class's
// 256 MiB); every other subscriber gets all 50 messages on "ch" in order,
// and the publisher is answered all along.
func TestPubSubSlowSubscriberClosed(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	testenv.RaiseNofile(t, uint64(n+300))
	lim := defaultObufLimits()
	if err := setObuf(&lim, "pubsub 1mb 0 0"); err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, func(c *config) { c.clientOutputBufferLimit = lim; c.maxclients = n + 100 })
	addr := startServer(t, s)

	stalled := dialRaw(t, addr)
	stalled.send(string(resp.AppendCommand(nil, "SUBSCRIBE", "ch", "big")))
	child := exec.Command(os.Args[0], "-test.run=^TestPubSubSubscribersHelper$", "-test.v")
	child.Env = append(os.Environ(), fmt.Sprintf("GOAE_PUBSUB_SUBSCRIBERS=%s,%d", addr, n))
	out := &testenv.SyncBuffer{}
	child.Stdout, child.Stderr = out, out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	t.Cleanup(func() { child.Process.Kill() })
	pub := dialRaw(t, addr)
	deadline := time.Now().Add(120 * time.Second)
	for !strings.Contains(pub.do("PUBSUB", "NUMSUB", "ch"), fmt.Sprintf(":%d\r\n", n+1)) {
		if time.Now().After(deadline) {
			t.Fatalf("the %d subscribers did not all subscribe\n%s", n, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	big := strings.Repeat("b", 64<<10)
	for k := 0; k < 256; k++ {
		if got := pub.do("PUBLISH", "big", big); got != ":1\r\n" && got != ":0\r\n" {
			t.Fatalf("PUBLISH big %d = %q", k, got)
		}
		if k < 50 {
			if got := pub.do("PUBLISH", "ch", fmt.Sprint("m", k)); got != fmt.Sprintf(":%d\r\n", n+1) && got != fmt.Sprintf(":%d\r\n", n) {
				t.Fatalf("PUBLISH ch %d = %q", k, got)
			}
		}
	}
	if got := pub.do("PUBSUB", "NUMSUB", "big"); got != "*2\r\n$3\r\nbig\r\n:0\r\n" {
		t.Fatalf("the stalled subscriber is still there: PUBSUB NUMSUB big = %q", got)
	}
	select {
	case err := <-exited:
		if err != nil || !strings.Contains(out.String(), "all messages received") {
			t.Fatalf("the subscribers' process: %v\n%s", err, out.String())
		}
	case <-time.After(120 * time.Second):
		t.Fatalf("the subscribers did not get their 50 messages in 120 s\n%s", out.String())
	}
}

// TestPubSubSubscribersHelper is TestPubSubSlowSubscriberClosed's child
// process: n subscribers of "ch" that each read 50 messages "m0".."m49".
func TestPubSubSubscribersHelper(t *testing.T) {
	env := os.Getenv("GOAE_PUBSUB_SUBSCRIBERS")
	if env == "" {
		t.Skip("only as TestPubSubSlowSubscriberClosed's child process")
	}
	addr, nstr, _ := strings.Cut(env, ",")
	n, _ := strconv.Atoi(nstr)
	testenv.RaiseNofile(t, uint64(n+100))
	conns := make([]net.Conn, n)
	parallel(n, func(i int) {
		c, err := net.DialTimeout("tcp", addr, 20*time.Second)
		if err != nil {
			t.Errorf("dial %d: %v", i, err)
			return
		}
		c.Write(resp.AppendCommand(nil, "SUBSCRIBE", "ch"))
		conns[i] = c
	})
	if t.Failed() {
		return
	}
	parallel(n, func(i int) {
		c := conns[i]
		defer c.Close()
		r := bufio.NewReader(c)
		c.SetReadDeadline(time.Now().Add(100 * time.Second))
		want := "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
		for k := 0; k < 50; k++ {
			want += fmt.Sprintf("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$%d\r\nm%d\r\n", len(fmt.Sprint("m", k)), k)
		}
		got := make([]byte, len(want))
		if _, err := io.ReadFull(r, got); err != nil || string(got) != want {
			t.Errorf("subscriber %d: %v, got %.80q", i, err, got)
		}
	})
	if !t.Failed() {
		fmt.Println("all messages received")
	}
}

// Input: go-redis's PubSub: Subscribe, PSubscribe, Channel() receiving
// messages published by another client, then Unsubscribe/Close.
// Expected: the messages arrive with channel, pattern and payload.
func TestGoRedisPubSub(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	ctx := context.Background()
	rdb := goRedis(t, addr)
	ps := rdb.Subscribe(ctx, "orders")
	defer ps.Close()
	if err := ps.PSubscribe(ctx, "user:*"); err != nil {
		t.Fatal(err)
	}
	// Wait for both subscriptions to be in place.
	for i := 0; i < 2; i++ {
		if _, err := ps.Receive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	pub := goRedis(t, addr)
	if n, err := pub.Publish(ctx, "orders", "o1").Result(); err != nil || n != 1 {
		t.Fatalf("PUBLISH orders = %d, %v", n, err)
	}
	if n, err := pub.Publish(ctx, "user:7", "u7").Result(); err != nil || n != 1 {
		t.Fatalf("PUBLISH user:7 = %d, %v", n, err)
	}
	ch := ps.Channel()
	for _, want := range []redis.Message{{Channel: "orders", Payload: "o1"}, {Channel: "user:7", Pattern: "user:*", Payload: "u7"}} {
		select {
		case m := <-ch:
			if m.Channel != want.Channel || m.Pattern != want.Pattern || m.Payload != want.Payload {
				t.Fatalf("got %+v, want %+v", *m, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no message for %+v", want)
		}
	}
	if n, err := pub.PubSubNumSub(ctx, "orders").Result(); err != nil || n["orders"] != 1 {
		t.Fatalf("PUBSUB NUMSUB = %v, %v", n, err)
	}
}

// Input: redis-cli in subscribe mode (redis-cli SUBSCRIBE a b, then
// PSUBSCRIBE in another), with another client publishing to both
// channels; on kv and on redis-server. Expected: redis-cli prints the
// same lines for both (the subscribe confirmations, then each message).
func TestRedisCLISubscribe(t *testing.T) {
	bin := testenv.RequireBinary(t, "redis-cli")
	run := func(addr string, args ...string) string {
		host, port, _ := net.SplitHostPort(addr)
		cmd := exec.Command(bin, append([]string{"-h", host, "-p", port}, args...)...)
		out := &testenv.SyncBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		pub := dialRaw(t, addr)
		deadline := time.Now().Add(10 * time.Second)
		for {
			n := pub.do("PUBSUB", "NUMSUB", "a")
			np := pub.do("PUBSUB", "NUMPAT")
			if strings.HasSuffix(n, ":1\r\n") || np == ":1\r\n" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("redis-cli did not subscribe: %s", out.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		pub.do("PUBLISH", "a", "hello")
		pub.do("PUBLISH", "b", "two words")
		pub.do("PUBLISH", "zz", "nobody")
		// Lines: 3 per subscription, 3 per message (4 per pmessage).
		want := 2*3 + 2*3
		if args[0] == "PSUBSCRIBE" {
			want = 3 + 3*4
		}
		for deadline := time.Now().Add(10 * time.Second); strings.Count(out.String(), "\n") < want; {
			if time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		return out.String()
	}
	redis := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t))
	ours := startServer(t, newTestServer(t))
	for _, args := range [][]string{{"SUBSCRIBE", "a", "b"}, {"PSUBSCRIBE", "*"}} {
		got, want := run(ours, args...), run(redis, args...)
		if got != want || !strings.Contains(got, "hello") {
			t.Errorf("redis-cli %v:\n ours:  %q\n redis: %q", args, got, want)
		}
	}
}

// Input: PSUBSCRIBE with a pathological pattern ("a*" 5,000 times, then
// "b": without a limit, matching it against a long channel of a's takes
// exponential time) and PUBLISH to a 10,000-byte channel of a's; on kv
// and on redis-server. Expected: the same receiver count as Redis (whose
// glob gives up past 1,000 nested stars, as internal/glob does), a reply
// at once, and another client served meanwhile.
func TestPubSubPathologicalPattern(t *testing.T) {
	pat := strings.Repeat("a*", 5000) + "b"
	channel := strings.Repeat("a", 10000)
	check := func(addr string) string {
		sub, pub, other := dialRaw(t, addr), dialRaw(t, addr), dialRaw(t, addr)
		sub.do("PSUBSCRIBE", pat)
		got := pub.do("PUBLISH", channel, "x")
		if p := other.do("PING"); p != resp.Pong {
			t.Fatalf("PING after the pathological PUBLISH: %q", p)
		}
		got += pub.do("PUBSUB", "CHANNELS", pat)
		return got
	}
	redis := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t))
	ours, want := check(startServer(t, newTestServer(t))), check(redis)
	if ours != want {
		t.Fatalf("ours %q, redis %q", ours, want)
	}
}

// Input: CONFIG SET client-output-buffer-limit with each kind of bad value
// and with good ones naming one class or several, then CONFIG GET.
// Expected: redis-server's replies (its error texts, capitalized with a
// full stop, and all three classes read back in its order).
func TestOutputBufferLimitConfigMatchesRedis(t *testing.T) {
	s := newTestServer(t, func(c *config) {
		// Redis's default normal class, so that CONFIG GET agrees.
		c.clientOutputBufferLimit.normal = respserver.NoOutputBufferLimit
	})
	diffRedis(t, startServer(t, s), cmds(
		`CONFIG SET client-output-buffer-limit "normal 1 2"`, `CONFIG SET client-output-buffer-limit "foo 1 1 1"`,
		`CONFIG SET client-output-buffer-limit "normal x 1 1"`, `CONFIG SET client-output-buffer-limit "normal 1 1 -1"`,
		"CONFIG GET client-output-buffer-limit", `CONFIG SET client-output-buffer-limit "pubsub 1mb 512kb 10"`,
		"CONFIG GET client-output-buffer-limit", `CONFIG SET client-output-buffer-limit "normal 1gb 0 0 slave 1 2 3"`,
		"CONFIG GET client-output-buffer-limit",
	))
}
