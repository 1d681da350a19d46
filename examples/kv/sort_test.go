package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
)

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return v
}

// Input: SORT and SORT_RO of lists, intsets, hashtable sets and sorted
// sets (listpack and skiplist) with every option: numeric and ALPHA,
// ASC/DESC, LIMIT (negative, past the end, zero count), BY a pattern, BY
// a constant (nosort) and BY hash fields (->), GET # and patterns and
// hash fields (missing ones: null, or "" when stored), STORE (over a key
// with a TTL, an empty result deleting it); and the errors: scores that
// are not doubles ("1x", "nan", "1e400", "  "), bad LIMIT, syntax, wrong
// type, SORT_RO with STORE. Expected: redis-server's replies, and after a
// SORT a listpack sorted set reports skiplist as in Redis.
func TestSortMatchesRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"RPUSH l 3 1 2 10 -1 1.5 0x10 \"\" 2", "SORT l", "SORT l DESC", "SORT l ALPHA", "SORT l ALPHA DESC",
		"SORT l LIMIT 0 3", "SORT l LIMIT 2 3", "SORT l LIMIT -5 2", "SORT l LIMIT 1 -1", "SORT l LIMIT 100 2", "SORT l LIMIT 1 0",
		"SORT l BY nosort", "SORT l BY nosort DESC", "SORT l BY nosort LIMIT 1 3", "SORT l BY nosort DESC LIMIT 1 3",
		"SORT l BY nosort LIMIT 8 5", "SORT l BY nosort LIMIT 9 5", "SORT l BY nosort DESC LIMIT 20 5",
		"MSET w_3 30 w_1 10 w_2 5 w_10 0", "SORT l BY w_*", "SORT l BY w_* DESC", "SORT l BY w_* ALPHA",
		"SORT l BY w_* GET # GET w_*", "SORT l BY w_* LIMIT 1 2 GET w_* GET #", "SORT l GET nosuch_*", "SORT l GET noconst",
		"HSET h_1 f 9 g a", "HSET h_2 f 1 g b", "HSET h_3 f 5", "SORT l BY h_*->f GET h_*->g GET # GET h_*->f",
		"SORT l BY h_*->f ALPHA GET h_*->g", "SORT l BY h_*-> GET h_*->", "SORT l GET h_*->nofield", "SORT l GET w_*->f",
		"SORT l BY w_*->f", "SORT l GET #", "SORT l GET # GET #",
		"SORT l STORE dst", "LRANGE dst 0 -1", "TYPE dst", "SET dst2 x EX 100", "SORT l GET h_*->g STORE dst2",
		"LRANGE dst2 0 -1", "TTL dst2", "SORT nosuch STORE dst2", "EXISTS dst2", "SORT l LIMIT 100 1 STORE dst", "EXISTS dst",
		"SORT nosuch", "SORT nosuch ALPHA LIMIT 0 1", "SORT_RO l", "SORT_RO l STORE x", "SORT_RO l BY w_* GET #",
		"SADD si 5 3 9 1 100 -2", "SORT si", "SORT si DESC LIMIT 0 2", "SORT si BY nosort", "SORT si BY nosort STORE sd",
		"LRANGE sd 0 -1", "SORT si ALPHA", "SORT si BY nosort ALPHA DESC STORE sd", "LRANGE sd 0 -1",
		"SADD sh b a c 1 10 2", "SORT sh ALPHA", "SORT sh ALPHA DESC LIMIT 1 2", "SORT sh BY nosort STORE sd2",
		"LRANGE sd2 0 -1", "SORT sh",
		"ZADD z 3 c 1 a 2 b 0 d", "OBJECT ENCODING z", "SORT z ALPHA", "OBJECT ENCODING z", "SORT z BY nosort",
		"SORT z BY nosort DESC", "SORT z BY nosort LIMIT 1 2", "SORT z BY nosort DESC LIMIT 1 2", "SORT z BY nosort LIMIT 3 10",
		"SORT z BY nosort LIMIT 4 10", "ZADD z2 1 x", "SORT_RO z2 BY nosort", "OBJECT ENCODING z2",
		"RPUSH ok 1e-300 \" 5\" 0x1p3 inf -inf", "SORT ok",
		"RPUSH bad 1 1x", "SORT bad", "RPUSH bad2 nan", "SORT bad2", "RPUSH bad4 \"  \"", "SORT bad4", "SORT bad ALPHA",
		"SORT l LIMIT", "SORT l LIMIT 1", "SORT l LIMIT a 1", "SORT l LIMIT 1 b",
		"SORT l FOO", "SORT l BY", "SORT l GET", "SORT l STORE", "SORT", "SET str v", "SORT str", "SORT l BY nosort GET str",
		"HSET hh a 1", "SORT hh", "SORT l ASC DESC ASC", "SORT l DESC ASC", "SORT l STORE a STORE b", "EXISTS a", "LRANGE b 0 -1",
		"SORT l BY w_* STORE a BY nosort", "LRANGE a 0 -1",
		// Last: Redis tests strtod's errno without clearing it first, so
		// after an ERANGE its next SORTs may fail too until a system call
		// sets errno again; kv does not copy that.
		"RPUSH bad3 1e400", "SORT bad3", "RPUSH bad5 1e-400", "SORT bad5",
	))
}

