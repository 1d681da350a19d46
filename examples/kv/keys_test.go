package main

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// Input: the keyspace commands with their options and error cases, on our
// server and on a real redis-server 7.0. Expected: identical reply bytes.
// TTLs are long enough that TTL's rounding gives the same second on both.
func TestKeyCommandsMatchRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		// DEL, UNLINK, EXISTS, TOUCH, TYPE
		"SET a 1", "SET b 2", "SET c 3", "EXISTS a", "EXISTS a a b nope", "TOUCH a nope a",
		"DEL a a nope", "EXISTS a", "UNLINK b c b", "DEL", "EXISTS", "UNLINK", "TYPE a",
		"SET s v", "TYPE s", "TYPE nope", "TYPE", "TYPE a b",
		// KEYS with one key, SCAN over a keyspace smaller than COUNT
		"KEYS *", "KEYS s", "KEYS s*", "KEYS x*", "KEYS [rs]", "KEYS", "KEYS a b",
		"SCAN 0", "SCAN 0 MATCH s", "SCAN 0 MATCH x*", "SCAN 0 COUNT 100", "SCAN 0 TYPE string",
		"SCAN 0 TYPE STRING", "SCAN 0 TYPE list", "SCAN 0 TYPE nosuchtype", "SCAN 0 MATCH * COUNT 5 TYPE string",
		// (Cursors other than 0 land in Redis's hash table wherever its
		// mask puts them: only their parsing is compared.)
		"SCAN \"\"", "SCAN +0", "SCAN -0", "SCAN 18446744073709551616", "SCAN \" 0\"", "SCAN 0x1", "SCAN 1.5", "SCAN abc", "SCAN +", "SCAN -",
		"SCAN 0 COUNT 0", "SCAN 0 COUNT -1", "SCAN 0 COUNT abc", "SCAN 0 COUNT", "SCAN 0 MATCH",
		"SCAN 0 TYPE", "SCAN 0 FOO bar", "SCAN 0 COUNT 10 COUNT", "SCAN abc COUNT 0", "SCAN",
		// RANDOMKEY
		"RANDOMKEY", "RANDOMKEY x", "FLUSHALL", "RANDOMKEY", "SET only 1", "RANDOMKEY",
		// RENAME, RENAMENX; the TTL moves with the value
		"RENAME nope x", "RENAMENX nope x", "RENAME only only", "RENAMENX only only", "RENAME nope nope",
		"SET src v EX 1000", "RENAME src dst", "EXISTS src", "GET dst", "TTL dst", "TTL src",
		"SET other o", "RENAME dst other", "GET other", "TTL other", "SET x 1", "RENAMENX other x",
		"RENAMENX other y", "GET y", "TTL y", "EXISTS other", "RENAME y", "RENAMENX a b c",
		// EXPIRE family: options and errors
		"SET k v", "TTL k", "PTTL k", "TTL nope", "PTTL nope", "EXPIRETIME k", "PEXPIRETIME k", "EXPIRETIME nope",
		"EXPIRE nope 100", "EXPIRE k 1000", "TTL k", "PERSIST k", "TTL k", "PERSIST k", "PERSIST nope",
		"EXPIRE k 1000 XX", "EXPIRE k 1000 NX", "TTL k", "EXPIRE k 2000 NX", "EXPIRE k 2000 XX", "TTL k",
		"EXPIRE k 1000 GT", "TTL k", "EXPIRE k 3000 GT", "TTL k", "EXPIRE k 4000 LT", "TTL k", "EXPIRE k 1500 LT", "TTL k",
		"PERSIST k", "EXPIRE k 100 GT", "TTL k", "EXPIRE k 100 LT", "TTL k", "PERSIST k",
		"EXPIRE k 100 nx xx", "EXPIRE k 100 NX GT", "EXPIRE k 100 NX LT", "EXPIRE k 100 GT LT", "EXPIRE k 100 XX GT",
		"EXPIRE k 100 foo", "EXPIRE k 100 NX foo", "EXPIRE k 100 \"bad option\"", "EXPIRE k abc", "EXPIRE k 1.5",
		"EXPIRE k \"\"", "EXPIRE nope abc", "EXPIRE nope 100 GT LT",
		"EXPIRE k 9223372036854775807", "EXPIRE k -9223372036854775808", "EXPIRE k 9223372036854775",
		"PEXPIRE k 9223372036854775807", "EXPIREAT k 9223372036854775807", "EXPIREAT k 9223372036854775",
		"PEXPIREAT k 9223372036854775807", "PEXPIRETIME k", "EXPIRETIME k", "PERSIST k",
		"EXPIREAT k 4000000000", "EXPIRETIME k", "PEXPIRETIME k", "TTL nope",
		"PEXPIREAT k 4000000000123", "PEXPIRETIME k", "EXPIRETIME k",
		"PEXPIRE k 100000000", "TTL k", "EXPIRE", "EXPIRE k", "TTL", "PTTL a b", "PERSIST", "EXPIRETIME",
		// A time in the past deletes the key and replies 1.
		"SET gone v", "EXPIRE gone -1", "EXISTS gone", "SET gone v", "PEXPIRE gone 0", "EXISTS gone",
		"SET gone v", "EXPIREAT gone 1", "EXISTS gone", "SET gone v", "PEXPIREAT gone 1000", "GET gone",
		"SET gone v EX 100", "EXPIRE gone 0 GT", "TTL gone", "EXPIRE gone 0 LT", "EXISTS gone",
		"SET gone v", "EXPIRE gone -5 NX", "EXISTS gone", "EXPIRE gone -5 XX",
		"DBSIZE",
	))
}

