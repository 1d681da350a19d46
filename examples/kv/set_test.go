package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/goae/goae/internal/resp"
)

// Input: the set commands whose replies are deterministic (SADD, SREM,
// SISMEMBER, SMISMEMBER, SCARD; SPOP and SRANDMEMBER only on missing keys,
// with counts of 0, errors, and on one-member sets), with WRONGTYPE,
// bad counts, wrong arity and sets emptied by SREM and SPOP (observed with
// DBSIZE, GET and LPUSH). Expected: the same reply bytes as redis-server
// 7.0.
func TestSetCommandsMatchRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"SADD s a b c", "SADD s a d", "SADD s \"\"", "SCARD s", "SISMEMBER s a", "SISMEMBER s z", "SISMEMBER s \"\"",
		"SMISMEMBER s a z b", "SMISMEMBER noset a b", "SISMEMBER noset a", "SCARD noset", "SMEMBERS noset",
		"SADD s", "SREM s", "SMISMEMBER s", "SISMEMBER s", "SCARD", "SMEMBERS",
		"SREM s a z", "SREM s z", "SREM noset a", "SCARD s", "DBSIZE",
		"SADD one x", "SMEMBERS one", "SRANDMEMBER one", "SRANDMEMBER one 1", "SRANDMEMBER one 5", "SRANDMEMBER one -3",
		"SRANDMEMBER one 0", "SRANDMEMBER one -1", "SPOP one 0", "SCARD one", "SPOP one", "GET one", "LPUSH one v",
		"SADD one2 x", "SPOP one2 1", "GET one2", "SADD one3 x", "SPOP one3 9223372036854775807", "GET one3",
		"SADD two x y", "SREM two x y z", "GET two", "LPUSH two v", "DBSIZE",
		// missing keys and counts
		"SPOP noset", "SPOP noset 0", "SPOP noset 3", "SPOP noset -1", "SPOP noset x", "SPOP noset 1 2",
		"SRANDMEMBER noset", "SRANDMEMBER noset 0", "SRANDMEMBER noset 3", "SRANDMEMBER noset -3",
		"SRANDMEMBER noset x", "SRANDMEMBER noset 1 2", "SRANDMEMBER noset -9223372036854775808",
		"SRANDMEMBER noset -9223372036854775807", "SRANDMEMBER noset 9223372036854775807", "SRANDMEMBER noset 1.0",
		"SPOP s -1", "SPOP s x", "SPOP s 1 2", "SRANDMEMBER s x", "SRANDMEMBER s 1 2", "SRANDMEMBER s -9223372036854775808",
		"DBSIZE",
		// WRONGTYPE
		"SET str v", "SADD str a", "SREM str a", "SMEMBERS str", "SISMEMBER str a", "SMISMEMBER str a", "SCARD str",
		"SPOP str", "SPOP str 0", "SPOP str 3", "SPOP str -1", "SRANDMEMBER str", "SRANDMEMBER str 0",
		"SRANDMEMBER str -2", "SRANDMEMBER str x", "GET str",
	))
}

// Input: SADD, SREM, SPOP, SISMEMBER, SMISMEMBER, SCARD and SMEMBERS at
// random on a few sets, with SMEMBERS compared sorted and SPOP's popped
// member mirrored on Redis by SREM. Expected: the same contents as
// redis-server 7.0 at every step.
func TestSetRandomMatchesRedis(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	ours := dialRaw(t, startServer(t, newTestServer(t)))
	redis := dialRedis(t)
	for i := 0; i < 3000; i++ {
		k := fmt.Sprintf("s%d", rng.IntN(3))
		m := strconv.Itoa(rng.IntN(30))
		var cmd []string
		switch rng.IntN(8) {
		case 0, 1:
			cmd = []string{"SADD", k, m, strconv.Itoa(rng.IntN(30)), "x" + m}
		case 2:
			cmd = []string{"SREM", k, m, "x" + m}
		case 3:
			// Pop here, then remove the same member on Redis.
			got := ours.do("SPOP", k)
			r, _, err := resp.ReadReply([]byte(got))
			if err != nil {
				t.Fatal(err)
			}
			if r.Null {
				cmd = []string{"SCARD", k}
			} else if want := redis.do("SREM", k, string(r.Str)); want != ":1\r\n" {
				t.Fatalf("command %d: SPOP %s gave %q, which Redis's set lacks (%q)", i, k, r.Str, want)
			} else {
				continue
			}
		case 4:
			cmd = []string{"SISMEMBER", k, m}
		case 5:
			cmd = []string{"SMISMEMBER", k, m, "x" + m, "nope"}
		case 6:
			cmd = []string{"SCARD", k}
		case 7:
			g, w := sortedReply(t, ours.do("SMEMBERS", k), false), sortedReply(t, redis.do("SMEMBERS", k), false)
			if !slices.Equal(g, w) {
				t.Fatalf("command %d SMEMBERS %s:\n ours:  %q\n redis: %q", i, k, g, w)
			}
			continue
		}
		if got, want := ours.do(cmd...), redis.do(cmd...); got != want {
			t.Fatalf("command %d %q:\n ours:  %q\n redis: %q", i, cmd, got, want)
		}
	}
	if got, want := ours.do("DBSIZE"), redis.do("DBSIZE"); got != want {
		t.Fatalf("DBSIZE: ours %q, redis %q", got, want)
	}
}

