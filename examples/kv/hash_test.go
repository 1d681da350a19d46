package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// Input: the hash commands whose replies have a defined order, with
// normal use, new and updated fields, odd argument counts, integer and
// float increments and their errors, WRONGTYPE, missing keys and fields,
// and hashes emptied by HDEL (observed with DBSIZE, GET and SADD).
// Expected: the same reply bytes as redis-server 7.0.
func TestHashCommandsMatchRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"HSET h f1 v1", "HSET h f1 v1b f2 v2 f3 v3", "HSET h f4", "HSET h", "HSET h a 1 b", "HMSET h a 1 b", "HSET str2 a 1 b", "HMSET h f5 v5 f6 v6", "HMSET h f7",
		"HLEN h", "HGET h f1", "HGET h nofield", "HGET nohash f", "HMGET h f1 nofield f2", "HMGET nohash a b",
		"HMGET h", "HEXISTS h f2", "HEXISTS h nofield", "HEXISTS nohash f", "HSTRLEN h f1", "HSTRLEN h nofield",
		"HSTRLEN nohash f", "HSET h empty \"\"", "HGET h empty", "HSTRLEN h empty", "HSET h \"\" emptyfield", "HGET h \"\"",
		"HSETNX h f1 other", "HSETNX h new newval", "HGET h new", "HSETNX nx f v", "HGET nx f", "HSETNX nx f w", "HSETNX nx f",
		"HLEN nohash", "HGETALL nohash", "HKEYS nohash", "HVALS nohash", "DBSIZE",
		// HDEL and emptied hashes
		"HDEL h f1 nofield f2", "HDEL h nofield", "HDEL nohash f", "HDEL h", "HLEN h",
		"HSET d a 1 b 2", "HDEL d a b c", "HLEN d", "GET d", "SADD d m", "HSET d2 a 1", "HDEL d2 a", "GET d2", "DBSIZE",
		// HINCRBY
		"HINCRBY n i 5", "HINCRBY n i -3", "HINCRBY n i 0", "HGET n i", "HINCRBY n i x", "HINCRBY n i 1.5",
		"HINCRBY n i 9223372036854775806", "HINCRBY n i 1", "HINCRBY n i -9223372036854775808",
		"HSET n neg -9223372036854775808", "HINCRBY n neg -1", "HINCRBY n neg 9223372036854775807",
		"HSET n s abc", "HINCRBY n s 1", "HSET n sp \" 1\"", "HINCRBY n sp 1", "HSET n lz 01", "HINCRBY n lz 1",
		"HSET n fl 1.5", "HINCRBY n fl 1", "HINCRBY newh f 7", "HGET newh f", "HINCRBY newh2 f x", "GET newh2",
		"HINCRBY n i", "DBSIZE",
		// HINCRBYFLOAT
		"HINCRBYFLOAT fl a 10.5", "HINCRBYFLOAT fl a 0.1", "HINCRBYFLOAT fl a -5.0e3", "HINCRBYFLOAT fl a 5e3",
		"HGET fl a", "HINCRBYFLOAT fl a abc", "HINCRBYFLOAT fl a inf", "HINCRBYFLOAT fl a -inf", "HINCRBYFLOAT fl a nan",
		"HINCRBYFLOAT fl a \" 1\"", "HINCRBYFLOAT fl a \"\"", "HSET fl i 3", "HINCRBYFLOAT fl i 1.25", "HSET fl e 1.5e2",
		"HINCRBYFLOAT fl e 1", "HSET fl bad x1", "HINCRBYFLOAT fl bad 1", "HSET fl inf inf", "HINCRBYFLOAT fl inf 1",
		"HINCRBYFLOAT fl big 1e308", "HINCRBYFLOAT fl big 1e308", "HINCRBYFLOAT fl tiny 0.00000000000000001",
		"HINCRBYFLOAT fl tiny2 1e-20", "HINCRBYFLOAT fl neg -0.5", "HINCRBYFLOAT fl z 0", "HGET fl z",
		"HINCRBYFLOAT fx a 0b101", "HINCRBYFLOAT fx a 1_000", "HINCRBYFLOAT fx a 0o17", "HINCRBYFLOAT fx a 0x1p1",
		"HINCRBYFLOAT fx a 0x10", "HINCRBYFLOAT fx a 0x.8", "HINCRBYFLOAT fx a 0x", "HINCRBYFLOAT fx a 1e5000",
		"HINCRBYFLOAT fx a 1e-5000", "HINCRBYFLOAT fx a 1e4000", "HINCRBYFLOAT fx a -1e4000", "HINCRBYFLOAT fx a 1e-4000",
		"HINCRBYFLOAT fx a .5", "HINCRBYFLOAT fx a 5.", "HINCRBYFLOAT fx a +.5", "HINCRBYFLOAT fx a -0",
		"HINCRBYFLOAT fx a 1E+2", "HINCRBYFLOAT fx a Infinity", "HINCRBYFLOAT fx a \"1 \"", "HINCRBYFLOAT fx a 1e",
		"HSET fx b 0b101", "HINCRBYFLOAT fx b 1", "HSET fx c 1e5000", "HINCRBYFLOAT fx c 1", "HSET fx d 0x10",
		"HINCRBYFLOAT fx d 1", "HSET fx e 1e-5000", "HINCRBYFLOAT fx e 1",
		"HSET fx long "+strings.Repeat("0", 5119)+"1", "HINCRBYFLOAT fx long 1",
		"HSET fx long2 "+strings.Repeat("0", 5118)+"1", "HINCRBYFLOAT fx long2 1",
		"HINCRBYFLOAT fx a "+strings.Repeat("0", 5119)+"1", "HINCRBYFLOAT fx a "+strings.Repeat("0", 5118)+"1",
		"HINCRBYFLOAT newf f 2.5", "HINCRBYFLOAT newf2 f inf", "GET newf2", "HINCRBYFLOAT newf3 f x", "GET newf3", "DBSIZE",
		// WRONGTYPE
		"SET str v", "HSET str f v", "HMSET str f v", "HSETNX str f v", "HGET str f", "HMGET str f", "HDEL str f",
		"HLEN str", "HEXISTS str f", "HGETALL str", "HKEYS str", "HVALS str", "HINCRBY str f 1", "HINCRBY str f x",
		"HINCRBYFLOAT str f 1", "HINCRBYFLOAT str f x", "HSTRLEN str f", "HSET str f", "GET str",
		"HGETALL", "HKEYS a b", "HVALS", "HSTRLEN h",
	))
}

