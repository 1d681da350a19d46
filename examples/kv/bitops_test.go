package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// Input: GETEX, GETRANGE, SUBSTR, SETRANGE and LCS with every option,
// their conflicts, bad numbers, missing keys, WRONGTYPE and wrong arity.
// Expected: the same reply bytes as redis-server 7.0.
func TestStringRangeCommandsMatchRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"SET k hello", "GETEX k", "GETEX k EX 100", "TTL k", "GETEX k PX 100000", "GETEX k PERSIST", "TTL k",
		"GETEX k EXAT 99999999999", "TTL k", "GETEX k PXAT 99999999999000", "GETEX k PERSIST", "TTL k", "GETEX k PERSIST",
		"GETEX k EX", "GETEX k EX 0", "GETEX k EX -1", "GETEX k EX x", "GETEX k PX 9223372036854775807",
		"GETEX k EX 9223372036854775807", "GETEX k EX 10 PX 10", "GETEX k EX 10 PERSIST", "GETEX k PERSIST EX 10",
		"GETEX k EX 10 EX 20", "GETEX k NX", "GETEX k XX", "GETEX k GET", "GETEX k KEEPTTL", "GETEX k BAD",
		"GETEX missing EX 10", "GETEX missing EX x", "GETEX missing BAD", "GETEX", "TTL k",
		"GETEX k EXAT 1", "EXISTS k", "SET k2 v", "GETEX k2 PXAT 1", "EXISTS k2",
		"LPUSH l a", "GETEX l", "GETEX l EX 10", "GETEX l EX x", "GETRANGE l 0 1", "SETRANGE l 0 x", "LCS l k",
		"SET s \"This is a string\"", "GETRANGE s 0 3", "GETRANGE s -3 -1", "GETRANGE s 0 -1", "GETRANGE s 10 100",
		"GETRANGE s -1 -5", "GETRANGE s 5 3", "GETRANGE s -100 2", "GETRANGE s 100 200", "GETRANGE s 0 0",
		"GETRANGE s x 1", "GETRANGE s 0 y", "GETRANGE missing 0 1", "GETRANGE missing x 1", "SUBSTR s 1 3",
		"SUBSTR s", "GETRANGE s 0", "SET n 12345", "GETRANGE n 1 2", "SET e \"\"", "GETRANGE e 0 -1", "GETRANGE e 0 0",
		"SETRANGE r 5 abc", "GET r", "SETRANGE r 0 XY", "GET r", "SETRANGE r 10 \"\"", "SETRANGE r -1 a",
		"SETRANGE r x a", "SETRANGE nokey 10 \"\"", "EXISTS nokey", "SETRANGE r 1 \"\"", "SETRANGE n 5 6", "GET n",
		"SETRANGE r 536870912 a", "SETRANGE fresh 536870912 a", "SETRANGE fresh 536870911 \"\"",
		"SETRANGE r 9223372036854775807 a", "SETRANGE", "EXISTS fresh",
		"SET a ohmytext", "SET b mynewtext", "LCS a b", "LCS a b LEN", "LCS a b IDX", "LCS a b IDX MINMATCHLEN 4",
		"LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN", "LCS a b IDX WITHMATCHLEN", "LCS a b LEN IDX", "LCS a b MINMATCHLEN",
		"LCS a b MINMATCHLEN x", "LCS a b MINMATCHLEN -5 IDX", "LCS a b BAD", "LCS a missing", "LCS missing missing IDX",
		"LCS a missing LEN", "LCS a", "LCS a a IDX WITHMATCHLEN", "SET c xyz", "LCS a c IDX", "LCS a c",
		"SET d1 ABCBDAB", "SET d2 BDCABA", "LCS d1 d2", "LCS d1 d2 IDX WITHMATCHLEN", "LCS d2 d1 IDX",
	))
}

