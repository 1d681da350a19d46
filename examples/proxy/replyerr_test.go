package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// TestReplyErrorsRedisDifferential: a redis pool with reply_errors: true.
// Tried: one write holding SET k v, an unknown command (FOOBAR a b), wrong
// arities (INCR, GET, MSET k1 v1 k2, TTL a b), then GET k. Expected: the
// very bytes redis-server 7.0 answers to the same write (its unknown
// command and arity texts), in order, and the connection stays open (a
// PING after it gets +PONG). The same write through a pool without the key
// gets no bytes and EOF, as from nutcracker: the key is opt-in.
func TestReplyErrorsRedisDifferential(t *testing.T) {
	back := testenv.StartRedis(t)
	tmpl := redisPool("alpha", "{LISTEN0}", []int{back}, "  reply_errors: true\n") +
		redisPool("beta", "{LISTEN1}", []int{back}, "")
	pp := startProc(t, proxyBinary(t), tmpl, 2)
	stream := resp(cmd("SET", "k", "v"), cmd("FOOBAR", "a", "b"), cmd("INCR"), cmd("GET"),
		cmd("MSET", "k1", "v1", "k2"), cmd("TTL", "a", "b"), cmd("GET", "k"))
	want, _ := exchange(t, back, [][]byte{stream}, 0, 300*time.Millisecond)
	if !strings.Contains(string(want), "unknown command 'FOOBAR'") || !strings.HasSuffix(string(want), "$1\r\nv\r\n") {
		t.Fatalf("redis-server answered %q", want)
	}
	got, eof := exchange(t, pp.ports[0], [][]byte{append(stream, resp(cmd("PING"))...)}, 0, 300*time.Millisecond)
	if eof || string(got) != string(want)+"+PONG\r\n" {
		t.Errorf("reply_errors pool: eof %v, got\n%q\nwant\n%q", eof, got, string(want)+"+PONG\r\n")
	}
	got, eof = exchange(t, pp.ports[1], [][]byte{stream}, 0, 300*time.Millisecond)
	if !eof || len(got) != 0 {
		t.Errorf("plain pool: eof %v, got %q; want no bytes and EOF (nutcracker's close)", eof, got)
	}
}

// TestReplyErrorsRedisProtocolError: broken framing cannot be
// resynchronised. Tried: SET k v then "*1\r\n$x\r\n" (a bad bulk length)
// then GET k, in one write. Expected: redis-server's bytes exactly: +OK,
// "-ERR Protocol error: invalid bulk length", then EOF (the later GET is
// dropped), through the proxy as from redis-server.
func TestReplyErrorsRedisProtocolError(t *testing.T) {
	back := testenv.StartRedis(t)
	pp := startProc(t, proxyBinary(t), redisPool("alpha", "{LISTEN0}", []int{back}, "  reply_errors: true\n"), 1)
	stream := append(resp(cmd("SET", "k", "v")), "*1\r\n$x\r\n"...)
	stream = append(stream, resp(cmd("GET", "k"))...)
	want, weof := exchange(t, back, [][]byte{stream}, 0, time.Second)
	got, geof := exchange(t, pp.ports[0], [][]byte{stream}, 0, time.Second)
	if string(want) != "+OK\r\n-ERR Protocol error: invalid bulk length\r\n" || !weof {
		t.Fatalf("redis-server: %q eof %v", want, weof)
	}
	if string(got) != string(want) || !geof {
		t.Errorf("proxy: %q eof %v, want %q and EOF", got, geof, want)
	}
}

