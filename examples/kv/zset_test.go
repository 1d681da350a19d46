package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/goae/goae/internal/resp"
)

// Input: ZADD and ZINCRBY with every option and combination, every error
// text, scores in every form strtod takes or refuses, -0 in small and
// large sets, WRONGTYPE, and sets emptied by ZREM (observed with DBSIZE,
// GET and LPUSH). Expected: the same reply bytes as redis-server 7.0.
func TestZaddMatchesRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"ZADD z 1 a", "ZADD z 2 b 3 c 1 a", "ZADD z 5 a", "ZRANGE z 0 -1 WITHSCORES", "ZCARD z",
		// NX, XX, CH
		"ZADD z NX 10 a 4 d", "ZADD z XX 10 a 4 e", "ZADD z XX CH 11 a 11 b", "ZADD z CH 11 a 12 b 13 f",
		"ZADD z ch nx 1 a 1 g", "ZADD z xx 1 nothere", "ZADD nozset XX 1 a", "DBSIZE", "ZRANGE z 0 -1 WITHSCORES",
		// GT, LT
		"ZADD z GT 5 a", "ZADD z GT CH 20 a", "ZADD z LT CH 30 a", "ZADD z LT CH 1 a", "ZADD z GT 7 newgt",
		"ZADD z LT 7 newlt", "ZADD z XX GT CH 100 b 0 c", "ZADD z XX LT CH 100 b 0 c", "ZRANGE z 0 -1 WITHSCORES",
		// INCR
		"ZADD z INCR 5 a", "ZADD z INCR -5.5 newincr", "ZADD z INCR NX 1 a", "ZADD z INCR XX 1 nothere",
		"ZADD z INCR GT -1 a", "ZADD z INCR LT -1 a", "ZADD z INCR GT 0 a", "ZADD z INCR CH 0 a", "ZADD z INCR 1 a 2 b",
		"ZADD nozset2 INCR XX 1 a", "ZADD nozset2 INCR NX 3 a", "ZSCORE nozset2 a",
		"ZINCRBY z 2.5 a", "ZINCRBY z -100 newinc", "ZINCRBY z abc a", "ZINCRBY z nan a", "ZINCRBY newz 1 m",
		"ZINCRBY z 1", "ZINCRBY z nx a", "ZINCRBY z incr a",
		// infinities and NaN
		"ZADD inf inf a -inf b +inf c", "ZRANGE inf 0 -1 WITHSCORES", "ZINCRBY inf -inf a", "ZADD inf INCR inf b",
		"ZINCRBY inf 1 a", "ZSCORE inf a", "DBSIZE",
		// option errors, in Redis's order of checks
		"ZADD z NX XX 1 a", "ZADD z GT LT 1 a", "ZADD z GT NX 1 a", "ZADD z LT NX 1 a", "ZADD z NX XX GT 1 a",
		"ZADD z INCR 1 a 2 b", "ZADD z INCR NX XX 1 a", "ZADD z 1", "ZADD z 1 a 2", "ZADD z NX", "ZADD z NX XX",
		"ZADD z BOGUS 1 a", "ZADD z 1 a BOGUS", "ZADD z", "ZADD z x a", "ZADD z 1 a x b", "ZADD z NX XX x a",
		"ZADD z GT LT x a", "ZADD z INCR x a 1 b",
		// score syntax: strtod's, whole argument, no NaN, no overflow, no underflow to 0
		"ZADD fz 4e-320 m", "ZSCORE fz m", "ZADD fz 1e-400 m", "ZADD fz 0x10 m", "ZSCORE fz m", "ZADD fz 0x1p3 m",
		"ZSCORE fz m", "ZADD fz 0X1.8P1 m", "ZSCORE fz m", "ZADD fz 0x.8 m", "ZSCORE fz m", "ZADD fz 0x m",
		"ZADD fz 0x1p-1080 m", "ZADD fz \" 1\" m", "ZADD fz \"1 \" m", "ZADD fz 1_0 m", "ZADD fz 0x1_0p0 m",
		"ZADD fz +inf m", "ZADD fz -Infinity m", "ZSCORE fz m", "ZADD fz INF m", "ZADD fz infinit m", "ZADD fz nan m",
		"ZADD fz -nan m", "ZADD fz \"nan(123)\" m", "ZADD fz 1e m", "ZADD fz 1e+ m", "ZADD fz .5 m", "ZSCORE fz m",
		"ZADD fz 5. m", "ZSCORE fz m", "ZADD fz +.5e1 m", "ZSCORE fz m", "ZADD fz . m", "ZADD fz 1e309 m",
		"ZADD fz -1e309 m", "ZADD fz 00012 m", "ZSCORE fz m", "ZADD fz 1e+2 m", "ZSCORE fz m", "ZADD fz \"\" m",
		"ZADD fz + m", "ZADD fz - m", "ZADD fz 0.1 m", "ZSCORE fz m", "ZADD fz 1.7976931348623157e308 m",
		"ZSCORE fz m", "ZADD fz 123456789012345678 m", "ZSCORE fz m", "ZADD fz 0.000012345 m", "ZSCORE fz m",
		"ZADD fz 1e-5 m", "ZSCORE fz m", "ZADD fz 100000000000000000 m", "ZSCORE fz m", "ZADD fz 3.0000000000000004 m",
		"ZSCORE fz m", "ZADD fz 0.30000000000000004 m", "ZSCORE fz m",
		// -0: a listpack (small set) stores it as 0, a skiplist keeps -0
		"ZADD nz -0 m", "ZSCORE nz m", "ZADD nz 0 m", "ZADD nz CH 0 m", "ZINCRBY nz -0 m", "ZINCRBY nz2 -0 m",
		"ZSCORE nz2 m", "ZADD nz3 INCR -0 m", "ZADD nz3 -0 n", "ZRANGE nz3 0 -1 WITHSCORES",
		"ZADD longm -0 "+strings.Repeat("x", 65), "ZRANGE longm 0 -1 WITHSCORES", "ZADD longm -0 short",
		"ZRANGE longm 0 -1 WITHSCORES", "ZADD longm2 -0 "+strings.Repeat("y", 64), "ZRANGE longm2 0 -1 WITHSCORES",
		"ZADD conv -0 pre", "ZADD conv -0 "+strings.Repeat("z", 65), "ZADD conv -0 post", "ZRANGE conv 0 -1 WITHSCORES",
		// ZREM
		"ZREM z a nothere b", "ZREM z nothere", "ZREM nozset a", "ZREM z", "ZCARD z",
		"ZADD r 1 a 2 b", "ZREM r a b c", "ZCARD r", "GET r", "LPUSH r v", "DBSIZE",
		// ZSCORE, ZMSCORE, ZCARD
		"ZSCORE z c", "ZSCORE z nothere", "ZSCORE nozset a", "ZMSCORE z c nothere d", "ZMSCORE nozset a b",
		"ZMSCORE z", "ZCARD nozset", "ZCARD", "ZSCORE z",
		// WRONGTYPE
		"SET str v", "ZADD str 1 a", "ZADD str XX 1 a", "ZADD str x a", "ZADD str NX XX 1 a", "ZINCRBY str 1 a",
		"ZREM str a", "ZCARD str", "ZSCORE str a", "ZMSCORE str a", "ZRANK str a", "ZREVRANK str a", "GET str",
	))
}