// Input: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP and BITFIELD with their
// error cases (offsets negative, past 2^32 bits, past proto-max-bulk-len,
// bit values other than 0 and 1, bad types, bad overflow names, #offsets,
// u64, i65), missing keys, WRONGTYPE and the argument-order corner cases
// (BITCOUNT of a missing key with a bad range). Expected: the same reply
// bytes as redis-server 7.0.
func TestBitCommandsMatchRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"SETBIT b 7 1", "GET b", "SETBIT b 7 1", "SETBIT b 7 0", "SETBIT b 100 1", "STRLEN b", "GETBIT b 100", "GETBIT b 99",
		"GETBIT b 100000", "GETBIT missing 5", "SETBIT b -1 1", "SETBIT b x 1", "SETBIT b 1 2", "SETBIT b 1 -1", "SETBIT b 1 x",
		"SETBIT b 4294967296 1", "SETBIT b 4294967295 2", "GETBIT b -1", "GETBIT b x", "GETBIT b 4294967296",
		"SETBIT big 4294967295 x", "EXISTS big",
		"SET s foobar", "BITCOUNT s", "BITCOUNT s 0 0", "BITCOUNT s 1 1", "BITCOUNT s 1 1 BYTE", "BITCOUNT s 5 30 BIT",
		"BITCOUNT s -1 -1", "BITCOUNT s -2 -1 BIT", "BITCOUNT s -1 -2", "BITCOUNT s 0 100", "BITCOUNT s 0 -100",
		"BITCOUNT s 1", "BITCOUNT s 1 2 BAD", "BITCOUNT s 1 2 BIT x", "BITCOUNT s x 2", "BITCOUNT s 1 y",
		"BITCOUNT missing", "BITCOUNT missing x y", "BITCOUNT missing 1", "BITCOUNT missing 1 2 BAD", "BITCOUNT s -1 -5 BAD",
		"BITCOUNT s 7 2 BIT", "BITCOUNT s 3 3 BIT", "BITCOUNT s 0 47 BIT", "BITCOUNT s 0 48 BIT",
		"SET z \"\"", "BITCOUNT z", "BITCOUNT z 0 0", "BITCOUNT z 0 0 BIT", "BITPOS z 0", "BITPOS z 1", "BITPOS z 0 0 0 BIT",
		"SET p \"\xff\xf0\x00\"", "BITPOS p 0", "BITPOS p 1", "BITPOS p 0 1", "BITPOS p 1 2", "BITPOS p 1 2 -1",
		"BITPOS p 0 0 0", "BITPOS p 0 0 11 BIT", "BITPOS p 0 0 12 BIT", "BITPOS p 1 7 15 BIT", "BITPOS p 1 12 30 BIT",
		"BITPOS p 0 2 -1", "BITPOS p 1 -1", "BITPOS p 0 5", "BITPOS p 1 5 10", "BITPOS p 0 3 1 BIT",
		"BITPOS p 2", "BITPOS p x", "BITPOS p 1 x", "BITPOS p 1 0 y", "BITPOS p 1 0 1 BAD", "BITPOS p 1 0 1 BIT x",
		"BITPOS missing 0", "BITPOS missing 1", "BITPOS missing 1 x", "BITPOS missing 2", "BITPOS missing 0 0 0 BAD",
		"SET ones \"\xff\xff\xff\"", "BITPOS ones 0", "BITPOS ones 0 0", "BITPOS ones 0 0 -1", "BITPOS ones 0 0 23 BIT",
		"BITPOS ones 0 2 BIT", "BITPOS ones 1 9 BIT", "BITPOS ones 0 9 BIT",
		"SET zeros \"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\"", "BITPOS zeros 1", "BITPOS zeros 0", "BITPOS zeros 1 3 BIT",
		"SET x1 \"\x0f\x0f\"", "SET x2 \"\xf0\"", "BITOP AND d x1 x2", "GET d", "BITOP OR d x1 x2", "GET d",
		"BITOP XOR d x1 x2 x1", "GET d", "BITOP NOT d x1", "GET d", "BITOP NOT d x1 x2", "BITOP BAD d x1",
		"BITOP AND d missing1 missing2", "EXISTS d", "BITOP OR d missing1", "BITOP and d x1 missing1", "GET d",
		"BITOP xor d x1", "GET d", "LPUSH l a", "BITOP AND d x1 l", "BITOP NOT l x1", "GET l", "BITOP AND d", "BITOP",
		"SET withttl v EX 100", "BITOP OR withttl x1", "TTL withttl",
		"SETBIT l 0 1", "GETBIT l 0", "BITCOUNT l", "BITPOS l 1", "BITFIELD l GET u8 0", "BITFIELD_RO l GET u8 0",
		"BITFIELD l SET u8 0 1", "BITFIELD l BAD",
		"BITFIELD bf SET i8 0 100", "BITFIELD bf GET i8 0", "BITFIELD bf INCRBY i8 0 100", "BITFIELD bf INCRBY i8 0 -300",
		"BITFIELD bf OVERFLOW SAT INCRBY i8 0 1000", "BITFIELD bf OVERFLOW SAT INCRBY i8 0 -1000",
		"BITFIELD bf OVERFLOW FAIL INCRBY i8 0 -1", "BITFIELD bf OVERFLOW FAIL SET i8 0 200", "BITFIELD bf GET u8 0",
		"BITFIELD bf SET u4 #1 15 GET u4 #1 GET u4 4 INCRBY u4 #1 1 OVERFLOW SAT INCRBY u4 #1 100 OVERFLOW WRAP INCRBY u4 #1 3",
		"BITFIELD bf SET i64 0 -9223372036854775808 INCRBY i64 0 -1", "BITFIELD bf OVERFLOW SAT INCRBY i64 0 -1",
		"BITFIELD bf OVERFLOW SAT SET i64 0 9223372036854775807 INCRBY i64 0 1", "BITFIELD bf GET i64 0 GET u63 1",
		"BITFIELD bf SET u63 1 -1", "BITFIELD bf OVERFLOW SAT SET u63 1 -1", "BITFIELD bf GET u63 1",
		"BITFIELD bf GET u64 0", "BITFIELD bf GET i65 0", "BITFIELD bf GET i0 0", "BITFIELD bf GET x8 0", "BITFIELD bf GET i 0",
		"BITFIELD bf GET \"\" 0", "BITFIELD bf GET i8 -1", "BITFIELD bf GET i8 #-1", "BITFIELD bf GET i8 x",
		"BITFIELD bf GET i8 ##1", "BITFIELD bf GET i8 4294967296",
		"BITFIELD bf OVERFLOW", "BITFIELD bf OVERFLOW BAD GET i8 0", "BITFIELD bf GET i8", "BITFIELD bf SET i8 0",
		"BITFIELD bf SET i8 0 x", "BITFIELD bf INCRBY i8 0 1.5", "BITFIELD bf BAD 1 2", "BITFIELD bf",
		"BITFIELD bf GET i8 0 BAD", "BITFIELD bf GET i8 1000 GET u3 7999 GET i32 #3", "BITFIELD bf INCRBY u2 100 1 GET u2 100",
		"BITFIELD_RO bf GET i8 0 GET u4 #1", "BITFIELD_RO bf SET i8 0 1", "BITFIELD_RO bf INCRBY i8 0 1", "BITFIELD_RO bf",
		"BITFIELD_RO missing GET i8 0", "BITFIELD missing GET i8 0", "EXISTS missing", "BITFIELD nf OVERFLOW FAIL SET u2 0 9",
		"GET nf", "BITFIELD nf2 OVERFLOW WRAP", "EXISTS nf2", "BITFIELD_RO bf OVERFLOW SAT GET i8 0",
		"STRLEN bf", "GET bf",
	))
}

