package main

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/goae/goae/internal/resp"
)

// Input: every list command with normal use, counts, negative and
// out-of-range indexes, bad integers, wrong arity, WRONGTYPE, missing keys
// and lists emptied by each removing command (observed with DBSIZE, GET
// and SADD on the key: nil and 1 once the key is gone, WRONGTYPE while it
// is a list). Expected: the same reply bytes as redis-server 7.0.
func TestListCommandsMatchRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		// push, length, range
		"LPUSH l a", "LPUSH l b c", "RPUSH l x y z", "LLEN l", "LRANGE l 0 -1", "LRANGE l 1 3",
		"LRANGE l -3 -1", "LRANGE l -100 100", "LRANGE l 5 2", "LRANGE l 6 10", "LRANGE l -1 -2",
		"LRANGE l 0 0", "LRANGE l -9223372036854775808 9223372036854775807", "LRANGE l 0 9223372036854775808",
		"LRANGE l a 1", "LRANGE l 0 b", "LRANGE nolist 0 -1", "LRANGE nolist a 1", "LLEN nolist",
		"RPUSH e \"\"", "LRANGE e 0 -1", "LPUSH", "LPUSH l", "RPUSH l",
		// X variants
		"LPUSHX nolist a", "RPUSHX nolist a b", "LLEN nolist", "DBSIZE", "LPUSHX l front", "RPUSHX l back1 back2", "LRANGE l 0 -1",
		"LPUSHX l", "RPUSHX l",
		// LINDEX, LSET
		"LINDEX l 0", "LINDEX l -1", "LINDEX l 3", "LINDEX l 100", "LINDEX l -100", "LINDEX l x", "LINDEX nolist 0",
		"LINDEX nolist x", "LINDEX l", "LSET l 0 first", "LSET l -1 last", "LSET l 4 middle", "LSET l 100 v",
		"LSET l -100 v", "LSET l x v", "LSET nolist 0 v", "LSET nolist x v", "LRANGE l 0 -1", "LSET l 2 \"a much longer value than before\"",
		"LSET l 2 s", "LINDEX l 2",
		// LPOP, RPOP
		"LPOP l", "RPOP l", "LPOP l 2", "RPOP l 2", "LPOP l 0", "RPOP l 0", "LRANGE l 0 -1", "LPOP l -1", "LPOP l x",
		"LPOP l 1 2", "RPOP l 1.5", "LPOP nolist", "RPOP nolist", "LPOP nolist 0", "LPOP nolist 3", "RPOP nolist 3",
		"LPOP nolist -1", "LPOP l 100", "LLEN l", "GET l", "SADD l m",
		"RPUSH p 1 2 3", "RPOP p 3", "GET p", "SADD p m",
		"RPUSH q 1", "LPOP q", "GET q", "RPUSH q 1", "RPOP q", "SADD q m", "DBSIZE",
		"RPUSH big 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19", "LPOP big 7", "RPOP big 7", "LRANGE big 0 -1",
		"RPOP big 9223372036854775807", "LLEN big",
		// LREM
		"RPUSH r a b a c a b a", "LREM r 0 zz", "LREM r 2 a", "LRANGE r 0 -1", "LREM r -1 b", "LRANGE r 0 -1",
		"LREM r -9223372036854775808 a", "LRANGE r 0 -1", "LREM r 0 b", "LRANGE r 0 -1", "LREM r 1 c", "LRANGE r 0 -1",
		"GET r", "SADD r m", "LREM r x a", "LREM nolist 1 a", "LREM nolist x a", "LREM r 1",
		"RPUSH r2 x x x", "LREM r2 0 x", "GET r2", "DBSIZE",
		// LTRIM
		"RPUSH t 0 1 2 3 4 5 6 7 8 9", "LTRIM t 1 -2", "LRANGE t 0 -1", "LTRIM t -3 100", "LRANGE t 0 -1",
		"LTRIM t 0 0", "LRANGE t 0 -1", "LTRIM t 1 0", "LLEN t", "GET t", "SADD t m",
		"RPUSH t2 a b c", "LTRIM t2 5 10", "GET t2", "RPUSH t3 a b c", "LTRIM t3 -1 -2", "GET t3",
		"RPUSH t4 a b c", "LTRIM t4 -100 -100", "GET t4", "RPUSH t5 a b c", "LTRIM t5 -100 0", "LRANGE t5 0 -1",
		"LTRIM nolist 0 1", "DBSIZE", "LTRIM t5 x 1", "LTRIM t5 0 y", "LTRIM nolist x 1", "LTRIM t5 0",
		// WRONGTYPE on every command
		"SET str v", "LPUSH str a", "RPUSH str a", "LPUSHX str a", "RPUSHX str a", "LPOP str", "RPOP str 2",
		"LPOP str 0", "LPOP str -1", "LRANGE str 0 -1", "LRANGE str x 1", "LLEN str", "LINDEX str 0", "LINDEX str x",
		"LSET str 0 v", "LSET str x v", "LREM str 0 v", "LREM str x v", "LTRIM str 0 1", "LTRIM str x 1",
		"GET str", "DBSIZE",
	))
}