// Input: ZADD with -0 into a set that outgrows the listpack (129
// members): the scores stored while small stay 0, those stored after keep
// their sign. Expected: as redis-server 7.0.
func TestZsetNegativeZeroConversion(t *testing.T) {
	var list []string
	for i := 0; i < 130; i++ {
		list = append(list, fmt.Sprintf("ZADD big -0 m%03d", i))
	}
	list = append(list, "ZRANGE big 0 -1 WITHSCORES", "ZADD big -0 m000", "ZADD big CH 1 m000", "ZADD big CH -0 m000",
		"ZSCORE big m000", "ZINCRBY big 0 m001", "ZSCORE big m001", "ZSCORE big m129")
	diffRedis(t, startServer(t, newTestServer(t)), cmds(list...))
}

// Input: ZRANGE in all its forms (by rank, BYSCORE, BYLEX, REV, LIMIT,
// WITHSCORES), ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX, ZCOUNT,
// ZLEXCOUNT, ZRANK, ZREVRANK, with bad option combinations, exclusive and
// infinite bounds, odd bounds strtod takes, negative and huge offsets and
// limits, missing keys and WRONGTYPE. Expected: the same reply bytes as
// redis-server 7.0.
func TestZrangeMatchesRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"ZADD z 1 a 2 b 3 c 4 d 5 e 5 f -1 neg 1.5 half 0 zero inf top -inf bottom",
		// by rank
		"ZRANGE z 0 -1", "ZRANGE z 0 -1 WITHSCORES", "ZRANGE z 2 4 withscores", "ZRANGE z -3 -1", "ZRANGE z -100 100",
		"ZRANGE z 5 2", "ZRANGE z 20 30", "ZRANGE z -1 -2", "ZRANGE z 0 0 WITHSCORES WITHSCORES",
		"ZRANGE z -9223372036854775808 9223372036854775807", "ZRANGE z 0 -1 REV", "ZRANGE z 0 2 REV WITHSCORES",
		"ZRANGE z -2 -1 REV", "ZREVRANGE z 0 -1", "ZREVRANGE z 0 2 WITHSCORES", "ZREVRANGE z -3 -1", "ZREVRANGE z 7 100",
		"ZRANGE z a 1", "ZRANGE z 0 b", "ZRANGE z 0 1.5", "ZRANGE nozset 0 -1", "ZRANGE nozset a b",
		"ZREVRANGE nozset 0 -1 WITHSCORES", "ZRANGE z 0", "ZRANGE z",
		// option errors
		"ZRANGE z 0 -1 BOGUS", "ZRANGE z 0 -1 LIMIT 0 1", "ZRANGE z 0 -1 LIMIT 0 -1", "ZRANGE z 0 -1 LIMIT 0",
		"ZRANGE z 0 -1 LIMIT", "ZRANGE z 0 -1 LIMIT x 1", "ZRANGE z 0 -1 LIMIT 0 y", "ZRANGE z 0 -1 LIMIT x 1 BOGUS",
		"ZRANGE z - + BYLEX WITHSCORES", "ZRANGE z 0 1 BYSCORE BYLEX", "ZRANGE z 0 1 BYLEX BYSCORE",
		"ZRANGE z 0 1 REV REV", "ZREVRANGE z 0 1 REV", "ZREVRANGE z 0 1 BYSCORE", "ZREVRANGE z 0 1 LIMIT 0 1",
		"ZRANGEBYSCORE z 0 1 BYSCORE", "ZRANGEBYSCORE z 0 1 REV", "ZRANGEBYLEX z - + WITHSCORES",
		"ZRANGEBYLEX z - + BYLEX", "ZRANGE z x y BYSCORE", "ZRANGE z a b BYLEX", "ZRANGE nozset x y BYSCORE",
		"ZRANGE nozset 0 -1 BOGUS", "ZRANGE nozset 0 1 LIMIT 0 1",
		// BYSCORE
		"ZRANGE z 1 3 BYSCORE", "ZRANGE z (1 3 BYSCORE WITHSCORES", "ZRANGE z 1 (3 BYSCORE", "ZRANGE z (1 (3 BYSCORE",
		"ZRANGE z -inf +inf BYSCORE WITHSCORES", "ZRANGE z (-inf (+inf BYSCORE", "ZRANGE z (inf +inf BYSCORE",
		"ZRANGE z inf inf BYSCORE", "ZRANGE z 3 1 BYSCORE", "ZRANGE z 3 1 BYSCORE REV", "ZRANGE z (3 (1 BYSCORE REV",
		"ZRANGE z +inf -inf BYSCORE REV WITHSCORES", "ZRANGE z 1 1 BYSCORE", "ZRANGE z (1 1 BYSCORE", "ZRANGE z 1 (1 BYSCORE",
		"ZRANGE z 5 5 BYSCORE", "ZRANGE z 10 20 BYSCORE", "ZRANGE z -20 -10 BYSCORE",
		"ZRANGE z -inf +inf BYSCORE LIMIT 2 3", "ZRANGE z -inf +inf BYSCORE LIMIT 2 3 WITHSCORES",
		"ZRANGE z +inf -inf BYSCORE REV LIMIT 2 3", "ZRANGE z -inf +inf BYSCORE LIMIT 0 0", "ZRANGE z -inf +inf BYSCORE LIMIT 0 -1",
		"ZRANGE z -inf +inf BYSCORE LIMIT 0 -5", "ZRANGE z -inf +inf BYSCORE LIMIT -1 2", "ZRANGE z -inf +inf BYSCORE LIMIT 10 2",
		"ZRANGE z -inf +inf BYSCORE LIMIT 11 2", "ZRANGE z -inf +inf BYSCORE LIMIT 12 2", "ZRANGE z 1 5 BYSCORE LIMIT 5 2",
		"ZRANGE z 1 5 BYSCORE LIMIT 6 2", "ZRANGE z 1 5 BYSCORE LIMIT 1 9223372036854775807",
		"ZRANGE z 5 1 BYSCORE REV LIMIT 1 2 WITHSCORES", "ZRANGE z 1 2 BYSCORE LIMIT 0 1 LIMIT 1 1",
		"ZRANGEBYSCORE z 1 3", "ZRANGEBYSCORE z (1 +inf WITHSCORES LIMIT 1 2", "ZREVRANGEBYSCORE z 3 1",
		"ZREVRANGEBYSCORE z +inf (1 WITHSCORES LIMIT 1 2", "ZREVRANGEBYSCORE z 1 3",
		"ZRANGEBYSCORE z \"\" 1", "ZRANGEBYSCORE z ( 1", "ZRANGEBYSCORE z \" 1\" 2", "ZRANGEBYSCORE z \"1 \" 2",
		"ZRANGEBYSCORE z 1e999 inf", "ZRANGEBYSCORE z -1e999 -1", "ZRANGEBYSCORE z 0x1 0x2", "ZRANGEBYSCORE z 1 nan",
		"ZRANGEBYSCORE z (nan 1", "ZRANGEBYSCORE z 1x 2", "ZRANGEBYSCORE z ((1 2", "ZRANGEBYSCORE z [1 2",
		"ZRANGEBYSCORE z 1 2 LIMIT 0", "ZRANGEBYSCORE nozset 0 1", "ZRANGEBYSCORE nozset x 1", "ZRANGEBYSCORE z",
		// ZCOUNT
		"ZCOUNT z -inf +inf", "ZCOUNT z 1 5", "ZCOUNT z (1 (5", "ZCOUNT z 5 1", "ZCOUNT z 100 200", "ZCOUNT z (5 5",
		"ZCOUNT z x 1", "ZCOUNT z 1 nan", "ZCOUNT nozset 0 1", "ZCOUNT nozset x 1", "ZCOUNT z \"\" (",
		// BYLEX
		"ZADD lex 0 a 0 b 0 c 0 d 0 e 0 ab 0 \"\" 0 B",
		"ZRANGE lex - + BYLEX", "ZRANGE lex [b [d BYLEX", "ZRANGE lex (b (d BYLEX", "ZRANGE lex [a (b BYLEX",
		"ZRANGE lex - [b BYLEX", "ZRANGE lex (c + BYLEX", "ZRANGE lex + - BYLEX", "ZRANGE lex + - BYLEX REV",
		"ZRANGE lex [d [b BYLEX REV", "ZRANGE lex - + BYLEX LIMIT 1 3", "ZRANGE lex + - BYLEX REV LIMIT 1 3",
		"ZRANGE lex - + BYLEX LIMIT -1 3", "ZRANGE lex - + BYLEX LIMIT 2 -1", "ZRANGE lex - + BYLEX LIMIT 0 0",
		"ZRANGE lex - - BYLEX", "ZRANGE lex + + BYLEX", "ZRANGE lex [b [b BYLEX", "ZRANGE lex (b [b BYLEX", "ZRANGE lex [ [b BYLEX",
		"ZRANGE lex ( + BYLEX", "ZRANGE lex [z + BYLEX", "ZRANGE lex - (\"\" BYLEX", "ZRANGE lex [c [a BYLEX",
		"ZRANGE lex b c BYLEX", "ZRANGE lex -a + BYLEX", "ZRANGE lex - +a BYLEX", "ZRANGE lex \"\" + BYLEX",
		"ZRANGEBYLEX lex [b [d", "ZRANGEBYLEX lex - + LIMIT 2 2", "ZREVRANGEBYLEX lex + -", "ZREVRANGEBYLEX lex [d [b LIMIT 1 1",
		"ZREVRANGEBYLEX lex [b [d", "ZRANGEBYLEX lex x y", "ZRANGEBYLEX nozset - +", "ZRANGEBYLEX nozset x y",
		"ZLEXCOUNT lex - +", "ZLEXCOUNT lex [b (d", "ZLEXCOUNT lex (d [b", "ZLEXCOUNT lex x +", "ZLEXCOUNT nozset - +",
		"ZLEXCOUNT nozset x +", "ZLEXCOUNT lex - -",
		// ZRANK, ZREVRANK
		"ZRANK z a", "ZRANK z bottom", "ZRANK z top", "ZREVRANK z a", "ZREVRANK z top", "ZRANK z nothere",
		"ZREVRANK z nothere", "ZRANK nozset a", "ZREVRANK nozset a", "ZRANK z", "ZRANK z a b",
		// WRONGTYPE
		"SET str v", "ZRANGE str 0 -1", "ZRANGE str x y", "ZRANGE str 0 1 BOGUS", "ZRANGE str 0 1 BYSCORE",
		"ZREVRANGE str 0 1", "ZRANGEBYSCORE str 0 1", "ZRANGEBYSCORE str x 1", "ZREVRANGEBYSCORE str 1 0",
		"ZRANGEBYLEX str - +", "ZREVRANGEBYLEX str + -", "ZCOUNT str 0 1", "ZCOUNT str x 1", "ZLEXCOUNT str - +",
	))
}