// Input: a lowered proto-max-bulk-len (1mb, Redis's least) on both
// servers, then SETRANGE and SETBIT just inside and just past it, APPEND
// past it and LCS whose table would exceed it. Expected: the same replies
// as redis-server 7.0: a value up to the limit is stored, one past it gets
// Redis's error, and nothing is written.
func TestStringLimitsMatchRedis(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.protoMaxBulkLen = 1 << 20 })
	long := strings.Repeat("a", 600)
	diffRedisWith(t, startServer(t, s), [][]string{{"CONFIG", "SET", "proto-max-bulk-len", "1mb"}}, [][]string{
		{"SETRANGE", "k", "1048575", "a"}, {"STRLEN", "k"}, {"SETRANGE", "k", "1048576", "a"},
		{"SETRANGE", "k", "1048575", "ab"}, {"SETRANGE", "n", "1048576", "a"}, {"EXISTS", "n"},
		{"SETBIT", "b", "8388607", "1"}, {"STRLEN", "b"}, {"SETBIT", "b", "8388608", "1"}, {"GETBIT", "b", "8388608"},
		{"BITFIELD", "b", "SET", "u8", "8388600", "255"}, {"BITFIELD", "b", "SET", "u8", "8388608", "255"},
		{"BITFIELD", "b", "GET", "u8", "#1048575"}, {"BITFIELD", "b", "GET", "u8", "#1048576"},
		{"SET", "a1", long}, {"SET", "a2", long}, {"LCS", "a1", "a2", "LEN"},
		{"SET", "s1", long[:500]}, {"SET", "s2", long[:500]}, {"LCS", "s1", "s2", "LEN"},
		{"APPEND", "k", "x"}, {"STRLEN", "k"},
	}, func(s string) string { return s })
}