// setMembers runs SMEMBERS in memory and returns the members sorted.
func setMembers(t *testing.T, s *server, key string) []string {
	t.Helper()
	return sortedReply(t, s.exec("SMEMBERS", key), false)
}

// Input: SPOP and SRANDMEMBER with and without counts (positive, larger
// than the set, negative) on a 20-member set, in memory. Expected: the
// counts Redis gives, members drawn from the set, distinct for positive
// counts, popped members gone from the set, and the key deleted once SPOP
// has taken everything.
func TestSetRandomCommands(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	var all []string
	for i := 0; i < 20; i++ {
		all = append(all, fmt.Sprintf("m%02d", i))
	}
	s.exec(append([]string{"SADD", "s"}, all...)...)
	slices.Sort(all)
	in := func(m string) bool { _, ok := slices.BinarySearch(all, m); return ok }
	parse := func(raw string) []string { return sortedReply(t, raw, false) }

	for i := 0; i < 50; i++ {
		r, _, _ := resp.ReadReply([]byte(s.exec("SRANDMEMBER", "s")))
		if !in(string(r.Str)) {
			t.Fatalf("SRANDMEMBER gave %q", r.Str)
		}
		got := parse(s.exec("SRANDMEMBER", "s", "7"))
		if len(got) != 7 || len(slices.Compact(slices.Clone(got))) != 7 {
			t.Fatalf("SRANDMEMBER s 7 = %q, want 7 distinct members", got)
		}
		for _, m := range got {
			if !in(m) {
				t.Fatalf("SRANDMEMBER gave %q", m)
			}
		}
		got = parse(s.exec("SRANDMEMBER", "s", "-30"))
		if len(got) != 30 {
			t.Fatalf("SRANDMEMBER s -30 gave %d members", len(got))
		}
		for _, m := range got {
			if !in(m) {
				t.Fatalf("SRANDMEMBER gave %q", m)
			}
		}
	}
	if got := parse(s.exec("SRANDMEMBER", "s", "100")); !slices.Equal(got, all) {
		t.Fatalf("SRANDMEMBER s 100 = %q", got)
	}
	if got := setMembers(t, s, "s"); !slices.Equal(got, all) {
		t.Fatalf("SRANDMEMBER changed the set: %q", got)
	}

	// SPOP
	left := slices.Clone(all)
	popped := parse(s.exec("SPOP", "s", "5"))
	r, _, _ := resp.ReadReply([]byte(s.exec("SPOP", "s")))
	popped = append(popped, string(r.Str))
	for _, m := range popped {
		i, ok := slices.BinarySearch(left, m)
		if !ok {
			t.Fatalf("SPOP gave %q, not in %q", m, left)
		}
		left = slices.Delete(left, i, i+1)
	}
	if got := setMembers(t, s, "s"); !slices.Equal(got, left) {
		t.Fatalf("after SPOP: %q, want %q", got, left)
	}
	if got := parse(s.exec("SPOP", "s", "14")); !slices.Equal(got, left) {
		t.Fatalf("SPOP s 14 = %q, want %q", got, left)
	}
	if got := s.exec("GET", "s"); got != "$-1\r\n" {
		t.Fatalf("GET of an emptied set = %q", got)
	}
	if got := s.exec("SCARD", "s"); got != ":0\r\n" {
		t.Fatalf("SCARD = %q", got)
	}
}

// Input: SADD of a member already present, SISMEMBER, SMISMEMBER and
// SCARD through the command path. Expected: no allocation.
func TestSetAllocs(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	s.exec("SADD", "s", "a", "b", "c")
	c := benchClient(s)
	for _, cmd := range [][]string{
		{"SADD", "s", "a"}, {"SISMEMBER", "s", "b"}, {"SMISMEMBER", "s", "a", "z"}, {"SCARD", "s"},
		{"SRANDMEMBER", "s", "2"}, {"SMEMBERS", "s"},
	} {
		batch := resp.AppendCommand(nil, cmd...)
		if n := testing.AllocsPerRun(1000, func() { feed(s, c, batch) }); n != 0 {
			t.Errorf("%v: %v allocs", cmd, n)
		}
	}
}

// Input: a set grown to 1000 members, then cut down by SREM to 10 (the
// member array and the map are rebuilt smaller on the way). Expected: the
// 10 members left, found by SISMEMBER and listed by SMEMBERS.
func TestSetShrink(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	for i := 0; i < 1000; i++ {
		s.exec("SADD", "s", fmt.Sprintf("m%03d", i))
	}
	for i := 10; i < 1000; i++ {
		s.exec("SREM", "s", fmt.Sprintf("m%03d", i))
	}
	if st := s.db.dict["s"].ptr.(*set); cap(st.members) > 64 {
		t.Errorf("members keep a capacity of %d for %d members", cap(st.members), st.len())
	}
	var want []string
	for i := 0; i < 10; i++ {
		m := fmt.Sprintf("m%03d", i)
		if got := s.exec("SISMEMBER", "s", m); got != ":1\r\n" {
			t.Errorf("SISMEMBER s %s = %q", m, got)
		}
		want = append(want, m)
	}
	if got := setMembers(t, s, "s"); !slices.Equal(got, want) {
		t.Errorf("SMEMBERS = %q, want %q", got, want)
	}
}
