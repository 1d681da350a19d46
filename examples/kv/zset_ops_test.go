package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Input: ZUNION, ZINTER, ZDIFF and their STORE forms with WITHSCORES,
// WEIGHTS (negative, zero, inf, a bad one, too few), AGGREGATE SUM, MIN,
// MAX (and a bad one), sets of integers as inputs, missing keys, WRONGTYPE,
// bad numkeys; a destination of another type or with a TTL, an empty
// result deleting it, -0 scores (which a stored listpack-sized result
// reads back as 0); ZINTERCARD with LIMIT; ZRANGESTORE by rank, score and
// lex, REV and LIMIT, with WITHSCORES refused; ZRANDMEMBER's deterministic
// cases and errors; ZSCAN of listpack-sized sets, with MATCH, COUNT, any
// cursor, and its errors. Expected: the same reply bytes as redis-server
// 7.0, order included.
func TestZsetOpsMatchRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"ZADD a 1 x 2 y 3 z", "ZADD b 10 y 20 z 30 w", "ZADD c 0.5 z 1e300 v", "SADD st y z q", "SET str v",
		"ZUNION 2 a b", "ZUNION 2 a b WITHSCORES", "ZUNION 3 a b c WITHSCORES", "ZUNION 2 a b WEIGHTS 2 -1 WITHSCORES",
		"ZUNION 2 a b AGGREGATE MIN WITHSCORES", "ZUNION 2 a b AGGREGATE max WITHSCORES", "ZUNION 2 a st WITHSCORES",
		"ZUNION 3 a b missing WITHSCORES", "ZUNION 1 missing", "ZUNION 2 a str", "ZUNION 2 str missing",
		"ZUNION 2 a b WEIGHTS 1", "ZUNION 2 a b WEIGHTS 1 x", "ZUNION 2 a b WEIGHTS 1 2 3", "ZUNION 2 a b AGGREGATE",
		"ZUNION 2 a b AGGREGATE avg", "ZUNION 2 a b WITHSCORES WITHSCORES", "ZUNION 2 a b LIMIT 1", "ZUNION 0 a",
		"ZUNION -1 a", "ZUNION x a", "ZUNION 3 a b", "ZUNION 2 a b BAD", "ZUNION 2 a b WEIGHTS inf -inf WITHSCORES",
		"ZUNION 2 a a WEIGHTS inf -inf WITHSCORES", "ZUNION 2 a c WEIGHTS 0 inf WITHSCORES", "ZUNION 1 a WEIGHTS -0 WITHSCORES",
		"ZUNION 1 a WEIGHTS nan", "ZUNION 2 a b WEIGHTS 0.1 0.2 WITHSCORES",
		"ZINTER 2 a b WITHSCORES", "ZINTER 3 a b c WITHSCORES", "ZINTER 2 a st WITHSCORES", "ZINTER 2 a a WITHSCORES",
		"ZINTER 2 a missing", "ZINTER 2 missing a", "ZINTER 2 a b WEIGHTS 3 0.5 AGGREGATE MAX WITHSCORES",
		"ZINTER 2 a b AGGREGATE MIN", "ZINTER 2 a str", "ZINTER 2 str missing", "ZINTER 1 st WITHSCORES",
		"ZDIFF 2 a b WITHSCORES", "ZDIFF 2 b a WITHSCORES", "ZDIFF 3 b a c", "ZDIFF 1 a", "ZDIFF 2 a a", "ZDIFF 2 missing a",
		"ZDIFF 2 a missing WITHSCORES", "ZDIFF 2 a b WEIGHTS 1 2", "ZDIFF 2 a b AGGREGATE SUM", "ZDIFF 2 a str",
		"ZDIFF 2 st a WITHSCORES",
		"SET d v EX 100", "ZUNIONSTORE d 2 a b", "TTL d", "TYPE d", "ZRANGE d 0 -1 WITHSCORES", "ZSCAN d 0",
		"ZUNIONSTORE d 2 a b WITHSCORES", "ZUNIONSTORE d 2 a b WEIGHTS 1 -1 AGGREGATE MIN", "ZRANGE d 0 -1 WITHSCORES",
		"ZUNIONSTORE d 1 missing", "EXISTS d", "ZINTERSTORE d 2 a b", "ZRANGE d 0 -1 WITHSCORES", "ZINTERSTORE d 2 a missing",
		"EXISTS d", "ZDIFFSTORE d 2 a b", "ZRANGE d 0 -1 WITHSCORES", "ZDIFFSTORE d 2 a a", "EXISTS d",
		"ZDIFFSTORE d 2 a b WITHSCORES", "ZINTERSTORE d 0 a", "ZUNIONSTORE d x a", "ZUNIONSTORE str 1 a", "TYPE str",
		"SET str v", "ZUNIONSTORE a 2 a b", "ZRANGE a 0 -1 WITHSCORES", "ZADD a 1 x 2 y 3 z",
		"ZADD zero 0 m", "ZUNION 1 zero WEIGHTS -1 WITHSCORES", "ZUNIONSTORE zd 1 zero WEIGHTS -1", "ZSCORE zd m",
		"ZRANGE zd 0 -1 WITHSCORES", "ZINTERSTORE zd 1 zero WEIGHTS -1", "ZSCORE zd m",
		"ZINTERCARD 2 a b", "ZINTERCARD 3 a b c", "ZINTERCARD 2 a b LIMIT 1", "ZINTERCARD 2 a b LIMIT 0",
		"ZINTERCARD 1 a LIMIT 2", "ZINTERCARD 2 a missing", "ZINTERCARD 2 a str", "ZINTERCARD 0 a", "ZINTERCARD 3 a b",
		"ZINTERCARD 2 a b LIMIT -1", "ZINTERCARD 2 a b LIMIT x", "ZINTERCARD 2 a b WITHSCORES", "ZINTERCARD 2 a b WEIGHTS 1 1",
		"ZINTERCARD 2 a b AGGREGATE MIN", "ZINTERCARD 2 a b LIMIT", "ZINTERCARD 2 a st",
		"ZADD r 1 a 2 b 3 c 4 d 5 e", "ZADD lex 0 a 0 b 0 c 0 d", "ZRANGESTORE rd r 0 2", "ZRANGE rd 0 -1 WITHSCORES",
		"ZRANGESTORE rd r 1 -1 REV", "ZRANGE rd 0 -1 WITHSCORES", "ZRANGESTORE rd r (1 4 BYSCORE", "ZRANGE rd 0 -1 WITHSCORES",
		"ZSCAN rd 0", "ZRANGESTORE rd r 5 2 BYSCORE REV LIMIT 1 2", "ZRANGE rd 0 -1 WITHSCORES",
		"ZRANGESTORE rd lex [b + BYLEX", "ZRANGE rd 0 -1", "ZRANGESTORE rd lex + (b BYLEX REV LIMIT 0 1", "ZRANGE rd 0 -1",
		"ZRANGESTORE rd r 10 20", "EXISTS rd", "ZRANGESTORE rd r 0 1", "ZRANGESTORE rd missing 0 -1", "EXISTS rd",
		"ZRANGESTORE rd r 0 -1 WITHSCORES", "ZRANGESTORE rd r 0 -1 LIMIT 0 1", "ZRANGESTORE rd r a b", "ZRANGESTORE rd r 0",
		"ZRANGESTORE rd str 0 -1", "ZRANGESTORE str r 0 0", "TYPE str", "SET str v", "ZRANGESTORE rd r (a b BYSCORE",
		"ZRANGESTORE rd lex a b BYLEX", "ZRANGESTORE rd r 0 -1 BYLEX WITHSCORES", "ZRANGESTORE r r 1 2", "ZRANGE r 0 -1",
		"ZRANDMEMBER missing", "ZRANDMEMBER missing 3", "ZRANDMEMBER missing -3 WITHSCORES", "ZRANDMEMBER str",
		"ZRANDMEMBER str 2", "ZRANDMEMBER a 0", "ZRANDMEMBER a 100", "ZRANDMEMBER a 4 WITHSCORES", "ZRANDMEMBER a x",
		"ZRANDMEMBER a 1 BAD", "ZRANDMEMBER a 1 WITHSCORES x", "ZRANDMEMBER a -9223372036854775808",
		"ZRANDMEMBER a 4611686018427387904 WITHSCORES", "ZRANDMEMBER a 9223372036854775807", "ZADD one 5 m",
		"ZRANDMEMBER one", "ZRANDMEMBER one -2 WITHSCORES", "ZRANDMEMBER one 1 WITHSCORES", "ZRANDMEMBER",
		"ZSCAN a 0", "ZSCAN a 42", "ZSCAN a 0 COUNT 1", "ZSCAN a 0 MATCH [xz]", "ZSCAN c 0", "ZSCAN a 0 COUNT 0",
		"ZSCAN a 0 COUNT x", "ZSCAN a 0 TYPE zset", "ZSCAN a 0 MATCH", "ZSCAN a x", "ZSCAN missing 0", "ZSCAN missing 0 BAD",
		"ZSCAN str 0", "ZSCAN a",
	))
}