// Input: 3,000 random SETBIT, SETRANGE, BITFIELD (every width, each
// overflow mode, # offsets), BITOP (each operation, missing sources),
// BITCOUNT and BITPOS (random BYTE and BIT ranges, negative ends),
// GETRANGE and LCS IDX over a few small keys, from a fixed seed.
// Expected: the same reply bytes as redis-server 7.0 at every step and the
// same values at the end.
func TestBitRandomMatchesRedis(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 1))
	var seq [][]string
	key := func() string { return "k" + strconv.Itoa(rng.IntN(4)) }
	num := func(n int) string { return strconv.Itoa(rng.IntN(2*n+1) - n) }
	for i := 0; i < 3000; i++ {
		var cmd []string
		switch rng.IntN(9) {
		case 0:
			cmd = []string{"SETBIT", key(), strconv.Itoa(rng.IntN(200)), strconv.Itoa(rng.IntN(2))}
		case 1:
			cmd = []string{"SETRANGE", key(), strconv.Itoa(rng.IntN(30)), strings.Repeat(string(rune('A'+rng.IntN(60))), rng.IntN(4))}
		case 2:
			cmd = []string{"BITFIELD", key()}
			for n := rng.IntN(4) + 1; n > 0; n-- {
				sign := "i"
				width := rng.IntN(64) + 1
				if rng.IntN(2) == 0 {
					sign, width = "u", rng.IntN(63)+1
				}
				off := strconv.Itoa(rng.IntN(100))
				if rng.IntN(4) == 0 {
					off = "#" + strconv.Itoa(rng.IntN(5))
				}
				typ := sign + strconv.Itoa(width)
				switch rng.IntN(4) {
				case 0:
					cmd = append(cmd, "GET", typ, off)
				case 1:
					cmd = append(cmd, "SET", typ, off, strconv.FormatInt(int64(rng.Uint64()), 10))
				case 2:
					cmd = append(cmd, "INCRBY", typ, off, num(1<<min(width, 20)))
				case 3:
					cmd = append(cmd, "OVERFLOW", []string{"WRAP", "SAT", "FAIL"}[rng.IntN(3)])
				}
			}
		case 3:
			op := []string{"AND", "OR", "XOR", "NOT"}[rng.IntN(4)]
			cmd = []string{"BITOP", op, key(), key()}
			if op != "NOT" {
				for n := rng.IntN(3); n > 0; n-- {
					cmd = append(cmd, key())
				}
			}
		case 4:
			cmd = []string{"BITCOUNT", key()}
			if rng.IntN(4) > 0 {
				cmd = append(cmd, num(40), num(40))
				if rng.IntN(2) == 0 {
					cmd = append(cmd, []string{"BIT", "BYTE"}[rng.IntN(2)])
				}
			}
		case 5, 6:
			cmd = []string{"BITPOS", key(), strconv.Itoa(rng.IntN(2))}
			if rng.IntN(4) > 0 {
				cmd = append(cmd, num(40))
				if rng.IntN(3) > 0 {
					cmd = append(cmd, num(40))
					if rng.IntN(2) == 0 {
						cmd = append(cmd, []string{"BIT", "BYTE"}[rng.IntN(2)])
					}
				}
			}
		case 7:
			cmd = []string{"GETRANGE", key(), num(30), num(30)}
		case 8:
			cmd = []string{"LCS", key(), key(), "IDX", "WITHMATCHLEN", "MINMATCHLEN", strconv.Itoa(rng.IntN(3))}
		}
		seq = append(seq, cmd)
	}
	for i := 0; i < 4; i++ {
		seq = append(seq, []string{"GET", fmt.Sprintf("k%d", i)})
	}
	diffRedis(t, startServer(t, newTestServer(t)), seq)
}