// Input: HSET, HDEL and HINCRBY at random on a few hashes, with HGETALL,
// HKEYS and HVALS (whose order Redis leaves unspecified) compared as
// sorted pairs and sorted lists. Expected: the same contents as
// redis-server 7.0, and ordered replies byte for byte.
func TestHashRandomMatchesRedis(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ours := dialRaw(t, startServer(t, newTestServer(t)))
	redis := dialRedis(t)
	for i := 0; i < 3000; i++ {
		k := fmt.Sprintf("h%d", rng.IntN(3))
		f := fmt.Sprintf("f%d", rng.IntN(40))
		var cmd []string
		unordered := false
		switch rng.IntN(9) {
		case 0, 1:
			cmd = []string{"HSET", k, f, strconv.Itoa(rng.IntN(100)), fmt.Sprintf("f%d", rng.IntN(40)), "v"}
		case 2:
			cmd = []string{"HDEL", k, f, fmt.Sprintf("f%d", rng.IntN(40))}
		case 3:
			cmd = []string{"HINCRBY", k, f, strconv.Itoa(rng.IntN(20) - 10)}
		case 4:
			cmd = []string{"HMGET", k, f, "f1", "f2"}
		case 5:
			cmd = []string{"HLEN", k}
		case 6:
			cmd, unordered = []string{"HGETALL", k}, true
		case 7:
			cmd, unordered = []string{"HKEYS", k}, true
		case 8:
			cmd, unordered = []string{"HVALS", k}, true
		}
		got, want := ours.do(cmd...), redis.do(cmd...)
		if unordered {
			pairs := cmd[0] == "HGETALL"
			if g, w := sortedReply(t, got, pairs), sortedReply(t, want, pairs); !slices.Equal(g, w) {
				t.Fatalf("command %d %q:\n ours:  %q\n redis: %q", i, cmd, g, w)
			}
		} else if got != want {
			t.Fatalf("command %d %q:\n ours:  %q\n redis: %q", i, cmd, got, want)
		}
	}
}

// dialRedis starts a real redis-server 7.0 and connects to it.
func dialRedis(t *testing.T) *rawConn {
	t.Helper()
	return dialRaw(t, fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t)))
}