// Input: ZPOPMIN, ZPOPMAX and ZREMRANGEBYRANK/SCORE/LEX with counts,
// ranges, errors, WRONGTYPE and missing keys, and sets they empty.
// Expected: the same reply bytes as redis-server 7.0.
func TestZpopZremrangeMatchesRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"ZADD z 1 a 2 b 3 c 4 d 5 e 6 f 7 g",
		"ZPOPMIN z", "ZPOPMAX z", "ZPOPMIN z 2", "ZPOPMAX z 0", "ZPOPMIN z 0", "ZPOPMAX z -1", "ZPOPMIN z x",
		"ZPOPMIN z 1 2", "ZPOPMAX z 1.5", "ZRANGE z 0 -1 WITHSCORES", "ZPOPMAX z 100", "ZCARD z", "GET z", "LPUSH z v",
		"ZADD one 1 a", "ZPOPMIN one", "GET one", "ZADD one 1 a", "ZPOPMAX one 1", "GET one",
		"ZPOPMIN nozset", "ZPOPMAX nozset", "ZPOPMIN nozset 0", "ZPOPMIN nozset 3", "ZPOPMIN nozset -1",
		"ZPOPMIN nozset x", "ZPOPMIN nozset 1 2", "DBSIZE",
		// ZREMRANGEBYRANK
		"ZADD r 1 a 2 b 3 c 4 d 5 e 6 f 7 g", "ZREMRANGEBYRANK r 0 0", "ZREMRANGEBYRANK r -1 -1", "ZREMRANGEBYRANK r 5 1",
		"ZREMRANGEBYRANK r 10 20", "ZREMRANGEBYRANK r 1 2", "ZRANGE r 0 -1", "ZREMRANGEBYRANK r x 1",
		"ZREMRANGEBYRANK r 0 y", "ZREMRANGEBYRANK nozset 0 -1", "ZREMRANGEBYRANK nozset x 1", "ZREMRANGEBYRANK r -100 100",
		"GET r", "DBSIZE",
		// ZREMRANGEBYSCORE
		"ZADD s 1 a 2 b 3 c 4 d 5 e 6 f 7 g", "ZREMRANGEBYSCORE s (1 2", "ZREMRANGEBYSCORE s 6 (7", "ZREMRANGEBYSCORE s 5 4",
		"ZREMRANGEBYSCORE s 100 200", "ZRANGE s 0 -1 WITHSCORES", "ZREMRANGEBYSCORE s x 1", "ZREMRANGEBYSCORE s 1 nan",
		"ZREMRANGEBYSCORE nozset 0 1", "ZREMRANGEBYSCORE s -inf +inf", "GET s",
		// ZREMRANGEBYLEX
		"ZADD l 0 a 0 b 0 c 0 d 0 e", "ZREMRANGEBYLEX l [a (b", "ZREMRANGEBYLEX l (d +", "ZREMRANGEBYLEX l + -",
		"ZRANGE l 0 -1", "ZREMRANGEBYLEX l x +", "ZREMRANGEBYLEX nozset - +", "ZREMRANGEBYLEX l - +", "GET l", "DBSIZE",
		// WRONGTYPE
		"SET str v", "ZPOPMIN str", "ZPOPMAX str 0", "ZPOPMIN str 3", "ZPOPMIN str -1", "ZREMRANGEBYRANK str 0 1",
		"ZREMRANGEBYRANK str x 1", "ZREMRANGEBYSCORE str 0 1", "ZREMRANGEBYSCORE str x 1", "ZREMRANGEBYLEX str - +",
		"ZREMRANGEBYLEX str x +", "GET str",
	))
}

