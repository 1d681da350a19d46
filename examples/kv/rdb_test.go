package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// Input: "123456789". Expected: Redis's crc64.c test vector.
func TestCRC64Vector(t *testing.T) {
	if got := crc64(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64 = %#x", got)
	}
}

// Input: random byte strings (runs, repeats, noise) compressed and
// expanded. Expected: the same bytes back, and a nil result when the
// output does not fit.
func TestLZFRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 500; i++ {
		n := rng.IntN(3000) + 1
		in := make([]byte, n)
		for j := range in {
			switch rng.IntN(3) {
			case 0:
				in[j] = 'a'
			case 1:
				in[j] = byte(rng.IntN(4))
			default:
				in[j] = byte(rng.IntN(256))
			}
		}
		c := lzfCompress(in, n+n/16+64)
		if c == nil {
			t.Fatalf("%d bytes did not compress into room for them", n)
		}
		out, ok := lzfDecompress(c, n)
		if !ok || string(out) != string(in) {
			t.Fatalf("round trip of %d bytes failed", n)
		}
	}
}

// dumpKeys is commands making one key of each encoding, with the names
// of the keys whose DUMP is deterministic in Redis (no hashtable).
func dumpKeys() (setup [][]string, keys []string) {
	add := func(key string, args ...string) {
		setup = append(setup, args)
		keys = append(keys, key)
	}
	add("i0", "SET", "i0", "0")
	add("i1", "SET", "i1", "-128")
	add("i2", "SET", "i2", "200")
	add("i3", "SET", "i3", "-40000")
	add("i4", "SET", "i4", "2147483647")
	add("i5", "SET", "i5", "2147483648")
	add("i6", "SET", "i6", "-9223372036854775808")
	add("i7", "SET", "i7", "012")
	add("e", "SET", "e", "hello")
	add("e20", "SET", "e20", strings.Repeat("x", 20))
	add("lzf", "SET", "lzf", strings.Repeat("abcabc", 20))
	add("lzf2", "SET", "lzf2", strings.Repeat("a", 300)+"bcdefgh"+strings.Repeat("a", 5000))
	add("nolzf", "SET", "nolzf", "qwertyuiopasdfghjklzxcvbnm1234567890")
	add("raw", "SETRANGE", "raw", "0", "abc")
	add("bin", "SET", "bin", "\x00\x01\xff\r\n")
	add("l", "RPUSH", "l", "a", "1", "-1", "127", "128", "-4096", "4095", "4096", "-32768", "32767", "65536",
		"-8388608", "8388607", "8388608", "2147483647", "2147483648", "-9223372036854775808", strings.Repeat("s", 63),
		strings.Repeat("t", 64), strings.Repeat("u", 4095), strings.Repeat("v", 4096), "01", "-0", "+1")
	big := []string{"RPUSH", "lbig"}
	for i := 0; i < 3000; i++ {
		big = append(big, "element-"+strconv.Itoa(i))
	}
	add("lbig", big...)
	add("h", "HSET", "h", "f1", "v1", "f2", "2", "f3", strings.Repeat("z", 60))
	add("s", "SADD", "s", "5", "1", "3")
	add("s4", "SADD", "s4", "5", "70000")
	add("s8", "SADD", "s8", "5", "-5000000000")
	add("z", "ZADD", "z", "1", "a", "2.5", "b", "-3", "c", "1e20", "d", "0.1", "e", "inf", "f")
	zbig := []string{"ZADD", "zbig"}
	for i := 0; i < 200; i++ {
		zbig = append(zbig, strconv.Itoa(i%17)+".5", "m"+strconv.Itoa(i))
	}
	add("zbig", zbig...)
	return setup, keys
}

// Input: a key of each encoding Redis writes deterministically (strings
// as 8, 16 and 32-bit integers, plain, LZF-compressed and raw; a list
// whose listpack holds every integer and string entry encoding; a
// 3,000-element list of several quicklist nodes; listpack hashes and
// sorted sets; intsets of each width; a skiplist), on both servers.
// Expected: DUMP's bytes the same as redis-server's, and RESTORE of
// Redis's payload into kv and into Redis gives the same encoding, type
// and DUMP again.
func TestDumpMatchesRedis(t *testing.T) {
	setup, keys := dumpKeys()
	s := newTestServer(t)
	ours := dialRaw(t, startServer(t, s))
	redis := dialRaw(t, fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t)))
	for _, cmd := range setup {
		ours.do(cmd...)
		redis.do(cmd...)
	}
	for _, k := range keys {
		got, want := ours.do("DUMP", k), redis.do("DUMP", k)
		if got != want {
			t.Errorf("DUMP %s:\n ours:  %q\n redis: %q", k, got[:min(len(got), 300)], want[:min(len(want), 300)])
			continue
		}
		payload := bulkOf(t, want)
		for _, c := range []*rawConn{ours, redis} {
			if r := c.do("RESTORE", k+"-copy", "0", payload); r != resp.OK {
				t.Fatalf("RESTORE %s: %q", k, r)
			}
		}
		for _, q := range [][]string{{"OBJECT", "ENCODING", k + "-copy"}, {"TYPE", k + "-copy"}, {"DUMP", k + "-copy"}} {
			if got, want := ours.do(q...), redis.do(q...); got != want {
				t.Errorf("%q after RESTORE: ours %q, redis %q", q, got[:min(len(got), 200)], want[:min(len(want), 200)])
			}
		}
	}
}