// TestReplyErrorsRedisProxyOnly: the refusals only the proxy makes, each
// followed on the same connection by a PING that must get +PONG. Tried: a
// command Redis has but nutcracker does not forward (KEYS *, SELECT 1), an
// inline PING, an empty "*0", EVALSHA with numkeys 0, and a key one byte
// over the mbuf limit (-m 512: keys of 464 bytes are refused). Expected:
// Redis's unknown-command text, the inline and key texts of replyerr.go,
// nothing for "*0" (Redis skips it), and the arity text for EVALSHA.
func TestReplyErrorsRedisProxyOnly(t *testing.T) {
	back := testenv.StartRedis(t)
	pp := startProc(t, proxyBinary(t), redisPool("alpha", "{LISTEN0}", []int{back}, "  reply_errors: true\n"), 1, "-m", "512")
	ping := string(resp(cmd("PING")))
	for _, c := range []struct{ in, want string }{
		{string(resp(cmd("KEYS", "*"))), "-ERR unknown command 'KEYS', with args beginning with: '*' \r\n"},
		{string(resp(cmd("select", "1"))), "-ERR unknown command 'select', with args beginning with: '1' \r\n"},
		{"PING\r\n", "-ERR inline commands are not supported by the proxy, send 'ping' as a RESP array\r\n"},
		{"*0\r\n", ""},
		{string(resp(cmd("EVALSHA", "abc", "0"))), "-ERR wrong number of arguments for 'evalsha' command, the proxy needs at least one key\r\n"},
		{string(resp(cmd("GET", strings.Repeat("x", 464)))), "-ERR key too long for the proxy, at most 463 bytes\r\n"},
	} {
		got, eof := exchange(t, pp.ports[0], [][]byte{[]byte(c.in + ping)}, 0, 300*time.Millisecond)
		if eof || string(got) != c.want+"+PONG\r\n" {
			t.Errorf("%q: got %q eof %v, want %q", c.in, got, eof, c.want+"+PONG\r\n")
		}
	}
	// A 463-byte key is still forwarded.
	got, _ := exchange(t, pp.ports[0], [][]byte{resp(cmd("SET", strings.Repeat("y", 463), "1"))}, 5, 300*time.Millisecond)
	if string(got) != "+OK\r\n" {
		t.Errorf("SET of a 463-byte key: %q", got)
	}
}

// TestReplyErrorsMemcacheDifferential: a memcache pool with reply_errors.
// Tried: in one write a get of a 251-byte key, an unknown command, a set
// whose data block is one byte longer than announced, a good set and a
// get. Expected: memcached 1.6's own bytes for the same write
// (CLIENT_ERROR bad command line format, ERROR, CLIENT_ERROR bad data
// chunk and what follows it, STORED, the value). (In the other order,
// memcached 1.6.18 drops the unknown command's ERROR when the long get
// follows it in the same read, which internal/mcproto does not model.) Then commands memcached has but
// the proxy does not forward (stats, flush_all, an ms with its data
// block) get ERROR each and the connection goes on (a get after them is
// answered).
func TestReplyErrorsMemcacheDifferential(t *testing.T) {
	back := testenv.StartMemcached(t)
	pp := startProc(t, proxyBinary(t), mcPool("mc", "{LISTEN0}", []int{back}, "  reply_errors: true\n"), 1)
	stream := []byte("get " + strings.Repeat("k", 251) + "\r\nbogus\r\nset a 0 0 3\r\nabcd\r\nset k 0 0 1\r\nv\r\nget k\r\n")
	want, _ := exchange(t, back, [][]byte{stream}, 0, 300*time.Millisecond)
	if !bytes.Contains(want, []byte("CLIENT_ERROR bad command line format\r\nERROR\r\nCLIENT_ERROR bad data chunk\r\n")) ||
		!bytes.HasSuffix(want, []byte("STORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n")) {
		t.Fatalf("memcached answered %q", want)
	}
	got, eof := exchange(t, pp.ports[0], [][]byte{stream}, 0, 300*time.Millisecond)
	if eof || string(got) != string(want) {
		t.Errorf("proxy: eof %v\n got %q\nwant %q", eof, got, want)
	}
	got, eof = exchange(t, pp.ports[0], [][]byte{[]byte("stats\r\nflush_all\r\nms k 2\r\nab\r\nget k\r\n")}, 0, 300*time.Millisecond)
	if w := "ERROR\r\nERROR\r\nERROR\r\nVALUE k 0 1\r\nv\r\nEND\r\n"; eof || string(got) != w {
		t.Errorf("unsupported commands: eof %v got %q want %q", eof, got, w)
	}
	// Without the key, nutcracker's close.
	plain := startProc(t, proxyBinary(t), mcPool("mc", "{LISTEN0}", []int{back}, ""), 1)
	got, eof = exchange(t, plain.ports[0], [][]byte{[]byte("stats\r\n")}, 0, time.Second)
	if !eof || len(got) != 0 {
		t.Errorf("plain pool: %q eof %v, want no bytes and EOF", got, eof)
	}
}