// Input: a few thousand random ZADD (with options), ZINCRBY, ZREM,
// ZPOPMIN/ZPOPMAX, ZREMRANGEBYRANK/SCORE and reads (ZRANGE by rank and by
// score, with REV, LIMIT and WITHSCORES, ZRANK, ZREVRANK, ZCOUNT, ZSCORE)
// on three keys, one of which grows past the listpack limits; scores are
// few and repeat, so ties are ordered by member. Fixed seed. Expected:
// every reply as redis-server 7.0's.
func TestZsetRandomMatchesRedis(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	keys := []string{"za", "zb", "zbig"}
	score := func() string {
		switch rng.IntN(10) {
		case 0:
			return "-inf"
		case 1:
			return "+inf"
		case 2:
			return strconv.FormatFloat(rng.Float64()*10-5, 'g', -1, 64)
		}
		return strconv.Itoa(rng.IntN(10) - 3)
	}
	bound := func() string {
		b := score()
		if rng.IntN(3) == 0 {
			b = "(" + b
		}
		return b
	}
	idx := func() string { return strconv.Itoa(rng.IntN(40) - 20) }
	opts := [][]string{nil, {"NX"}, {"XX"}, {"GT"}, {"LT"}, {"CH"}, {"XX", "GT", "CH"}, {"NX", "CH"}, {"LT", "XX"}}
	var list [][]string
	for i := 0; i < 6000; i++ {
		k := keys[rng.IntN(len(keys))]
		members := 30
		if k == "zbig" {
			members = 300
		}
		m := func() string { return "m" + strconv.Itoa(rng.IntN(members)) }
		var cmd []string
		switch rng.IntN(16) {
		case 0, 1, 2:
			cmd = append([]string{"ZADD", k}, opts[rng.IntN(len(opts))]...)
			for n := rng.IntN(4) + 1; n > 0; n-- {
				cmd = append(cmd, score(), m())
			}
			if k == "zbig" {
				for n := 0; n < 5; n++ {
					cmd = append(cmd, strconv.Itoa(rng.IntN(20)), m())
				}
			}
		case 3:
			cmd = append(append([]string{"ZADD", k}, opts[rng.IntN(len(opts))]...), "INCR", score(), m())
		case 4:
			cmd = []string{"ZINCRBY", k, score(), m()}
		case 5:
			cmd = []string{"ZREM", k, m(), m()}
		case 6:
			cmd = []string{[]string{"ZPOPMIN", "ZPOPMAX"}[rng.IntN(2)], k, strconv.Itoa(rng.IntN(3))}
		case 7:
			if rng.IntN(3) == 0 {
				cmd = []string{"ZREMRANGEBYRANK", k, idx(), idx()}
			} else {
				cmd = []string{"ZREMRANGEBYSCORE", k, bound(), bound()}
			}
		case 8, 9:
			cmd = []string{"ZRANGE", k, idx(), idx()}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "REV")
			}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "WITHSCORES")
			}
		case 10, 11:
			cmd = []string{"ZRANGE", k, bound(), bound(), "BYSCORE"}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "REV")
			}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "LIMIT", strconv.Itoa(rng.IntN(8)-1), strconv.Itoa(rng.IntN(8)-2))
			}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "WITHSCORES")
			}
		case 12:
			cmd = []string{[]string{"ZRANK", "ZREVRANK"}[rng.IntN(2)], k, m()}
		case 13:
			cmd = []string{"ZCOUNT", k, bound(), bound()}
		case 14:
			cmd = []string{"ZSCORE", k, m()}
		case 15:
			cmd = []string{"ZCARD", k}
		}
		list = append(list, cmd)
		if i%200 == 199 {
			list = append(list, []string{"ZRANGE", k, "0", "-1", "WITHSCORES"}, []string{"DBSIZE"})
		}
	}
	diffRedis(t, startServer(t, newTestServer(t)), list)
}