// Input: 300 keys of several names (and TTLs) on both servers, then KEYS
// with patterns and complete SCANs with various COUNT, MATCH and TYPE.
// Expected: the same set of keys as Redis for each (the order differs).
func TestKeysAndScanSetsMatchRedis(t *testing.T) {
	s := newTestServer(t)
	ours := dialRaw(t, startServer(t, s))
	redis := dialRaw(t, fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t)))
	for _, r := range []*rawConn{ours, redis} {
		for i := 0; i < 300; i++ {
			key := fmt.Sprintf("%s:%d", []string{"user", "item", "Key", "k"}[i%4], i)
			if i%7 == 0 {
				r.do("SET", key, "v", "EX", "1000")
			} else {
				r.do("SET", key, "v")
			}
		}
	}
	for _, pattern := range []string{"*", "user:*", "*1*", "k:?", "k:??", "[ik]*:1?", "[^u]*:2*", "Key:*0", "none*", "*:[0-9][0-9][0-9]"} {
		want := mustBulks(t, redis.do("KEYS", pattern))
		got := mustBulks(t, ours.do("KEYS", pattern))
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("KEYS %s: ours %d keys, redis %d keys\n ours:  %q\n redis: %q", pattern, len(got), len(want), got, want)
		}
	}
	for _, opts := range [][]string{
		nil, {"COUNT", "1"}, {"COUNT", "7"}, {"COUNT", "1000"}, {"MATCH", "user:*"},
		{"MATCH", "*7", "COUNT", "3"}, {"TYPE", "string"}, {"TYPE", "hash"}, {"MATCH", "nomatch*"},
	} {
		want := scanFull(t, redis, opts...)
		got := scanFull(t, ours, opts...)
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("SCAN %q: ours %d keys, redis %d keys\n ours:  %q\n redis: %q", opts, len(got), len(want), got, want)
		}
	}
}

// scanFull runs SCAN from cursor 0 until it returns 0 and gathers the
// keys, failing on a duplicate (neither server returns one when nothing
// changes during the scan).
func scanFull(t *testing.T, r *rawConn, opts ...string) []string {
	t.Helper()
	var keys []string
	seen := map[string]bool{}
	cursor := "0"
	for calls := 0; ; calls++ {
		if calls > 100000 {
			t.Fatal("SCAN does not terminate")
		}
		raw := r.do(append([]string{"SCAN", cursor}, opts...)...)
		reply := mustReply(t, raw)
		if reply.Type != '*' || len(reply.Array) != 2 {
			t.Fatalf("SCAN reply %q", raw)
		}
		cursor = string(reply.Array[0].Str)
		for _, e := range reply.Array[1].Array {
			if seen[string(e.Str)] {
				t.Fatalf("SCAN returned %q twice", e.Str)
			}
			seen[string(e.Str)] = true
			keys = append(keys, string(e.Str))
		}
		if cursor == "0" {
			return keys
		}
	}
}

// scanAllExec runs a full SCAN on an exec client, calling between(i) after
// call i; it returns how many times each key came back.
func scanAllExec(t *testing.T, e *execClient, count int, between func(call int)) map[string]int {
	t.Helper()
	got := map[string]int{}
	cursor := "0"
	for call := 0; ; call++ {
		if call > 100000 {
			t.Fatal("SCAN does not terminate")
		}
		reply := mustReply(t, e.exec("SCAN", cursor, "COUNT", strconv.Itoa(count)))
		cursor = string(reply.Array[0].Str)
		for _, k := range reply.Array[1].Array {
			got[string(k.Str)]++
		}
		if cursor == "0" {
			return got
		}
		between(call)
	}
}

