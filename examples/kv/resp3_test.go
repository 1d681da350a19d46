package main

import (
	"fmt"
	"testing"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// Input: after HELLO 3, commands of every reply shape kv has: strings,
// nulls, integers, maps (HGETALL, CONFIG GET), sets (SMEMBERS), doubles
// (ZSCORE, ZINCRBY, WITHSCORES), verbatim strings (CLIENT INFO is left out:
// its fields differ), empty and missing aggregates, errors, EXEC's replies
// and its null when a WATCHed key changed; then HELLO 2 and the same
// commands again. Expected: redis-server 7.0.15's bytes in both protocols.
func TestRESP3MatchesRedis(t *testing.T) {
	list := []string{
		"SET s v", "GET s", "GET nokey", "SET s v NX", "SET s2 v XX", "SET s w GET", "GETDEL nokey", "MGET s nokey",
		"INCR n", "INCRBYFLOAT f 1.5", "STRLEN s", "EXISTS s nokey", "TTL s", "TYPE s",
		"HSET h a 1 b 2", "HGETALL h", "HGETALL nokey", "HGET h a", "HGET h zz", "HMGET h a zz", "HKEYS h", "HVALS h",
		"HINCRBYFLOAT h f 2.5", "HSTRLEN h a",
		"SADD st x", "SMEMBERS st", "SMEMBERS nokey", "SISMEMBER st x", "SMISMEMBER st x y", "SCARD st", "SPOP nokey",
		"SRANDMEMBER nokey", "SRANDMEMBER nokey 3",
		"RPUSH l a b c", "LRANGE l 0 -1", "LPOP l", "LPOP l 2", "LPOP nokey", "LPOP nokey 2", "LINDEX l 5", "LRANGE nokey 0 -1",
		"ZADD z 1.1 a 2 b", "ZSCORE z a", "ZSCORE z nokey", "ZSCORE nokey a", "ZINCRBY z 1 b", "ZMSCORE z a nokey",
		"ZRANGE z 0 -1", "ZRANGE z 0 -1 WITHSCORES", "ZREVRANGE z 0 -1 WITHSCORES", "ZRANGEBYSCORE z -inf inf WITHSCORES",
		"ZADD z INCR 1 a", "ZADD z NX INCR 1 a", "ZPOPMIN z", "ZPOPMAX nokey", "ZPOPMIN z 5", "ZRANK z nokey",
		"ZADD z inf c", "ZSCORE z c", "ZRANGE nokey 0 -1 WITHSCORES",
		"CONFIG GET maxclients", "CONFIG GET nosuchparam", "CONFIG GET timeout",
		"WATCH s", "MULTI", "GET s", "HGETALL h", "ZSCORE z a", "EXEC",
		"MULTI", "SET s x", "EXEC",
		"KEYS nosuch*", "SCAN 0 MATCH nosuch*", "DBSIZE", "PING", "PING x", "ECHO e", "WRONGCMD", "GET", "LPUSH s x",
		"BLPOP nokey 0.01", "BRPOP nokey 0.01", "BZPOPMIN nokey 0.01", "ZADD bz 1 a", "BZPOPMIN bz 0", "ZADD bz 2.5 b",
		"BZPOPMAX bz 0", "LMPOP 1 nokey LEFT", "RPUSH ml a b c", "LMPOP 1 ml LEFT COUNT 2", "ZADD mz 1 a 2 b 3 c",
		"ZMPOP 1 mz MIN COUNT 2", "ZMPOP 1 mz MAX", "ZMPOP 1 nokey MIN", "BLMPOP 0.01 1 nokey LEFT",
		"BZMPOP 0.01 1 nokey MIN", "LMOVE nokey d LEFT RIGHT", "BLMOVE nokey d LEFT RIGHT 0.01", "RPOPLPUSH nokey d",
		"BRPOPLPUSH nokey d 0.01", "MULTI", "BLPOP nokey 0", "BZPOPMIN nokey 0", "BLMOVE nokey d LEFT RIGHT 0", "EXEC",
		"WAIT 0 0", "DEL s h st l z n f bz ml mz",
		"SADD sa 1 2 3", "SADD sb 2 3 4", "SINTER sa sb", "SUNION sa sb", "SDIFF sa sb", "SINTER sa nokey",
		"SRANDMEMBER sa 10", "SRANDMEMBER sa 0", "SPOP nokey 2", "SINTERCARD 2 sa sb", "SSCAN sa 0",
		"ZADD za 1 a 2 b", "ZADD zb 1 b 3 c", "ZUNION 2 za zb WITHSCORES", "ZINTER 2 za zb WITHSCORES",
		"ZDIFF 2 za zb WITHSCORES", "ZUNION 2 za zb", "ZRANDMEMBER za 5 WITHSCORES", "ZADD z1 5 only", "ZRANDMEMBER z1 -2 WITHSCORES", "DEL z1",
		"ZRANDMEMBER nokey 2 WITHSCORES", "ZSCAN za 0", "ZRANGESTORE zr za 0 -1",
		"HSET hh f v", "HRANDFIELD hh 1 WITHVALUES", "HRANDFIELD hh -2 WITHVALUES", "HRANDFIELD nokey 1 WITHVALUES",
		"HRANDFIELD hh 1", "HSCAN hh 0",
		"SET la ohmytext", "SET lb mynewtext", "LCS la lb", "LCS la lb LEN", "LCS la lb IDX", "LCS la lb IDX WITHMATCHLEN",
		"GETEX la", "BITFIELD bf SET u8 0 1 GET u8 0", "BITCOUNT la", "LPOS nol a", "LPOS nol a COUNT 2",
		"DEL sa sb za zb zr hh la lb bf",
	}
	var cmds3 []string
	cmds3 = append(cmds3, "HELLO 3")
	cmds3 = append(cmds3, list...)
	cmds3 = append(cmds3, "HELLO 2")
	cmds3 = append(cmds3, list...)
	diffRedisWith(t, startServer(t, newTestServer(t)), nil, cmds(cmds3...), normHelloID)
}

// Input: after HELLO 3, replies whose contents differ between kv and
// Redis (INFO, CLIENT LIST/INFO, COMMAND INFO and DOCS: kv has no tips,
// key specs or argument docs). Expected: the same RESP3 types as
// redis-server 7.0.15 at each level that both have: verbatim strings,
// COMMAND INFO's ten fields with its flags, categories, tips, key specs
// and subcommands as sets, COMMAND DOCS as maps.
func TestRESP3ShapesMatchRedis(t *testing.T) {
	redis := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t))
	a, b := dialRaw(t, startServer(t, newTestServer(t))), dialRaw(t, redis)
	a.do("HELLO", "3")
	b.do("HELLO", "3")
	var shape func(r resp.Reply, depth int) string
	shape = func(r resp.Reply, depth int) string {
		out := string(r.Type)
		if depth == 0 || len(r.Array) == 0 {
			return out
		}
		out += "["
		for i, e := range r.Array {
			if i > 0 {
				out += " "
			}
			out += shape(e, depth-1)
		}
		return out + "]"
	}
	for _, tc := range []struct {
		cmd   string
		depth int
	}{
		{"INFO", 0}, {"INFO server", 0}, {"CLIENT LIST", 0}, {"CLIENT INFO", 0},
		{"COMMAND INFO get", 2}, {"COMMAND INFO client", 1}, {"COMMAND DOCS get", 1}, {"COMMAND DOCS get", 0},
	} {
		args := cmds(tc.cmd)[0]
		got, want := mustReply(t, a.do(args...)), mustReply(t, b.do(args...))
		if tc.cmd == "COMMAND INFO get" {
			// Redis has key specs for GET; compare everything else.
			got.Array[0].Array, want.Array[0].Array = got.Array[0].Array[:8], want.Array[0].Array[:8]
		}
		if tc.cmd == "COMMAND DOCS get" && tc.depth == 1 {
			got.Array, want.Array = got.Array[:1], want.Array[:1]
		}
		if g, w := shape(got, tc.depth), shape(want, tc.depth); g != w {
			t.Errorf("%s: shape %s, redis %s", tc.cmd, g, w)
		}
	}
}