// Input: ZADD, ZREM and ZINCRBY at random on a skiplist, checked after
// each step against a sorted model: order by (score, member), ranks,
// access by rank, backward links and spans. Expected: the skiplist agrees
// with the model throughout.
func TestSkiplistModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	cfg := defaultConfig()
	zs := newZset([]byte("x"), &cfg)
	zs.lp = false
	model := map[string]float64{}
	for i := 0; i < 3000; i++ {
		m := "m" + strconv.Itoa(rng.IntN(200))
		switch rng.IntN(3) {
		case 0, 1:
			sc := float64(rng.IntN(20))
			zs.add(sc, []byte(m), 0, &cfg)
			model[m] = sc
		case 2:
			if x, ok := zs.dict[m]; ok {
				zs.removeNode(x)
				delete(model, m)
			}
		}
		if i%50 != 0 {
			continue
		}
		if zs.len() != len(model) || len(zs.dict) != len(model) {
			t.Fatalf("len %d, dict %d, model %d", zs.len(), len(zs.dict), len(model))
		}
		var prev *zslNode
		rank := 0
		for x := zs.zsl.first(); x != nil; x = x.level[0].forward {
			rank++
			if x.backward != prev {
				t.Fatalf("backward link of %s broken", x.ele)
			}
			if prev != nil && !prev.less(x.score, x.ele) {
				t.Fatalf("%s (%g) before %s (%g)", prev.ele, prev.score, x.ele, x.score)
			}
			if model[x.ele] != x.score {
				t.Fatalf("%s: score %g, model %g", x.ele, x.score, model[x.ele])
			}
			if r := zs.zsl.rank(x.score, x.ele); r != rank {
				t.Fatalf("rank(%s) = %d, want %d", x.ele, r, rank)
			}
			if y := zs.zsl.byRank(rank); y != x {
				t.Fatalf("byRank(%d) is not %s", rank, x.ele)
			}
			prev = x
		}
		if zs.zsl.tail != prev || rank != zs.len() {
			t.Fatalf("tail or length wrong: %d nodes, length %d", rank, zs.len())
		}
	}
}