// Input: a few thousand random pushes, pops (with and without counts),
// LSET, LREM, LTRIM, LINDEX and LRANGE on three keys, fixed seed.
// Expected: every reply as redis-server 7.0's.
func TestListRandomMatchesRedis(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{"la", "lb", "lc"}
	vals := []string{"a", "b", "c", "d", ""}
	idx := func() string { return strconv.Itoa(rng.IntN(30) - 15) }
	var list [][]string
	for i := 0; i < 4000; i++ {
		k := keys[rng.IntN(len(keys))]
		v := vals[rng.IntN(len(vals))]
		var cmd []string
		switch rng.IntN(13) {
		case 0, 1:
			cmd = []string{"LPUSH", k, v, vals[rng.IntN(len(vals))]}
		case 2, 3:
			cmd = []string{"RPUSH", k, v}
		case 4:
			cmd = []string{"LPOP", k}
		case 5:
			cmd = []string{"RPOP", k, strconv.Itoa(rng.IntN(4))}
		case 6:
			cmd = []string{"LSET", k, idx(), v}
		case 7:
			cmd = []string{"LREM", k, strconv.Itoa(rng.IntN(5) - 2), v}
		case 8:
			if rng.IntN(4) == 0 {
				cmd = []string{"LTRIM", k, idx(), idx()}
			} else {
				cmd = []string{"LLEN", k}
			}
		case 9:
			cmd = []string{"LINDEX", k, idx()}
		case 10, 11:
			cmd = []string{"LRANGE", k, idx(), idx()}
		case 12:
			cmd = []string{"LPUSHX", k, v}
		}
		list = append(list, cmd)
		if i%100 == 99 {
			list = append(list, []string{"LRANGE", k, "0", "-1"}, []string{"DBSIZE"})
		}
	}
	diffRedis(t, startServer(t, newTestServer(t)), list)
}

// Input: the ring buffer pushed at both ends past several growths, then
// drained, with LRANGE checked against a plain slice model all along.
// Expected: the same elements in the same order, and a buffer that shrinks
// back once drained.
func TestListDequeModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var l list
	var model []string
	check := func() {
		t.Helper()
		if l.len() != len(model) {
			t.Fatalf("len %d, model %d", l.len(), len(model))
		}
		for i, want := range model {
			if got := string(l.at(i)); got != want {
				t.Fatalf("at(%d) = %q, want %q", i, got, want)
			}
		}
	}
	for i := 0; i < 5000; i++ {
		v := strconv.Itoa(i)
		switch r := rng.IntN(10); {
		case r < 3:
			l.pushFront([]byte(v))
			model = append([]string{v}, model...)
		case r < 6:
			l.pushBack([]byte(v))
			model = append(model, v)
		case r < 8 && len(model) > 0:
			if got := string(l.popFront()); got != model[0] {
				t.Fatalf("popFront = %q, want %q", got, model[0])
			}
			model = model[1:]
			l.shrink()
		case len(model) > 0:
			if got := string(l.popBack()); got != model[len(model)-1] {
				t.Fatalf("popBack = %q, want %q", got, model[len(model)-1])
			}
			model = model[:len(model)-1]
			l.shrink()
		}
		if i%97 == 0 {
			check()
		}
	}
	check()
	for l.len() > 0 {
		l.popBack()
		l.shrink()
	}
	if len(l.buf) > listMinCap {
		t.Fatalf("drained list keeps a buffer of %d", len(l.buf))
	}
}

// Input: LPUSH then RPOP of one element on a list that already exists,
// LRANGE 0 9 of a 100-element list, LINDEX and LLEN, through the whole
// command path. Expected: no allocation but the pushed element's copy for
// LPUSH, none at all for the others.
func TestListAllocs(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	for i := 0; i < 100; i++ {
		s.exec("RPUSH", "l", "element-"+strconv.Itoa(i))
	}
	c := benchClient(s)
	push, pop := resp.AppendCommand(nil, "LPUSH", "l", "value"), resp.AppendCommand(nil, "RPOP", "l")
	if n := testing.AllocsPerRun(1000, func() { feed(s, c, push); feed(s, c, pop) }); n != 1 {
		t.Errorf("LPUSH+RPOP: %v allocs", n)
	}
	if got := s.exec("LLEN", "l"); got != ":100\r\n" {
		t.Errorf("LLEN after the pushes and pops = %q", got)
	}
	for _, cmd := range [][]string{{"LRANGE", "l", "0", "9"}, {"LINDEX", "l", "-1"}, {"LLEN", "l"}, {"LRANGE", "nolist", "0", "-1"}} {
		batch := resp.AppendCommand(nil, cmd...)
		if n := testing.AllocsPerRun(1000, func() { feed(s, c, batch) }); n != 0 {
			t.Errorf("%v: %v allocs", cmd, n)
		}
	}
}

// BenchmarkListPushPop measures LPUSH then RPOP of one element (the queue
// pattern) and LRANGE of 100 elements through the command path.
func BenchmarkListPushPop(b *testing.B) {
	s := newTestServer(b)
	defer s.close()
	for i := 0; i < 100; i++ {
		s.exec("RPUSH", "l", "element-"+strconv.Itoa(i))
	}
	for _, bc := range []struct {
		name    string
		batches [][]byte // one command each: feed runs one command per call here
	}{
		{"LPUSH+RPOP", [][]byte{resp.AppendCommand(nil, "LPUSH", "l", "value"), resp.AppendCommand(nil, "RPOP", "l")}},
		{"LRANGE_100", [][]byte{resp.AppendCommand(nil, "LRANGE", "l", "0", "99")}},
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