// Input: a WATCHed key written by each new command that writes (SETBIT,
// SETRANGE, BITFIELD, BITOP's destination, GETEX with a TTL, GETEX
// PERSIST), then EXEC. Expected: EXEC aborted (a nil array) every time,
// as signalModifiedKey tells the WATCH; and a no-op (SETBIT of the same
// value, GETEX without options) leaves the transaction to run.
func TestStringWritesTouchWatch(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	a, b := dialRaw(t, addr), dialRaw(t, addr)
	for _, tc := range []struct {
		write   []string
		aborted bool
	}{
		{[]string{"SETBIT", "w", "3", "1"}, true},
		{[]string{"SETBIT", "w", "3", "1"}, false},
		{[]string{"SETRANGE", "w", "2", "xy"}, true},
		{[]string{"BITFIELD", "w", "INCRBY", "u8", "0", "1"}, true},
		{[]string{"BITFIELD", "w", "GET", "u8", "0"}, false},
		{[]string{"BITOP", "NOT", "w", "w"}, true},
		{[]string{"GETEX", "w", "EX", "100"}, true},
		{[]string{"GETEX", "w"}, false},
		{[]string{"GETEX", "w", "PERSIST"}, true},
		{[]string{"GETEX", "w", "PERSIST"}, false},
	} {
		if got := a.do("WATCH", "w"); got != "+OK\r\n" {
			t.Fatalf("WATCH = %q", got)
		}
		b.do(tc.write...)
		a.do("MULTI")
		a.do("PING")
		got := a.do("EXEC")
		if aborted := got == "*-1\r\n"; aborted != tc.aborted {
			t.Errorf("after %q EXEC = %q, want aborted %v", tc.write, got, tc.aborted)
		}
	}
}

// Input: one BITFIELD of 10,000 operations (5,000 INCRBY and 5,000 GET over 700
// fields, overflow modes changing along the way), then a second client's
// PING. Expected: the same 10,000-element reply as redis-server 7.0, and
// the second client answered after it.
func TestBitfieldManyOpsMatchesRedis(t *testing.T) {
	addr := startServer(t, newTestServer(t))
	cmd := []string{"BITFIELD", "many"}
	for i := 0; i < 5000; i++ {
		off := "#" + strconv.Itoa(i%700)
		cmd = append(cmd, "OVERFLOW", []string{"WRAP", "SAT", "FAIL"}[i%3], "INCRBY", "i12", off, strconv.Itoa(i*37-4000), "GET", "u12", off)
	}
	diffRedis(t, addr, [][]string{cmd, {"STRLEN", "many"}, {"GET", "many"}})
	if got := dialRaw(t, addr).do("PING"); got != "+PONG\r\n" {
		t.Fatalf("second client PING = %q", got)
	}
}