// Input: strtod on numbers in every form. Expected: the value, length and
// ERANGE glibc's strtod gives.
func TestStrtod(t *testing.T) {
	for _, tc := range []struct {
		in     string
		v      float64
		n      int
		erange bool
	}{
		{"1", 1, 1, false}, {"  -2.5e1x", -25, 8, false}, {"0x10", 16, 4, false}, {"0x1p4", 16, 5, false},
		{"0x", 0, 1, false}, {"0xg", 0, 1, false}, {"0x.8", 0.5, 4, false}, {".5", 0.5, 2, false}, {"5.", 5, 2, false},
		{".", 0, 0, false}, {"", 0, 0, false}, {" ", 0, 0, false}, {"-", 0, 0, false}, {"1e", 1, 1, false},
		{"1e+", 1, 1, false}, {"1e+5", 1e5, 4, false}, {"inf", math.Inf(1), 3, false}, {"-INFINITY", math.Inf(-1), 9, false},
		{"infinit", math.Inf(1), 3, false}, {"1e999", math.Inf(1), 5, true}, {"-1e999", math.Inf(-1), 6, true},
		{"1e-999", 0, 6, true}, {"0e-999", 0, 6, false}, {"4e-320", 4e-320, 6, false}, {"0x1p-1080", 0, 9, true},
		{"1_0", 1, 1, false}, {"\x001", 0, 0, false}, {"12\x003", 12, 2, false},
	} {
		v, n, erange := strtod([]byte(tc.in))
		if v != tc.v || n != tc.n || erange != tc.erange {
			t.Errorf("strtod(%q) = %v, %d, %v; want %v, %d, %v", tc.in, v, n, erange, tc.v, tc.n, tc.erange)
		}
	}
	for _, in := range []string{"nan", "-NaN", "nan(0x12)"} {
		if v, _, _ := strtod([]byte(in)); !math.IsNaN(v) {
			t.Errorf("strtod(%q) = %v, want NaN", in, v)
		}
	}
	if _, n, _ := strtod([]byte("nan(abc")); n != 3 {
		t.Errorf("strtod(\"nan(abc\") took %d bytes, want 3", n)
	}
}