// Input: 2,500 random ZADD, ZREM, ZINCRBY, ZUNIONSTORE, ZINTERSTORE,
// ZDIFFSTORE (with WEIGHTS and AGGREGATE, sets among the inputs),
// ZRANGESTORE, ZINTERCARD, ZUNION and ZINTER WITHSCORES over a few keys,
// each store followed by ZRANGE WITHSCORES of its destination, from a
// fixed seed. Expected: the same replies as redis-server 7.0 at every
// step.
func TestZsetOpsRandomMatchRedis(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 6))
	key := func() string {
		if rng.IntN(6) == 0 {
			return "st"
		}
		return "z" + strconv.Itoa(rng.IntN(4))
	}
	member := func() string { return "m" + strconv.Itoa(rng.IntN(15)) }
	score := func() string {
		return []string{"0", "1", "-1", "2.5", "0.1", "1e10", "-3", "inf", "7"}[rng.IntN(9)]
	}
	var seq [][]string
	for i := 0; i < 2500; i++ {
		var cmd []string
		switch rng.IntN(9) {
		case 0, 1:
			cmd = []string{"ZADD", "z" + strconv.Itoa(rng.IntN(4)), score(), member(), score(), member()}
		case 2:
			cmd = []string{"ZREM", "z" + strconv.Itoa(rng.IntN(4)), member()}
		case 3:
			cmd = []string{"SADD", "st", member()}
		case 4, 5:
			op := []string{"ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"}[rng.IntN(3)]
			dst := "z" + strconv.Itoa(rng.IntN(4))
			cmd = []string{op, dst, "2", key(), key()}
			if op != "ZDIFFSTORE" {
				if rng.IntN(2) == 0 {
					cmd = append(cmd, "WEIGHTS", score(), score())
				}
				if rng.IntN(2) == 0 {
					cmd = append(cmd, "AGGREGATE", []string{"SUM", "MIN", "MAX"}[rng.IntN(3)])
				}
			}
			seq = append(seq, cmd)
			cmd = []string{"ZRANGE", dst, "0", "-1", "WITHSCORES"}
		case 6:
			dst := "z" + strconv.Itoa(rng.IntN(4))
			cmd = []string{"ZRANGESTORE", dst, "z" + strconv.Itoa(rng.IntN(4)), strconv.Itoa(rng.IntN(5) - 2), strconv.Itoa(rng.IntN(5) - 1)}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "REV")
			}
			seq = append(seq, cmd)
			cmd = []string{"ZRANGE", dst, "0", "-1", "WITHSCORES"}
		case 7:
			cmd = []string{"ZINTERCARD", "2", key(), key(), "LIMIT", strconv.Itoa(rng.IntN(3))}
		case 8:
			cmd = []string{[]string{"ZUNION", "ZINTER", "ZDIFF"}[rng.IntN(3)], "3", key(), key(), key(), "WITHSCORES"}
		}
		seq = append(seq, cmd)
	}
	diffRedis(t, startServer(t, newTestServer(t)), seq)
}

