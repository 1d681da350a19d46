package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Input: HSCAN of listpack-sized hashes (in insertion order, after HDEL
// in the middle, after HSET of an existing field) with MATCH, COUNT and
// any cursor, its errors (bad cursor, COUNT 0, TYPE, unknown option, a
// missing key with bad options), HGETALL of the same hashes; HRANDFIELD
// without count, with 0, with counts of at least HLEN (the whole hash),
// with WITHVALUES, its range and syntax errors, a missing key and
// WRONGTYPE. Expected: the same reply bytes as redis-server 7.0, order
// included.
func TestHashOpsMatchRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"HSET h f1 v1 f2 v2 f3 v3 f4 v4 x5 v5", "HSCAN h 0", "HSCAN h 99", "HSCAN h 0 COUNT 1", "HSCAN h 0 MATCH f*",
		"HSCAN h 0 MATCH *5 COUNT 1000", "HDEL h f2", "HSCAN h 0", "HGETALL h", "HSET h f1 new f2 back", "HSCAN h 0", "HGETALL h",
		"HKEYS h", "HVALS h", "HSCAN h 0 COUNT 0", "HSCAN h 0 COUNT -1", "HSCAN h 0 COUNT x", "HSCAN h 0 TYPE hash",
		"HSCAN h 0 MATCH", "HSCAN h 0 BAD 1", "HSCAN h x", "HSCAN h -1", "HSCAN missing 0", "HSCAN missing 0 BAD",
		"HSCAN missing x", "SET str v", "HSCAN str 0", "HSCAN h", "HSCAN h 0 MATCH f1 MATCH x*",
		"HRANDFIELD missing", "HRANDFIELD missing 3", "HRANDFIELD missing -3 WITHVALUES", "HRANDFIELD missing x",
		"HRANDFIELD str", "HRANDFIELD str 1", "HRANDFIELD h 0", "HRANDFIELD h 0 WITHVALUES", "HRANDFIELD h 6",
		"HRANDFIELD h 100 WITHVALUES", "HRANDFIELD h 9223372036854775807", "HRANDFIELD h x", "HRANDFIELD h 1 BAD",
		"HRANDFIELD h 1 WITHVALUES x", "HRANDFIELD h -9223372036854775808", "HRANDFIELD h 4611686018427387904 WITHVALUES",
		"HRANDFIELD h -4611686018427387904 WITHVALUES", "HRANDFIELD h 4611686018427387903 WITHVALUES",
		"HRANDFIELD h 1.5", "HRANDFIELD", "HSET one f v", "HRANDFIELD one", "HRANDFIELD one 1 WITHVALUES",
		"HRANDFIELD one -3", "HRANDFIELD one -2 WITHVALUES", "HRANDFIELD one 5 WITHVALUES",
	))
}

// Input: hashes past the listpack limits (a 65-byte value, a 65-byte
// field, 129 fields), then HDEL back to small: HSCAN with a large COUNT
// and HRANDFIELD of the whole hash, compared with arrays sorted (Redis's
// hash table order is its own). Expected: the same fields and values as
// redis-server 7.0, and cursor 0.
func TestHashOpsLargeMatchRedis(t *testing.T) {
	long := strings.Repeat("v", 65)
	many := []string{"HSET", "m"}
	for i := 0; i < 129; i++ {
		many = append(many, "f"+strconv.Itoa(i), strconv.Itoa(i))
	}
	seq := [][]string{
		{"HSET", "a", "f", long, "g", "1"}, {"HSCAN", "a", "0", "COUNT", "1000"}, {"HRANDFIELD", "a", "5", "WITHVALUES"},
		{"HSET", "b", long, "x", "g", "1"}, {"HSCAN", "b", "0", "COUNT", "1000"}, {"HGETALL", "b"},
		many, {"HLEN", "m"}, {"HRANDFIELD", "m", "200"},
	}
	for i := 0; i < 125; i++ {
		seq = append(seq, []string{"HDEL", "m", "f" + strconv.Itoa(i)})
	}
	seq = append(seq, []string{"HSCAN", "m", "0", "COUNT", "1000"}, []string{"HGETALL", "m"})
	diffRedisWith(t, startServer(t, newTestServer(t)), nil, seq, sortBulkArrays)
}

// Input: HSCAN with COUNT 5 of a 3,000-field hash while, between calls,
// fields outside a stable third are deleted and new ones set. Expected:
// every stable field returned, with its value, and the scan ends.
func TestHscanGuarantee(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	rng := rand.New(rand.NewPCG(15, 5))
	var volatile []string
	for i := 0; i < 3000; i++ {
		s.exec("HSET", "h", fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i))
		if i%3 != 0 {
			volatile = append(volatile, fmt.Sprintf("f%d", i))
		}
	}
	next := 0
	seen, _ := scanAll(t, s, "HSCAN", "h", 5, true, func() {
		for k := 0; k < 4; k++ {
			if len(volatile) > 0 {
				i := rng.IntN(len(volatile))
				s.exec("HDEL", "h", volatile[i])
				volatile = slices.Delete(volatile, i, i+1)
			}
			s.exec("HSET", "h", fmt.Sprintf("new%d", next), "x")
			next++
		}
	})
	for i := 0; i < 3000; i += 3 {
		if seen[fmt.Sprintf("f%d", i)] == 0 {
			t.Errorf("f%d, present for the whole scan, not returned", i)
		}
	}
	r := mustReply(t, s.exec("HSCAN", "h", "0", "MATCH", "f3", "COUNT", "100000"))
	if got := reencode(nil, r.Array[1]); string(got) != "*2\r\n$2\r\nf3\r\n$2\r\nv3\r\n" {
		t.Errorf("HSCAN MATCH f3 = %q", got)
	}
}

// Input: HRANDFIELD with counts that take each of Redis's cases, 20,000
// times each, on a listpack-sized hash and on one past the listpack
// limit, with and without WITHVALUES. Expected: fields (or sets of
// fields) equally likely by a chi-square test, distinct where Redis gives
// distinct ones, each value the field's own.
func TestHrandfieldUniform(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	fill := func(key string, n int, big bool) {
		for i := 0; i < n; i++ {
			v := "v" + strconv.Itoa(i)
			if big && i == 0 {
				v = strings.Repeat("v", 100) // past the listpack's value limit
			}
			s.exec("HSET", key, "f"+strconv.Itoa(i), v)
		}
	}
	fill("small", 6, false)
	fill("big", 10, true)
	if s.db.dict["small"].ptr.(*hash).lp != true || s.db.dict["big"].ptr.(*hash).lp {
		t.Fatal("the hashes are not in the encodings the test means")
	}
	for _, tc := range []randomCountCase{
		{"small", 6, -4, false}, // case 1
		{"small", 6, 2, true},   // case 2.5
		{"big", 10, -3, true},   // case 1
		{"big", 10, 4, false},   // case 3: 4*3 > 10
		{"big", 10, 3, true},    // case 4: 3*3 <= 10
	} {
		checkRandomCount(t, s, "HRANDFIELD", "WITHVALUES", "HGET", tc, nil)
	}
}