// bulkOf is the payload of a bulk string reply.
func bulkOf(t *testing.T, r string) string {
	t.Helper()
	rep, _, err := resp.ReadReply([]byte(r))
	if err != nil || rep.Type != '$' {
		t.Fatalf("not a bulk reply: %q", r)
	}
	return string(rep.Str)
}

// Input: hashtable hashes and sets (whose DUMP lists members in dict
// order, which differs), moved both ways: DUMP on one server, RESTORE on
// the other. Expected: the same members, values and encoding.
func TestRestoreHashtablesBothWays(t *testing.T) {
	s := newTestServer(t)
	ours := dialRaw(t, startServer(t, s))
	redis := dialRaw(t, fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t)))
	hs := []string{"HSET", "h"}
	ss := []string{"SADD", "s"}
	for i := 0; i < 300; i++ {
		hs = append(hs, "f"+strconv.Itoa(i), strconv.Itoa(i*7))
		ss = append(ss, "m"+strconv.Itoa(i))
	}
	for _, c := range []*rawConn{ours, redis} {
		c.do(hs...)
		c.do(ss...)
		c.do("HSET", "hl", "f", strings.Repeat("v", 100))
	}
	for _, k := range []string{"h", "s", "hl"} {
		for _, dir := range [][2]*rawConn{{ours, redis}, {redis, ours}} {
			payload := bulkOf(t, dir[0].do("DUMP", k))
			if r := dir[1].do("RESTORE", k+"-in", "0", payload); r != resp.OK {
				t.Fatalf("RESTORE %s: %q", k, r)
			}
		}
		for _, q := range [][]string{{"OBJECT", "ENCODING", k + "-in"}, {"TYPE", k + "-in"}, {"SORT", k + "-in", "ALPHA"},
			{"HGET", k + "-in", "f77"}, {"HLEN", k + "-in"}, {"SCARD", k + "-in"}} {
			if got, want := ours.do(q...), redis.do(q...); got != want {
				t.Errorf("%q: ours %q, redis %q", q, got[:min(len(got), 200)], want[:min(len(want), 200)])
			}
		}
	}
}

// Input: RESTORE's options and errors: TTL (relative, ABSTTL, in the
// past, negative, not a number), REPLACE over an existing key and over
// none, BUSYKEY, IDLETIME and FREQ (valid, negative, out of range, both
// at once, missing value), a payload too short, of a newer RDB version,
// with a wrong checksum, and one with a right checksum around a body
// that is not a value; DUMP of a missing key. Expected: redis-server's
// replies, and the keys as Redis leaves them.
func TestRestoreMatchesRedis(t *testing.T) {
	s := newTestServer(t)
	ours := startServer(t, s)
	v := string(s.createDumpPayload(&robj{typ: objString, str: []byte("value")}))
	list := string(s.createDumpPayload(&robj{typ: objList, ptr: listOf("a", "b")}))
	newer := v[:len(v)-10] + "\x0b\x00" + v[len(v)-8:]
	bad := v[:len(v)-1] + string(v[len(v)-1]^1)
	junk := withCRC("\x63whatever")
	emptyHash := withCRC("\x04\x00")
	diffRedis(t, ours, cmds(
		"DUMP nokey", "SET k x",
		"RESTORE k 0 "+quoteArg(v), "RESTORE k 0 "+quoteArg(v)+" REPLACE", "GET k", "PTTL k",
		"RESTORE k2 100000 "+quoteArg(v), "TTL k2", "RESTORE k3 1 "+quoteArg(v)+" ABSTTL", "EXISTS k3",
		"RESTORE k 1 "+quoteArg(v)+" ABSTTL REPLACE", "EXISTS k", "RESTORE k4 99999999999999 "+quoteArg(v)+" ABSTTL", "PEXPIRETIME k4",
		"RESTORE k5 -1 "+quoteArg(v), "RESTORE k5 x "+quoteArg(v), "RESTORE k5 0 "+quoteArg(v)+" IDLETIME 10", "OBJECT ENCODING k5",
		"RESTORE k6 0 "+quoteArg(v)+" IDLETIME -1", "RESTORE k6 0 "+quoteArg(v)+" IDLETIME x", "RESTORE k6 0 "+quoteArg(v)+" FREQ 256",
		"RESTORE k6 0 "+quoteArg(v)+" FREQ -1", "RESTORE k6 0 "+quoteArg(v)+" FREQ 5 IDLETIME 5", "RESTORE k6 0 "+quoteArg(v)+" IDLETIME 5 FREQ 5",
		"RESTORE k6 0 "+quoteArg(v)+" FREQ", "RESTORE k6 0 "+quoteArg(v)+" FOO", "RESTORE k6 0 "+quoteArg(v)+" FREQ 255", "EXISTS k6",
		"RESTORE k7 0 short", "RESTORE k7 0 "+quoteArg(newer), "RESTORE k7 0 "+quoteArg(bad), "RESTORE k7 0 "+quoteArg(junk),
		"RESTORE k7 0 "+quoteArg(emptyHash), "EXISTS k7", "RESTORE k7 0 \"\"", "RESTORE k7", "RESTORE k7 0",
		"RESTORE l 0 "+quoteArg(list), "LRANGE l 0 -1", "RESTORE l 0 "+quoteArg(v)+" REPLACE", "TYPE l",
		"SET busy 1", "RESTORE busy x "+quoteArg(v), "RESTORE busy 0 "+quoteArg(bad), "RESTORE busy -5 "+quoteArg(v)+" REPLACE",
		"RESTORE busy 0 "+quoteArg(bad)+" REPLACE", "GET busy",
	))
}