// Input: random lists, sets and sorted sets (fixed seeds) of numbers,
// words and repeated values, with random weight keys and hash fields
// for some elements, sorted with random combinations of BY, GET, LIMIT,
// ASC/DESC, ALPHA and STORE. Expected: redis-server's replies for every
// command. (Sets are intsets or sorted with ALPHA, sorted sets sorted by
// a total order, so that iteration order, which differs, never shows.)
func TestSortRandomMatchesRedis(t *testing.T) {
	s := newTestServer(t)
	rng := rand.New(rand.NewPCG(15, 6))
	var c [][]string
	for round := 0; round < 60; round++ {
		key := "k" + strconv.Itoa(round)
		n := rng.IntN(40)
		elems := make([]string, n)
		for i := range elems {
			switch rng.IntN(3) {
			case 0:
				elems[i] = strconv.Itoa(rng.IntN(50) - 10)
			case 1:
				elems[i] = strconv.FormatFloat(rng.Float64()*100-50, 'f', 2, 64)
			default:
				elems[i] = strconv.Itoa(rng.IntN(30))
			}
		}
		typ := rng.IntN(3)
		switch {
		case n == 0:
		case typ == 0:
			c = append(c, append([]string{"RPUSH", key}, elems...))
		case typ == 1:
			c = append(c, append([]string{"SADD", key}, elems...))
		default:
			args := []string{"ZADD", key}
			for i, e := range elems {
				args = append(args, strconv.Itoa(i), e)
			}
			c = append(c, args)
		}
		for _, e := range elems {
			if rng.IntN(2) == 0 {
				c = append(c, []string{"SET", "w" + strconv.Itoa(round) + "_" + e, strconv.Itoa(rng.IntN(5))})
			}
			if rng.IntN(2) == 0 {
				c = append(c, []string{"HSET", "h" + strconv.Itoa(round) + "_" + e, "f", strconv.Itoa(rng.IntN(5)), "g", "v" + e})
			}
		}
		for q := 0; q < 6; q++ {
			args := []string{"SORT", key}
			alpha := rng.IntN(2) == 0
			switch rng.IntN(4) {
			case 0:
				args = append(args, "BY", "w"+strconv.Itoa(round)+"_*")
			case 1:
				args = append(args, "BY", "h"+strconv.Itoa(round)+"_*->f")
			case 2:
				if typ != 1 {
					args = append(args, "BY", "nosort")
				}
			}
			limit := rng.IntN(2) == 0
			if limit {
				args = append(args, "LIMIT", strconv.Itoa(rng.IntN(20)-3), strconv.Itoa(rng.IntN(20)-3))
			}
			for g := rng.IntN(3); g > 0; g-- {
				args = append(args, "GET", []string{"#", "w" + strconv.Itoa(round) + "_*", "h" + strconv.Itoa(round) + "_*->g"}[rng.IntN(3)])
			}
			if rng.IntN(2) == 0 {
				args = append(args, "DESC")
			}
			if alpha {
				args = append(args, "ALPHA")
			}
			// ALPHA with BY keeps ties in their input order (glibc's qsort
			// is a merge sort), which for a sorted set's dict and a
			// hashtable set is not the same here; with a LIMIT, Redis's
			// pqsort leaves ties in an order of its own (see sort.go).
			if alpha && args[2] == "BY" && args[3] != "nosort" && (typ != 0 || limit) {
				continue
			}
			if rng.IntN(3) == 0 {
				args = append(args, "STORE", "dst")
				c = append(c, args, []string{"LRANGE", "dst", "0", "-1"})
			} else {
				c = append(c, args)
			}
		}
	}
	diffRedis(t, startServer(t, s), c)
}