// sortedReply parses an array reply and returns its elements sorted; with
// pairs, the elements are taken two by two ("field\x00value"). A reply
// that is not an array is returned whole as its only element.
func sortedReply(t testing.TB, raw string, pairs bool) []string {
	t.Helper()
	r, n, err := resp.ReadReply([]byte(raw))
	if err != nil || n != len(raw) {
		t.Fatalf("bad reply %q: %v", raw, err)
	}
	if r.Type != '*' {
		return []string{raw}
	}
	var out []string
	step := 1
	if pairs {
		step = 2
	}
	for i := 0; i+step <= len(r.Array); i += step {
		e := string(r.Array[i].Str)
		if pairs {
			e += "\x00" + string(r.Array[i+1].Str)
		}
		out = append(out, e)
	}
	slices.Sort(out)
	return out
}

// Input: HGETALL, HKEYS and HVALS of a hash after HSET, overwrites and
// HDEL (which moves the last entry into the hole), in memory. Expected:
// each field once, with its latest value, in all three replies.
func TestHashGetallContents(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	want := map[string]string{}
	for i := 0; i < 50; i++ {
		f, v := fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i)
		s.exec("HSET", "h", f, v)
		want[f] = v
	}
	for i := 0; i < 50; i += 3 {
		f := fmt.Sprintf("f%d", i)
		s.exec("HDEL", "h", f)
		delete(want, f)
	}
	for i := 1; i < 50; i += 7 {
		f := fmt.Sprintf("f%d", i)
		s.exec("HSET", "h", f, "new"+f)
		want[f] = "new" + f
	}
	var pairs, keys, vals []string
	for f, v := range want {
		pairs = append(pairs, f+"\x00"+v)
		keys = append(keys, f)
		vals = append(vals, v)
	}
	slices.Sort(pairs)
	slices.Sort(keys)
	slices.Sort(vals)
	if got := sortedReply(t, s.exec("HGETALL", "h"), true); !slices.Equal(got, pairs) {
		t.Errorf("HGETALL = %q, want %q", got, pairs)
	}
	if got := sortedReply(t, s.exec("HKEYS", "h"), false); !slices.Equal(got, keys) {
		t.Errorf("HKEYS = %q, want %q", got, keys)
	}
	if got := sortedReply(t, s.exec("HVALS", "h"), false); !slices.Equal(got, vals) {
		t.Errorf("HVALS = %q, want %q", got, vals)
	}
	if got := s.exec("HLEN", "h"); got != fmt.Sprintf(":%d\r\n", len(want)) {
		t.Errorf("HLEN = %q, want %d", got, len(want))
	}
}

// Input: HGET, HSET overwriting a field with a value of the same size,
// HINCRBY of an existing field, HGETALL of a 10-field hash, through the
// command path. Expected: no allocation.
func TestHashAllocs(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	for i := 0; i < 10; i++ {
		s.exec("HSET", "h", fmt.Sprintf("field%d", i), "value")
	}
	s.exec("HSET", "h", "n", "1")
	c := benchClient(s)
	for _, cmd := range [][]string{
		{"HGET", "h", "field3"}, {"HSET", "h", "field3", "other"}, {"HINCRBY", "h", "n", "1"},
		{"HGETALL", "h"}, {"HMGET", "h", "field1", "nofield"}, {"HEXISTS", "h", "field1"},
	} {
		batch := resp.AppendCommand(nil, cmd...)
		if n := testing.AllocsPerRun(1000, func() { feed(s, c, batch) }); n != 0 {
			t.Errorf("%v: %v allocs", cmd, n)
		}
	}
}

// Input: a hash grown to 1000 fields, then cut down by HDEL to 10 (the
// entry array and the map are rebuilt smaller on the way). Expected: the
// 10 fields left, each with its value, found by HGET and listed by
// HGETALL.
func TestHashShrink(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	for i := 0; i < 1000; i++ {
		s.exec("HSET", "h", fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i))
	}
	for i := 10; i < 1000; i++ {
		s.exec("HDEL", "h", fmt.Sprintf("f%d", i))
	}
	h := s.db.dict["h"].ptr.(*hash)
	if cap(h.entries) > 64 {
		t.Errorf("entries keep a capacity of %d for %d fields", cap(h.entries), h.len())
	}
	var want []string
	for i := 0; i < 10; i++ {
		f, v := fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i)
		if got := s.exec("HGET", "h", f); got != fmt.Sprintf("$%d\r\n%s\r\n", len(v), v) {
			t.Errorf("HGET h %s = %q", f, got)
		}
		want = append(want, f+"\x00"+v)
	}
	slices.Sort(want)
	if got := sortedReply(t, s.exec("HGETALL", "h"), true); !slices.Equal(got, want) {
		t.Errorf("HGETALL = %q, want %q", got, want)
	}
}
