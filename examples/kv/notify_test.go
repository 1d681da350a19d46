package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// notifyScript runs lines as steps of connection 1, with connection 0
// listening on every keyspace and keyevent channel.
func notifyScript(flags string, lines ...string) []trackStep {
	out := steps("0 PSUBSCRIBE __key*__:*", "1 CONFIG SET notify-keyspace-events "+flags)
	for _, l := range lines {
		out = append(out, trackStep{conn: 1, cmd: l})
	}
	return out
}

// Input: notify-keyspace-events KEA plus n (new keys), a listener on
// __key*__:*, and the write commands of every type kv has: strings,
// expiry and persistence, DEL, RENAME, MOVE, lists (pushes, pops that
// empty the key, LSET, LTRIM, LREM, LINSERT, LMOVE), hashes, sets (SMOVE,
// SPOP), sorted sets (ZADD, INCR, ZREM, ranges, pops), and a lazily expired
// key. Expected: redis-server's events, channel by channel and in its
// order.
func TestKeyspaceEventsMatchRedis(t *testing.T) {
	diffTracking(t, 2, notifyScript("KEAn",
		"SET s v", "SET s w", "SET s x EX 100", "SETNX s y", "SETNX s2 y", "SETEX s3 100 v", "PSETEX s4 100000 v",
		"GETSET s z", "GETDEL s2", "GETDEL nokey", "MSET m1 a m2 b", "MSETNX m1 a m3 c", "MSETNX m4 a m5 b",
		"APPEND s q", "APPEND ap q", "INCR n", "INCRBY n 5", "DECR n", "DECRBY n 2", "INCRBYFLOAT f 1.5",
		"SET s v GET", "SET s v KEEPTTL", "SET s v NX", "SET nx v XX",
		"EXPIRE s 100", "PEXPIRE s 100000", "EXPIREAT s 99999999999", "PERSIST s", "PERSIST s", "EXPIRE s -1",
		"SET e v", "PEXPIREAT e 1", "GET e",
		"SET d1 v", "SET d2 v", "DEL d1 d2 nokey", "SET u v", "UNLINK u", "SET r v", "RENAME r r2", "RENAMENX r2 m1",
		"RENAMENX r2 r3", "RENAME r3 r3", "SET mv v", "MOVE mv 1", "SELECT 1", "GET mv", "SELECT 0",
		"RPUSH l a b c", "LPUSH l z", "LPUSHX l y", "RPUSHX l x", "LPUSHX nol y", "LSET l 0 q",
		"LREM l 1 q", "LTRIM l 0 2", "LPOP l", "RPOP l", "LPOP l 5", "RPUSH l2 a b", "RPOP l2 2",
		"RPUSH src a b", "LMOVE src dst LEFT RIGHT", "RPOPLPUSH src dst", "LMOVE dst dst LEFT LEFT",
		"HSET h a 1 b 2", "HSETNX h a 1", "HSETNX h c 3", "HINCRBY h a 2", "HINCRBYFLOAT h b 1.5", "HDEL h a",
		"HDEL h b c zz", "HMSET h2 a 1",
		"SADD st a b c", "SADD st a", "SREM st a", "SADD st2 b", "SPOP st2", "SADD st3 c", "SPOP st3 5", "SPOP st3 5",
		"SADD sp x", "SREM sp x",
		"ZADD z 1 a 2 b 3 c", "ZADD z INCR 5 a", "ZINCRBY z 1 b", "ZREM z c", "ZADD z 4 d 5 e",
		"ZREMRANGEBYSCORE z 5 5", "ZREMRANGEBYRANK z 0 0", "ZADD zl 0 a 0 b", "ZREMRANGEBYLEX zl [a [a",
		"ZPOPMIN z", "ZPOPMAX z 10", "ZADD z2 1 a", "ZREM z2 a",
		"SETRANGE sr 3 abc", "SETRANGE sr 0 x", "SETBIT sb 7 1", "SETBIT sb 7 1", "SETBIT sb 7 0",
		"BITOP OR bo sb sr", "BITOP AND bo nokey", "BITFIELD bf SET u8 0 200 GET u8 0", "BITFIELD bf GET u8 0",
		"SET gx v", "GETEX gx EX 100", "GETEX gx PERSIST", "GETEX gx PERSIST", "GETEX gx PXAT 1",
		"RPUSH li a b", "LINSERT li BEFORE b x", "LINSERT li AFTER zz y",
		"SADD sa 1 2 3", "SADD sb2 2 3 4", "SINTERSTORE si sa sb2", "SINTERSTORE si sa nokey", "SINTERSTORE si sa nokey",
		"SUNIONSTORE su sa sb2", "SDIFFSTORE sd sa sb2", "SDIFFSTORE sd sa sa", "SMOVE sa sb2 1", "SMOVE sa sm 2",
		"SMOVE sa sm 3", "SMOVE sb2 sb2 2",
		"ZADD za 1 a 2 b", "ZADD zb 1 b 3 c", "ZUNIONSTORE zu 2 za zb", "ZINTERSTORE zi 2 za zb", "ZDIFFSTORE zd 2 za zb",
		"ZDIFFSTORE zd 2 za za", "ZRANGESTORE zr za 0 0", "ZRANGESTORE zr za 5 6",
		"FLUSHDB", "SET after-flush v",
	))
}