// quoteArg wraps a payload for cmds, which splits on spaces outside
// quotes; the payloads here hold no quote character.
func quoteArg(p string) string {
	if strings.ContainsRune(p, '"') {
		panic("payload with a quote")
	}
	return "\"" + p + "\""
}

// withCRC appends RDB version 10 and the CRC64 to body.
func withCRC(body string) string {
	p := []byte(body + "\x0a\x00")
	c := crc64(0, p)
	for i := 0; i < 8; i++ {
		p = append(p, byte(c>>(8*i)))
	}
	return string(p)
}

func listOf(elems ...string) *list {
	l := &list{}
	for _, e := range elems {
		l.pushBack([]byte(e))
	}
	return l
}

// Input: the payload of a key of each encoding, truncated at every
// length, with every single bit flipped, and (fixed seed) 3,000 random
// corruptions of the body re-sealed with a correct CRC, so that the
// parser and not the checksum meets them. Expected: an error reply each
// time (Redis's checksum error, or "Bad data format"), or OK for a body
// that happens to still be a valid value; the server up, the target key
// untouched after an error, and another client served.
func TestRestoreCorruptPayloads(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	a, b := dialRaw(t, addr), dialRaw(t, addr)
	setup, keys := dumpKeys()
	for _, cmd := range setup {
		a.do(cmd...)
	}
	a.do("SET", "target", "keep")
	rng := rand.New(rand.NewPCG(7, 8))
	check := func(payload string, allowOK bool) {
		t.Helper()
		r := a.do("RESTORE", "target", "0", payload, "REPLACE")
		switch {
		case r == "-ERR DUMP payload version or checksum are wrong\r\n", r == "-ERR Bad data format\r\n":
			if got := a.do("GET", "target"); got != "$4\r\nkeep\r\n" {
				t.Fatalf("target changed to %q by a failed RESTORE", got)
			}
		case r == resp.OK && allowOK:
			a.do("SET", "target", "keep")
		default:
			t.Fatalf("RESTORE of a corrupt payload: %q", r)
		}
	}
	for _, k := range keys {
		p := bulkOf(t, a.do("DUMP", k))
		if len(p) > 2000 {
			p = p[:2000] // the prefixes of a long payload cost a lot
		} else {
			for n := 0; n < len(p); n++ {
				check(p[:n], false)
			}
			for bit := 0; bit < len(p)*8; bit++ {
				q := []byte(p)
				q[bit/8] ^= 1 << (bit % 8)
				check(string(q), false)
			}
		}
		body := p[:len(p)-10]
		for i := 0; i < 3000/len(keys); i++ {
			q := []byte(body)
			switch rng.IntN(3) {
			case 0:
				q = q[:rng.IntN(len(q))]
			case 1:
				q[rng.IntN(len(q))] ^= byte(1 << rng.IntN(8))
			default:
				q[rng.IntN(len(q))] = byte(rng.IntN(256))
			}
			check(withCRC(string(q)), true)
		}
	}
	if got := b.do("PING"); got != "+PONG\r\n" {
		t.Fatalf("second client got %q", got)
	}
}

// FuzzRestore feeds arbitrary bodies, sealed with a valid CRC, to
// RESTORE: whatever the bytes, the reply is OK or an error and the
// server survives.
func FuzzRestore(f *testing.F) {
	s := newTestServer(f)
	f.Add([]byte("\x00\x05hello"))
	f.Add([]byte("\x12\x01\x02\x0f\x0f\x00\x00\x00\x01\x00\x81a\x02\xff"))
	f.Add([]byte("\x11\x0b\x0b\x00\x00\x00\x02\x00\x81a\x02\x01\x01\xff"))
	f.Fuzz(func(t *testing.T, body []byte) {
		e := s.newExecClient()
		r := e.exec("RESTORE", "k", "0", withCRC(string(body)), "REPLACE")
		if !strings.HasPrefix(r, "+OK") && !strings.HasPrefix(r, "-ERR Bad data format") {
			t.Fatalf("reply %q", r)
		}
	})
}
