package main

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// Input: LPOS with RANK (positive, negative, zero, past the matches,
// MinInt64), COUNT (0, 1, more than the matches, negative), MAXLEN and
// their combinations, bad numbers and options, a missing key with and
// without COUNT; LINSERT BEFORE and AFTER at the head, the middle and the
// tail, with a missing pivot, on a missing key, with a bad position word;
// both on WRONGTYPE and with wrong arity. Expected: the same reply bytes
// as redis-server 7.0, and the same lists after.
func TestListOpsMatchRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"RPUSH l a b c 1 2 3 c c", "LPOS l c", "LPOS l c RANK 2", "LPOS l c RANK -1", "LPOS l c RANK -3", "LPOS l c RANK 4",
		"LPOS l c RANK -4", "LPOS l c COUNT 0", "LPOS l c COUNT 2", "LPOS l c COUNT 10", "LPOS l c COUNT 0 RANK -1",
		"LPOS l c COUNT 2 RANK 2", "LPOS l c MAXLEN 3", "LPOS l c MAXLEN 2", "LPOS l c COUNT 0 MAXLEN 7",
		"LPOS l c RANK -1 MAXLEN 1", "LPOS l c RANK -1 MAXLEN 2 COUNT 0", "LPOS l z", "LPOS l z COUNT 0", "LPOS l 1",
		"LPOS l c RANK 0", "LPOS l c RANK x", "LPOS l c RANK -9223372036854775808", "LPOS l c RANK 9223372036854775807",
		"LPOS l c RANK -9223372036854775807", "LPOS l c COUNT -1", "LPOS l c COUNT x", "LPOS l c MAXLEN -1",
		"LPOS l c MAXLEN x", "LPOS l c RANK", "LPOS l c COUNT", "LPOS l c BAD", "LPOS l c BAD 1", "LPOS l",
		"LPOS missing a", "LPOS missing a COUNT 1", "LPOS missing a RANK 0", "LPOS missing a COUNT -1",
		"SET str v", "LPOS str a", "LPOS str a COUNT 1", "LINSERT str BEFORE a b",
		"LINSERT l BEFORE a x", "LINSERT l AFTER a y", "LINSERT l AFTER 3 z", "LINSERT l AFTER c tail", "LINSERT l BEFORE c mid",
		"LINSERT l after tail end", "LINSERT l before x begin", "LRANGE l 0 -1", "LINSERT l BEFORE nope v",
		"LINSERT l MIDDLE a v", "LINSERT missing BEFORE a v", "EXISTS missing", "LINSERT missing BAD a v",
		"LINSERT l BEFORE a", "LINSERT l BEFORE a b c", "LINSERT l BEFORE \"\" v", "RPUSH e \"\"", "LINSERT e BEFORE \"\" v",
		"LRANGE e 0 -1", "LLEN l",
	))
}

// Input: 2,000 random LINSERT, LPOS (random RANK, COUNT, MAXLEN), LPUSH,
// RPUSH, LREM and LPOP over two lists of few distinct values, from a
// fixed seed. Expected: the same replies as redis-server 7.0 at every
// step, and the same lists at the end.
func TestListOpsRandomMatchRedis(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2))
	var seq [][]string
	for i := 0; i < 2000; i++ {
		k := "l" + strconv.Itoa(rng.IntN(2))
		v := strconv.Itoa(rng.IntN(6))
		switch rng.IntN(6) {
		case 0:
			seq = append(seq, []string{"LINSERT", k, []string{"BEFORE", "AFTER"}[rng.IntN(2)], v, strconv.Itoa(rng.IntN(6))})
		case 1, 2:
			cmd := []string{"LPOS", k, v}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "RANK", strconv.Itoa([]int{1, 2, 3, -1, -2, -5}[rng.IntN(6)]))
			}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "COUNT", strconv.Itoa(rng.IntN(4)))
			}
			if rng.IntN(3) == 0 {
				cmd = append(cmd, "MAXLEN", strconv.Itoa(rng.IntN(10)))
			}
			seq = append(seq, cmd)
		case 3:
			seq = append(seq, []string{"RPUSH", k, v, strconv.Itoa(rng.IntN(6))})
		case 4:
			seq = append(seq, []string{"LPUSH", k, v})
		case 5:
			if rng.IntN(2) == 0 {
				seq = append(seq, []string{"LREM", k, strconv.Itoa(rng.IntN(5) - 2), v})
			} else {
				seq = append(seq, []string{"LPOP", k})
			}
		}
	}
	seq = append(seq, []string{"LRANGE", "l0", "0", "-1"}, []string{"LRANGE", "l1", "0", "-1"})
	diffRedis(t, startServer(t, newTestServer(t)), seq)
}

// Input: WATCH of a list, then LINSERT that inserts, and one whose pivot
// is missing, from another client. Expected: EXEC aborted after the
// first, run after the second.
func TestLinsertTouchesWatch(t *testing.T) {
	addr := startServer(t, newTestServer(t))
	a, b := dialRaw(t, addr), dialRaw(t, addr)
	b.do("RPUSH", "w", "p")
	for _, tc := range []struct {
		pivot   string
		aborted bool
	}{{"p", true}, {"nope", false}} {
		a.do("WATCH", "w")
		b.do("LINSERT", "w", "BEFORE", tc.pivot, "x")
		a.do("MULTI")
		if got := a.do("EXEC"); (got == "*-1\r\n") != tc.aborted {
			t.Errorf("LINSERT pivot %s: EXEC = %q, want aborted %v", tc.pivot, got, tc.aborted)
		}
	}
}