// Input: notify-keyspace-events with one class at a time and with K or
// E alone, and CONFIG GET of each (including "A" with extra letters and a
// bad letter). Expected: redis-server's events and replies: only the
// chosen classes, only the chosen channels, and its spelling of the
// setting back.
func TestKeyspaceEventsClassesMatchRedis(t *testing.T) {
	var lines []string
	for _, f := range []string{"K$", "E$", "Kg", "El", "KEs", "KEh", "KEz", "KEx", "KEA", "Kgn", "KEm", "A", "AKEn", "gKE$lshzxetdmn", "KEB", "x"} {
		lines = append(lines, "CONFIG SET notify-keyspace-events "+f, "CONFIG GET notify-keyspace-events",
			"SET k v", "DEL k", "RPUSH l a", "LPOP l", "SADD s a", "SPOP s", "HSET h a 1", "HDEL h a",
			"ZADD z 1 a", "ZREM z a", "SET e v", "PEXPIREAT e 1", "GET nokey")
	}
	lines = append(lines, "CONFIG SET notify-keyspace-events \"\"", "CONFIG GET notify-keyspace-events", "SET k v")
	st := notifyScript("", lines...)
	diffTracking(t, 2, st)
}

// Input: with KEA, clients blocked in BLPOP, BLMOVE and BZPOPMIN served by
// pushes from another client, and a key with a 100 ms TTL left alone
// until active expiry deletes it; a listener on __key*__:* on each server.
// Expected: the listener's messages are redis-server's, in its order:
// the push, then the served pop and the del of the emptied key, the
// BLMOVE's push and pop, and "expired" from the expiry cycle.
func TestKeyspaceEventsBlockedAndExpiredMatchRedis(t *testing.T) {
	run := func(addr string) string {
		l, a, b := dialRaw(t, addr), dialRaw(t, addr), dialRaw(t, addr)
		l.do("PSUBSCRIBE", "__key*__:*")
		b.do("CONFIG", "SET", "notify-keyspace-events", "KEA")
		waitBlocked := func() {
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(b.do("INFO", "clients"), "blocked_clients:1\r\n") {
				if time.Now().After(deadline) {
					t.Fatal("the client did not block")
				}
				time.Sleep(time.Millisecond)
			}
		}
		for _, step := range [][2][]string{
			{{"BLPOP", "q", "0"}, {"RPUSH", "q", "x"}},
			{{"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"}, {"LPUSH", "src", "v"}},
			{{"BZPOPMIN", "z", "0"}, {"ZADD", "z", "1", "m"}},
			{{"BLMPOP", "0", "1", "q2", "LEFT", "COUNT", "5"}, {"RPUSH", "q2", "a", "b"}},
		} {
			a.send(string(resp.AppendCommand(nil, step[0]...)))
			waitBlocked()
			b.do(step[1]...)
			a.reply()
		}
		b.do("SET", "e", "v", "PX", "100")
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(b.do("INFO", "keyspace"), "db0:keys=1,") {
			if time.Now().After(deadline) {
				t.Fatal("e did not expire by itself")
			}
			time.Sleep(20 * time.Millisecond)
		}
		b.do("SET", "marker", "v")
		var out strings.Builder
		for {
			raw := l.reply()
			out.WriteString(raw)
			if strings.Contains(raw, "__keyevent@0__:set\r\n$6\r\nmarker") {
				return out.String()
			}
		}
	}
	redis := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t))
	ours, want := run(startServer(t, newTestServer(t))), run(redis)
	if ours != want {
		t.Fatalf("events differ:\n ours:  %s\n redis: %s", compactRESP(ours), compactRESP(want))
	}
}