// Input: a SCAN with a small COUNT while, between calls, keys are deleted
// (some from the end of the table, some from the middle), added, renamed
// and expired. Expected: every key present for the whole scan is returned,
// and exactly once; the scan ends.
func TestScanGuaranteeUnderChanges(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	e := s.newExecClient()
	const n = 2000
	for i := 0; i < n; i++ {
		e.exec("SET", fmt.Sprintf("key:%d", i), "v")
	}
	// Stable keys are those never touched below: i%5 == 0.
	deleted := map[string]bool{}
	got := scanAllExec(t, e, 7, func(call int) {
		// Delete a few keys from the end and the middle, add new ones,
		// rename one and let one expire.
		for j := 0; j < 3; j++ {
			i := (n - 1 - call*3 - j)
			if i > 0 && i%5 != 0 {
				k := fmt.Sprintf("key:%d", i)
				e.exec("DEL", k)
				deleted[k] = true
			}
			if m := call*7 + j; m < n && m%5 != 0 {
				k := fmt.Sprintf("key:%d", m)
				e.exec("DEL", k)
				deleted[k] = true
			}
		}
		e.exec("SET", fmt.Sprintf("new:%d", call), "v")
		if r := 1 + call*5%n; r%5 != 0 && !deleted[fmt.Sprintf("key:%d", r)] {
			e.exec("RENAME", fmt.Sprintf("key:%d", r), fmt.Sprintf("renamed:%d", call))
			deleted[fmt.Sprintf("key:%d", r)] = true
		}
		if x := 2 + call*11%n; x%5 != 0 {
			if o := s.db.dict[fmt.Sprintf("key:%d", x)]; o != nil {
				s.db.setExpire(o, s.mstime-1)
				deleted[o.key] = true
			}
		}
	})
	for i := 0; i < n; i += 5 {
		k := fmt.Sprintf("key:%d", i)
		if got[k] != 1 {
			t.Errorf("stable key %s returned %d times", k, got[k])
		}
	}
	for k := range got {
		if got[k] > 1 {
			t.Errorf("%s returned %d times", k, got[k])
		}
	}
	if len(deleted) < 100 {
		t.Fatalf("only %d keys changed during the scan; the test is not exercising anything", len(deleted))
	}
}

// Input: SCAN with a MATCH that selects nothing over many keys. Expected:
// each call returns a cursor after visiting about COUNT*10 positions (not
// the whole keyspace), as Redis bounds its work per call.
func TestScanBoundedWork(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	e := s.newExecClient()
	for i := 0; i < 1000; i++ {
		e.exec("SET", fmt.Sprintf("k%d", i), "v")
	}
	reply := mustReply(t, e.exec("SCAN", "0", "MATCH", "nothing*", "COUNT", "10"))
	if c := string(reply.Array[0].Str); c == "0" || len(reply.Array[1].Array) != 0 {
		t.Fatalf("SCAN 0 MATCH nothing* COUNT 10 = cursor %s, %d keys", c, len(reply.Array[1].Array))
	}
	// A huge COUNT does not overflow into no progress.
	reply = mustReply(t, e.exec("SCAN", "0", "COUNT", "9223372036854775807"))
	if c := string(reply.Array[0].Str); c != "0" || len(reply.Array[1].Array) != 1000 {
		t.Fatalf("SCAN 0 COUNT max = cursor %s, %d keys", c, len(reply.Array[1].Array))
	}
}

// Input: RANDOMKEY on an empty keyspace, on one key, on many keys, on a
// table emptied below its last key, and with expired keys. Expected: nil;
// that key; every key eventually; the survivor; only live keys, the
// expired ones deleted on the way.
func TestRandomKey(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	e := s.newExecClient()
	if got := e.exec("RANDOMKEY"); got != resp.NullBulk {
		t.Fatalf("RANDOMKEY on empty = %q", got)
	}
	e.exec("SET", "one", "1")
	if got := e.exec("RANDOMKEY"); got != "$3\r\none\r\n" {
		t.Fatalf("RANDOMKEY on one key = %q", got)
	}
	for i := 0; i < 20; i++ {
		e.exec("SET", fmt.Sprintf("k%d", i), "v")
	}
	seen := map[string]bool{}
	for i := 0; i < 2000 && len(seen) < 21; i++ {
		seen[string(mustReply(t, e.exec("RANDOMKEY")).Str)] = true
	}
	if len(seen) != 21 {
		t.Fatalf("2000 RANDOMKEYs saw %d of 21 keys", len(seen))
	}

	// Sparse: 5000 keys, all deleted but the last one.
	e.exec("FLUSHALL")
	for i := 0; i < 5000; i++ {
		e.exec("SET", fmt.Sprintf("s%d", i), "v")
	}
	for i := 0; i < 4999; i++ {
		e.exec("DEL", fmt.Sprintf("s%d", i))
	}
	if got := e.exec("RANDOMKEY"); got != "$5\r\ns4999\r\n" {
		t.Fatalf("RANDOMKEY on a sparse table = %q", got)
	}

	// Expired keys are skipped and deleted.
	e.exec("FLUSHALL")
	for i := 0; i < 50; i++ {
		k := fmt.Sprintf("x%d", i)
		e.exec("SET", k, "v")
		s.db.setExpire(s.db.dict[k], s.mstime-1)
	}
	e.exec("SET", "live", "v")
	before := s.stats.expiredKeys
	for i := 0; i < 200; i++ {
		if got := e.exec("RANDOMKEY"); got != "$4\r\nlive\r\n" {
			t.Fatalf("RANDOMKEY with expired keys = %q", got)
		}
	}
	if s.stats.expiredKeys == before {
		t.Fatal("200 RANDOMKEYs deleted no expired key")
	}
	e.exec("DEL", "live")
	if got := e.exec("RANDOMKEY"); got != resp.NullBulk {
		t.Fatalf("RANDOMKEY with only expired keys = %q", got)
	}
	if s.db.size() != 0 {
		t.Fatalf("%d expired keys left", s.db.size())
	}
}