// Input: a list of 1,000,000 elements (100,000 under -race), each with a
// weight key, sorted BY the weights with two GET patterns (2,000,000
// reply entries, 3,000,000 lookups), from one
// client, and a PING from a second client sent while it runs. Expected:
// the SORT's reply complete and in order, the second client answered, and
// the server still serving afterwards.
func TestSortMillionWithGetPatterns(t *testing.T) {
	if testing.Short() {
		t.Skip("a million-element SORT")
	}
	s := newTestServer(t)
	addr := startServer(t, s)
	a := dialRaw(t, addr)
	n, batch := 1000000, 10000
	if raceEnabled {
		n, batch = 100000, 1000 // the race detector slows every step ~20 times
	}
	for base := 0; base < n; base += batch {
		var b strings.Builder
		fmt.Fprintf(&b, "*%d\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n", batch+2)
		for i := base; i < base+batch; i++ {
			v := strconv.Itoa(i)
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(v), v)
		}
		a.send(b.String())
		a.reply()
		var m strings.Builder
		fmt.Fprintf(&m, "*%d\r\n$4\r\nMSET\r\n", 1+2*batch)
		for i := base; i < base+batch; i++ {
			k, v := "w_"+strconv.Itoa(i), strconv.Itoa(n-i)
			fmt.Fprintf(&m, "$%d\r\n%s\r\n$%d\r\n%s\r\n", len(k), k, len(v), v)
		}
		a.send(m.String())
		a.reply()
	}
	// The reply is read as a stream (rawConn.reply reparses its buffer
	// at each read, which for 3,000,000 entries takes minutes).
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Minute))
	conn.Write(resp.AppendCommand(nil, "SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*", "ALPHA"))
	b := dialRaw(t, addr)
	done := make(chan string, 1)
	go func() { done <- b.do("PING") }()
	r := bufio.NewReaderSize(conn, 1<<16)
	line := func() string {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the SORT reply: %v", err)
		}
		return strings.TrimSuffix(l, "\r\n")
	}
	if h := line(); h != "*"+strconv.Itoa(2*n) {
		t.Fatalf("SORT reply header %q", h)
	}
	// ALPHA by the weights n-i: "1" < "10" < "100" < ... < "2" ...; the
	// order is that of the weights as strings.
	prev := ""
	for i := 0; i < n; i++ {
		line() // $len of the element
		elem := line()
		line()
		w := line()
		if want := strconv.Itoa(n - mustAtoi(t, elem)); w != want {
			t.Fatalf("entry %d: element %s with weight %q, want %q", i, elem, w, want)
		}
		if w < prev {
			t.Fatalf("entry %d: weight %q after %q", i, w, prev)
		}
		prev = w
	}
	select {
	case got := <-done:
		if got != "+PONG\r\n" {
			t.Fatalf("second client got %q", got)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("second client not served")
	}
	if got := a.do("LLEN", "l"); got != ":"+strconv.Itoa(n)+"\r\n" {
		t.Fatalf("LLEN after SORT = %q", got)
	}
}