// Input: ZADD updating an existing member's score, ZSCORE, ZRANK, ZRANGE
// WITHSCORES of 10 members, ZRANGEBYSCORE with LIMIT and ZCOUNT, through
// the command path. Expected: no allocation.
func TestZsetAllocs(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	for i := 0; i < 300; i++ {
		s.exec("ZADD", "z", strconv.Itoa(i%50), fmt.Sprintf("member:%03d", i))
	}
	c := benchClient(s)
	for _, cmd := range [][]string{
		{"ZADD", "z", "12.5", "member:007"}, {"ZADD", "z", "7", "member:007"}, {"ZINCRBY", "z", "1", "member:008"},
		{"ZSCORE", "z", "member:010"}, {"ZRANK", "z", "member:100"}, {"ZRANGE", "z", "10", "19", "WITHSCORES"},
		{"ZRANGEBYSCORE", "z", "(10", "+inf", "LIMIT", "5", "10"}, {"ZCOUNT", "z", "10", "20"},
		{"ZRANGE", "z", "[a", "+", "BYLEX", "LIMIT", "0", "3"},
	} {
		batch := resp.AppendCommand(nil, cmd...)
		if n := testing.AllocsPerRun(1000, func() { feed(s, c, batch) }); n != 0 {
			t.Errorf("%v: %v allocs", cmd, n)
		}
	}
}