// Input: PEXPIRE and EXPIRE with a few seconds, then PTTL and TTL over a
// real socket. Expected: values within the window, and the key gone once
// its time has passed (lazily, on access).
func TestTTLWindow(t *testing.T) {
	s := newTestServer(t)
	r := dialRaw(t, startServer(t, s))
	r.do("SET", "k", "v")
	if got := r.do("PEXPIRE", "k", "5000"); got != resp.One {
		t.Fatalf("PEXPIRE = %q", got)
	}
	pttl := mustReply(t, r.do("PTTL", "k")).Int
	if pttl <= 4000 || pttl > 5000 {
		t.Fatalf("PTTL = %d, want (4000, 5000]", pttl)
	}
	if ttl := mustReply(t, r.do("TTL", "k")).Int; ttl < 4 || ttl > 5 {
		t.Fatalf("TTL = %d", ttl)
	}
	r.do("SET", "short", "v", "PX", "50")
	time.Sleep(120 * time.Millisecond)
	if got := r.do("PTTL", "short"); got != ":-2\r\n" {
		t.Fatalf("PTTL after expiry = %q", got)
	}
	if got := r.do("EXISTS", "short"); got != resp.Zero {
		t.Fatalf("EXISTS after expiry = %q", got)
	}
}

// Input: keys whose TTL has passed but that were not yet deleted.
// Expected: KEYS and SCAN leave them out, EXISTS and TYPE see nothing,
// and every other type name comes out of TYPE as Redis spells it.
func TestKeysSkipExpiredAndTypeNames(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	e := s.newExecClient()
	e.exec("SET", "live", "v")
	e.exec("SET", "dead", "v")
	s.db.setExpire(s.db.dict["dead"], s.mstime-1)
	if got := mustBulks(t, e.exec("KEYS", "*")); !slices.Equal(got, []string{"live"}) {
		t.Fatalf("KEYS * = %q", got)
	}
	if got := e.exec("SCAN", "0"); got != "*2\r\n$1\r\n0\r\n*1\r\n$4\r\nlive\r\n" {
		t.Fatalf("SCAN 0 = %q", got)
	}
	if got := e.exec("TYPE", "dead"); got != "+none\r\n" {
		t.Fatalf("TYPE dead = %q", got)
	}
	for typ, name := range typeNames {
		s.db.add([]byte("t"+name), &robj{typ: uint8(typ)})
		if got := e.exec("TYPE", "t"+name); got != "+"+name+"\r\n" {
			t.Errorf("TYPE of a %s = %q", name, got)
		}
		if got := mustBulks(t, replyElem(t, e.exec("SCAN", "0", "TYPE", name), 1)); !slices.Contains(got, "t"+name) {
			t.Errorf("SCAN TYPE %s = %q", name, got)
		}
	}
}

// replyElem returns element i of an array reply, re-encoded raw.
func replyElem(t *testing.T, raw string, i int) string {
	t.Helper()
	r := mustReply(t, raw)
	return string(reencode(nil, r.Array[i]))
}

// reencode writes a decoded reply back in RESP2.
func reencode(dst []byte, r resp.Reply) []byte {
	switch r.Type {
	case '+':
		return resp.AppendSimpleString(dst, string(r.Str))
	case '-':
		return append(append(append(dst, '-'), r.Str...), "\r\n"...)
	case ':':
		return resp.AppendInt(dst, r.Int)
	case '$':
		if r.Null {
			return append(dst, resp.NullBulk...)
		}
		return resp.AppendBulk(dst, r.Str)
	}
	if r.Null {
		return append(dst, resp.NullArray...)
	}
	dst = resp.AppendArrayLen(dst, len(r.Array))
	for _, e := range r.Array {
		dst = reencode(dst, e)
	}
	return dst
}