// Input: sorted sets past the listpack limits (129 members; one member of
// 65 bytes): ZSCAN with a large COUNT, ZRANDMEMBER of the whole set, and
// ZUNIONSTORE results of those sizes, compared with arrays sorted (Redis's
// hash table order is its own) and, where the order is Redis's too,
// exactly. Expected: the same replies as redis-server 7.0.
func TestZsetOpsLargeMatchRedis(t *testing.T) {
	many := []string{"ZADD", "big"}
	for i := 0; i < 129; i++ {
		many = append(many, strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	long := strings.Repeat("x", 65)
	seq := [][]string{
		many, {"ZADD", "wide", "1", long, "2", "b"}, {"ZRANDMEMBER", "big", "200"}, {"ZRANDMEMBER", "wide", "5", "WITHSCORES"},
		{"ZUNIONSTORE", "u", "1", "big"}, {"ZRANGE", "u", "0", "-1", "WITHSCORES"}, {"ZREMRANGEBYRANK", "u", "0", "124"},
		{"ZRANGESTORE", "rs", "big", "0", "-1"}, {"ZCARD", "rs"},
	}
	diffRedis(t, startServer(t, newTestServer(t)), seq)
	diffRedisWith(t, startServer(t, newTestServer(t)), nil, append(seq,
		[]string{"ZSCAN", "big", "0", "COUNT", "1000"}, []string{"ZSCAN", "wide", "0"}, []string{"ZSCAN", "u", "0", "COUNT", "1000"},
	), func(raw string) string {
		// A ZSCAN reply's pairs: sort them as "member score" strings.
		r := mustReply(t, raw)
		if len(r.Array) != 2 || r.Array[1].Type != '*' {
			return raw
		}
		var pairs []string
		for i := 0; i+1 < len(r.Array[1].Array); i += 2 {
			pairs = append(pairs, string(r.Array[1].Array[i].Str)+" "+string(r.Array[1].Array[i+1].Str))
		}
		slices.Sort(pairs)
		return string(r.Array[0].Str) + ":" + strings.Join(pairs, ",")
	})
}

// Input: ZSCAN with COUNT 6 of a 2,000-member sorted set while, between
// calls, members outside a stable half are removed (ZREM, ZPOPMIN of
// low-scored volatile members, ZREMRANGEBYSCORE), stable members' scores
// changed by ZINCRBY (which moves them in the skiplist), and new members
// added. Expected: every stable member returned, and the scan ends.
func TestZscanGuarantee(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	rng := rand.New(rand.NewPCG(15, 7))
	var volatile []string
	for i := 0; i < 2000; i++ {
		m := fmt.Sprintf("m%d", i)
		sc := strconv.Itoa(i)
		if i%2 == 1 {
			volatile = append(volatile, m)
			sc = strconv.Itoa(-1000000 - i) // below every stable member
		}
		s.exec("ZADD", "z", sc, m)
	}
	next := 0
	seen, _ := scanAll(t, s, "ZSCAN", "z", 6, true, func() {
		switch rng.IntN(3) {
		case 0:
			if len(volatile) > 0 {
				i := rng.IntN(len(volatile))
				s.exec("ZREM", "z", volatile[i])
				volatile = slices.Delete(volatile, i, i+1)
			}
		case 1:
			if r := mustReply(t, s.exec("ZRANGE", "z", "0", "0")); len(r.Array) == 1 && strings.HasPrefix(string(r.Array[0].Str), "m") {
				if i := slices.Index(volatile, string(r.Array[0].Str)); i >= 0 {
					s.exec("ZPOPMIN", "z")
					volatile = slices.Delete(volatile, i, i+1)
				}
			}
		case 2:
			s.exec("ZINCRBY", "z", strconv.Itoa(rng.IntN(4000)-2000), fmt.Sprintf("m%d", 2*rng.IntN(1000)))
		}
		s.exec("ZADD", "z", "5", fmt.Sprintf("new%d", next))
		next++
	})
	for i := 0; i < 2000; i += 2 {
		if seen[fmt.Sprintf("m%d", i)] == 0 {
			t.Errorf("m%d, present for the whole scan, not returned", i)
		}
	}
}

// Input: ZRANDMEMBER with counts that take each of Redis's cases, 20,000
// times each, on a listpack-sized sorted set and one past the listpack
// limit, with and without WITHSCORES. Expected: members (or sets of them)
// equally likely by a chi-square test, distinct where Redis gives distinct
// ones, each score the member's own.
func TestZrandmemberUniform(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	for i := 0; i < 6; i++ {
		s.exec("ZADD", "small", strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	for i := 0; i < 10; i++ {
		m := "m" + strconv.Itoa(i)
		if i == 0 {
			m = strings.Repeat("m", 70) // past the listpack's member limit
		}
		s.exec("ZADD", "big", strconv.Itoa(i), m)
	}
	if !s.db.dict["small"].ptr.(*zset).lp || s.db.dict["big"].ptr.(*zset).lp {
		t.Fatal("the sorted sets are not in the encodings the test means")
	}
	for _, tc := range []randomCountCase{
		{"small", 6, -4, false}, // case 1
		{"small", 6, 2, true},   // case 2.5
		{"big", 10, -3, true},   // case 1
		{"big", 10, 4, false},   // case 3
		{"big", 10, 3, true},    // case 4
	} {
		checkRandomCount(t, s, "ZRANDMEMBER", "WITHSCORES", "ZSCORE", tc, nil)
	}
}