// BenchmarkZadd measures ZADD of new members (then ZREM, to keep the set
// at its size) and ZADD updating a score, on a 10,000-member set.
func BenchmarkZadd(b *testing.B) {
	s := newTestServer(b)
	defer s.close()
	for i := 0; i < 10000; i++ {
		s.exec("ZADD", "z", strconv.Itoa(i), "member:"+strconv.Itoa(i))
	}
	for _, bc := range []struct {
		name    string
		batches [][]byte // one command each: feed runs one command per call here
	}{
		{"add+rem", [][]byte{resp.AppendCommand(nil, "ZADD", "z", "5000.5", "newmember"), resp.AppendCommand(nil, "ZREM", "z", "newmember")}},
		{"update", [][]byte{resp.AppendCommand(nil, "ZADD", "z", "1.5", "member:4000"), resp.AppendCommand(nil, "ZADD", "z", "9999.5", "member:4000")}},
		{"ZRANGE_10", [][]byte{resp.AppendCommand(nil, "ZRANGE", "z", "5000", "5009", "WITHSCORES")}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := benchClient(s)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				for _, batch := range bc.batches {
					feed(s, c, batch)
				}
			}
		})
	}
}

// Input: a sorted set grown to 1000 members, then cut down to 10 by ZREM,
// ZPOPMAX and ZREMRANGEBYSCORE (the map is rebuilt smaller on the way).
// Expected: the 10 lowest members with their scores, found by ZSCORE and
// listed in order by ZRANGE.
func TestZsetShrink(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	for i := 0; i < 1000; i++ {
		s.exec("ZADD", "z", strconv.Itoa(i), fmt.Sprintf("m%03d", i))
	}
	for i := 500; i < 900; i++ {
		s.exec("ZREM", "z", fmt.Sprintf("m%03d", i))
	}
	s.exec("ZPOPMAX", "z", "50")
	s.exec("ZREMRANGEBYSCORE", "z", "(9", "+inf")
	zs := s.db.dict["z"].ptr.(*zset)
	if zs.len() != 10 || len(zs.dict) != 10 || zs.peak > 4*64 {
		t.Errorf("len %d, dict %d, peak %d", zs.len(), len(zs.dict), zs.peak)
	}
	want := "*20\r\n"
	for i := 0; i < 10; i++ {
		m := fmt.Sprintf("m%03d", i)
		if got := s.exec("ZSCORE", "z", m); got != fmt.Sprintf("$1\r\n%d\r\n", i) {
			t.Errorf("ZSCORE z %s = %q", m, got)
		}
		want += fmt.Sprintf("$4\r\n%s\r\n$1\r\n%d\r\n", m, i)
	}
	if got := s.exec("ZRANGE", "z", "0", "-1", "WITHSCORES"); got != want {
		t.Errorf("ZRANGE = %q, want %q", got, want)
	}
}
